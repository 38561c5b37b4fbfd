import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ChatPostMessageArguments,
  type ChatPostMessageResponse,
  ErrorCode,
  WebClient,
} from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch } from '../src/slack/http-fetch.js';
import { createMessagePoster, type MessagePoster } from '../src/slack/message-poster.js';
import { isRateLimited } from '../src/slack/slack-errors.js';
import { SlackDouble } from './support/slack-double.js';

// Real: @slack/web-api's WebClient with the workers' http transport, and the nudge worker's own
// poster (src/slack/message-poster.ts), over HTTP to a local server.
// Faked: Slack (the double, and a server that never answers).

const transport = createHttpFetch();
let slack: SlackDouble;
let silent: Server;
let silentUrl: string;

const posters: MessagePoster[] = [];
const RETRIES = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 };

type Post = (args: ChatPostMessageArguments) => Promise<ChatPostMessageResponse>;
/** `chat.postMessage` through each way the workers have of calling it. */
const ways: [string, (url: string, timeout?: number) => Post][] = [
  [
    'WebClient with the workers’ transport',
    (url, timeout) => (args) => client(url, timeout).chat.postMessage(args),
  ],
  [
    'the nudge poster',
    (url, timeout = 5_000) => {
      const poster = createMessagePoster({
        apiUrl: url,
        token: 'xoxb-transport',
        timeoutMs: timeout,
        retryConfig: RETRIES,
      });
      posters.push(poster);
      return (args) => poster.postMessage(args);
    },
  ],
];

function client(url: string, timeout = 5_000) {
  return new WebClient('xoxb-transport', {
    slackApiUrl: url,
    fetch: transport.fetch,
    rejectRateLimitedCalls: true,
    timeout,
    retryConfig: RETRIES,
  });
}

beforeAll(async () => {
  slack = await new SlackDouble({ teamId: 'TTRANSPORT' }).start();
  // Accepts the request and never answers, like a Slack that hangs.
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/`;
});
afterAll(async () => {
  transport.close();
  for (const poster of posters) poster.close();
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
  await slack?.close();
});

describe.each(ways)('%s', (way, post) => {
  // Each way posts to channels of its own, so the calls it counts are its own.
  const to = (n: number) => `UTRANSPORT${n}${way === 'the nudge poster' ? 'P' : 'W'}`;

  it('posts a message with its blocks, and hands back the ts and channel', async () => {
    const posted = await post(slack.apiUrl)({
      channel: to(1),
      text: 'Panelist: feedback due',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Please give your feedback — “now”' } }],
    });
    expect(posted.ok).toBe(true);
    expect(posted.ts).toEqual(expect.any(String));
    expect(posted.channel).toBe(`D${to(1)}`);
    const [call] = slack.callsTo('chat.postMessage', (c) => c.args.channel === to(1));
    expect(call?.token).toBe('xoxb-transport');
    expect(call?.args.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'Please give your feedback — “now”' } },
    ]);
  });

  it('turns a 429 into a rate-limited error carrying Retry-After', async () => {
    slack.injectFault('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 7 });
    const error = await post(slack.apiUrl)({ channel: to(2), text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    // Not waited for, nor tried again: the worker hands the wait to BullMQ.
    expect(slack.callsTo('chat.postMessage#fault', (c) => c.args.channel === to(2))).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage', (c) => c.args.channel === to(2))).toEqual([]);
  });

  it('turns ok:false into a platform error with Slack’s code', async () => {
    slack.injectFault('chat.postMessage', { kind: 'slack_error', error: 'account_inactive' });
    const error = await post(slack.apiUrl)({ channel: to(3), text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'account_inactive' } });
    expect(slack.callsTo('chat.postMessage#fault', (c) => c.args.channel === to(3))).toHaveLength(1);
  });

  it('retries a 5xx and succeeds when Slack recovers', async () => {
    slack.injectFault('chat.postMessage', { kind: 'server_error', status: 503 }, 2);
    const posted = await post(slack.apiUrl)({ channel: to(4), text: 'x' });
    expect(posted.ok).toBe(true);
    expect(slack.callsTo('chat.postMessage#fault', (c) => c.args.channel === to(4))).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage', (c) => c.args.channel === to(4))).toHaveLength(1);
  });

  it('gives up on a Slack that keeps answering 5xx once its retries are spent', async () => {
    slack.injectFault('chat.postMessage', { kind: 'server_error', status: 502 }, 3);
    const error = await post(slack.apiUrl)({ channel: to(6), text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 502 });
    expect(slack.callsTo('chat.postMessage#fault', (c) => c.args.channel === to(6))).toHaveLength(3);
  });

  it('gives up on a Slack that does not answer within the timeout', async () => {
    const started = Date.now();
    const error = await post(silentUrl, 200)({ channel: to(5), text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.RequestError });
    // Three attempts of 200 ms each, and short pauses between them. The nudge poster's timeouts
    // are undici's, checked about twice a second: a timeout under a second takes about one, so
    // its three attempts take about 3 s.
    expect(Date.now() - started).toBeLessThan(way === 'the nudge poster' ? 4_500 : 3_000);
  });
});

/** A server that answers every request alike, counting them; closed by the returned function. */
async function answering(
  status: number,
  headers: Record<string, string>,
  body: string,
): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the nudge poster', () => {
  it.each([
    {
      what: 'a 429 without Retry-After is an HTTP error (the attempt counts), not a rate limit',
      status: 429,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":false,"error":"ratelimited"}',
      expected: { code: ErrorCode.HTTPError, statusCode: 429 },
    },
    {
      what: 'a 404 is an HTTP error, not tried again',
      status: 404,
      headers: { 'content-type': 'text/plain' },
      body: 'not found',
      expected: { code: ErrorCode.HTTPError, statusCode: 404 },
    },
    {
      what: 'a 200 that is not JSON is a platform error whose code says so',
      status: 200,
      headers: { 'content-type': 'text/html' },
      body: '<html>maintenance</html>',
      expected: { code: ErrorCode.PlatformError, data: { error: 'invalid_json_response' } },
    },
  ])('$what', async ({ status, headers, body, expected }) => {
    const server = await answering(status, headers, body);
    const poster = createMessagePoster({ apiUrl: server.url, token: 'xoxb-odd', retryConfig: RETRIES });
    try {
      const error = await poster.postMessage({ channel: 'UODD', text: 'x' }).catch((e: unknown) => e);
      expect(error).toMatchObject(expected);
      expect(isRateLimited(error)).toBe(false);
      expect(server.requests()).toBe(1);
    } finally {
      poster.close();
      await server.close();
    }
  });

  it('tries again when an answer is cut short, and gives a request error once the retries are spent', async () => {
    // Answers with headers and half a body, then drops the connection, `cutShort` times.
    let requests = 0;
    let cutShort = 1;
    const server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => {
        const answer = JSON.stringify({ ok: true, channel: 'DUCUT', ts: '1.000002' });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.length) });
        if (requests > cutShort) return void res.end(answer);
        res.write(answer.slice(0, 8));
        setTimeout(() => req.socket.destroy(), 10);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const poster = createMessagePoster({
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
      token: 'xoxb-cut',
      retryConfig: RETRIES,
    });
    try {
      const posted = await poster.postMessage({ channel: 'UCUT', text: 'x' });
      expect(posted).toMatchObject({ ok: true, channel: 'DUCUT', ts: '1.000002' });
      expect(requests).toBe(2);

      requests = 0;
      cutShort = 3;
      const error = await poster.postMessage({ channel: 'UCUT', text: 'x' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: ErrorCode.RequestError });
      expect(isRateLimited(error)).toBe(false);
      expect(requests).toBe(3);
    } finally {
      poster.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a post under way when the poster is closed fails at once, without retries', async () => {
    // The workers' own retries: 250 ms, then 500 ms, before each further attempt.
    const poster = createMessagePoster({ apiUrl: silentUrl, token: 'xoxb-closed' });
    const posting = poster.postMessage({ channel: 'UCLOSED', text: 'x' }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closedAt = Date.now();
    poster.close();
    expect(await posting).toMatchObject({ code: ErrorCode.RequestError });
    // Not tried again against connections that are gone (two retries would take 750 ms to fail
    // the same way; the timeout is 5 s).
    expect(Date.now() - closedAt).toBeLessThan(500);
  });

  it('sends one JSON body with the token in the Authorization header, as Slack takes for write methods', async () => {
    let seen: { contentType?: string; authorization?: string; body?: string } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen = {
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, channel: 'DUJSON', ts: '1.000001' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const poster = createMessagePoster({
      apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
      token: 'xoxb-json',
    });
    try {
      const blocks = [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'a & b <c>' } }];
      const posted = await poster.postMessage({
        channel: 'UJSON',
        text: 'a & b',
        blocks,
        unfurl_links: false,
      });
      expect(posted).toMatchObject({ ok: true, channel: 'DUJSON', ts: '1.000001' });
      expect(seen.contentType).toBe('application/json; charset=utf-8');
      expect(seen.authorization).toBe('Bearer xoxb-json');
      expect(JSON.parse(seen.body ?? '')).toEqual({
        channel: 'UJSON',
        text: 'a & b',
        blocks,
        unfurl_links: false,
      });
    } finally {
      poster.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
