import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getScheduleModal } from '../blocks/schedule-modal.js';
import { gateFollowUps, startBusySignal, webBusyKey } from '../jobs/follow-up-gate.js';
import { findPanelById } from '../src/db/panels.js';
import { at, givenPanel, HIRING_CHANNEL, PEOPLE, scheduleValues } from './support/factories.js';
import type { RecordedCall } from './support/slack-double.js';
import {
  deleteRedisPrefix,
  startTestApp,
  TEAM_ID,
  TEST_NOW,
  TEST_REDIS_URL,
  type TestApp,
} from './support/test-env.js';

// Real: Redis, BullMQ workers, and (for the booking) HTTP, Bolt and Postgres. Faked: Slack.
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await sleep(10);
  }
}

describe('the web busy signal', () => {
  let redis: Redis;
  const prefix = `gate_signal_${process.pid}_${Date.now().toString(36)}`;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await deleteRedisPrefix(prefix);
    redis.disconnect();
  });

  it('keeps the busy key alive while the event loop is busier than the threshold, and lets it expire after', async () => {
    let utilization = 0.8;
    const signal = startBusySignal({
      redis,
      prefix,
      threshold: 0.3,
      logger,
      sampleMs: 20,
      holdMs: 300,
      utilization: () => utilization,
    });
    try {
      await until(async () => (await redis.exists(webBusyKey(prefix))) === 1);
      expect(await redis.get(webBusyKey(prefix))).toBe(String(process.pid));
      const ttl = await redis.pttl(webBusyKey(prefix));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300);
      // Still busy well past one hold: renewed by every busy sample.
      await sleep(500);
      expect(await redis.exists(webBusyKey(prefix))).toBe(1);
      utilization = 0.1;
      await until(async () => (await redis.exists(webBusyKey(prefix))) === 0, 1_000);
      await sleep(100);
      expect(await redis.exists(webBusyKey(prefix))).toBe(0);
    } finally {
      signal.stop();
    }
  });

  it('sets nothing when turned off (threshold 0)', async () => {
    const signal = startBusySignal({
      redis,
      prefix,
      threshold: 0,
      logger,
      sampleMs: 10,
      utilization: () => 1,
    });
    await sleep(100);
    signal.stop();
    expect(await redis.exists(webBusyKey(prefix))).toBe(0);
  });
});

describe('the follow-up gate', () => {
  let redis: Redis;
  let queue: Queue;
  let worker: Worker;
  const processed: { name: string; at: number }[] = [];
  const prefix = `gate_worker_${process.pid}_${Date.now().toString(36)}`;
  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue('follow-ups', { connection: redis, prefix });
    worker = new Worker(
      'follow-ups',
      async (job) => {
        processed.push({ name: job.name, at: Date.now() });
      },
      { connection: redis, prefix, concurrency: 2 },
    );
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker.close();
    await queue.close();
    await deleteRedisPrefix(prefix);
    redis.disconnect();
  });
  const done = (name: string) => processed.some((p) => p.name === name);

  it('holds jobs while the web is busy, runs them when it is not, and never holds longer than its limit', async () => {
    const gate = gateFollowUps(redis, prefix, [worker], logger, { pollMs: 20, maxHoldMs: 600, runMs: 400 });
    try {
      await queue.add('before', {});
      await until(() => done('before'));

      // Busy: a job queued now waits.
      await redis.set(webBusyKey(prefix), '1', 'PX', 10_000);
      await until(() => gate.holding());
      const heldAt = Date.now();
      await queue.add('held', {});
      await sleep(300);
      expect(done('held')).toBe(false);
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });

      // Still busy, but the hold ran out: it runs, and so does a job queued within the run time.
      await until(() => done('held'), 2_000);
      const held = processed.find((p) => p.name === 'held');
      expect((held?.at ?? 0) - heldAt).toBeGreaterThanOrEqual(550);
      expect(gate.holding()).toBe(false);
      await queue.add('in-run-time', {});
      await until(() => done('in-run-time'), 1_000);

      // After the run time, held again while the web stays busy; released as soon as it is not.
      await until(() => gate.holding(), 2_000);
      await queue.add('after-burst', {});
      await sleep(150);
      expect(done('after-burst')).toBe(false);
      await redis.del(webBusyKey(prefix));
      await until(() => done('after-burst'), 1_000);
      expect(gate.holding()).toBe(false);
    } finally {
      gate.close();
    }
  });
  it('a held worker still closes at once (a worker process stopping mid-burst)', async () => {
    const held = new Worker('follow-ups', async () => {}, { connection: redis, prefix, concurrency: 1 });
    await held.waitUntilReady();
    const gate = gateFollowUps(redis, prefix, [held], logger, { pollMs: 20, maxHoldMs: 60_000 });
    try {
      await redis.set(webBusyKey(prefix), '1', 'PX', 10_000);
      await until(() => gate.holding());
      const started = Date.now();
      gate.close();
      await held.close();
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await redis.del(webBusyKey(prefix));
    }
  });
});

describe('a booking while the web is busy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { followUpGate: { pollMs: 20, maxHoldMs: 60_000 } });
    t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
    t.slack.addUser('UALICE', { tz: 'Europe/Berlin', real_name: 'Alice Adler' });
  });
  afterAll(async () => t?.close());

  it('is answered at once; the interviewer’s DM waits for the burst to pass, then arrives once', async () => {
    const busyKey = webBusyKey(t.config.QUEUE_PREFIX);
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName: 'Burst Candidate' });
    const details = await findPanelById(t.panelist.deps.db, TEAM_ID, panel.id);
    const manager = details?.stages.find((s) => s.kind === 'manager')?.id ?? '';
    if (details === undefined) throw new Error('panel not stored');
    await t.panelist.deps.redis.set(busyKey, '1', 'PX', 60_000);
    await sleep(100);

    const res = await t.requests.viewSubmission(
      PEOPLE.recruiter,
      getScheduleModal(details, [], 1),
      scheduleValues([
        { stageId: manager, start: at('2026-12-02T09:00:00Z'), duration: 60, interviewers: ['UALICE'] },
      ]),
    );
    expect(res.json?.response_action).toBe('update');
    expect(JSON.stringify(res.json?.view)).toContain('Booked');
    // The booking DM (not the briefing the booking's nudges send after it).
    const isBookingDm = (c: RecordedCall) =>
      c.args.channel === 'UALICE' &&
      String(c.args.text).startsWith("You're interviewing for") &&
      String(c.args.text).includes('Burst Candidate');
    const dmsToAlice = () => t.slack.callsTo('chat.postMessage', isBookingDm);
    await sleep(500);
    expect(dmsToAlice()).toHaveLength(0);
    expect((await t.panelist.deps.queues.effects.getJobCounts('waiting')).waiting).toBe(1);

    await t.panelist.deps.redis.del(busyKey);
    await t.slack.waitForCall('chat.postMessage', isBookingDm);
    await t.followUpsSettled();
    expect(dmsToAlice()).toHaveLength(1);
  });

  it('a web process without a worker sets the busy key when busier than WEB_BUSY_UTILIZATION', async () => {
    // Any work at all counts at this threshold, so the process's own timers set it.
    const web = await startTestApp({ RUN_WORKER: 'false', WEB_BUSY_UTILIZATION: '0.000001' });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const key = webBusyKey(web.config.QUEUE_PREFIX);
      await until(async () => (await redis.exists(key)) === 1, 2_000);
      expect(await redis.get(key)).toBe(String(process.pid));
    } finally {
      redis.disconnect();
      await web.close();
    }
  });
});
