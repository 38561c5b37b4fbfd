import http from 'node:http';
import https from 'node:https';
import {
  type ChatPostMessageArguments,
  type ChatPostMessageResponse,
  type RetryOptions,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';

export interface MessagePosterOptions {
  /** Slack's Web API base, as `WebClient`'s `slackApiUrl` (`https://slack.com/api/`). */
  apiUrl: string;
  token: string;
  /** Give up on one attempt after this long (default 5 s, as the workers' `WebClient`). */
  timeoutMs?: number;
  /** Retries of a 5xx or a failed request, with `WebClient`'s meaning (default 2, 250 ms then doubled, at most 1 s). */
  retryConfig?: RetryOptions;
  /** Kept-alive connections to Slack at most (default 100). */
  maxSockets?: number;
}

/** `chat.postMessage`, and only that, for the nudge worker's hot path (see {@link createMessagePoster}). */
export interface MessagePoster {
  postMessage(args: ChatPostMessageArguments): Promise<ChatPostMessageResponse>;
  close(): void;
}

/** How long a kept-alive connection may sit unused before it is closed. */
const IDLE_SOCKET_MS = 15_000;
/** The workers' retries of a Slack call (their `WebClient` takes the same): two, 250 ms then doubled, at most 1 s. */
export const WORKER_SLACK_RETRIES: RetryOptions = {
  retries: 2,
  factor: 2,
  minTimeout: 250,
  maxTimeout: 1_000,
};

/**
 * `chat.postMessage` with a JSON body over a kept-alive `node:http(s)` connection, answering as
 * `WebClient` does with `rejectRateLimitedCalls`: the message's response, or the SDK's own errors
 * (`WebAPIRateLimitedError` for a 429 with its Retry-After, never waited for here;
 * `WebAPIPlatformError` for `ok: false`; `WebAPIHTTPError` and `WebAPIRequestError` once the
 * retries of a 5xx, a timeout or a dropped connection are spent), so callers classify them with
 * src/slack/slack-errors.ts whichever client made the call. One difference: another 4xx (or a
 * 429 without Retry-After) is not retried here, as the same request cannot fare better. The
 * timeout is the socket's: no answer for that long, not the whole exchange.
 *
 * Why not `WebClient`: the nudge worker sends one message per recipient and is CPU-bound in a
 * burst. `WebClient.apiCall` makes, whatever the log level, three redacted deep copies (the body,
 * the headers, the answer, which echoes the message's blocks) and their JSON for debug lines,
 * form-encodes every argument, and runs each call through p-queue, p-retry and an
 * `AbortSignal.timeout`: about as much CPU as the HTTP exchange itself. Here the body is
 * serialised once, as JSON (which Slack accepts for write methods with the token in the
 * `Authorization` header), and the timeout is the socket's own. Every other call keeps `WebClient`.
 */
export function createMessagePoster(options: MessagePosterOptions): MessagePoster {
  const base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
  const url = new URL('chat.postMessage', base);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new TypeError(`unsupported Slack API URL ${options.apiUrl}`);
  const transport = secure ? https : http;
  // An idle kept-alive connection is closed after a while, rather than found closed by Slack's
  // side when it is next used (a failed attempt and a retry, with the batch's locks held).
  const agent = new transport.Agent({
    keepAlive: true,
    maxSockets: options.maxSockets ?? 100,
    timeout: IDLE_SOCKET_MS,
  });
  const timeoutMs = options.timeoutMs ?? 5_000;
  const retry = { ...WORKER_SLACK_RETRIES, ...options.retryConfig };
  const authorization = `Bearer ${options.token}`;

  const attempt = (body: string): Promise<ChatPostMessageResponse> =>
    new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(body),
            Authorization: authorization,
            'User-Agent': 'panelist',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let ended = false;
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => reject(new WebAPIRequestError(error)));
          // A response cut short (a reset, the timeout below) closes without 'end'.
          res.on('close', () => {
            if (!ended)
              reject(new WebAPIRequestError(new Error(`the answer from ${url.host} was cut short`)));
          });
          res.on('end', () => {
            ended = true;
            try {
              resolve(answer(res, Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)));
      req.on('error', (error) => reject(new WebAPIRequestError(error)));
      req.end(body);
    });

  return {
    async postMessage(args) {
      const body = JSON.stringify(args);
      for (let tries = 0; ; tries++) {
        try {
          return await attempt(body);
        } catch (error) {
          if (!worthRetrying(error) || tries >= (retry.retries ?? 0)) throw error;
          const wait = Math.min(
            (retry.minTimeout ?? 0) * (retry.factor ?? 2) ** tries,
            retry.maxTimeout ?? Number.POSITIVE_INFINITY,
          );
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    },
    close() {
      agent.destroy();
    },
  };
}

/** What Slack's answer means: the response, or the error `WebClient` would have thrown. */
function answer(res: http.IncomingMessage, text: string): ChatPostMessageResponse {
  const status = res.statusCode ?? 0;
  // A 429 without a usable Retry-After (a proxy's, say) is an HTTP error like any other, as
  // WebClient has it: the attempt counts, and BullMQ's backoff decides when to try again.
  const retryAfter =
    status === 429 ? Number.parseInt(String(res.headers['retry-after'] ?? ''), 10) : Number.NaN;
  if (Number.isFinite(retryAfter) && retryAfter >= 0) throw new WebAPIRateLimitedError(retryAfter);
  if (status !== 200) {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    throw new WebAPIHTTPError(status, res.statusMessage ?? '', headers, text);
  }
  let data: ChatPostMessageResponse;
  try {
    data = JSON.parse(text) as ChatPostMessageResponse;
  } catch {
    throw new WebAPIPlatformError({ ok: false, error: 'invalid_json_response' });
  }
  if (data.ok !== true)
    throw new WebAPIPlatformError({ ...data, ok: false, error: data.error ?? 'unknown_error' });
  return data;
}

/** A 5xx, a timeout or a connection that failed: the same call may well go through. */
function worthRetrying(error: unknown): boolean {
  if (error instanceof WebAPIRequestError) return true;
  return error instanceof WebAPIHTTPError && error.statusCode >= 500;
}
