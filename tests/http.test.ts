import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getNewPanelModal } from '../blocks/new-panel-modal.js';
import { HIRING_CHANNEL, newPanelValues, PEOPLE, validNewPanelFields } from './support/factories.js';
import { startTestApp, TEST_NOW, type TestApp } from './support/test-env.js';

// Real: HTTP, Bolt's request verification, Postgres, Redis. Faked: Slack's Web API (the double).
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
});
afterAll(async () => t?.close());

async function panelCount(): Promise<number> {
  const rows = await t.panelist.deps.db.selectFrom('panel').select('id').execute();
  return rows.length;
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('request verification', () => {
  const values = () => newPanelValues(validNewPanelFields(TEST_NOW));
  const forgeries: [string, Parameters<TestApp['requests']['viewSubmission']>[3]][] = [
    ['a bad signature', { secret: 'not-the-signing-secret' }],
    ['a missing signature', { unsigned: true }],
    ['a timestamp older than five minutes', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
  ];

  it.each(forgeries)('%s gets 401 and changes nothing', async (_name, options) => {
    const before = await panelCount();
    const callsBefore = t.slack.calls.length;
    const submission = await t.requests.viewSubmission(
      PEOPLE.recruiter,
      getNewPanelModal(),
      values(),
      options,
    );
    expect(submission.status).toBe(401);
    const command = await t.requests.command(PEOPLE.recruiter, 'new', options);
    expect(command.status).toBe(401);
    expect(await panelCount()).toBe(before);
    expect(t.slack.calls.slice(callsBefore).map((c) => c.method)).toEqual([]);
  });

  it('a correctly signed request is accepted', async () => {
    const res = await t.requests.command(PEOPLE.recruiter, 'help');
    expect(res.status).toBe(200);
  });
});

describe('GET /healthz', () => {
  it('answers 200 with the state of Postgres and Redis', async () => {
    const res = await fetch(`${t.appUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', postgres: 'ok', redis: 'ok' });
  });

  it('answers 503 when Redis does not answer', async () => {
    // A second instance pointed at a port where no Redis listens; the shared server is untouched.
    const port = await closedPort();
    const broken = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}`, RUN_WORKER: 'false' });
    try {
      const res = await fetch(`${broken.appUrl}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'degraded', postgres: 'ok', redis: 'down' });
    } finally {
      await broken.close();
    }
  });

  it('answers 503 when Postgres does not answer', async () => {
    const broken = await startTestApp({ RUN_WORKER: 'false' });
    try {
      await broken.panelist.deps.db.destroy();
      const res = await fetch(`${broken.appUrl}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', postgres: 'down', redis: 'ok' });
    } finally {
      await broken.close().catch(() => undefined);
    }
  });
});

describe('when Redis is down', () => {
  it('a new panel is still stored while Redis is down, with its announcement owed to the reconciler', async () => {
    const port = await closedPort();
    const broken = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}`, RUN_WORKER: 'false' });
    try {
      broken.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
      const res = await broken.requests.viewSubmission(PEOPLE.recruiter, getNewPanelModal(), values());
      expect(res.json?.response_action).toBe('update');
      const rows = await broken.panelist.deps.db
        .selectFrom('panel')
        .select(['announced_revision', 'revision'])
        .execute();
      expect(rows).toEqual([{ announced_revision: 0, revision: 1 }]);
    } finally {
      await broken.close();
    }
  });
});

function values() {
  return newPanelValues(validNewPanelFields(TEST_NOW));
}
