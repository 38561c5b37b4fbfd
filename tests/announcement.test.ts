import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueAnnouncement } from '../jobs/queues.js';
import { startWorkerOnly } from '../src/runtime.js';
import { givenPanel, HIRING_CHANNEL, PEOPLE } from './support/factories.js';
import type { Fault } from './support/slack-double.js';
import { deleteRedisPrefix, startTestApp, TEAM_ID, TEST_NOW, type TestApp } from './support/test-env.js';

// Real: Postgres, Redis, BullMQ workers, the Web API client's retries. Faked: Slack (the double).
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
});
afterAll(async () => t?.close());

const mentions = (candidate: string) => (c: { args: Record<string, unknown> }) =>
  JSON.stringify(c.args.blocks ?? '').includes(candidate);

async function announce(candidateName: string) {
  const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName });
  await enqueueAnnouncement(t.panelist.deps.queues, {
    teamId: TEAM_ID,
    panelId: panel.id,
    revision: panel.revision,
  });
  return panel;
}

async function panelRow(id: string) {
  return t.panelist.deps.db.selectFrom('panel').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

describe('announcement delivery', () => {
  it('waits out a 429 with Retry-After and posts once', async () => {
    t.slack.injectFault('chat.postMessage', { kind: 'rate_limited', retryAfterSeconds: 1 });
    const started = Date.now();
    const panel = await announce('Rate Limited');
    await t.slack.waitForCall('chat.postMessage', mentions('Rate Limited'), 8_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(t.slack.callsTo('chat.postMessage#fault')).toHaveLength(1);
    await expect.poll(async () => (await panelRow(panel.id)).announced_revision).toBe(1);
    expect(t.slack.callsTo('chat.postMessage', mentions('Rate Limited'))).toHaveLength(1);
  });

  it('retries Slack 5xx errors and posts once', async () => {
    t.slack.injectFault('chat.postMessage', { kind: 'server_error', status: 503 }, 2);
    const panel = await announce('Server Error');
    await t.slack.waitForCall('chat.postMessage', mentions('Server Error'), 8_000);
    await expect.poll(async () => (await panelRow(panel.id)).announcement_ts).not.toBeNull();
    expect(t.slack.callsTo('chat.postMessage', mentions('Server Error'))).toHaveLength(1);
  });

  it('gives up on a channel Slack refuses for good, and tells the creator once', async () => {
    t.slack.injectFault('chat.postMessage', { kind: 'slack_error', error: 'channel_not_found' });
    const panel = await announce('Lost Channel');
    const dm = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === PEOPLE.recruiter);
    expect(String(dm.args.text)).toContain(`could not post the announcement of *P-${panel.number}*`);
    expect(String(dm.args.text)).toContain('channel_not_found');
    const row = await panelRow(panel.id);
    expect(row.announcement_ts).toBeNull();
    expect(row.announced_revision).toBe(row.revision);
    const audit = await t.panelist.deps.db
      .selectFrom('audit_event')
      .select('action')
      .where('panel_id', '=', panel.id)
      .execute();
    expect(audit.map((a) => a.action)).toContain('panel.announcement_failed');
    // Enqueuing the same revision again sends nothing more.
    await enqueueAnnouncement(t.panelist.deps.queues, {
      teamId: TEAM_ID,
      panelId: panel.id,
      revision: row.revision,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.slack.callsTo('chat.postMessage', (c) => c.args.channel === PEOPLE.recruiter)).toHaveLength(1);
  });

  it('posts afresh when the announcement was deleted from the channel', async () => {
    const panel = await announce('Deleted Message');
    await expect.poll(async () => (await panelRow(panel.id)).announcement_ts).not.toBeNull();
    t.slack.injectFault('chat.update', { kind: 'slack_error', error: 'message_not_found' });
    await t.requests.command(PEOPLE.recruiter, `cancel P-${panel.number}`);
    await expect.poll(() => t.slack.callsTo('chat.postMessage', mentions('Deleted Message')).length).toBe(2);
    const latest = t.slack.callsTo('chat.postMessage', mentions('Deleted Message'))[1];
    expect(JSON.stringify(latest?.args.blocks)).toContain('this panel was cancelled');
  });
});

describe('channel pacing', () => {
  const INTERVAL = 1_500;

  /**
   * Three panels announced in one channel, the second's first post answered with `fault` (`times`
   * calls): a third is announced while the second waits, and the three posts that reach Slack must
   * stand at least one channel interval apart.
   */
  async function expectPacedAround(fault: Fault, times: number, names: [string, string, string]) {
    const s = await startTestApp({}, { channelPostIntervalMs: INTERVAL });
    try {
      s.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
      const post = async (candidateName: string) => {
        const panel = await givenPanel(s.panelist.deps.db, TEST_NOW, { candidateName });
        await enqueueAnnouncement(s.panelist.deps.queues, {
          teamId: TEAM_ID,
          panelId: panel.id,
          revision: 1,
        });
      };
      const [first, second, third] = names;
      s.slack.injectFault('chat.postMessage', fault, times, (args) =>
        JSON.stringify(args.blocks ?? '').includes(second),
      );
      await post(first);
      await post(second);
      await expect
        .poll(() => s.slack.callsTo('chat.postMessage#fault').length, { timeout: 8_000 })
        .toBe(times);
      // Another post books the channel's next moment while the second waits to try again.
      await post(third);
      for (const name of names) await s.slack.waitForCall('chat.postMessage', mentions(name), 15_000);
      const at = s.slack
        .callsTo('chat.postMessage', (c) => c.args.channel === HIRING_CHANNEL)
        .map((c) => c.at)
        .sort((a, b) => a - b);
      expect(at).toHaveLength(3);
      for (let i = 1; i < at.length; i++)
        expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(INTERVAL - 100);
    } finally {
      await s.close();
    }
  }

  it('a post that failed after its booked moment books a new one on retry, keeping the channel’s interval', async () => {
    // More 5xx than the Slack client retries: the second post fails at its booked moment.
    await expectPacedAround({ kind: 'server_error', status: 503 }, 4, [
      'Paced One',
      'Paced Two',
      'Paced Three',
    ]);
  });

  it('a post Slack answered with 429 books a new moment after Retry-After, keeping the channel’s interval', async () => {
    await expectPacedAround({ kind: 'rate_limited', retryAfterSeconds: 1 }, 1, [
      'Limited One',
      'Limited Two',
      'Limited Three',
    ]);
  });
});

describe('after Redis loses the queue', () => {
  it('the reconciler posts every owed announcement once when a worker starts', async () => {
    const s = await startTestApp({ RUN_WORKER: 'false' });
    try {
      s.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
      const panels = [];
      for (const name of ['Owed One', 'Owed Two', 'Owed Three']) {
        const panel = await givenPanel(s.panelist.deps.db, TEST_NOW, { candidateName: name });
        await enqueueAnnouncement(s.panelist.deps.queues, {
          teamId: TEAM_ID,
          panelId: panel.id,
          revision: 1,
        });
        panels.push(panel);
      }
      // Everything queued is gone, as after FLUSHALL or a restart without persistence.
      await deleteRedisPrefix(s.config.QUEUE_PREFIX);
      const worker = await startWorkerOnly(s.config, { logger: pino({ level: 'silent' }), migrate: false });
      try {
        for (const name of ['Owed One', 'Owed Two', 'Owed Three']) {
          await s.slack.waitForCall('chat.postMessage', mentions(name), 8_000);
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const name of ['Owed One', 'Owed Two', 'Owed Three']) {
          expect(s.slack.callsTo('chat.postMessage', mentions(name))).toHaveLength(1);
        }
      } finally {
        await worker.stop();
      }
    } finally {
      await s.close();
    }
  });

  it('two worker processes starting together post an owed announcement once', async () => {
    const s = await startTestApp({ RUN_WORKER: 'false' });
    try {
      s.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
      const panel = await givenPanel(s.panelist.deps.db, TEST_NOW, { candidateName: 'Raced' });
      const workers = await Promise.all([
        startWorkerOnly(s.config, { logger: pino({ level: 'silent' }), migrate: false }),
        startWorkerOnly(s.config, { logger: pino({ level: 'silent' }), migrate: false }),
      ]);
      try {
        await s.slack.waitForCall('chat.postMessage', mentions('Raced'), 8_000);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(s.slack.callsTo('chat.postMessage', mentions('Raced'))).toHaveLength(1);
        expect(panel.number).toBe(1);
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
      }
    } finally {
      await s.close();
    }
  });
});
