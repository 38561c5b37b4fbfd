/**
 * Shared by the sections that send modal submissions: an open loop at the configured rate where
 * every request is a different (pre-signed) submission, with each answer parsed, plus the CPU
 * diagnostics slash-ack reports, so a slow ack can be told apart from a busy machine.
 */
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../src/db/database.js';
import type { RecordedCall } from '../tests/support/slack-double.js';
import type { BenchContext } from './context.js';
import { machineCpu, ownCpuSeconds, processCpuSeconds } from './cpu.js';
import { type OpenLoopResult, openLoop, type PreparedRequest, percentile } from './http-load.js';
import { fmt, type JsonValue, round, type Table } from './report.js';
import { BENCH_APPLICATION_NAME } from './seed.js';
import { parseViewAnswer, type ViewAnswer } from './slack-bodies.js';

/** How many submissions the warm-up and the measured window take at the configured rate. */
export interface LoadPlan {
  warmupCount: number;
  measuredCount: number;
  total: number;
}

/** Mirrors openLoop's own arithmetic, so request i here is request i there. */
export function loadPlan(context: BenchContext): LoadPlan {
  const { latencyRate, warmupMs, durationMs } = context.settings;
  const warmupCount = Math.round((warmupMs / 1000) * latencyRate);
  const measuredCount = Math.round((durationMs / 1000) * latencyRate);
  return { warmupCount, measuredCount, total: warmupCount + measuredCount };
}

export interface Answered {
  index: number;
  measured: boolean;
  status: number;
  latencyMs: number;
  answer: ViewAnswer;
  error?: string;
}

export interface LoadDiagnostics {
  wallMs: number;
  /** CPU of the Panelist web child, % of one core. */
  appCpuPercent: number;
  /** CPU of the Panelist worker child, % of one core. */
  workerCpuPercent: number;
  /** CPU of every other process (Postgres, Redis, the idle bare app, other users), % of one core. */
  otherCpuPercent: number;
  /** Event-loop use of the bench process (generator + Slack double), %. */
  generatorElPercent: number;
}

/** What Postgres sessions of the app were doing, sampled during the load. */
export interface SessionSamples {
  /** How many times pg_stat_activity was read. */
  samples: number;
  /** Busy sessions seen, by state / wait event / statement, most frequent first. */
  rows: { state: string; wait: string; statement: string; seen: number }[];
}

export interface SubmissionLoad {
  load: OpenLoopResult;
  /** By request index; every entry is filled once the load has finished. */
  answers: Answered[];
  diagnostics: LoadDiagnostics;
  sessions: SessionSamples;
}

const SAMPLE_EVERY_MS = 50;

/**
 * Reads pg_stat_activity of the bench database every SAMPLE_EVERY_MS until `stop()`: which
 * statements the app's sessions are running or waiting in (lock waits, idle in transaction).
 */
function sampleSessions(db: Kysely<Database>): { stop: () => Promise<SessionSamples> } {
  const counts = new Map<string, { state: string; wait: string; statement: string; seen: number }>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const { rows } = await sql<{ state: string; wait: string; statement: string }>`
          select coalesce(state, '?') as state,
                 coalesce(wait_event_type || '/' || wait_event, '-') as wait,
                 left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 70) as statement
          from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state is not null
            and state <> 'idle' and backend_type = 'client backend'
            and application_name <> ${BENCH_APPLICATION_NAME}
        `.execute(db);
        samples += 1;
        for (const row of rows) {
          const key = `${row.state}|${row.wait}|${row.statement}`;
          const entry = counts.get(key) ?? { ...row, seen: 0 };
          entry.seen += 1;
          counts.set(key, entry);
        }
      } catch {
        // A missed sample only makes the picture coarser.
      }
      await sleep(Math.max(0, SAMPLE_EVERY_MS - (performance.now() - started)));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { samples, rows: [...counts.values()].sort((a, b) => b.seen - a.seen) };
    },
  };
}

/**
 * Sends `requests[i]` as the i-th request of an open loop at `settings.latencyRate`
 * (warm-up first, then the measured window) against Panelist, keeping every answer.
 */
export async function runSubmissionLoad(
  context: BenchContext,
  requests: readonly PreparedRequest[],
  db: Kysely<Database>,
): Promise<SubmissionLoad> {
  const { settings, panelist, bare, worker } = context;
  const plan = loadPlan(context);
  if (requests.length < plan.total) throw new Error(`need ${plan.total} requests, have ${requests.length}`);
  const answers: Answered[] = new Array(plan.total);
  const before = {
    wall: performance.now(),
    app: panelist.cpuSeconds(),
    worker: worker.cpuSeconds(),
    idle: bare.cpuSeconds(),
    own: ownCpuSeconds(),
    machine: machineCpu(),
    elu: performance.eventLoopUtilization(),
  };
  const sampler = sampleSessions(db);
  const load = await openLoop({
    port: panelist.port,
    request: (index) => requests[index] as PreparedRequest,
    ratePerSecond: settings.latencyRate,
    warmupMs: settings.warmupMs,
    durationMs: settings.durationMs,
    onOutcome: (index, outcome, measured) => {
      answers[index] = {
        index,
        measured,
        status: outcome.status,
        latencyMs: outcome.latencyMs,
        answer: parseViewAnswer(outcome.body),
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      };
    },
  });
  const wallMs = performance.now() - before.wall;
  const sessions = await sampler.stop();
  const appCpu = panelist.cpuSeconds();
  const workerCpu = worker.cpuSeconds();
  const idleCpu = bare.cpuSeconds();
  const machine = machineCpu();
  const elu = performance.eventLoopUtilization(before.elu);
  const own = ownCpuSeconds();
  const delta = (after: number | undefined, start: number | undefined) =>
    after === undefined || start === undefined ? Number.NaN : after - start;
  const appCpuS = delta(appCpu, before.app);
  const workerCpuS = delta(workerCpu, before.worker);
  const otherCpuS =
    delta(machine?.busySeconds, before.machine?.busySeconds) -
    appCpuS -
    workerCpuS -
    delta(idleCpu, before.idle) -
    (own - before.own);
  return {
    load,
    answers,
    sessions,
    diagnostics: {
      wallMs,
      appCpuPercent: (appCpuS / (wallMs / 1000)) * 100,
      workerCpuPercent: (workerCpuS / (wallMs / 1000)) * 100,
      otherCpuPercent: Math.max(0, (otherCpuS / (wallMs / 1000)) * 100),
      generatorElPercent:
        elu.active + elu.idle > 0 ? (elu.active / (elu.active + elu.idle)) * 100 : Number.NaN,
    },
  };
}

/** CPU used so far by the Panelist children (web, worker) and by the Postgres backends serving them. */
interface CpuSnapshot {
  app: number | undefined;
  worker: number | undefined;
  /** Backend pid → CPU seconds. */
  postgres: Map<number, number>;
}

/** CPU seconds of each Postgres backend serving the app now (not the bench's own connections). */
async function appBackendCpu(db: Kysely<Database>): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity
    where datname = current_database() and backend_type = 'client backend'
      and application_name <> ${BENCH_APPLICATION_NAME}
  `.execute(db);
  const postgres = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = processCpuSeconds(pid);
    if (seconds !== undefined) postgres.set(pid, seconds);
  }
  return postgres;
}

async function cpuSnapshot(context: BenchContext, db: Kysely<Database>): Promise<CpuSnapshot> {
  const postgres = await appBackendCpu(db);
  return { app: context.panelist.cpuSeconds(), worker: context.worker.cpuSeconds(), postgres };
}

/** How often `startCpuCount` reads the backends' CPU, so that one closing in between still counts. */
const BACKEND_READ_EVERY_MS = 250;

/**
 * Starts counting the CPU of the web process, the worker and the Postgres backends serving them;
 * `finish()` gives the seconds each used since. Backends are read every 250 ms and each keeps its
 * last reading: pg closes a connection idle for 10 s, and a web connection that closed while the
 * worker was still catching up took its CPU out of a count made only at the end (which once made
 * Postgres look like a fifth of its real cost per booking). NaN off Linux.
 */
export async function startCpuCount(
  context: BenchContext,
  db: Kysely<Database>,
): Promise<{ finish: () => Promise<{ appS: number; workerS: number; postgresS: number }> }> {
  const before = await cpuSnapshot(context, db);
  const seen = new Map(before.postgres);
  let running = true;
  const reading = (async () => {
    while (running) {
      await sleep(BACKEND_READ_EVERY_MS);
      try {
        for (const [pid, seconds] of await appBackendCpu(db)) seen.set(pid, seconds);
      } catch {
        // A missed reading only loses what a backend used since the last one, if it closes now.
      }
    }
  })();
  return {
    finish: async () => {
      running = false;
      await reading;
      const after = await cpuSnapshot(context, db);
      for (const [pid, seconds] of after.postgres) seen.set(pid, seconds);
      let postgresS = 0;
      for (const [pid, seconds] of seen) postgresS += seconds - (before.postgres.get(pid) ?? 0);
      const delta = (end: number | undefined, start: number | undefined) =>
        end === undefined || start === undefined ? Number.NaN : end - start;
      return {
        appS: delta(after.app, before.app),
        workerS: delta(after.worker, before.worker),
        postgresS: seen.size === 0 ? Number.NaN : postgresS,
      };
    },
  };
}

/** The newest audit event id of the workspace, to count what a load adds after it. */
export async function lastAuditId(db: Kysely<Database>, teamId: string): Promise<string> {
  const row = await db
    .selectFrom('audit_event')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  return String(row?.id ?? '0');
}

/**
 * How fast the app got through the work: audit events of `actions` written after `afterId`, per
 * second between the first and the last (each is stamped with its transaction's start).
 */
export async function auditRate(
  db: Kysely<Database>,
  teamId: string,
  actions: readonly string[],
  afterId: string,
): Promise<{ count: number; perSecond: number }> {
  const { rows } = await sql<{ n: string; first: Date | null; last: Date | null }>`
    select count(*) as n, min(occurred_at) as first, max(occurred_at) as last from audit_event
    where team_id = ${teamId} and id > ${afterId} and action in (${sql.join([...actions])})
  `.execute(db);
  const row = rows[0];
  const count = Number(row?.n ?? 0);
  const first = row?.first ?? null;
  const last = row?.last ?? null;
  if (first === null || last === null || count < 2) return { count, perSecond: Number.NaN };
  const seconds = (last.getTime() - first.getTime()) / 1000;
  return { count, perSecond: seconds > 0 ? (count - 1) / seconds : Number.NaN };
}

/** CPU per submission and the app's processing rate, as a table row and JSON. */
export interface WorkCost {
  submissions: number;
  /** The web process (the acks). */
  appMsPerSubmission: number;
  /** The worker process (the follow-ups). */
  workerMsPerSubmission: number;
  postgresMsPerSubmission: number;
  /** The share of one core the app would need at the configured rate. */
  appCoresAtRate: number;
  processedPerSecond: number;
}

export function workCost(
  cpu: { appS: number; workerS: number; postgresS: number },
  submissions: number,
  processedPerSecond: number,
  rate: number,
): WorkCost {
  const appMs = (cpu.appS * 1000) / Math.max(1, submissions);
  return {
    submissions,
    appMsPerSubmission: appMs,
    workerMsPerSubmission: (cpu.workerS * 1000) / Math.max(1, submissions),
    postgresMsPerSubmission: (cpu.postgresS * 1000) / Math.max(1, submissions),
    appCoresAtRate: (appMs * rate) / 1000,
    processedPerSecond,
  };
}

export function workCostTable(cost: WorkCost, rate: number, what: string): Table {
  return {
    title:
      `Work per submission, from the first request until the app went quiet (acks and everything they set off: ` +
      `follow-up Slack calls, announcement jobs); processed = ${what}`,
    headers: [
      'web CPU ms/submission',
      'worker CPU ms/submission',
      'Postgres CPU ms/submission',
      `web cores needed at ${fmt(rate, 0)}/s`,
      'processed/s',
    ],
    rows: [
      [
        fmt(cost.appMsPerSubmission, 2),
        fmt(cost.workerMsPerSubmission, 2),
        fmt(cost.postgresMsPerSubmission, 2),
        fmt(cost.appCoresAtRate, 2),
        fmt(cost.processedPerSecond, 0),
      ],
    ],
    numeric: [0, 1, 2, 3, 4],
  };
}

export function workCostJson(cost: WorkCost): JsonValue {
  return {
    submissions: cost.submissions,
    appCpuMsPerSubmission: round(cost.appMsPerSubmission),
    workerCpuMsPerSubmission: round(cost.workerMsPerSubmission),
    postgresCpuMsPerSubmission: round(cost.postgresMsPerSubmission),
    appCoresAtRate: round(cost.appCoresAtRate),
    processedPerSecond: round(cost.processedPerSecond, 1),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it is true or `timeoutMs` passes. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<{ waitedMs: number; complete: boolean }> {
  const started = performance.now();
  for (;;) {
    const waitedMs = performance.now() - started;
    if (await check()) return { waitedMs, complete: true };
    if (waitedMs > timeoutMs) return { waitedMs, complete: false };
    await sleep(20);
  }
}

/**
 * Waits until `check` holds and the Slack double has seen no new call for `quietMs`: the app has
 * finished what the submissions set off (DMs, App Home, announcement jobs), so it does not spill
 * into the next section. Up to `timeoutMs`.
 */
export async function waitForQuiet(
  context: BenchContext,
  check: () => boolean,
  timeoutMs: number,
  quietMs = 1_000,
  counted: (call: RecordedCall) => boolean = () => true,
): Promise<{ waitedMs: number; complete: boolean }> {
  let lastCount = -1;
  let lastChange = performance.now();
  return waitUntil(() => {
    const now = performance.now();
    const count = context.double.calls.filter(counted).length;
    if (count !== lastCount) {
      lastCount = count;
      lastChange = now;
    }
    return check() && now - lastChange >= quietMs;
  }, timeoutMs);
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** A table row: label, count, then p50 / p90 / p99 / max in ms. */
export function latencyRow(label: string, summary: LatencySummary, extra: string[] = []): string[] {
  return [
    label,
    String(summary.count),
    fmt(summary.p50, 2),
    fmt(summary.p90, 2),
    fmt(summary.p99, 2),
    fmt(summary.max, 2),
    ...extra,
  ];
}

export function latencyJson(summary: LatencySummary): JsonValue {
  return {
    count: summary.count,
    p50Ms: round(summary.p50),
    p90Ms: round(summary.p90),
    p99Ms: round(summary.p99),
    maxMs: round(summary.max),
  };
}

export function diagnosticsJson(d: LoadDiagnostics, load: OpenLoopResult): JsonValue {
  return {
    appCpuPercent: round(d.appCpuPercent, 1),
    workerCpuPercent: round(d.workerCpuPercent, 1),
    otherCpuPercent: round(d.otherCpuPercent, 1),
    generatorElPercent: round(d.generatorElPercent, 1),
    sentRate: round(load.sentRate, 1),
    scheduleLagP99Ms: round(percentile(load.scheduleLagsMs, 99)),
  };
}

/** The most frequent busy-session samples as a table: average sessions in each state, statement. */
export function sessionsTable(sessions: SessionSamples, limit = 8): Table {
  const busy = sessions.rows.reduce((sum, row) => sum + row.seen, 0);
  return {
    title:
      `Postgres sessions of the bench database during the load, sampled every ${SAMPLE_EVERY_MS} ms ` +
      `(${sessions.samples} samples; on average ${fmt(busy / Math.max(1, sessions.samples), 1)} busy): ` +
      'where the app’s queries spend their time',
    headers: ['avg sessions', 'share', 'state', 'wait event', 'statement'],
    rows: sessions.rows
      .slice(0, limit)
      .map((row) => [
        fmt(row.seen / Math.max(1, sessions.samples), 2),
        `${fmt((100 * row.seen) / Math.max(1, busy), 0)}%`,
        row.state,
        row.wait,
        row.statement,
      ]),
    numeric: [0, 1],
  };
}

export function sessionsJson(sessions: SessionSamples, limit = 8): JsonValue {
  return {
    samples: sessions.samples,
    top: sessions.rows.slice(0, limit).map((row) => ({ ...row })),
  };
}

/**
 * Rows in the workspace's `nudge` table (reminders the app plans as panels change), or NaN when
 * there is no such table: a diagnostic of how much planning each submission does.
 */
export async function countNudges(db: Kysely<Database>, teamId: string): Promise<number> {
  try {
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from nudge where team_id = ${teamId}`.execute(db);
    return Number(rows[0]?.n ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** Web API calls the double has recorded, by method, most frequent first. */
export function slackCallCounts(context: BenchContext): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of context.double.calls) counts[call.method] = (counts[call.method] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

export function describeCalls(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([method, n]) => `${method} ×${n}`).join(', ');
}

/** Up to `limit` distinct descriptions, for error messages. */
export function samples(values: Iterable<string>, limit = 3): string {
  return [...new Set(values)].slice(0, limit).join('; ');
}
