/**
 * The real Panelist worker process (`npm run worker`'s startWorkerOnly: the nudge, announcement
 * and maintenance workers with the production processors), for the nudges benchmark. Run as a
 * child process by bench/sections/nudges.ts (`node --import tsx bench/serve-worker.ts`), configured
 * from the environment like `npm run worker` (WORKER_CONCURRENCY included), with a silent logger.
 * Prints `READY 0` (it serves no port) once its workers are up.
 *
 * Bench-only knobs: BENCH_RECONCILE_EVERY_MS (how often the reconciler runs after the one at
 * start-up; the bench makes it long so a reconcile pass never lands inside a measurement) and
 * BENCH_MIGRATE=false (the bench migrates the database itself before starting workers), and
 * BENCH_STATS_FILE: count the Postgres queries this process sends (every `pg` client query, BEGIN
 * and COMMIT included) and, on each SIGUSR2, write `{"seq":n,"queries":m,"byShape":{…}}` to that file, so the
 * bench can report round trips per nudge. Counting is one increment per query.
 */
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { pino } from 'pino';
import { offsetClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { stopOnSignals } from '../src/process-lifecycle.js';
import { startWorkerOnly } from '../src/runtime.js';

const statsFile = process.env.BENCH_STATS_FILE;
if (statsFile !== undefined && statsFile !== '') {
  let queries = 0;
  let seq = 0;
  /** Queries by their first words (what they are, without the values), for the report. */
  const byShape = new Map<string, number>();
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = prototype.query;
  prototype.query = function countedQuery(this: unknown, ...args: unknown[]) {
    queries += 1;
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: unknown })?.text);
    const shape = text.slice(0, 90);
    byShape.set(shape, (byShape.get(shape) ?? 0) + 1);
    return query.apply(this, args);
  };
  process.on('SIGUSR2', () => {
    seq += 1;
    writeFileSync(statsFile, JSON.stringify({ seq, queries, byShape: Object.fromEntries(byShape) }));
  });
}

const logger = pino({ level: 'silent' });
try {
  const reconcileEveryMs = Number(process.env.BENCH_RECONCILE_EVERY_MS ?? '');
  const config = loadConfig(process.env);
  const worker = await startWorkerOnly(config, {
    logger,
    clock: offsetClock(config.CLOCK_OFFSET_MS),
    migrate: process.env.BENCH_MIGRATE !== 'false',
    ...(Number.isFinite(reconcileEveryMs) && reconcileEveryMs > 0 ? { reconcileEveryMs } : {}),
  });
  stopOnSignals(() => worker.stop(), logger);
  process.stdout.write('READY 0\n');
} catch (error) {
  console.error('serve-worker failed to start:', error);
  process.exit(1);
}
