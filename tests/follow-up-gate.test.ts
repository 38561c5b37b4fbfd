import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getScheduleModal } from '../blocks/schedule-modal.js';
import { gateFollowUps, startBusySignal, webBusyKey } from '../jobs/follow-up-gate.js';
import { enqueueAnnouncement } from '../jobs/queues.js';
import { findPanelById } from '../src/db/panels.js';
import { at, givenPanel, HIRING_CHANNEL, PEOPLE, scheduleValues } from './support/factories.js';
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
    // What an operator reads: a line when a hold runs out (a load that does not let up).
    const logLines: { level: number; msg: string }[] = [];
    const operatorLog = pino(
      { level: 'info' },
      { write: (line: string) => void logLines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    const gate = gateFollowUps(redis, prefix, [worker], operatorLog, {
      pollMs: 20,
      maxHoldMs: 800,
      runMs: 1_500,
    });
    try {
      await queue.add('before', {});
      await until(() => done('before'));

      // Busy: the idle worker was already waiting for a job and takes the next one; nothing after.
      await redis.set(webBusyKey(prefix), '1', 'PX', 20_000);
      await until(() => gate.holding());
      const heldAt = Date.now();
      await queue.add('taken-while-waiting', {});
      await until(() => done('taken-while-waiting'), 1_000);
      await queue.add('held-1', {});
      await queue.add('held-2', {});
      await sleep(300);
      expect(done('held-1') || done('held-2')).toBe(false);
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 2 });

      // Still busy, but the hold ran out: they run, and so does a job queued within the run time.
      await until(() => done('held-1') && done('held-2'), 3_000);
      const held = processed.find((p) => p.name === 'held-1');
      expect((held?.at ?? 0) - heldAt).toBeGreaterThanOrEqual(700);
      expect(gate.holding()).toBe(false);
      expect(logLines.map((l) => l.msg)).toEqual([
        'follow-ups held as long as they may while the web stays busy; running them now',
      ]);
      await queue.add('in-run-time', {});
      await until(() => done('in-run-time'), 1_000);

      // After the run time, held again while the web stays busy; released as soon as it is not.
      await until(() => gate.holding(), 3_000);
      await queue.add('slips-again', {});
      await until(() => done('slips-again'), 1_000);
      await queue.add('after-burst', {});
      await sleep(200);
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
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    t = await startTestApp({}, { followUpGate: { pollMs: 20, maxHoldMs: 60_000 } });
    t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
    t.slack.addUser('UALICE', { tz: 'Europe/Berlin', real_name: 'Alice Adler' });
    t.slack.addUser('UBOB', { tz: 'America/New_York', real_name: 'Bob Brown' });
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
  });

  it('is answered at once; the interviewer’s DM waits for the burst to pass, then arrives once; nudges are not held', async () => {
    const busyKey = webBusyKey(t.config.QUEUE_PREFIX);
    const bookOn = async (candidateName: string, interviewer: string) => {
      const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName });
      const details = await findPanelById(t.panelist.deps.db, TEAM_ID, panel.id);
      if (details === undefined) throw new Error('panel not stored');
      const manager = details.stages.find((s) => s.kind === 'manager')?.id ?? '';
      return t.requests.viewSubmission(
        PEOPLE.recruiter,
        getScheduleModal(details, [], 1),
        scheduleValues([
          { stageId: manager, start: at('2026-12-02T09:00:00Z'), duration: 60, interviewers: [interviewer] },
        ]),
      );
    };
    // The booking DM (not the briefing the booking's nudges send).
    const bookingDmsTo = (userId: string, candidate: string) =>
      t.slack.callsTo(
        'chat.postMessage',
        (c) =>
          c.args.channel === userId &&
          String(c.args.text).startsWith("You're interviewing for") &&
          String(c.args.text).includes(candidate),
      );
    await redis.set(busyKey, '1', 'PX', 60_000);
    await until(async () => (await t.panelist.deps.queues.effects.getJobCounts('active')).active === 0);
    await sleep(100);

    // The first follow-up job after the hold began may be the one its idle worker already waited for.
    expect((await bookOn('Decoy Candidate', 'UBOB')).json?.response_action).toBe('update');
    await sleep(300);

    const res = await bookOn('Burst Candidate', 'UALICE');
    expect(res.json?.response_action).toBe('update');
    expect(JSON.stringify(res.json?.view)).toContain('Booked');
    await sleep(500);
    expect(bookingDmsTo('UALICE', 'Burst Candidate')).toHaveLength(0);
    // Its follow-up job waits in Redis (beside the decoy's, if the decoy was not the one taken).
    const { waiting } = await t.panelist.deps.queues.effects.getJobCounts('waiting');
    expect(waiting).toBeGreaterThanOrEqual(1);
    expect(waiting).toBeLessThanOrEqual(2);

    // Nudges go out meanwhile: the reconciler queues Alice's briefing (due at once, a day ahead).
    await t.reconcile();
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'UALICE' && JSON.stringify(c.args).includes('Burst Candidate'),
    );
    expect(bookingDmsTo('UALICE', 'Burst Candidate')).toHaveLength(0);

    await redis.del(busyKey);
    await until(() => bookingDmsTo('UALICE', 'Burst Candidate').length === 1);
    await t.followUpsSettled();
    expect(bookingDmsTo('UALICE', 'Burst Candidate')).toHaveLength(1);
    expect(bookingDmsTo('UBOB', 'Decoy Candidate')).toHaveLength(1);
  });

  it('a web process running its own worker sends no busy signal, however busy', async () => {
    const web = await startTestApp({ WEB_BUSY_UTILIZATION: '0.000001' });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await sleep(500);
      expect(await redis.exists(webBusyKey(web.config.QUEUE_PREFIX))).toBe(0);
    } finally {
      redis.disconnect();
      await web.close();
    }
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

describe('announcements held through a burst', () => {
  let t: TestApp;
  let redis: Redis;
  const INTERVAL_MS = 500;
  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    t = await startTestApp(
      {},
      { followUpGate: { pollMs: 20, maxHoldMs: 60_000 }, channelPostIntervalMs: INTERVAL_MS },
    );
    t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
  });
  afterAll(async () => {
    redis?.disconnect();
    await t?.close();
  });

  it('come back after their booked moments and book the channel afresh, one interval apart', async () => {
    const names = ['Paced One', 'Paced Two', 'Paced Three', 'Paced Four'];
    for (const candidateName of names) {
      const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName });
      await enqueueAnnouncement(t.panelist.deps.queues, { teamId: TEAM_ID, panelId: panel.id, revision: 1 });
    }
    const posts = () => t.slack.callsTo('chat.postMessage', (c) => c.args.channel === HIRING_CHANNEL);
    // The first goes at once; the others booked the channel's next moments and wait for them (on
    // a slow machine one may come to the channel only after its moment is free, and post at once).
    await until(
      async () =>
        posts().length +
          ((await t.panelist.deps.queues.announcements.getJobCounts('delayed')).delayed ?? 0) ===
        names.length,
    );
    const busyKey = webBusyKey(t.config.QUEUE_PREFIX);
    await redis.set(busyKey, '1', 'PX', 60_000);
    // Held well past every booked moment. The idle worker takes the one job it was waiting for
    // (the first due); the other two are due, and wait.
    await sleep(5 * INTERVAL_MS + 300);
    expect(posts().length).toBeLessThanOrEqual(2);
    const before = posts().length;
    await redis.del(busyKey);
    await until(async () => posts().length === 4, 5_000);
    const [last, previous] = posts().slice(before).reverse();
    // At least two were due at once when released: posting at their stale moments would send them
    // together.
    expect((last?.at ?? 0) - (previous?.at ?? 0)).toBeGreaterThanOrEqual(INTERVAL_MS - 30);
    await t.followUpsSettled();
    for (const name of names) {
      expect(posts().filter((c) => JSON.stringify(c.args).includes(name))).toHaveLength(1);
    }
  });
});
