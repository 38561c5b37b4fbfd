import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch } from '../src/slack/http-fetch.js';
import { SlackDouble } from './support/slack-double.js';

// Real: @slack/web-api's WebClient with the workers' http transport, HTTP to a local server.
// Faked: Slack (the double, and a server that never answers).

const transport = createHttpFetch();
let slack: SlackDouble;
let silent: Server;
let silentUrl: string;

function client(url: string, timeout = 5_000) {
  return new WebClient('xoxb-transport', {
    slackApiUrl: url,
    fetch: transport.fetch,
    rejectRateLimitedCalls: true,
    timeout,
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 },
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
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
  await slack?.close();
});

describe('the workers’ Slack transport', () => {
  it('posts a message with its blocks, and hands back the ts and channel', async () => {
    const posted = await client(slack.apiUrl).chat.postMessage({
      channel: 'UTRANSPORT1',
      text: 'Panelist: feedback due',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Please give your feedback — “now”' } }],
    });
    expect(posted.ok).toBe(true);
    expect(posted.ts).toEqual(expect.any(String));
    const [call] = slack.callsTo('chat.postMessage', (c) => c.args.channel === 'UTRANSPORT1');
    expect(call?.token).toBe('xoxb-transport');
    expect(call?.args.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'Please give your feedback — “now”' } },
    ]);
  });

  it('turns a 429 into a rate-limited error carrying Retry-After', async () => {
    slack.injectFault('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 7 });
    const error = await client(slack.apiUrl)
      .chat.postMessage({ channel: 'UTRANSPORT2', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
  });

  it('turns ok:false into a platform error with Slack’s code', async () => {
    slack.injectFault('chat.postMessage', { kind: 'slack_error', error: 'account_inactive' });
    const error = await client(slack.apiUrl)
      .chat.postMessage({ channel: 'UTRANSPORT3', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'account_inactive' } });
  });

  it('retries a 5xx and succeeds when Slack recovers', async () => {
    slack.injectFault('chat.postMessage', { kind: 'server_error', status: 503 }, 2);
    const posted = await client(slack.apiUrl).chat.postMessage({ channel: 'UTRANSPORT4', text: 'x' });
    expect(posted.ok).toBe(true);
    expect(slack.callsTo('chat.postMessage', (c) => c.args.channel === 'UTRANSPORT4')).toHaveLength(1);
  });

  it('gives up on a Slack that does not answer within the timeout', async () => {
    const started = Date.now();
    const error = await client(silentUrl, 200)
      .chat.postMessage({ channel: 'UTRANSPORT5', text: 'x' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.RequestError });
    // Three attempts of 200 ms each, and short pauses between them.
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
