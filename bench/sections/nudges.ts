/**
 * Nudges (issue 5): delivery throughput of 10,000 due nudges to a Slack double, against a bare
 * BullMQ worker that does nothing with 10,000 jobs at the same concurrency (ratio), and how late
 * delayed nudges fire (p50 / p99 / max over 1,000 nudges due within one minute). Goals: at least
 * 1,000 nudges a second end to end, at least 0.25× the bare worker's rate at concurrency 10, and
 * lateness p99 under 1 second. Correctness is checked, never traded: every seeded row sent exactly
 * once, one DM per recipient, nothing else sent.
 *
 * What runs where. The worker is the production one: `startWorkerOnly` (the nudge, announcement and
 * maintenance workers, `createNudgeProcessor` unchanged) in a child process (bench/serve-worker.ts),
 * one at concurrency 10 (the default WORKER_CONCURRENCY) and one at 50 (an extra line), each on a
 * queue prefix of its own. The baseline is a BullMQ Worker with a no-op processor in a child process
 * too (bench/serve-bare-worker.ts), fed the same way. The throughput runs' jobs are added by a
 * child process of their own (bench/serve-enqueuer.ts, with the production `enqueueNudges`: one
 * addBulk, production job ids and options), so adding them does not stall the Slack double, which
 * this process hosts (Slack keeps answering while a queue fills); the clock starts as that child is
 * told to add them. This process hosts the Slack double and watches.
 *
 * Isolation. The section uses a database, Redis prefixes and a Slack double of its own, not the
 * shared Panelist child's: that child runs a worker and a reconciler of its own, which would re-plan
 * the seeded panels and deliver their nudges too (and the other sections' open panels and pending
 * nudges would leak into these workers).
 *
 * Why the seeded rows survive the reconciler. A worker process runs `reconcile` at start-up and
 * then periodically; it re-plans every open panel with the app's planner (`syncPanelNudges`, which
 * cancels pending rows the plan does not want) and re-enqueues pending rows one by one. So:
 *  - the rows are exactly what the planner wants. Throughput: panels booked on last week's Monday
 *    (slots long over, no feedback given), in a workspace whose settings enable only
 *    `feedback_due`, so each (slot, interviewer) is owed exactly one feedback_due nudge; the rows
 *    are created by `syncPanelNudges` itself, as a booking creates them. Lateness: panels whose
 *    decision deadline falls in the coming minute, created now, in a workspace enabling only
 *    `decision_countdown`, so each is owed exactly its 'due' nudge (urgent: no working-hours shift;
 *    the 48h/24h ones predate the panel and are not planned). A sample of panels of each kind is
 *    re-planned and compared with the rows before measuring;
 *  - the workers start (and their start-up reconcile finishes) before anything is seeded, and the
 *    periodic reconcile is set to an hour, so no reconcile pass (nor its one-by-one re-enqueue of
 *    10,000 rows) lands inside a measurement. Each workspace's nudges are switched off once its
 *    phase is over, so nothing re-planned later (overdue reminders) could leak into another phase.
 *
 * Each worker first gets unmeasured warm-up jobs (nudges of a workspace of their own, checked like
 * the rest). The concurrency-50 line runs fewer nudges (BENCH_NUDGES_EXTRA) to keep the section
 * short; a rate over 3,000 is steady enough for a comparison.
 *
 * Tunables (environment): BENCH_NUDGES (10,000 in the concurrency-10 run), BENCH_NUDGES_EXTRA
 * (3,000 in the concurrency-50 run), BENCH_NUDGE_LATENESS (1,000), BENCH_NUDGE_WINDOW_SECONDS (60).
 * BENCH_PROFILE_DIR also profiles the nudge worker children.
 */
import { fork } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { closeQueues, createQueues, enqueueNudges, type Queues } from '../../jobs/queues.js';
import { createProducerConnection } from '../../jobs/redis.js';
import { offsetClock } from '../../src/clock.js';
import type { Database, NudgeKind } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { loadPlanInput, syncPanelNudges } from '../../src/db/nudges.js';
import { nudgeIdentity, planNudges } from '../../src/domain/nudge-plan.js';
import { NUDGE_KINDS } from '../../src/domain/nudge-settings.js';
import { toWednesdayMorningUtc } from '../../tests/support/clock-offset.js';
import { type RecordedCall, SlackDouble } from '../../tests/support/slack-double.js';
import { createTestDatabase, deleteRedisPrefix, TEST_REDIS_URL } from '../../tests/support/test-env.js';
import { type ChildApp, keepStderrTail, REPO_ROOT, spawnApp, stopChild } from '../children.js';
import type { BenchContext, BenchSection } from '../context.js';
import { machineCpu, ownCpuSeconds, processCpuSeconds } from '../cpu.js';
import { percentile } from '../http-load.js';
import { fmt, type GoalCheck, type JsonValue, round, type SectionResult, type Table } from '../report.js';
import {
  analyze,
  BENCH_APPLICATION_NAME,
  DAY,
  ensureWorkspace,
  HOUR,
  isoDate,
  openBenchDatabase,
  type PanelSeed,
  type SlotSeed,
  seedPanels,
  seedSlots,
} from '../seed.js';
import type { EnqueuerReply, EnqueuerRequest } from '../serve-enqueuer.js';

const RATE_GOAL = 1_000;
const RATIO_GOAL = 0.25;
const LATENESS_P99_GOAL_MS = 1_000;
/** The production default (WORKER_CONCURRENCY); the goals are judged here. */
const MAIN_CONCURRENCY = 10;
const EXTRA_CONCURRENCY = 50;
/** A throughput run that has not finished by then is an error (and ends the section). */
const RUN_TIMEOUT_MS = 180_000;
/**
 * Unmeasured jobs each worker gets first (JIT, Lua scripts loaded, pool connections opened): as
 * many for Panelist as for the bare worker, so neither is measured colder than the other.
 */
const BARE_WARMUP_JOBS = 2_000;
const NUDGE_WARMUP_JOBS = BARE_WARMUP_JOBS;
/** Lateness rows fall due from this long after seeding starts, so seeding and enqueuing are done first. */
const LATENESS_LEAD_MS = 2_500;
/**
 * The nudge workers' clock: the system clock moved to the nearest Wednesday 10:00 UTC
 * (`CLOCK_OFFSET_MS`), running at the real pace, so the feedback nudges they find due are inside
 * their recipients' working hours (UTC) whenever the bench runs: a worker holds a DM it finds due
 * outside them. Every moment this section seeds or measures is on this clock.
 */
const CLOCK_OFFSET_MS = toWednesdayMorningUtc();
const clock = offsetClock(CLOCK_OFFSET_MS);

/** How long to wait past the last lateness row before calling the missing ones lost. */
const LATENESS_GRACE_MS = 10_000;
/** After each phase, extra calls (duplicates) get this long to show up before the final check. */
const SETTLE_MS = 500;
/** The reconciler's period in the worker children: far beyond the section, see above. */
const RECONCILE_EVERY_MS = 3_600_000;
/** A panel's slots and interviewers in the throughput workspaces: 10 people owed feedback a panel. */
const SLOT_SHAPE = [
  { kind: 'peer' as const, startHour: 9, interviewers: 5 },
  { kind: 'practical' as const, startHour: 11, interviewers: 5 },
];
const PLANNER_SAMPLE = 5;

function countFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number`);
  return value;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

/** 00:00 UTC on the Monday of last week: a week or more ago, so its slots are long over. */
function lastWeeksMonday(now: Date): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const daysSinceMonday = (new Date(today).getUTCDay() + 6) % 7;
  return new Date(today - (daysSinceMonday + 7) * DAY);
}

/** Workspace nudge settings with only `kind` switched on (or none). */
function settingsOnly(kind: NudgeKind | undefined): { enabled: Record<string, boolean> } {
  return { enabled: Object.fromEntries(NUDGE_KINDS.map((k) => [k, k === kind])) };
}

async function setNudgeSettings(db: Kysely<Database>, teamId: string, kind: NudgeKind | undefined) {
  await sql`
    insert into workspace (team_id, nudge_settings) values (${teamId}, ${JSON.stringify(settingsOnly(kind))}::jsonb)
    on conflict (team_id) do update set nudge_settings = excluded.nudge_settings
  `.execute(db);
}

/** A nudge row to enqueue, with who should get it. */
interface DueRow {
  id: string;
  team_id: string;
  deliver_at: Date;
  recipient: string;
}

interface SeededWorkspace {
  teamId: string;
  rows: DueRow[];
  panelIds: string[];
  seedMs: number;
}

/**
 * Throughput workspace: panels booked last week whose interviewers (one per nudge, all distinct)
 * owe feedback, planned by the app's own `syncPanelNudges`.
 */
async function seedOwedFeedback(
  db: Kysely<Database>,
  teamId: string,
  tag: string,
  count: number,
  now: Date,
): Promise<SeededWorkspace> {
  const started = performance.now();
  await setNudgeSettings(db, teamId, 'feedback_due');
  const { bufferMinutes } = await ensureWorkspace(db, teamId);
  const perPanel = SLOT_SHAPE.reduce((sum, s) => sum + s.interviewers, 0);
  const panelCount = Math.ceil(count / perPanel);
  const monday = lastWeeksMonday(now);
  const deadline = new Date(now.getTime() + 25 * DAY);
  const panels: PanelSeed[] = Array.from({ length: panelCount }, (_, p) => ({
    candidateName: `Nudge ${tag} Candidate ${p}`,
    roleTitle: p % 2 === 0 ? 'Staff Engineer' : 'Engineering Manager',
    channelId: 'CHIRING',
    recruiterId: `UN${tag}REC${pad(p % 20, 2)}`,
    hiringManagerId: `UN${tag}HM${pad(p % 40, 2)}`,
    decisionMakerId: `UN${tag}DM${pad(p % 10, 2)}`,
    decisionDeadline: deadline,
    answerPromisedOn: isoDate(new Date(now.getTime() + 27 * DAY)),
    stageKinds: SLOT_SHAPE.map((s) => s.kind),
  }));
  const panelIds = await seedPanels(db, teamId, `nudges-${tag}`, panels);
  const slots: SlotSeed[] = [];
  const recipients: string[] = [];
  panelIds.forEach((panelId, p) => {
    SLOT_SHAPE.forEach((shape, s) => {
      const take = Math.min(shape.interviewers, count - recipients.length);
      if (take <= 0) return;
      const people = Array.from({ length: take }, (_, i) => `UN${tag}${pad(p, 5)}S${s}I${i}`);
      recipients.push(...people);
      const startsAt = new Date(monday.getTime() + shape.startHour * HOUR);
      slots.push({
        panelId,
        stageKind: shape.kind,
        startsAt,
        endsAt: new Date(startsAt.getTime() + HOUR),
        interviewerIds: people,
        createdBy: panels[p]?.recruiterId ?? '',
      });
    });
  });
  await seedSlots(db, teamId, slots, bufferMinutes);
  // Booked the Friday before, like a real panel; nothing the planner reads for feedback_due.
  await sql`update panel set created_at = ${new Date(monday.getTime() - 3 * DAY).toISOString()}::timestamptz where team_id = ${teamId}`.execute(
    db,
  );

  // The app's own planning, as the booking would have done it: the rows are what the planner wants.
  let next = 0;
  const planOne = async () => {
    while (next < panelIds.length) {
      const panelId = panelIds[next++] ?? '';
      await db.transaction().execute((trx) => syncPanelNudges(trx, teamId, panelId, now));
    }
  };
  await Promise.all(Array.from({ length: 8 }, planOne));

  const rows = await pendingRows(db, teamId);
  const problems: string[] = [];
  if (rows.length !== count) problems.push(`${rows.length} pending rows, not ${count}`);
  const kinds = await sql<{ kind: string; n: string }>`
    select kind, count(*) as n from nudge where team_id = ${teamId} group by kind
  `.execute(db);
  if (kinds.rows.some((k) => k.kind !== 'feedback_due'))
    problems.push(`kinds planned: ${kinds.rows.map((k) => `${k.kind} ${k.n}`).join(', ')}`);
  if (rows.some((r) => r.deliver_at.getTime() > now.getTime())) problems.push('some rows are not due yet');
  const seeded = new Set(recipients);
  if (
    new Set(rows.map((r) => r.recipient)).size !== rows.length ||
    rows.some((r) => !seeded.has(r.recipient))
  )
    problems.push('recipients are not the seeded interviewers, one row each');
  if (problems.length > 0) throw new Error(`seeding ${teamId} went wrong: ${problems.join('; ')}`);
  return { teamId, rows, panelIds, seedMs: performance.now() - started };
}

/**
 * Lateness workspace: `count` panels, each with a decision maker of its own whose 'due' countdown
 * nudge falls `spacingMs` after the previous one's, from `firstAt`. Rows written straight in SQL
 * (seeding must finish before the first falls due); `checkPlannerKeeps` confirms the planner wants them.
 */
async function seedDueSoon(
  db: Kysely<Database>,
  teamId: string,
  count: number,
  firstAt: number,
  spacingMs: number,
  now: Date,
): Promise<SeededWorkspace> {
  const started = performance.now();
  await setNudgeSettings(db, teamId, 'decision_countdown');
  const deadlines = Array.from({ length: count }, (_, i) => new Date(firstAt + i * spacingMs));
  const deciders = deadlines.map((_, i) => `UNLATE${pad(i, 5)}`);
  const panelIds = await seedPanels(
    db,
    teamId,
    'nudges-late',
    deadlines.map((deadline, i) => ({
      candidateName: `Nudge Late Candidate ${i}`,
      roleTitle: 'Staff Engineer',
      channelId: 'CHIRING',
      recruiterId: 'UNLATEREC',
      hiringManagerId: 'UNLATEHM',
      decisionMakerId: deciders[i] ?? '',
      decisionDeadline: deadline,
      answerPromisedOn: isoDate(new Date(now.getTime() + 30 * DAY)),
      stageKinds: ['peer'],
      createdAt: now,
    })),
  );
  const { rows } = await sql<DueRow>`
    insert into nudge (team_id, panel_id, kind, subject, recipient, occurrence, due_at, deliver_at)
    select ${teamId}, t.panel_id, 'decision_countdown', 'panel', t.recipient, 'due', t.at, t.at
    from unnest(${panelIds}::bigint[], ${deciders}::text[],
                ${deadlines.map((d) => d.toISOString())}::timestamptz[]) as t(panel_id, recipient, at)
    returning id, team_id, deliver_at, recipient
  `.execute(db);
  return {
    teamId,
    rows: rows.map((r) => ({ ...r, id: String(r.id) })),
    panelIds,
    seedMs: performance.now() - started,
  };
}

async function pendingRows(db: Kysely<Database>, teamId: string): Promise<DueRow[]> {
  return db
    .selectFrom('nudge')
    .select(['id', 'team_id', 'deliver_at', 'recipient'])
    .where('team_id', '=', teamId)
    .where('state', '=', 'pending')
    .orderBy('id')
    .execute();
}

/**
 * Re-plans a sample of the panels with the app's planner, as the reconciler would, and compares
 * with their pending rows: a mismatch means a reconcile pass would cancel or add rows mid-run.
 */
async function checkPlannerKeeps(
  db: Kysely<Database>,
  teamId: string,
  panelIds: readonly string[],
  now: Date,
): Promise<void> {
  const step = Math.max(1, Math.floor(panelIds.length / PLANNER_SAMPLE));
  for (let index = 0; index < panelIds.length; index += step) {
    const panelId = panelIds[index] ?? '';
    const input = await loadPlanInput(db, teamId, panelId, now);
    if (input === undefined) throw new Error(`panel ${panelId} vanished`);
    const planned = planNudges(input)
      .map((n) => `${nudgeIdentity(n)}@${n.deliverAt.toISOString()}`)
      .sort();
    const rows = await db
      .selectFrom('nudge')
      .select(['kind', 'subject', 'recipient', 'occurrence', 'deliver_at'])
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panelId)
      .where('state', '=', 'pending')
      .execute();
    const seeded = rows.map((r) => `${nudgeIdentity(r)}@${r.deliver_at.toISOString()}`).sort();
    if (planned.join('\n') !== seeded.join('\n')) {
      throw new Error(
        `the planner does not want exactly the seeded nudges of panel ${panelId} (${teamId}): planned [${planned.join(', ')}], seeded [${seeded.join(', ')}]`,
      );
    }
  }
}

/** Counts chat.postMessage calls as they arrive, without rescanning the double's call list. */
class DmWatcher {
  #scanned: number;
  #total = 0;
  readonly byRecipient = new Map<string, RecordedCall[]>();
  constructor(
    private readonly double: SlackDouble,
    private readonly recipients: ReadonlySet<string>,
  ) {
    this.#scanned = double.calls.length;
  }
  /**
   * DMs to the watched recipients so far (duplicates included). Looks only at the calls since it
   * was last asked: it is asked every few milliseconds, in the process whose event loop answers
   * the worker's messages.
   */
  count(): number {
    const calls = this.double.calls;
    for (; this.#scanned < calls.length; this.#scanned++) {
      const call = calls[this.#scanned];
      if (call === undefined || call.method !== 'chat.postMessage') continue;
      const channel = String(call.args.channel);
      if (!this.recipients.has(channel)) continue;
      const list = this.byRecipient.get(channel);
      if (list === undefined) this.byRecipient.set(channel, [call]);
      else list.push(call);
      this.#total += 1;
    }
    return this.#total;
  }
}

// ---- CPU accounting: where the machine's time went during a run ----

interface CpuSample {
  at: number;
  worker: number | undefined;
  bench: number;
  /** Backends of this section's database (not the bench's own sessions), by pid. */
  backends: Map<number, number>;
  /** The server's background processes (WAL writer, checkpointer, …): server-wide. */
  background: Map<number, number>;
  redis: number | undefined;
  machine: number | undefined;
}

async function cpuSample(
  db: Kysely<Database>,
  redis: Redis,
  worker: ChildApp,
  enqueuer: Enqueuer,
): Promise<CpuSample> {
  const { rows } = await sql<{ pid: number; datname: string | null }>`
    select pid, datname from pg_stat_activity
    where (datname = current_database() and backend_type = 'client backend' and application_name <> ${BENCH_APPLICATION_NAME})
       or (datname is null and backend_type <> 'client backend')
  `.execute(db);
  const backends = new Map<number, number>();
  const background = new Map<number, number>();
  for (const { pid, datname } of rows) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) (datname === null ? background : backends).set(pid, seconds);
  }
  let redisCpu: number | undefined;
  try {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
    redisCpu = field('used_cpu_sys') + field('used_cpu_user');
    if (!Number.isFinite(redisCpu)) redisCpu = undefined;
  } catch {
    redisCpu = undefined;
  }
  return {
    at: performance.now(),
    worker: worker.cpuSeconds(),
    bench: ownCpuSeconds() + (enqueuer.cpuSeconds() ?? Number.NaN),
    backends,
    background,
    redis: redisCpu,
    machine: machineCpu()?.busySeconds,
  };
}

interface CpuUse {
  wallS: number;
  workerS: number;
  benchS: number;
  postgresS: number;
  postgresBackgroundS: number;
  redisS: number;
  otherS: number;
  machineS: number;
}

function cpuBetween(before: CpuSample, after: CpuSample): CpuUse {
  const sumDelta = (a: Map<number, number>, b: Map<number, number>) => {
    if (b.size === 0) return Number.NaN;
    let sum = 0;
    for (const [pid, seconds] of b) sum += seconds - (a.get(pid) ?? 0);
    return sum;
  };
  const delta = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? Number.NaN : b - a;
  const use = {
    wallS: (after.at - before.at) / 1000,
    workerS: delta(before.worker, after.worker),
    benchS: after.bench - before.bench,
    postgresS: sumDelta(before.backends, after.backends),
    postgresBackgroundS: sumDelta(before.background, after.background),
    redisS: delta(before.redis, after.redis),
    machineS: delta(before.machine, after.machine),
  };
  const known = [use.workerS, use.benchS, use.postgresS, use.postgresBackgroundS, use.redisS]
    .filter(Number.isFinite)
    .reduce((a, b) => a + b, 0);
  return { ...use, otherS: use.machineS - known };
}

// ---- The runs ----

/** The child that adds a throughput run's jobs (bench/serve-enqueuer.ts). */
interface Enqueuer {
  readonly pid: number;
  cpuSeconds(): number | undefined;
  /** Hands over a throughput run's rows (all due) before its clock starts. */
  load(prefix: string, rows: readonly { id: string; team_id: string; deliver_at: Date }[]): Promise<void>;
  /** Adds the loaded rows' jobs; resolves, with addBulk's duration in the child, once they are in. */
  go(): Promise<number>;
  stop(): Promise<void>;
}

async function startEnqueuer(env: NodeJS.ProcessEnv): Promise<Enqueuer> {
  const child = fork(join(REPO_ROOT, 'bench/serve-enqueuer.ts'), [], {
    cwd: REPO_ROOT,
    env,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderrTail = keepStderrTail(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('enqueuer: no pid');
  // One request at a time: its answer, or the child's end (exit, a broken channel), or a timeout.
  let pending: { resolve: (reply: EnqueuerReply) => void; reject: (error: Error) => void } | undefined;
  let gone: Error | undefined;
  const end = (error: Error) => {
    gone ??= error;
    pending?.reject(gone);
    pending = undefined;
  };
  child.on('message', (reply: EnqueuerReply) => {
    const waiting = pending;
    pending = undefined;
    waiting?.resolve(reply);
  });
  child.on('exit', (code, signal) =>
    end(new Error(`enqueuer exited (code ${code}, signal ${signal})\n${stderrTail()}`)),
  );
  child.on('error', (error) => end(new Error(`enqueuer: ${error.message}\n${stderrTail()}`)));
  const answer = async (timeoutMs: number, request?: EnqueuerRequest): Promise<EnqueuerReply> => {
    if (gone !== undefined) throw gone;
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<EnqueuerReply>((resolve, reject) => {
      pending = { resolve, reject };
      timer = setTimeout(
        () => end(new Error(`enqueuer: no answer within ${timeoutMs} ms\n${stderrTail()}`)),
        timeoutMs,
      );
      if (request !== undefined) child.send(request);
    }).finally(() => clearTimeout(timer));
    if (reply.kind === 'failed') throw new Error(`enqueuer: ${reply.error}`);
    return reply;
  };
  await answer(30_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  }); // ready
  return {
    pid,
    cpuSeconds: () => processCpuSeconds(pid),
    load: async (prefix, rows) => {
      await answer(30_000, {
        kind: 'load',
        prefix,
        rows: rows.map((r) => ({ id: r.id, team_id: r.team_id, deliver_at: r.deliver_at.getTime() })),
      });
    },
    go: async () => {
      const reply = await answer(RUN_TIMEOUT_MS, { kind: 'go' });
      if (reply.kind !== 'done') throw new Error(`enqueuer: answered ${reply.kind} to go`);
      return reply.enqueueMs;
    },
    stop: () => stopChild(child, 5_000),
  };
}

interface Workers {
  panelist: ChildApp;
  bare: ChildApp;
  queues: Queues;
  bareQueues: Queues;
  prefix: string;
  barePrefix: string;
  enqueuer: Enqueuer;
  /** Postgres queries the nudge worker has sent so far (NaN when it cannot tell). */
  queries(): Promise<QueryStats>;
}

interface QueryStats {
  total: number;
  /** Count by the query's first 90 characters. */
  byShape: Record<string, number>;
}

function queriesBetween(before: QueryStats, after: QueryStats): QueryStats {
  const byShape: Record<string, number> = {};
  for (const [shape, count] of Object.entries(after.byShape)) {
    const delta = count - (before.byShape[shape] ?? 0);
    if (delta > 0) byShape[shape] = delta;
  }
  return { total: after.total - before.total, byShape };
}

/** Asks a serve-worker child for its query count (SIGUSR2; it answers in `file`). */
function queryCounter(child: ChildApp, file: string): () => Promise<QueryStats> {
  const unknown: QueryStats = { total: Number.NaN, byShape: {} };
  let seq = 0;
  return async () => {
    seq += 1;
    try {
      process.kill(child.pid, 'SIGUSR2');
    } catch {
      return unknown;
    }
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline) {
      try {
        const stats = JSON.parse(readFileSync(file, 'utf8')) as {
          seq: number;
          queries: number;
          byShape: Record<string, number>;
        };
        if (stats.seq >= seq) return { total: stats.queries, byShape: stats.byShape };
      } catch {
        // not written yet
      }
      await sleep(5);
    }
    return unknown;
  };
}

interface RunResult {
  label: string;
  kind: 'panelist' | 'bare';
  concurrency: number;
  jobs: number;
  complete: boolean;
  enqueueMs: number;
  /** First add until the last row is sent (Panelist) or the queue is drained (bare). */
  totalMs: number;
  /** First add until the first DM arrived (Panelist only). */
  firstDmMs: number;
  perSecond: number;
  cpu: CpuUse;
  /** Jobs left failed in the queue (retries ran out). */
  failedJobs: number;
  /** Postgres queries the worker sent during the run (NaN for the bare worker). */
  queries: QueryStats;
}

async function queueBacklog(queues: Queues): Promise<{ pending: number; failed: number }> {
  const counts = await queues.nudges.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed');
  const pending =
    (counts.wait ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
  return { pending, failed: counts.failed ?? 0 };
}

/** Waits until the maintenance queue is idle: the worker's start-up reconcile has finished. */
async function waitForReconcileIdle(queues: Queues, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let idleChecks = 0;
  while (idleChecks < 3) {
    const counts = await queues.maintenance.getJobCounts('wait', 'active', 'prioritized');
    const busy = (counts.wait ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0);
    idleChecks = busy === 0 ? idleChecks + 1 : 0;
    if (Date.now() > deadline) throw new Error('the worker’s start-up reconcile did not finish');
    await sleep(50);
  }
}

/** 10,000 no-op jobs through the bare worker, enqueued exactly as nudges are. */
async function runBare(
  db: Kysely<Database>,
  redis: Redis,
  workers: Workers,
  concurrency: number,
  jobs: number,
  label: string,
): Promise<RunResult> {
  const rows = Array.from({ length: jobs }, (_, i) => ({
    id: `${label}-${i}`,
    team_id: 'TBARE',
    deliver_at: new Date(0),
  }));
  await workers.enqueuer.load(workers.barePrefix, rows);
  const before = await cpuSample(db, redis, workers.bare, workers.enqueuer);
  const started = performance.now();
  const enqueueMs = await workers.enqueuer.go();
  let backlog = await queueBacklog(workers.bareQueues);
  while (backlog.pending > 0 && performance.now() - started < RUN_TIMEOUT_MS) {
    await sleep(5);
    backlog = await queueBacklog(workers.bareQueues);
  }
  const totalMs = performance.now() - started;
  const after = await cpuSample(db, redis, workers.bare, workers.enqueuer);
  return {
    label,
    kind: 'bare',
    concurrency,
    jobs,
    complete: backlog.pending === 0,
    enqueueMs,
    totalMs,
    firstDmMs: Number.NaN,
    perSecond: jobs / (totalMs / 1000),
    cpu: cpuBetween(before, after),
    failedJobs: backlog.failed,
    queries: { total: Number.NaN, byShape: {} },
  };
}

/** Enqueues the workspace's due rows and waits until every one is sent. */
async function runPanelist(
  db: Kysely<Database>,
  redis: Redis,
  double: SlackDouble,
  workers: Workers,
  concurrency: number,
  seeded: SeededWorkspace,
  label: string,
): Promise<{ result: RunResult; watcher: DmWatcher }> {
  const jobs = seeded.rows.length;
  const watcher = new DmWatcher(double, new Set(seeded.rows.map((r) => r.recipient)));
  const queriesBefore = await workers.queries();
  if (seeded.rows.some((r) => clock.msUntil(r.deliver_at) > 0))
    throw new Error(`${label}: a seeded row is not due yet`);
  await workers.enqueuer.load(workers.prefix, seeded.rows);
  const before = await cpuSample(db, redis, workers.panelist, workers.enqueuer);
  const started = performance.now();
  const startedAt = Date.now();
  const enqueueMs = await workers.enqueuer.go();
  // The double counts DMs for free; Postgres is asked only once they have all arrived.
  while (watcher.count() < jobs && performance.now() - started < RUN_TIMEOUT_MS) await sleep(5);
  let pending = jobs;
  while (performance.now() - started < RUN_TIMEOUT_MS) {
    pending = await countState(db, seeded.teamId, 'pending');
    if (pending === 0) break;
    await sleep(5);
  }
  const totalMs = performance.now() - started;
  const after = await cpuSample(db, redis, workers.panelist, workers.enqueuer);
  const queries = queriesBetween(queriesBefore, await workers.queries());
  const firstDm = Math.min(...[...watcher.byRecipient.values()].map((calls) => calls[0]?.at ?? Infinity));
  // Let the queue drain (jobs complete just after their row commits) before the next run.
  let backlog = await queueBacklog(workers.queues);
  for (let i = 0; i < 200 && backlog.pending > 0; i++) {
    await sleep(10);
    backlog = await queueBacklog(workers.queues);
  }
  return {
    result: {
      label,
      kind: 'panelist',
      concurrency,
      jobs,
      complete: pending === 0,
      enqueueMs,
      totalMs,
      firstDmMs: firstDm - startedAt,
      perSecond: jobs / (totalMs / 1000),
      cpu: cpuBetween(before, after),
      failedJobs: backlog.failed,
      queries,
    },
    watcher,
  };
}

async function countState(db: Kysely<Database>, teamId: string, state: string): Promise<number> {
  const row = await db
    .selectFrom('nudge')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('team_id', '=', teamId)
    .where('state', '=', state as 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Every seeded row sent exactly once, in one message of its own: state 'sent' after one attempt,
 * a Slack ts no other row has, in the recipient's DM; and the double got exactly one DM per
 * recipient. Returns the problems found.
 */
async function checkDelivered(
  db: Kysely<Database>,
  seeded: SeededWorkspace,
  watcher: DmWatcher,
  what: string,
): Promise<string[]> {
  const problems: string[] = [];
  const { rows } = await sql<{ total: string; sent: string; once: string; ts: string; dm: string }>`
    select count(*) as total,
           count(*) filter (where state = 'sent' and sent_at is not null) as sent,
           count(*) filter (where attempts = 1) as once,
           count(distinct slack_ts) as ts,
           count(*) filter (where slack_channel = 'D' || recipient) as dm
    from nudge where team_id = ${seeded.teamId}
  `.execute(db);
  const c = rows[0];
  const n = seeded.rows.length;
  if (c === undefined || Number(c.total) !== n) problems.push(`${what}: ${c?.total ?? 0} rows, not ${n}`);
  else {
    if (Number(c.sent) !== n) problems.push(`${what}: ${n - Number(c.sent)} of ${n} rows not sent`);
    if (Number(c.once) !== n)
      problems.push(
        `${what}: ${n - Number(c.once)} rows took more than one attempt (a retry: a duplicate risk)`,
      );
    if (Number(c.ts) !== n) problems.push(`${what}: ${c.ts} distinct Slack ts over ${n} rows`);
    if (Number(c.dm) !== n) problems.push(`${what}: ${n - Number(c.dm)} rows not in their recipient's DM`);
  }
  watcher.count();
  let missing = 0;
  let duplicated = 0;
  for (const row of seeded.rows) {
    const calls = watcher.byRecipient.get(row.recipient)?.length ?? 0;
    if (calls === 0) missing += 1;
    if (calls > 1) duplicated += 1;
  }
  if (missing > 0) problems.push(`${what}: ${missing} recipients got no DM`);
  if (duplicated > 0) problems.push(`${what}: ${duplicated} recipients got more than one DM`);
  return problems;
}

interface LatenessResult {
  count: number;
  received: number;
  /** DM arrival minus deliver_at, ms, ascending. */
  latenessMs: number[];
  seedMs: number;
  /** How long before the first row fell due the jobs were all queued (negative: after). */
  enqueueLeadMs: number;
  watcher: DmWatcher;
  seeded: SeededWorkspace;
}

async function runLateness(
  db: Kysely<Database>,
  double: SlackDouble,
  queues: Queues,
  teamId: string,
  count: number,
  windowMs: number,
): Promise<LatenessResult> {
  const now = clock.now();
  const firstAt = now.getTime() + LATENESS_LEAD_MS;
  const seeded = await seedDueSoon(db, teamId, count, firstAt, windowMs / count, now);
  const watcher = new DmWatcher(double, new Set(seeded.rows.map((r) => r.recipient)));
  await enqueueNudges(queues, seeded.rows, (at) => clock.msUntil(at));
  const enqueueLeadMs = firstAt - clock.now().getTime();
  await checkPlannerKeeps(db, teamId, seeded.panelIds, clock.now());
  const lastAt = Math.max(...seeded.rows.map((r) => r.deliver_at.getTime()));
  while (watcher.count() < count && clock.now().getTime() < lastAt + LATENESS_GRACE_MS) await sleep(20);
  const deliverAt = new Map(seeded.rows.map((r) => [r.recipient, r.deliver_at.getTime()]));
  const latenessMs: number[] = [];
  for (const [recipient, calls] of watcher.byRecipient) {
    const first = calls[0];
    const at = deliverAt.get(recipient);
    // The double stamps calls on the system clock; the rows are on the workers'.
    if (first !== undefined && at !== undefined) latenessMs.push(first.at + CLOCK_OFFSET_MS - at);
  }
  latenessMs.sort((a, b) => a - b);
  return {
    count,
    received: latenessMs.length,
    latenessMs,
    seedMs: seeded.seedMs,
    enqueueLeadMs,
    watcher,
    seeded,
  };
}

// ---- Reporting ----

function runRow(run: RunResult): string[] {
  return [
    run.label,
    String(run.concurrency),
    String(run.jobs),
    fmt(run.enqueueMs, 0),
    run.kind === 'panelist' ? fmt(run.firstDmMs, 0) : '',
    fmt(run.totalMs, 0),
    run.complete ? fmt(run.perSecond, 0) : 'incomplete',
    run.kind === 'panelist' ? fmt(run.queries.total / run.jobs, 1) : '',
  ];
}

function cpuRow(run: RunResult): string[] {
  const cores = (seconds: number) => fmt(seconds / run.cpu.wallS, 2);
  return [
    run.label,
    fmt(run.cpu.wallS, 2),
    cores(run.cpu.workerS),
    fmt((run.cpu.workerS * 1000) / run.jobs, 3),
    cores(run.cpu.postgresS),
    fmt((run.cpu.postgresS * 1000) / run.jobs, 3),
    cores(run.cpu.postgresBackgroundS),
    cores(run.cpu.redisS),
    cores(run.cpu.benchS),
    cores(run.cpu.otherS),
    cores(run.cpu.machineS),
  ];
}

function runJson(run: RunResult): JsonValue {
  return {
    label: run.label,
    kind: run.kind,
    concurrency: run.concurrency,
    jobs: run.jobs,
    complete: run.complete,
    enqueueMs: round(run.enqueueMs, 1),
    firstDmMs: round(run.firstDmMs, 1),
    totalMs: round(run.totalMs, 1),
    perSecond: round(run.perSecond, 1),
    failedJobs: run.failedJobs,
    postgresQueriesPerJob: round(run.queries.total / run.jobs, 2),
    cpuSeconds: {
      wall: round(run.cpu.wallS, 3),
      worker: round(run.cpu.workerS, 3),
      postgresBackends: round(run.cpu.postgresS, 3),
      postgresBackground: round(run.cpu.postgresBackgroundS, 3),
      redis: round(run.cpu.redisS, 3),
      bench: round(run.cpu.benchS, 3),
      other: round(run.cpu.otherS, 3),
      machine: round(run.cpu.machineS, 3),
    },
  };
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

async function run(context: BenchContext): Promise<SectionResult> {
  const jobs = countFromEnv('BENCH_NUDGES', 10_000);
  const extraJobs = Math.min(jobs, countFromEnv('BENCH_NUDGES_EXTRA', 3_000));
  const lateCount = countFromEnv('BENCH_NUDGE_LATENESS', 1_000);
  const windowMs = countFromEnv('BENCH_NUDGE_WINDOW_SECONDS', 60) * 1000;
  const profileDir = process.env.BENCH_PROFILE_DIR || undefined;
  const errors: string[] = [];
  const notes: string[] = [];

  const stack: { name: string; run: () => Promise<void> }[] = [];
  const children: { pid: number }[] = [];
  // A run abandoned by run.ts's watchdog exits without this section's cleanup: take the children along.
  const killChildren = () => {
    for (const child of children) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killChildren);
  try {
    context.progress('nudges: own database, Slack double and queue prefixes');
    const double = await new SlackDouble({ teamId: context.teamId }).start();
    stack.push({ name: 'close the nudges Slack double', run: () => double.close() });
    const database = await createTestDatabase();
    stack.push({ name: 'drop the nudges database', run: () => database.drop() });
    const db = openBenchDatabase(database.url);
    stack.push({ name: 'close the nudges pool', run: () => db.destroy() });
    await migrateToLatest(db);
    const base = `bench_nudges_${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 8)}`;
    const redis = createProducerConnection(TEST_REDIS_URL);
    stack.push({ name: 'disconnect Redis', run: async () => void redis.disconnect() });

    const enqueuer = await startEnqueuer({ ...process.env, REDIS_URL: TEST_REDIS_URL });
    children.push(enqueuer);
    stack.push({ name: 'stop the enqueuer', run: () => enqueuer.stop() });

    const startWorkers = async (concurrency: number): Promise<Workers> => {
      const prefix = `${base}_c${concurrency}`;
      const barePrefix = `${base}_bare_c${concurrency}`;
      stack.push({ name: `delete ${prefix}`, run: () => deleteRedisPrefix(prefix) });
      stack.push({ name: `delete ${barePrefix}`, run: () => deleteRedisPrefix(barePrefix) });
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SLACK_SIGNING_SECRET: context.signingSecret,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_API_URL: double.apiUrl,
        SLACK_APP_TOKEN: '',
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        LOG_LEVEL: 'error',
        WORKER_CONCURRENCY: String(concurrency),
        BENCH_RECONCILE_EVERY_MS: String(RECONCILE_EVERY_MS),
        BENCH_MIGRATE: 'false',
        CLOCK_OFFSET_MS: String(CLOCK_OFFSET_MS),
      };
      const statsFile = join(tmpdir(), `${prefix}-stats.json`);
      stack.push({ name: `remove ${statsFile}`, run: async () => rmSync(statsFile, { force: true }) });
      const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
      const start = async (
        name: string,
        entry: string,
        prefixFor: string,
        args: string[],
        extraEnv: NodeJS.ProcessEnv,
      ) => {
        const child = await spawnApp(
          name,
          entry,
          { ...env, ...extraEnv, QUEUE_PREFIX: prefixFor },
          { nodeArgs: args },
        );
        children.push(child);
        stack.push({ name: `stop ${name}`, run: () => child.stop() });
        return child;
      };
      const [panelist, bare] = await Promise.all([
        start(`nudge worker c${concurrency}`, 'bench/serve-worker.ts', prefix, nodeArgs, {
          BENCH_STATS_FILE: statsFile,
        }),
        start(`bare worker c${concurrency}`, 'bench/serve-bare-worker.ts', barePrefix, [], {}),
      ]);
      context.progress(`nudges: ${panelist.name} pid ${panelist.pid}, ${bare.name} pid ${bare.pid}`);
      const queues = createQueues(redis, prefix);
      const bareQueues = createQueues(redis, barePrefix);
      stack.push({
        name: 'close queues',
        run: () => closeQueues(queues).then(() => closeQueues(bareQueues)),
      });
      await Promise.all([queues.nudges.waitUntilReady(), bareQueues.nudges.waitUntilReady()]);
      await waitForReconcileIdle(queues, 30_000);
      return {
        panelist,
        bare,
        queues,
        bareQueues,
        prefix,
        barePrefix,
        enqueuer,
        queries: queryCounter(panelist, statsFile),
      };
    };

    context.progress(
      `nudges: starting worker children (concurrency ${MAIN_CONCURRENCY} and ${EXTRA_CONCURRENCY})`,
    );
    const [main, extra] = await Promise.all([
      startWorkers(MAIN_CONCURRENCY),
      startWorkers(EXTRA_CONCURRENCY),
    ]);

    // Seeded only now: the workers' start-up reconcile has run on an empty database.
    const now = clock.now();
    context.progress(`nudges: seeding ${jobs} + ${extraJobs} due nudges (and warm-ups)`);
    const seededMain = await seedOwedFeedback(db, 'TNUDGE10', 'A', jobs, now);
    const seededExtra = await seedOwedFeedback(db, 'TNUDGE50', 'B', extraJobs, now);
    const warmMain = await seedOwedFeedback(db, 'TNUDGEW10', 'WA', NUDGE_WARMUP_JOBS, now);
    const warmExtra = await seedOwedFeedback(db, 'TNUDGEW50', 'WB', NUDGE_WARMUP_JOBS, now);
    for (const seeded of [seededMain, seededExtra, warmMain, warmExtra])
      await checkPlannerKeeps(db, seeded.teamId, seeded.panelIds, now);
    await analyze(db);

    const runs: RunResult[] = [];
    const deliveries: { seeded: SeededWorkspace; watcher: DmWatcher; what: string }[] = [];
    for (const [workers, concurrency, seeded, warm] of [
      [main, MAIN_CONCURRENCY, seededMain, warmMain],
      [extra, EXTRA_CONCURRENCY, seededExtra, warmExtra],
    ] as const) {
      const count = seeded.rows.length;
      context.progress(
        `nudges: concurrency ${concurrency}: warm-up, then bare, Panelist, bare (${count} jobs each)`,
      );
      await runBare(db, redis, workers, concurrency, BARE_WARMUP_JOBS, `warm-up c${concurrency}`);
      const warmUp = await runPanelist(
        db,
        redis,
        double,
        workers,
        concurrency,
        warm,
        `warm-up c${concurrency}`,
      );
      deliveries.push({ seeded: warm, watcher: warmUp.watcher, what: `c${concurrency} warm-up` });
      await setNudgeSettings(db, warm.teamId, undefined);
      if (!warmUp.result.complete) {
        errors.push(`warm-up c${concurrency}: not finished within ${RUN_TIMEOUT_MS / 1000} s`);
        break;
      }
      runs.push(
        await runBare(db, redis, workers, concurrency, count, `bare worker c${concurrency} (before)`),
      );
      const { result, watcher } = await runPanelist(
        db,
        redis,
        double,
        workers,
        concurrency,
        seeded,
        `Panelist nudges c${concurrency}`,
      );
      runs.push(result);
      deliveries.push({ seeded, watcher, what: `c${concurrency} run` });
      runs.push(await runBare(db, redis, workers, concurrency, count, `bare worker c${concurrency} (after)`));
      // Done with this workspace: nothing a later re-plan finds owed may leak into the next phase.
      await setNudgeSettings(db, seeded.teamId, undefined);
      const unfinished = runs.filter((r) => !r.complete);
      if (unfinished.length > 0) {
        errors.push(
          `${unfinished.map((r) => r.label).join(', ')}: not finished within ${RUN_TIMEOUT_MS / 1000} s`,
        );
        break;
      }
    }

    let lateness: LatenessResult | undefined;
    if (errors.length === 0) {
      context.progress(`nudges: lateness, ${lateCount} nudges due over the next ${windowMs / 1000} s`);
      lateness = await runLateness(db, double, main.queues, 'TNUDGELATE', lateCount, windowMs);
      deliveries.push({ seeded: lateness.seeded, watcher: lateness.watcher, what: 'lateness run' });
      await setNudgeSettings(db, 'TNUDGELATE', undefined);
      if (lateness.received < lateCount) {
        errors.push(
          `lateness: ${lateCount - lateness.received} of ${lateCount} nudges not delivered within ${LATENESS_GRACE_MS / 1000} s of the last one's time`,
        );
      }
      if (lateness.enqueueLeadMs < 0) {
        notes.push(
          `lateness: the jobs were queued ${fmt(-lateness.enqueueLeadMs, 0)} ms after the first fell due (seeding was slow); early rows count that as lateness`,
        );
      }
    }

    // Correctness, after a pause in which any duplicate would have shown up.
    await sleep(SETTLE_MS);
    for (const { seeded, watcher, what } of deliveries)
      errors.push(...(await checkDelivered(db, seeded, watcher, what)));
    const expected = new Set(deliveries.flatMap((d) => d.seeded.rows.map((r) => r.recipient)));
    const stray = double.calls.filter(
      (c) => c.method !== 'chat.postMessage' || !expected.has(String(c.args.channel)),
    );
    if (stray.length > 0) {
      errors.push(
        `${stray.length} Slack calls nobody was owed, e.g. ${stray
          .slice(0, 3)
          .map((c) => `${c.method} → ${String(c.args.channel ?? '')}`)
          .join(', ')}`,
      );
    }
    for (const r of runs.filter((r) => r.failedJobs > 0))
      errors.push(`${r.label}: ${r.failedJobs} jobs failed in the queue`);

    // ---- Tables and goals ----
    const tables: Table[] = [
      {
        title: `Throughput: due nudges (one per recipient, so one message each) vs as many no-op jobs; first add → last row sent / queue drained`,
        headers: [
          'run',
          'concurrency',
          'jobs',
          'enqueue ms',
          'first DM ms',
          'total ms',
          'per second',
          'pg queries/nudge',
        ],
        rows: runs.map(runRow),
        numeric: [1, 2, 3, 4, 5, 6, 7],
      },
      {
        title:
          'CPU during each run, in cores busy (CPU s ÷ wall s); ms/job = CPU ms per job. Postgres bg, Redis and other are machine-wide; bench+double includes the child adding the jobs',
        headers: [
          'run',
          'wall s',
          'worker',
          'worker ms/job',
          'pg backends',
          'pg ms/job',
          'pg bg',
          'redis',
          'bench+double',
          'other',
          'machine',
        ],
        rows: runs.map(cpuRow),
        numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      },
    ];
    const mainQueries = runs.find((r) => r.kind === 'panelist' && r.concurrency === MAIN_CONCURRENCY);
    if (mainQueries !== undefined && Number.isFinite(mainQueries.queries.total)) {
      const shapes = Object.entries(mainQueries.queries.byShape).sort((a, b) => b[1] - a[1]);
      tables.push({
        title: `Postgres round trips per nudge in the c${MAIN_CONCURRENCY} run, by statement (its first 90 characters), as the worker sent them`,
        headers: ['per nudge', 'statement'],
        rows: [
          ...shapes.map(([shape, count]) => [fmt(count / mainQueries.jobs, 2), shape.replace(/\s+/g, ' ')]),
          [fmt(mainQueries.queries.total / mainQueries.jobs, 2), '(all)'],
        ],
        numeric: [0],
      });
    }
    if (lateness !== undefined) {
      const l = lateness.latenessMs;
      tables.push({
        title: `Lateness: ${lateCount} nudges due evenly over ${windowMs / 1000} s, queued with their delays; DM received − deliver_at (concurrency ${MAIN_CONCURRENCY})`,
        headers: ['nudges', 'received', 'min ms', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        rows: [
          [
            String(lateCount),
            String(lateness.received),
            fmt(l[0] ?? Number.NaN, 1),
            fmt(percentile(l, 50), 1),
            fmt(percentile(l, 90), 1),
            fmt(percentile(l, 99), 1),
            fmt(l.at(-1) ?? Number.NaN, 1),
          ],
        ],
        numeric: [0, 1, 2, 3, 4, 5, 6],
      });
    }

    const panelistRun = (c: number) => runs.find((r) => r.kind === 'panelist' && r.concurrency === c);
    const bareRate = (c: number) => {
      const bare = runs.filter((r) => r.kind === 'bare' && r.concurrency === c && r.complete);
      return bare.length === 0 ? Number.NaN : mean(bare.map((r) => r.perSecond));
    };
    const mainRun = panelistRun(MAIN_CONCURRENCY);
    const mainBare = bareRate(MAIN_CONCURRENCY);
    const measured = errors.length === 0 && mainRun?.complete === true;
    const notMeasured = 'not measured: see errors';
    const goals: GoalCheck[] = [];
    const rate = mainRun?.perSecond ?? Number.NaN;
    goals.push({
      goal: `nudges c${MAIN_CONCURRENCY}: ≥ ${fmt(RATE_GOAL, 0)} nudges/s end to end`,
      actual: measured ? `${fmt(rate, 0)}/s` : notMeasured,
      met: measured && rate >= RATE_GOAL,
    });
    const mainRatio = ratio(rate, mainBare);
    goals.push({
      goal: `nudges c${MAIN_CONCURRENCY}: ≥ ${RATIO_GOAL}× bare BullMQ worker c${MAIN_CONCURRENCY}`,
      actual: measured
        ? `${fmt(mainRatio, 3)}× (${fmt(rate, 0)} vs ${fmt(mainBare, 0)} jobs/s)`
        : notMeasured,
      met: measured && mainRatio >= RATIO_GOAL,
    });
    const p99 = lateness === undefined ? Number.NaN : percentile(lateness.latenessMs, 99);
    goals.push({
      goal: `delayed nudges: lateness p99 < ${fmt(LATENESS_P99_GOAL_MS, 0)} ms`,
      actual: lateness !== undefined && errors.length === 0 ? `${fmt(p99, 1)} ms` : notMeasured,
      met: lateness !== undefined && errors.length === 0 && p99 < LATENESS_P99_GOAL_MS,
    });

    const extraRun = panelistRun(EXTRA_CONCURRENCY);
    const extraBare = bareRate(EXTRA_CONCURRENCY);
    if (extraRun?.complete === true) {
      notes.push(
        `extra: at concurrency ${EXTRA_CONCURRENCY}, ${fmt(extraRun.perSecond, 0)} nudges/s = ${fmt(ratio(extraRun.perSecond, extraBare), 3)}× the bare worker's ${fmt(extraBare, 0)} jobs/s (the worker's Postgres pool holds 10 connections, and each delivery holds one for its whole transaction, Slack call included)`,
      );
    }
    notes.push(
      `seeding: ${fmt(seededMain.seedMs + seededExtra.seedMs, 0)} ms for ${jobs} + ${extraJobs} feedback_due rows (10 a panel, planned by syncPanelNudges); bare rate = mean of the before and after runs; each worker had ${BARE_WARMUP_JOBS} (bare) or ${NUDGE_WARMUP_JOBS} (nudges) unmeasured warm-up jobs first`,
    );
    const cores = machineCpuCount();
    if (mainRun !== undefined && Number.isFinite(mainRun.cpu.machineS)) {
      const perNudge =
        ((mainRun.cpu.workerS +
          mainRun.cpu.postgresS +
          mainRun.cpu.postgresBackgroundS +
          mainRun.cpu.redisS +
          mainRun.cpu.benchS) *
          1000) /
        mainRun.jobs;
      notes.push(
        `c${MAIN_CONCURRENCY}: ${fmt(perNudge, 2)} CPU ms per nudge across worker, Postgres, Redis and the double; on ${cores} cores that caps delivery near ${fmt((cores * 1000) / perNudge, 0)}/s before any waiting`,
      );
    }

    const lateJson: JsonValue =
      lateness === undefined
        ? null
        : {
            count: lateCount,
            windowS: windowMs / 1000,
            received: lateness.received,
            minMs: round(lateness.latenessMs[0] ?? Number.NaN, 1),
            p50Ms: round(percentile(lateness.latenessMs, 50), 1),
            p90Ms: round(percentile(lateness.latenessMs, 90), 1),
            p99Ms: round(p99, 1),
            maxMs: round(lateness.latenessMs.at(-1) ?? Number.NaN, 1),
            seedMs: round(lateness.seedMs, 0),
            enqueueLeadMs: round(lateness.enqueueLeadMs, 0),
          };
    return {
      id: 'nudges',
      title: nudgesSection.title,
      tables,
      goals,
      errors,
      notes,
      data: {
        jobs,
        concurrency: MAIN_CONCURRENCY,
        nudgesPerSecond: round(rate, 1),
        bareJobsPerSecond: round(mainBare, 1),
        ratio: round(mainRatio, 4),
        extra: {
          concurrency: EXTRA_CONCURRENCY,
          jobs: extraJobs,
          nudgesPerSecond: round(extraRun?.perSecond ?? Number.NaN, 1),
          bareJobsPerSecond: round(extraBare, 1),
          ratio: round(ratio(extraRun?.perSecond ?? Number.NaN, extraBare), 4),
        },
        runs: runs.map(runJson),
        lateness: lateJson,
      },
    };
  } finally {
    while (stack.length > 0) {
      const step = stack.pop();
      if (step === undefined) break;
      try {
        await step.run();
      } catch (error) {
        context.progress(
          `nudges cleanup "${step.name}" failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    process.off('exit', killChildren);
  }
}

function machineCpuCount(): number {
  return Math.max(1, cpus().length);
}

export const nudgesSection: BenchSection = {
  id: 'nudges',
  title: 'Nudges (issue 5): delivery throughput and lateness',
  run,
};
