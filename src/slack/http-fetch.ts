import http from 'node:http';
import https from 'node:https';
import type { FetchFunction } from '@slack/web-api';

type FetchInit = NonNullable<Parameters<FetchFunction>[1]>;
type FetchResponse = Awaited<ReturnType<FetchFunction>>;

/**
 * How long a kept-alive connection to Slack may sit unused before it is closed, by this transport
 * and by the nudge poster (src/slack/message-poster.ts).
 */
export const SLACK_IDLE_SOCKET_MS = 15_000;

/**
 * A `fetch` for `@slack/web-api` (its `fetch` option, meant for custom transports) over Node's
 * own `http`/`https` with kept-alive connections. The Web API client then does everything else
 * as usual: form encoding, retries, 429s, `ok: false` errors, timeouts through `signal`.
 *
 * Why: the worker sends a message per nudge recipient, and Node's built-in `fetch` (undici with
 * web streams, `Request`/`Response` objects) costs about a third more CPU per call than a plain
 * `http.request`; on a worker that is CPU-bound while delivering a burst of nudges, that is
 * throughput. Only string bodies (every method Panelist calls) take this path; a multipart body
 * (file uploads) goes to the global `fetch`. No `Accept-Encoding` is sent, so Slack answers
 * uncompressed; redirects are not followed (the client asks for `redirect: 'error'`, and Slack's
 * API does not redirect).
 */
export function createHttpFetch(options: { maxSockets?: number } = {}): {
  fetch: FetchFunction;
  close(): void;
} {
  // An idle kept-alive connection is closed after a while, rather than found closed by Slack's
  // side when it is next used (a failed attempt and a retry, while a worker holds locks).
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 100,
    timeout: SLACK_IDLE_SOCKET_MS,
  };
  const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };
  const fetch: FetchFunction = (target, init = {}) => {
    const url = typeof target === 'string' ? new URL(target) : target;
    if (init.body !== undefined && typeof init.body !== 'string') {
      return globalThis.fetch(url, init as RequestInit) as unknown as Promise<FetchResponse>;
    }
    const protocol = url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : undefined;
    if (protocol === undefined) return Promise.reject(new TypeError(`unsupported URL ${url.href}`));
    return request(protocol === 'https:' ? https : http, agents[protocol], url, init);
  };
  return {
    fetch,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}

function request(
  transport: typeof http | typeof https,
  agent: http.Agent,
  url: URL,
  init: FetchInit,
): Promise<FetchResponse> {
  const body = init.body as string | undefined;
  return new Promise<FetchResponse>((resolve, reject) => {
    const req = transport.request(
      url,
      {
        method: init.method ?? 'GET',
        headers: {
          ...init.headers,
          ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
        },
        agent,
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let ended = false;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        // A response cut short (the timeout's abort, a reset) closes without 'end'.
        res.on('close', () => {
          if (!ended) reject(new Error(`the response from ${url.host} was cut short`));
        });
        res.on('end', () => {
          ended = true;
          resolve(response(url, res, Buffer.concat(chunks)));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function response(url: URL, res: http.IncomingMessage, body: Buffer): FetchResponse {
  const status = res.statusCode ?? 0;
  const headers = res.headers;
  const header = (name: string): string | null => {
    const value = headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    url: url.href,
    headers: {
      get: header,
      entries: () =>
        Object.entries(headers).map(([name, value]): [string, string] => [
          name,
          Array.isArray(value) ? value.join(', ') : String(value),
        ]),
    },
    arrayBuffer: async () =>
      body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer,
    json: async () => JSON.parse(body.toString('utf8')) as unknown,
    text: async () => body.toString('utf8'),
  };
}
