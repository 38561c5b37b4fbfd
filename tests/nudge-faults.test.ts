import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { tellCoordinatorsOnce } from '../jobs/nudge-delivery.js';
import { enqueueNudges, nudgeJobId, QUEUE_NAMES } from '../jobs/queues.js';
import { offsetClock } from '../src/clock.js';
import type { Config } from '../src/config.js';
import type { Database, Nudge } from '../src/db/database.js';
import { settleNudgeOutcomes, writeNudgeReceipts } from '../src/db/nudges.js';
import type { NudgeSettings } from '../src/domain/nudge-settings.js';
import { startWorkerOnly } from '../src/runtime.js';
import { toWednesdayMorningUtc } from './support/clock-offset.js';
import { givenPanel, givenSlots, HIRING_CHANNEL, PEOPLE } from './support/factories.js';
import type { RecordedCall } from './support/slack-double.js';
import {
  deleteRedisPrefix,
  startTestApp,
  TEAM_ID,
  TEST_REDIS_URL,
  type TestApp,
} from './support/test-env.js';
import { spawnWorkerProcess, type WorkerProcess, workerEnv } from './support/worker-process.js';

// Real: Postgres, Redis, BullMQ, the worker entry point as a separate process, the Web API client
// (its 429 handling included), real time. Faked: Slack (the double).
//
// Nudges fall due against the clock of the worker that delivers them. Here that is the system
// clock moved to the nearest Wednesday 10:00 UTC (`CLOCK_OFFSET_MS`), running at the real pace: a
// worker holds a DM it finds due outside its recipient's working hours, so whenever this suite
// runs, the nudges below must come due inside them (everyone here is in UTC). The panels were
// booked on the Monday of the week before, so every feedback nudge (due at a slot's end, the
// reminder a day later, the escalation two days later) is already owed, and a worker delivers it
// at once.

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const silent = pino({ level: 'silent' });
/** The Web API client's own retries, shortened so a retried call does not wait seconds. */
const FAST_RETRIES = { retries: 3, factor: 1, minTimeout: 20, maxTimeout: 50 };
const FEEDBACK_KINDS = ['feedback_due', 'feedback_reminder', 'feedback_escalation'] as const;

type Settings = { enabled?: Partial<NudgeSettings['enabled']> };

const CLOCK_OFFSET_MS = toWednesdayMorningUtc();
/** The workers' clock here (see the top of this file). */
const clock = offsetClock(CLOCK_OFFSET_MS);

/** 00:00 UTC on the Monday of the week before the workers' "now". */
function lastWeeksMonday(): Date {
  const now = clock.now();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const daysSinceMonday = (new Date(today).getUTCDay() + 6) % 7;
  return new Date(today - (daysSinceMonday + 7) * DAY);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(5);
  }
}

/**
 * Panels booked last Monday, `slots` consecutive hour-long slots each from 09:00 UTC, with
 * `perSlot` interviewers of their own per slot, none of whom has submitted feedback. The channel
 * digest is off (unless `settings` says otherwise) and the panels' announcements count as posted,
 * so every message a worker sends is a nudge to a person.
 * @returns the interviewers, in booking order.
 */
async function givenOwedFeedback(
  t: TestApp,
  shape: { tag: string; panels: number; slots: number; perSlot: number; settings?: Settings },
): Promise<string[]> {
  const db = t.panelist.deps.db;
  const settings: Settings = shape.settings ?? { enabled: { channel_digest: false } };
  await sql`
    insert into workspace (team_id, nudge_settings) values (${TEAM_ID}, ${JSON.stringify(settings)}::jsonb)
    on conflict (team_id) do update set nudge_settings = excluded.nudge_settings
  `.execute(db);
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring', is_member: true });

  const monday = lastWeeksMonday();
  const bookedAt = new Date(monday.getTime() - 3 * DAY);
  const decisionDeadline = new Date(clock.now().getTime() + 25 * DAY);
  const answerPromisedOn = new Date(clock.now().getTime() + 27 * DAY).toISOString().slice(0, 10);
  const interviewers: string[] = [];
  for (let p = 0; p < shape.panels; p++) {
    const panel = await givenPanel(db, bookedAt, {
      candidateName: `${shape.tag} Candidate ${p}`,
      decisionDeadline,
      answerPromisedOn,
    });
    const slots = [];
    for (let s = 0; s < shape.slots; s++) {
      const people = Array.from({ length: shape.perSlot }, (_, i) => `U${shape.tag}P${p}S${s}I${i}`);
      interviewers.push(...people);
      slots.push({
        kind: 'peer' as const,
        start: new Date(monday.getTime() + (9 + s) * HOUR).toISOString(),
        interviewers: people,
      });
    }
    await givenSlots(db, panel.id, bookedAt, slots);
  }
  // The announcements went out when the panels were made; only nudges are owed.
  await sql`update panel set announced_revision = revision where team_id = ${TEAM_ID}`.execute(db);
  return interviewers;
}

/** Re-plans every panel at the real "now" and queues what is due, as the web process's reconciler does. */
async function planAndQueueNow(t: TestApp): Promise<void> {
  t.clock.set(clock.now());
  await t.reconcile();
}

function feedbackRows(db: Kysely<Database>): Promise<Nudge[]> {
  return db
    .selectFrom('nudge')
    .selectAll()
    .where('team_id', '=', TEAM_ID)
    .where('kind', 'in', FEEDBACK_KINDS)
    .orderBy('id')
    .execute();
}

/** The failed-nudge notices recorded (one per person Slack cannot reach), with what they say. */
async function failedNotices(db: Kysely<Database>, recipient?: string): Promise<unknown[]> {
  let query = db.selectFrom('audit_event').select('detail').where('action', '=', 'nudge.failed');
  if (recipient !== undefined) query = query.where(sql<boolean>`detail->>'recipient' = ${recipient}`);
  return (await query.execute()).map((r) => r.detail);
}

async function pendingFeedbackRows(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('nudge')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('team_id', '=', TEAM_ID)
    .where('kind', 'in', FEEDBACK_KINDS)
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Successful chat.postMessage calls to people (not channels), by recipient. */
function dmsByRecipient(t: TestApp): Map<string, RecordedCall[]> {
  const byRecipient = new Map<string, RecordedCall[]>();
  for (const call of t.slack.callsTo('chat.postMessage')) {
    const channel = String(call.args.channel);
    if (!channel.startsWith('U')) continue;
    byRecipient.set(channel, [...(byRecipient.get(channel) ?? []), call]);
  }
  return byRecipient;
}

function countDms(t: TestApp, recipients: ReadonlySet<string>): number {
  return t.slack.callsTo('chat.postMessage', (c) => recipients.has(String(c.args.channel))).length;
}

/**
 * Every sent row carries the ts of the one message it went out in: a ts belongs to one recipient,
 * and each recipient got exactly as many messages as its rows name distinct messages, so no
 * message went out that no row accounts for (a duplicate). `except` names recipients allowed one
 * message more (a message in flight when its worker died).
 */
function expectMessagesMatchRows(
  t: TestApp,
  rows: readonly Nudge[],
  except: ReadonlySet<string> = new Set(),
) {
  const recipientsOfTs = new Map<string, Set<string>>();
  const tsOfRecipient = new Map<string, Set<string>>();
  for (const row of rows) {
    expect(row.state, `nudge ${row.id} (${row.kind} to ${row.recipient})`).toBe('sent');
    expect(row.slack_ts, `nudge ${row.id}`).not.toBeNull();
    expect(row.slack_channel).toBe(`D${row.recipient}`);
    const ts = row.slack_ts ?? '';
    recipientsOfTs.set(ts, (recipientsOfTs.get(ts) ?? new Set()).add(row.recipient));
    tsOfRecipient.set(row.recipient, (tsOfRecipient.get(row.recipient) ?? new Set()).add(ts));
  }
  for (const [ts, recipients] of recipientsOfTs) expect([...recipients], `ts ${ts}`).toHaveLength(1);
  const dms = dmsByRecipient(t);
  for (const [recipient, tss] of tsOfRecipient) {
    const messages = dms.get(recipient)?.length ?? 0;
    const allowed = except.has(recipient) ? [tss.size, tss.size + 1] : [tss.size];
    expect(allowed, `messages to ${recipient}: ${messages}, distinct ts in its rows: ${tss.size}`).toContain(
      messages,
    );
  }
}

async function startWorker(config: Config) {
  return startWorkerOnly(config, {
    clock,
    logger: silent,
    migrate: false,
    slackRetryConfig: FAST_RETRIES,
  });
}

describe('nudge delivery under faults', () => {
  it('after Redis loses every queued job, every pending nudge is delivered once', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const db = t.panelist.deps.db;
      const interviewers = await givenOwedFeedback(t, { tag: 'LOST', panels: 1, slots: 5, perSlot: 5 });
      await planAndQueueNow(t);

      const owed = (await feedbackRows(db)).filter((r) => r.state === 'pending');
      const toInterviewers = owed.filter((r) => r.kind !== 'feedback_escalation');
      expect(toInterviewers).toHaveLength(50);
      expect(owed.every((r) => r.deliver_at <= clock.now())).toBe(true);
      const queue = t.panelist.deps.queues.nudges;
      for (const row of owed) expect(await queue.getJob(nudgeJobId(row.id, row.deliver_at))).toBeDefined();

      // Redis forgets everything, as after FLUSHALL or a restart without persistence. Other test
      // files share this Redis, so only this app's keys go: for this app that is the same thing.
      await deleteRedisPrefix(t.config.QUEUE_PREFIX);
      for (const row of owed) expect(await queue.getJob(nudgeJobId(row.id, row.deliver_at))).toBeUndefined();
      expect(t.slack.callsTo('chat.postMessage')).toHaveLength(0);

      worker = await startWorker(t.config);
      await expect.poll(() => pendingFeedbackRows(db), { timeout: 30_000, interval: 100 }).toBe(0);
      await sleep(500); // anything sent twice would arrive by now

      const rows = await feedbackRows(db);
      expect(rows).toHaveLength(owed.length);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
      const dms = dmsByRecipient(t);
      for (const interviewer of interviewers) {
        // The feedback-due nudge and the reminder, both owed, go out together as one DM.
        expect(dms.get(interviewer), interviewer).toHaveLength(1);
        const theirs = rows.filter((r) => r.recipient === interviewer);
        expect(theirs.map((r) => r.kind).sort()).toEqual(['feedback_due', 'feedback_reminder']);
        expect(new Set(theirs.map((r) => r.slack_ts)).size).toBe(1);
      }
      expect(new Set(toInterviewers.map((r) => r.recipient)).size).toBe(25);
      expectMessagesMatchRows(t, rows);
      // The recruiter and the hiring manager were told about each late slot.
      expect(dms.get(PEOPLE.recruiter)?.length).toBeGreaterThan(0);
      expect(dms.get(PEOPLE.hiringManager)?.length).toBeGreaterThan(0);
    } finally {
      await worker?.stop();
      await t.close();
    }
  }, 60_000);

  it('a running worker reconciles on its own every period: nudges owed after it started go out without a restart or a job', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const db = t.panelist.deps.db;
      worker = await startWorkerOnly(t.config, {
        clock,
        logger: silent,
        migrate: false,
        slackRetryConfig: FAST_RETRIES,
        reconcileEveryMs: 1_000,
      });
      // Its passes at start are over before anything is owed: only a later pass can find it.
      const maintenance = t.panelist.deps.queues.maintenance;
      await expect
        .poll(async () => {
          const counts = await maintenance.getJobCounts('waiting', 'active', 'prioritized');
          return Object.values(counts).reduce((sum, n) => sum + n, 0);
        })
        .toBe(0);
      const interviewers = await givenOwedFeedback(t, {
        tag: 'TICK',
        panels: 1,
        slots: 1,
        perSlot: 3,
        settings: {
          enabled: { channel_digest: false, feedback_escalation: false, feedback_reminder: false },
        },
      });
      // Nothing queues them (the rows are written straight to Postgres): only a pass can.
      await expect.poll(() => pendingFeedbackRows(db), { timeout: 10_000, interval: 100 }).toBe(0);
      const dms = dmsByRecipient(t);
      expect(interviewers.map((id) => dms.get(id)?.length)).toEqual([1, 1, 1]);
      expectMessagesMatchRows(t, await feedbackRows(db));
    } finally {
      await worker?.stop();
      await t.close();
    }
  }, 60_000);

  it.each([{ concurrency: 1 }, { concurrency: 4 }])(
    'a worker killed with SIGKILL while delivering 500 nudges at concurrency $concurrency loses none and duplicates at most the messages in flight',
    async ({ concurrency }) => {
      const t = await startTestApp({ RUN_WORKER: 'false' });
      let child: WorkerProcess | undefined;
      let worker: { stop(): Promise<void> } | undefined;
      try {
        const db = t.panelist.deps.db;
        const interviewers = await givenOwedFeedback(t, { tag: 'KILL', panels: 10, slots: 5, perSlot: 10 });
        const everyone = new Set(interviewers);
        expect(everyone.size).toBe(500);
        await planAndQueueNow(t);
        expect(await pendingFeedbackRows(db)).toBe(1000 + 10 * 5 * 2);

        const first = spawnWorkerProcess(
          workerEnv(t, {
            SLACK_BOT_TOKEN: 'xoxb-killed-worker',
            WORKER_CONCURRENCY: String(concurrency),
            CLOCK_OFFSET_MS: String(CLOCK_OFFSET_MS),
          }),
        );
        child = first;
        await waitUntil(
          () => countDms(t, everyone) >= 100 || first.exited(),
          30_000,
          'the first worker has sent 100 DMs',
        );
        expect(first.exited(), first.output()).toBe(false);
        await first.kill('SIGKILL');
        const beforeKill = countDms(t, everyone);
        // The kill landed part-way through: some were delivered, most were not.
        expect(beforeKill).toBeGreaterThanOrEqual(100);
        expect(beforeKill).toBeLessThan(400);

        worker = await startWorker(t.config);
        await expect.poll(() => pendingFeedbackRows(db), { timeout: 30_000, interval: 100 }).toBe(0);
        await sleep(500);

        const dms = dmsByRecipient(t);
        const missing = interviewers.filter((i) => (dms.get(i)?.length ?? 0) === 0);
        const twice = interviewers.filter((i) => (dms.get(i)?.length ?? 0) > 1);
        expect(missing).toEqual([]);
        // Each message holds one of the worker's send slots (as many as its concurrency) until its
        // receipt is committed (at concurrency 4, written together with the others'): the messages
        // holding a slot at the kill are the most that can be sent but not recorded, so sent again.
        // The rest of the killed batches were settled from their receipts.
        expect(twice.length, `interviewers with two DMs: ${twice.join(', ')}`).toBeLessThanOrEqual(
          concurrency,
        );
        for (const interviewer of twice) expect(dms.get(interviewer)).toHaveLength(2);
        // The second worker did the rest.
        const bySecond = t.slack.callsTo(
          'chat.postMessage',
          (c) => everyone.has(String(c.args.channel)) && c.token === t.config.SLACK_BOT_TOKEN,
        );
        expect(bySecond.length).toBeGreaterThanOrEqual(500 - beforeKill);

        const rows = await feedbackRows(db);
        const theirs = rows.filter((r) => everyone.has(r.recipient));
        expect(theirs).toHaveLength(1000);
        expect(theirs.filter((r) => r.state !== 'sent')).toEqual([]);
        expectMessagesMatchRows(t, rows, new Set(twice));
        // Each receipt went with the settling of its row.
        expect(await db.selectFrom('nudge_receipt').selectAll().execute()).toEqual([]);
      } finally {
        await child?.kill('SIGKILL');
        await worker?.stop();
        await t.close();
      }
    },
    60_000,
  );

  it('a worker told to stop (SIGTERM) in the middle of a burst sends no further message, and the rest go out from the next worker', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    let child: WorkerProcess | undefined;
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const db = t.panelist.deps.db;
      const interviewers = await givenOwedFeedback(t, { tag: 'MID', panels: 10, slots: 5, perSlot: 10 });
      const everyone = new Set(interviewers);
      await planAndQueueNow(t);
      const first = spawnWorkerProcess(
        workerEnv(t, {
          SLACK_BOT_TOKEN: 'xoxb-stopped-mid-burst',
          WORKER_CONCURRENCY: '4',
          CLOCK_OFFSET_MS: String(CLOCK_OFFSET_MS),
        }),
      );
      child = first;
      await waitUntil(
        () => countDms(t, everyone) >= 60 || first.exited(),
        30_000,
        'the worker has sent 60 DMs',
      );
      expect(first.exited(), first.output()).toBe(false);
      const atSignal = countDms(t, everyone);
      await first.kill('SIGTERM');
      expect(first.child.exitCode, first.output()).toBe(0);
      const afterExit = countDms(t, everyone);
      // Each batch would otherwise go on sending for its 500 ms budget: only what was already on
      // its way when the signal arrived went out after it.
      expect(afterExit - atSignal).toBeLessThanOrEqual(12);
      expect(afterExit).toBeLessThan(500);

      worker = await startWorker(t.config);
      await expect.poll(() => pendingFeedbackRows(db), { timeout: 30_000, interval: 100 }).toBe(0);
      await sleep(500);
      const dms = dmsByRecipient(t);
      expect(interviewers.filter((i) => (dms.get(i)?.length ?? 0) !== 1)).toEqual([]);
      expectMessagesMatchRows(t, await feedbackRows(db));
    } finally {
      await child?.kill('SIGKILL');
      await worker?.stop();
      await t.close();
    }
  }, 60_000);

  it('a worker told to stop (SIGTERM) while Slack does not answer its messages exits within 10 seconds, and none of its nudges is lost', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    let child: WorkerProcess | undefined;
    let worker: { stop(): Promise<void> } | undefined;
    let release = () => {};
    try {
      const db = t.panelist.deps.db;
      const interviewers = await givenOwedFeedback(t, { tag: 'TERM', panels: 2, slots: 2, perSlot: 5 });
      const everyone = new Set(interviewers);
      await planAndQueueNow(t);
      // Slack takes the messages in but never answers while the worker runs.
      release = t.slack.holdCalls('chat.postMessage', (c) => everyone.has(String(c.args.channel)));
      const first = spawnWorkerProcess(
        workerEnv(t, {
          SLACK_BOT_TOKEN: 'xoxb-stopped-worker',
          WORKER_CONCURRENCY: '4',
          CLOCK_OFFSET_MS: String(CLOCK_OFFSET_MS),
          LOG_LEVEL: 'info',
        }),
      );
      child = first;
      await waitUntil(() => countDms(t, everyone) >= 1 || first.exited(), 30_000, 'a message is in flight');
      expect(first.exited(), first.output()).toBe(false);
      const sentAt = Date.now();
      await first.kill('SIGTERM');
      const took = Date.now() - sentAt;
      expect(took, first.output()).toBeLessThan(10_000);
      expect(first.child.exitCode, first.output()).toBe(0);
      // The messages Slack took in but had not answered when the worker stopped (a timed-out call
      // is sent again by the Slack client, so a person may have more than one).
      const unanswered = new Map<string, number>();
      for (const call of t.slack.callsTo('chat.postMessage', (c) => everyone.has(String(c.args.channel)))) {
        const to = String(call.args.channel);
        unanswered.set(to, (unanswered.get(to) ?? 0) + 1);
      }
      expect(unanswered.size).toBeGreaterThan(0);
      expect(unanswered.size).toBeLessThanOrEqual(4);

      // Slack answers again; the next worker delivers everything still owed.
      release();
      worker = await startWorker(t.config);
      await expect.poll(() => pendingFeedbackRows(db), { timeout: 30_000, interval: 100 }).toBe(0);
      await sleep(500);
      const rows = (await feedbackRows(db)).filter((r) => everyone.has(r.recipient));
      expect(rows.filter((r) => r.state !== 'sent')).toEqual([]);
      const messagesOfRows = new Map<string, Set<string>>();
      for (const row of rows) {
        messagesOfRows.set(
          row.recipient,
          (messagesOfRows.get(row.recipient) ?? new Set()).add(row.slack_ts ?? ''),
        );
      }
      // Everyone got what their rows say was sent; only the messages in flight at the stop came on top.
      const dms = dmsByRecipient(t);
      for (const interviewer of interviewers) {
        const expected = (messagesOfRows.get(interviewer)?.size ?? 0) + (unanswered.get(interviewer) ?? 0);
        expect(dms.get(interviewer)?.length ?? 0, interviewer).toBe(expected);
        expect(messagesOfRows.get(interviewer)?.size ?? 0, interviewer).toBeGreaterThan(0);
      }
    } finally {
      release();
      await child?.kill('SIGKILL');
      await worker?.stop();
      await t.close();
    }
  }, 60_000);

  it('the reconciler settles a row Slack took before its worker died (its receipt) as sent, queues nothing for it, and deletes receipts that stand for nothing', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    try {
      const db = t.panelist.deps.db;
      const [person] = await givenOwedFeedback(t, {
        tag: 'RCPT',
        panels: 1,
        slots: 1,
        perSlot: 1,
        settings: {
          enabled: { channel_digest: false, feedback_escalation: false, feedback_reminder: false },
        },
      });
      await planAndQueueNow(t);
      const [row] = await feedbackRows(db);
      if (row === undefined || person === undefined) throw new Error('nothing owed');
      const queue = t.panelist.deps.queues.nudges;
      await queue.remove(nudgeJobId(row.id, row.deliver_at));
      // The worker sent the DM and wrote its receipt, then died before its transaction committed.
      const sentAt = new Date(clock.now().getTime() - 60_000);
      await writeNudgeReceipts(db, [
        {
          teamId: TEAM_ID,
          nudgeId: row.id,
          deliverAt: row.deliver_at,
          slackChannel: `D${person}`,
          slackTs: '1799999999.000002',
          sentAt: sentAt,
        },
        // Two that stand for nothing: a row that does not exist, and this row's id in another
        // workspace. Neither settles anything, and the reconciler deletes both.
        {
          teamId: TEAM_ID,
          nudgeId: String(BigInt(row.id) + 1_000_000n),
          deliverAt: row.deliver_at,
          slackChannel: `D${person}`,
          slackTs: '1799999999.000003',
          sentAt,
        },
        {
          teamId: 'TSOMEONEELSE',
          nudgeId: row.id,
          deliverAt: row.deliver_at,
          slackChannel: `D${person}`,
          slackTs: '1799999999.000004',
          sentAt,
        },
      ]);

      await planAndQueueNow(t);
      const [after] = await feedbackRows(db);
      expect([after?.state, after?.slack_ts, after?.slack_channel, after?.sent_at, after?.attempts]).toEqual([
        'sent',
        '1799999999.000002',
        `D${person}`,
        sentAt,
        1,
      ]);
      expect(await queue.getJob(nudgeJobId(row.id, row.deliver_at))).toBeUndefined();
      expect(await db.selectFrom('nudge_receipt').selectAll().execute()).toEqual([]);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('a settlement whose sent rows all have receipts commits without waiting for the disk (a crash that lost it leaves the state the reconciler settles above); any other waits, as every commit does', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    try {
      const db = t.panelist.deps.db;
      await givenOwedFeedback(t, { tag: 'SYNC', panels: 1, slots: 1, perSlot: 2 });
      await planAndQueueNow(t);
      const [first, second] = await feedbackRows(db);
      if (first === undefined || second === undefined) throw new Error('nothing owed');
      const commitModeAfterSettling = (row: Nudge, receipted: boolean) =>
        db.transaction().execute(async (trx) => {
          const sent = {
            id: row.id,
            state: 'sent' as const,
            slackTs: '1799999999.000010',
            countAttempt: true,
          };
          await settleNudgeOutcomes(trx, TEAM_ID, [sent], clock.now(), { receipted });
          const { rows } = await sql<{
            mode: string;
          }>`select current_setting('synchronous_commit') as mode`.execute(trx);
          return rows[0]?.mode;
        });
      expect(await commitModeAfterSettling(first, true)).toBe('off');
      expect(await commitModeAfterSettling(second, false)).toBe('on');
      // For that transaction only, and the settlement itself is stored either way.
      const { rows } = await sql<{
        mode: string;
      }>`select current_setting('synchronous_commit') as mode`.execute(db);
      expect(rows[0]?.mode).toBe('on');
      const settled = (await feedbackRows(db)).filter((r) => r.id === first.id || r.id === second.id);
      expect(settled.map((r) => [r.state, r.slack_ts])).toEqual([
        ['sent', '1799999999.000010'],
        ['sent', '1799999999.000010'],
      ]);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('429 with Retry-After on 10% of calls: all delivered', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const db = t.panelist.deps.db;
      const interviewers = await givenOwedFeedback(t, { tag: 'RATE', panels: 2, slots: 5, perSlot: 6 });
      await planAndQueueNow(t);
      expect(await pendingFeedbackRows(db)).toBe(120 + 2 * 5 * 2);

      // Slack answers the first DM, and then one after every ten it accepts, with a 429 and
      // Retry-After: 1; six in all, about one in ten of the 60-odd messages.
      const rateLimited = { kind: 'rate_limited', retryAfterSeconds: 1 } as const;
      let injected = 1;
      let accepted = 0;
      t.slack.injectFault('chat.postMessage', rateLimited);
      const calls = t.slack.calls;
      calls.push = (...items: RecordedCall[]) => {
        for (const item of items) {
          if (item.method !== 'chat.postMessage') continue;
          accepted += 1;
          if (accepted % 10 === 0 && injected < 6) {
            injected += 1;
            t.slack.injectFault('chat.postMessage', rateLimited);
          }
        }
        return Array.prototype.push.apply(calls, items);
      };

      worker = await startWorker(t.config);
      await expect.poll(() => pendingFeedbackRows(db), { timeout: 30_000, interval: 100 }).toBe(0);
      await sleep(500);

      const faults = t.slack.callsTo('chat.postMessage#fault');
      expect(injected).toBe(6);
      expect(faults).toHaveLength(6);
      const dms = dmsByRecipient(t);
      for (const interviewer of interviewers) expect(dms.get(interviewer), interviewer).toHaveLength(1);
      // Each refused message went out later, after the Retry-After second.
      for (const fault of faults) {
        const retried = (dms.get(String(fault.args.channel)) ?? []).filter((c) => c.at >= fault.at + 950);
        expect(retried.length, `retry of the DM to ${String(fault.args.channel)}`).toBeGreaterThan(0);
      }
      expectMessagesMatchRows(t, await feedbackRows(db));
    } finally {
      await worker?.stop();
      await t.close();
    }
  }, 60_000);

  it('two worker processes deliver each nudge once', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    const workers: { stop(): Promise<void> }[] = [];
    try {
      const db = t.panelist.deps.db;
      const interviewers = await givenOwedFeedback(t, { tag: 'PAIR', panels: 2, slots: 5, perSlot: 5 });
      // Nothing is queued yet: each worker's start-up reconcile plans and queues what is owed,
      // both at once, while both deliver.
      expect(await pendingFeedbackRows(db)).toBe(100 + 2 * 5 * 2);
      // Slack answers in 200 ms, so neither worker is through them all before the other starts:
      // a worker has ten messages out at a time, so one alone would need over 2 s for these 120
      // (at 30 ms, as before its messages went side by side, one could finish in 0.4 s).
      t.slack.delayCalls('chat.postMessage', 200);
      const started = await Promise.allSettled([
        startWorker({ ...t.config, SLACK_BOT_TOKEN: 'xoxb-worker-a' }),
        startWorker({ ...t.config, SLACK_BOT_TOKEN: 'xoxb-worker-b' }),
      ]);
      for (const result of started) if (result.status === 'fulfilled') workers.push(result.value);
      expect(workers).toHaveLength(2);

      await expect.poll(() => pendingFeedbackRows(db), { timeout: 30_000, interval: 100 }).toBe(0);
      await sleep(500);

      const dms = dmsByRecipient(t);
      for (const interviewer of interviewers) expect(dms.get(interviewer), interviewer).toHaveLength(1);
      const rows = await feedbackRows(db);
      expect(rows.every((r) => r.attempts === 1)).toBe(true);
      expectMessagesMatchRows(t, rows);
      // Both really delivered.
      const tokens = new Set(t.slack.callsTo('chat.postMessage').map((c) => c.token));
      expect([...tokens].sort()).toEqual(['xoxb-worker-a', 'xoxb-worker-b']);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await t.close();
    }
  }, 60_000);

  it('a permanent Slack error marks the nudge failed, tells the recruiter once, and is not retried', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const db = t.panelist.deps.db;
      // Only the interviewer is owed anything: escalations and the digest are off.
      const [gone] = await givenOwedFeedback(t, {
        tag: 'GONE',
        panels: 1,
        slots: 1,
        perSlot: 1,
        settings: { enabled: { channel_digest: false, feedback_escalation: false } },
      });
      if (gone === undefined) throw new Error('no interviewer');
      await planAndQueueNow(t);
      const owed = await feedbackRows(db);
      expect(owed.map((r) => [r.kind, r.recipient, r.state])).toEqual([
        ['feedback_due', gone, 'pending'],
        ['feedback_reminder', gone, 'pending'],
      ]);
      const dueNow = await db
        .selectFrom('nudge')
        .select('recipient')
        .where('state', '=', 'pending')
        .where('deliver_at', '<=', new Date(clock.now().getTime() + DAY))
        .execute();
      expect(dueNow.map((r) => r.recipient)).toEqual([gone, gone]);

      // The first message, the interviewer's DM, is refused for good.
      t.slack.injectFault('chat.postMessage', { kind: 'slack_error', error: 'account_inactive' });
      worker = await startWorker(t.config);
      const told = await t.slack.waitForCall(
        'chat.postMessage',
        (c) => c.args.channel === PEOPLE.recruiter,
        15_000,
      );
      expect(String(told.args.text)).toContain('account_inactive');
      expect(String(told.args.text)).toContain(`<@${gone}>`);
      const faults = t.slack.callsTo('chat.postMessage#fault');
      expect(faults.map((c) => c.args.channel)).toEqual([gone]);

      await expect
        .poll(async () =>
          (await feedbackRows(db)).map((r) => [r.state, r.last_error, r.attempts, r.slack_ts]),
        )
        .toEqual([
          ['failed', 'account_inactive', 1, null],
          ['failed', 'account_inactive', 1, null],
        ]);
      // Recorded once Slack took the notice (the commit follows the call).
      await expect.poll(async () => (await failedNotices(db)).length).toBe(1);
      // The jobs finished rather than failed: BullMQ has nothing to retry. (The other row's job may
      // have found the row held by the delivery and be back 250 ms later, to find it settled.)
      const queue = t.panelist.deps.queues.nudges;
      await expect
        .poll(() => queue.getJobCounts('failed', 'delayed', 'wait', 'active'))
        .toEqual({
          failed: 0,
          delayed: 0,
          wait: 0,
          active: 0,
        });

      // Neither the reconciler nor the same jobs queued again bring it back.
      await planAndQueueNow(t);
      await enqueueNudges(t.panelist.deps.queues, owed, () => 0);
      await expect
        .poll(async () => Object.values(await queue.getJobCounts('wait', 'active')), { timeout: 10_000 })
        .toEqual([0, 0]);
      await sleep(1_000);
      expect(t.slack.callsTo('chat.postMessage', (c) => c.args.channel === gone)).toHaveLength(0);
      expect(t.slack.callsTo('chat.postMessage#fault')).toHaveLength(1);
      expect(t.slack.callsTo('chat.postMessage', (c) => c.args.channel === PEOPLE.recruiter)).toHaveLength(1);
      expect(t.slack.callsTo('chat.postMessage')).toHaveLength(1);
      expect((await feedbackRows(db)).map((r) => [r.state, r.attempts])).toEqual([
        ['failed', 1],
        ['failed', 1],
      ]);
    } finally {
      await worker?.stop();
      await t.close();
    }
  }, 60_000);
  it('a recruiter who could not be told at first is told by the reconciler; one Slack cannot reach is replaced by the hiring manager', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' });
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const db = t.panelist.deps.db;
      const [gone] = await givenOwedFeedback(t, {
        tag: 'UNTOLD',
        panels: 1,
        slots: 1,
        perSlot: 1,
        settings: { enabled: { channel_digest: false, feedback_escalation: false } },
      });
      if (gone === undefined) throw new Error('no interviewer');
      await planAndQueueNow(t);
      // The interviewer is gone for good, and the recruiter's notice meets a Slack outage.
      t.slack.injectFault(
        'chat.postMessage',
        { kind: 'slack_error', error: 'account_inactive' },
        1,
        (a) => a.channel === gone,
      );
      t.slack.injectFault(
        'chat.postMessage',
        { kind: 'server_error', status: 503 },
        100,
        (a) => a.channel === PEOPLE.recruiter,
      );
      worker = await startWorker(t.config);
      await expect
        .poll(async () => (await feedbackRows(db)).map((r) => r.state), { timeout: 15_000 })
        .toEqual(['failed', 'failed']);
      await expect
        .poll(
          () => t.slack.callsTo('chat.postMessage#fault', (c) => c.args.channel === PEOPLE.recruiter).length,
          {
            timeout: 15_000,
          },
        )
        .toBeGreaterThan(0);
      await worker.stop();
      worker = undefined;
      const marker = () => failedNotices(db);
      expect(await marker()).toEqual([]); // not recorded as told: nobody was

      // The next worker's reconciler (at start) tells them.
      t.slack.clearFaults('chat.postMessage'); // Slack is back
      worker = await startWorker(t.config);
      const told = await t.slack.waitForCall(
        'chat.postMessage',
        (c) => c.args.channel === PEOPLE.recruiter && String(c.args.text).includes('account_inactive'),
        15_000,
      );
      expect(String(told.args.text)).toContain(`<@${gone}>`);
      await expect
        .poll(() => marker())
        .toEqual([{ recipient: gone, slackError: 'account_inactive', told: [PEOPLE.recruiter] }]);

      // When the recruiter is the one Slack cannot reach, the hiring manager hears of it.
      const panelId = (await feedbackRows(db))[0]?.panel_id ?? '';
      const outcome = await tellCoordinatorsOnce(
        { db, client: t.panelist.deps.client, logger: silent },
        { teamId: TEAM_ID, panelId, recipient: PEOPLE.recruiter, code: 'user_not_found' },
      );
      expect(outcome).toBe('told');
      // A coordinator Slack can never reach is not asked again on every pass: recorded, nobody told.
      t.slack.injectFault(
        'chat.postMessage',
        { kind: 'slack_error', error: 'account_inactive' },
        1,
        (a) => a.channel === PEOPLE.recruiter,
      );
      expect(
        await tellCoordinatorsOnce(
          { db, client: t.panelist.deps.client, logger: silent },
          { teamId: TEAM_ID, panelId, recipient: 'UOTHERGONE', code: 'user_not_found' },
        ),
      ).toBe('told');
      expect(await failedNotices(db, 'UOTHERGONE')).toEqual([
        { recipient: 'UOTHERGONE', slackError: 'user_not_found', told: [] },
      ]);
      const toManager = t.slack.callsTo('chat.postMessage', (c) => c.args.channel === PEOPLE.hiringManager);
      expect(toManager.map((c) => String(c.args.text))).toEqual([
        expect.stringContaining(
          `<@${PEOPLE.recruiter}>: their Slack account is gone (Slack: \`user_not_found\`)`,
        ),
      ]);
    } finally {
      await worker?.stop();
      await t.close();
    }
  }, 60_000);

  it('a nudge whose retries ran out is tried again by the reconciler once Slack is back', async () => {
    const t = await startTestApp({ RUN_WORKER: 'false' }, { slackRetryConfig: FAST_RETRIES });
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const db = t.panelist.deps.db;
      const [person] = await givenOwedFeedback(t, {
        tag: 'EXH',
        panels: 1,
        slots: 1,
        perSlot: 1,
        // One owed row only, so no other job for the same person can carry it along.
        settings: {
          enabled: { channel_digest: false, feedback_escalation: false, feedback_reminder: false },
        },
      });
      await planAndQueueNow(t);
      const rows = await feedbackRows(db);
      expect(rows.map((r) => r.state)).toEqual(['pending']);
      // The row's job runs out of attempts while Slack is down: a stand-in worker fails it once
      // (attempts: 1), as the real one would after its retries.
      const queue = t.panelist.deps.queues.nudges;
      const head = rows[0];
      if (head === undefined || person === undefined) throw new Error('nothing owed');
      const jobId = nudgeJobId(head.id, head.deliver_at);
      await queue.remove(jobId);
      await queue.add('nudge', { teamId: TEAM_ID, nudgeId: head.id }, { jobId, attempts: 1 });
      const failing = new Worker(
        QUEUE_NAMES.nudges,
        async () => {
          throw new Error('Slack answered 503');
        },
        {
          connection: new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null }),
          prefix: t.config.QUEUE_PREFIX,
        },
      );
      try {
        await waitUntil(
          async () => (await queue.getJob(jobId))?.isFailed() ?? false,
          30_000,
          'the job has failed',
        );
      } finally {
        await failing.close();
      }
      expect((await feedbackRows(db)).map((r) => r.state)).toEqual(['pending']);
      expect(t.slack.callsTo('chat.postMessage', (c) => c.args.channel === person)).toHaveLength(0);
      worker = await startWorker(t.config);

      // Slack is back; the reconciler finds the row still owed and its job failed, and retries it.
      await planAndQueueNow(t);
      await waitUntil(async () => (await pendingFeedbackRows(db)) === 0, 30_000, 'every row is sent');
      expect(t.slack.callsTo('chat.postMessage', (c) => c.args.channel === person)).toHaveLength(1);
    } finally {
      await worker?.stop();
      await t.close();
    }
  }, 60_000);
});
