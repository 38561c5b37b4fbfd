import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import {
  type ChatPostMessageArguments,
  type ChatPostMessageResponse,
  type RetryOptions,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { Pool } from 'undici';
import { SLACK_IDLE_SOCKET_MS } from './http-fetch.js';

export interface MessagePosterOptions {
  /** Slack's Web API base, as `WebClient`'s `slackApiUrl` (`https://slack.com/api/`). */
  apiUrl: string;
  token: string;
  /**
   * Give up on one attempt after this long without an answer (default 5 s, as the workers'
   * `WebClient`), and on connecting after this long too. Undici checks these timeouts about
   * twice a second: about half a second late (a timeout under a second takes about one).
   */
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

/** The workers' retries of a Slack call (their `WebClient` takes the same): two, 250 ms then doubled, at most 1 s. */
export const WORKER_SLACK_RETRIES: RetryOptions = {
  retries: 2,
  factor: 2,
  minTimeout: 250,
  maxTimeout: 1_000,
};

/**
 * `chat.postMessage` with a JSON body over kept-alive connections (an undici `Pool`), answering as
 * `WebClient` does with `rejectRateLimitedCalls`: the message's response, or the SDK's own errors
 * (`WebAPIRateLimitedError` for a 429 with its Retry-After, never waited for here;
 * `WebAPIPlatformError` for `ok: false`; `WebAPIHTTPError` and `WebAPIRequestError` once the
 * retries of a 5xx, a timeout or a dropped connection are spent), so callers classify them with
 * src/slack/slack-errors.ts whichever client made the call. One difference: another 4xx (or a
 * 429 without Retry-After) is not retried here, as the same request cannot fare better. The
 * timeouts are the connection's: to connect, then no answer (headers, or the next part of the
 * body) for that long, not the whole exchange.
 *
 * Why not `WebClient`: the nudge worker sends one message per recipient and is CPU-bound in a
 * burst. `WebClient.apiCall` makes, whatever the log level, three redacted deep copies (the body,
 * the headers, the answer, which echoes the message's blocks) and their JSON for debug lines,
 * form-encodes every argument, and runs each call through p-queue, p-retry and an
 * `AbortSignal.timeout`: about as much CPU as the HTTP exchange itself. Here the body is
 * serialised once, as JSON (which Slack accepts for write methods with the token in the
 * `Authorization` header). Every other call keeps `WebClient`.
 *
 * Why undici's `Pool.request` rather than `node:http`: a post to the Slack double, with a nudge's
 * usual 1 KB body and its echo, cost the caller 86–103 µs of CPU through it against 115–157 µs
 * through `http.request` with a kept-alive agent (three alternated runs of 10,000 posts, ten at a
 * time), as `http.request` builds a `ClientRequest`, an `IncomingMessage` and their streams, and
 * re-parses the URL and options, on every call.
 */
export function createMessagePoster(options: MessagePosterOptions): MessagePoster {
  const base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
  const url = new URL('chat.postMessage', base);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError(`unsupported Slack API URL ${options.apiUrl}`);
  const timeoutMs = options.timeoutMs ?? 5_000;
  // An idle kept-alive connection is closed after a while (sooner if Slack's Keep-Alive header
  // says so), rather than found closed by Slack's side when it is next used (a failed attempt and
  // a retry, with the batch's locks held).
  const pool = new Pool(url.origin, {
    connections: options.maxSockets ?? 100,
    keepAliveTimeout: SLACK_IDLE_SOCKET_MS,
    keepAliveMaxTimeout: SLACK_IDLE_SOCKET_MS,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const path = url.pathname;
  const retry = { ...WORKER_SLACK_RETRIES, ...options.retryConfig };
  let closed = false;
  const requestHeaders = {
    'content-type': 'application/json; charset=utf-8',
    authorization: `Bearer ${options.token}`,
    'user-agent': 'panelist',
  };

  const attempt = async (body: string): Promise<ChatPostMessageResponse> => {
    let status: number;
    let headers: IncomingHttpHeaders;
    let text: string;
    try {
      const res = await pool.request({
        path,
        method: 'POST',
        headers: requestHeaders,
        body,
      });
      status = res.statusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (error) {
      throw new WebAPIRequestError(error as Error);
    }
    return answer(status, headers, text);
  };

  return {
    async postMessage(args) {
      const body = JSON.stringify(args);
      for (let tries = 0; ; tries++) {
        try {
          return await attempt(body);
        } catch (error) {
          // A post cut off by close() is not tried again: the connections are gone for good.
          if (closed || !worthRetrying(error) || tries >= (retry.retries ?? 0)) throw error;
          const wait = Math.min(
            (retry.minTimeout ?? 0) * (retry.factor ?? 2) ** tries,
            retry.maxTimeout ?? Number.POSITIVE_INFINITY,
          );
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    },
    close() {
      closed = true;
      pool.destroy().catch(() => undefined);
    },
  };
}

/** What Slack's answer means: the response, or the error `WebClient` would have thrown. */
function answer(status: number, headers: IncomingHttpHeaders, text: string): ChatPostMessageResponse {
  // A 429 without a usable Retry-After (a proxy's, say) is an HTTP error like any other, as
  // WebClient has it: the attempt counts, and BullMQ's backoff decides when to try again.
  const retryAfter = status === 429 ? Number.parseInt(String(headers['retry-after'] ?? ''), 10) : Number.NaN;
  if (Number.isFinite(retryAfter) && retryAfter >= 0) throw new WebAPIRateLimitedError(retryAfter);
  if (status !== 200) {
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    throw new WebAPIHTTPError(status, STATUS_CODES[status] ?? '', flat, text);
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
