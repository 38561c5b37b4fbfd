/**
 * `npm run bench`: starts a Slack double, a fresh Postgres database and Redis prefix, the real
 * Panelist and a bare Bolt app (each in a child process), runs every section against them, prints
 * the tables and goals, then one `BENCH_JSON {...}` line. Exits 1 only on errors (failed requests,
 * missing Slack calls, a crash); a missed goal is reported as MISSED and still exits 0.
 *
 * Tunables (environment): BENCH_SECONDS (5, measured per app and phase), BENCH_WARMUP_SECONDS (3: a
 * process fresh from its start needs a second or two at 200 requests a second before V8 has compiled
 * its hot paths and each Postgres backend has its plans; the warm-up's own latencies are shown too),
 * BENCH_ROUNDS (4: slices run bare, Panelist, Panelist, bare, ...), BENCH_SLICE_WARMUP_SECONDS (0.15),
 * BENCH_CONCURRENCY (50), BENCH_RATE (200), BENCH_SETTLE_SECONDS (0.1), BENCH_SECTIONS (every
 * section; or a comma-separated list of section ids, e.g. `scheduling,feedback`), BENCH_PROFILE_DIR
 * (unset; a directory to write a V8 CPU profile of the Panelist child to, for finding where time goes;
 * the nudges section's worker children are profiled there too). The nudges section has its own:
 * BENCH_NUDGES, BENCH_NUDGES_EXTRA, BENCH_NUDGE_LATENESS, BENCH_NUDGE_WINDOW_SECONDS (see
 * bench/sections/nudges.ts).
 */
import { randomBytes } from 'node:crypto';
import { cpus, setPriority } from 'node:os';
import { SlackDouble } from '../tests/support/slack-double.js';
import { createTestDatabase, deleteRedisPrefix, TEST_REDIS_URL } from '../tests/support/test-env.js';
import { type ChildApp, spawnApp } from './children.js';
import type { BenchContext, BenchSection, BenchSettings } from './context.js';
import { measureLoopback } from './machine.js';
import {
  benchJsonLine,
  type JsonValue,
  renderSection,
  renderSummary,
  type SectionResult,
  summarize,
} from './report.js';
import { feedbackSection } from './sections/feedback.js';
import { nudgesSection } from './sections/nudges.js';
import { schedulingSection } from './sections/scheduling.js';
import { slashAckSection } from './sections/slash-ack.js';

const SECTIONS: BenchSection[] = [slashAckSection, schedulingSection, feedbackSection, nudgesSection];

const SIGNING_SECRET = 'bench-signing-secret';
const TEAM_ID = 'T0BENCH';
/** The whole run is abandoned (children killed, exit 1) past this (the nudges section alone takes 1.5–3 min). */
const WATCHDOG_MS = 10 * 60_000;

function numberFromEnv(name: string, fallback: number, { allowZero = false } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero))
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return value;
}

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** Cleanup steps run once each, newest first, even when an earlier one fails. */
const cleanups: { name: string; run: () => Promise<void> }[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop();
      if (step === undefined) break;
      try {
        await step.run();
      } catch (error) {
        progress(`cleanup "${step.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}

async function main(): Promise<number> {
  const started = Date.now();
  const settings: BenchSettings = {
    durationMs: numberFromEnv('BENCH_SECONDS', 5) * 1000,
    warmupMs: numberFromEnv('BENCH_WARMUP_SECONDS', 3) * 1000,
    rounds: Math.round(numberFromEnv('BENCH_ROUNDS', 4)),
    sliceWarmupMs: numberFromEnv('BENCH_SLICE_WARMUP_SECONDS', 0.15) * 1000,
    concurrency: Math.round(numberFromEnv('BENCH_CONCURRENCY', 50)),
    latencyRate: numberFromEnv('BENCH_RATE', 200),
    settleMs: numberFromEnv('BENCH_SETTLE_SECONDS', 0.1) * 1000,
  };

  const profileDir = process.env.BENCH_PROFILE_DIR || undefined;
  progress('starting Slack double, database and apps');
  const double = await new SlackDouble({ teamId: TEAM_ID }).start();
  cleanups.push({ name: 'close Slack double', run: () => double.close() });
  const database = await createTestDatabase();
  cleanups.push({ name: 'drop database', run: () => database.drop() });
  const queuePrefix = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  cleanups.push({ name: 'delete Redis prefix', run: () => deleteRedisPrefix(queuePrefix) });

  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: double.apiUrl,
    // Empty counts as unset: HTTP mode, whatever the caller's environment says.
    SLACK_APP_TOKEN: '',
  };
  const startApp = async (
    name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    nodeArgs: string[] = [],
  ): Promise<ChildApp> => {
    const app = await spawnApp(name, entry, env, { nodeArgs });
    cleanups.push({ name: `stop ${name}`, run: () => app.stop() });
    return app;
  };
  // allSettled, not all: an app that starts after the other failed must still be registered for cleanup.
  const [panelistStart, bareStart] = await Promise.allSettled([
    startApp(
      'Panelist',
      'bench/serve-panelist.ts',
      {
        ...baseEnv,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        PORT: '0',
        LOG_LEVEL: 'error',
        QUEUE_PREFIX: queuePrefix,
        // Deployed as the README says to scale: web processes answer Slack, worker processes do the
        // follow-ups (DMs, announcements, App Home, nudges). The worker child starts below.
        RUN_WORKER: 'false',
      },
      profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    ),
    startApp('bare Bolt', 'bench/serve-bare.ts', baseEnv),
  ]);
  if (panelistStart.status === 'rejected') throw panelistStart.reason;
  if (bareStart.status === 'rejected') throw bareStart.reason;
  const panelist = panelistStart.value;
  const bare = bareStart.value;
  // After the web child has migrated the database.
  const worker = await startApp(
    'Panelist worker',
    'bench/serve-worker.ts',
    {
      ...baseEnv,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      LOG_LEVEL: 'error',
      QUEUE_PREFIX: queuePrefix,
      BENCH_MIGRATE: 'false',
    },
    profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  );
  // Web and worker share this machine's two cores, as they would on one small host: the worker runs
  // at a lower CPU priority (as the README advises then), so Slack's 3-second answers come first and
  // the follow-ups use what is left. BENCH_WORKER_NICE=0 runs it at the web process's priority.
  const workerNice = Math.round(numberFromEnv('BENCH_WORKER_NICE', 10, { allowZero: true }));
  setPriority(worker.pid, workerNice);
  progress(
    `Panelist on :${panelist.port} (pid ${panelist.pid}), its worker (pid ${worker.pid}), bare Bolt on :${bare.port} (pid ${bare.pid})`,
  );

  const context: BenchContext = {
    double,
    signingSecret: SIGNING_SECRET,
    teamId: TEAM_ID,
    panelist,
    worker,
    databaseUrl: database.url,
    bare,
    settings,
    progress,
  };

  // Before any load: what one round trip between two processes costs on this machine.
  const loopback = await measureLoopback();
  process.stdout.write(
    `\nMachine: ${cpus().length} cores; a round trip between two processes over loopback TCP takes ` +
      `${loopback.roundTripUs.toFixed(0)} µs (${loopback.clientCpuUs.toFixed(0)} µs of the caller's CPU), ` +
      `mean of ${loopback.roundTrips.toLocaleString('en-US')}. Compare machines by this and the bare apps' rates.\n`,
  );

  const results: SectionResult[] = [];
  const failures: string[] = [];
  const only = process.env.BENCH_SECTIONS?.split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const unknown = (only ?? []).filter((id) => !SECTIONS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`BENCH_SECTIONS: no section ${unknown.join(', ')}`);
  const selected =
    only === undefined || only.length === 0 ? SECTIONS : SECTIONS.filter((s) => only.includes(s.id));
  for (const section of selected) {
    progress(`section: ${section.title}`);
    try {
      const result = await section.run(context);
      results.push(result);
      process.stdout.write(`\n${renderSection(result)}`);
    } catch (error) {
      failures.push(`section ${section.id} failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  progress('stopping apps and cleaning up');
  await cleanUp();

  const summary = summarize(results);
  process.stdout.write(`${renderSummary(summary, failures)}\n`);
  const sections: { [key: string]: JsonValue } = {};
  for (const result of results) {
    sections[result.id] = {
      title: result.title,
      errors: result.errors,
      goalsMet: result.goals.every((g) => g.met),
      data: result.data,
    };
  }
  const code = summary.errors > 0 || failures.length > 0 ? 1 : 0;
  const line = `${benchJsonLine({
    version: 1,
    at: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 100) / 10,
    node: process.version,
    cpus: cpus().length,
    machine: {
      loopbackRoundTripUs: Math.round(loopback.roundTripUs),
      loopbackClientCpuUs: Math.round(loopback.clientCpuUs),
    },
    ok: summary.errors === 0 && failures.length === 0,
    goalsMissed: summary.goalsMissed,
    errors: [...results.flatMap((r) => r.errors), ...failures],
    sections,
  })}\n`;
  await new Promise<void>((resolve) => process.stdout.write(line, () => resolve()));
  return code;
}

const watchdog = setTimeout(() => {
  progress(`run exceeded ${WATCHDOG_MS / 1000} s; aborting`);
  void cleanUp().finally(() => process.exit(1));
}, WATCHDOG_MS);
watchdog.unref();

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(1));
  });
}

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exit(code);
  },
  async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    await cleanUp();
    process.exit(1);
  },
);
