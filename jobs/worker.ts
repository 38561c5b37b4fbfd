import type { WebClient } from '@slack/web-api';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Clock } from '../src/clock.js';
import type { Database } from '../src/db/database.js';
import type { Logger } from '../src/logger.js';
import { publishHome } from '../src/services/app-home.js';
import { runScheduleEffects } from '../src/services/schedule-effects.js';
import { applyTimeZoneChange } from '../src/services/user-changes.js';
import type { MessagePoster } from '../src/slack/message-poster.js';
import { UserDirectory } from '../src/slack/user-directory.js';
import { createAnnouncementProcessor } from './announcement.js';
import { type FollowUpGateOptions, gateFollowUps } from './follow-up-gate.js';
import { createNudgeProcessor, tellCoordinatorsOnce } from './nudge-delivery.js';
import type { NudgeReceiptWriter } from './nudge-receipts.js';
import {
  type AnnouncementJob,
  type HomeJob,
  type MaintenanceJob,
  type NudgeJob,
  QUEUE_NAMES,
  type Queues,
  type ScheduleEffectsJob,
} from './queues.js';
import { reconcile } from './reconcile.js';
import { createStopSignal, givingBackOnStop } from './worker-stop.js';

export interface WorkerDeps {
  db: Kysely<Database>;
  /**
   * Commits nudge receipts on a connection of its own while a delivery's transaction is open
   * (see jobs/nudge-delivery.ts). Absent with the embedded PGlite (one connection): no receipts.
   */
  receipts?: NudgeReceiptWriter;
  clock: Clock;
  /** Parallel nudge deliveries per worker process. */
  nudgeConcurrency?: number;
  /** Minimum time between two posts to one channel (Slack's limit is about one a second). */
  channelPostIntervalMs?: number;
  /** How long a nudge batch sends other people's messages (default: jobs/nudge-delivery.ts). */
  nudgeSendBudgetMs?: number;
  /** Other people every nudge batch takes along, fixed (default: learnt, jobs/batch-size.ts). */
  nudgeBatchRecipients?: number;
  client: WebClient;
  /** Posts nudge messages (src/slack/message-poster.ts); the workers' other calls go through `client`. */
  poster: MessagePoster;
  logger: Logger;
  queues: Queues;
  /** A connection with `maxRetriesPerRequest: null`; BullMQ duplicates it per worker. */
  connection: Redis;
  prefix: string;
  /**
   * How often the reconciler runs (default every 5 minutes, and once at start). `null`: never on
   * its own; whoever started the workers runs `reconcile()` (tests, whose clock only moves when
   * told: a pass at a moment the test did not choose would act on what it sets up).
   */
  reconcileEveryMs?: number | null;
  /**
   * How the follow-up queues (schedule effects, announcements, App Home) yield to busy web
   * processes (jobs/follow-up-gate.ts); `null`: they never wait.
   */
  followUpGate?: FollowUpGateOptions | null;
}

export interface RunningWorkers {
  /**
   * Tells the running jobs the process is stopping (nudge batches and schedule effects send
   * nothing more; a job still running 5 s later is given back (jobs/worker-stop.ts)), before the
   * process closes anything else. `close()` does it too.
   */
  beginStop(): void;
  close(): Promise<void>;
}

/**
 * Starts the BullMQ workers and the periodic reconciler (unless `reconcileEveryMs` is `null`:
 * then neither the passes nor the check that puts the schedule back after a Redis loss run here).
 * Runs inside the web process or alone (`npm run worker`); any number may run at once.
 */
export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const {
    db,
    client,
    logger,
    queues,
    connection,
    prefix,
    clock,
    reconcileEveryMs = 5 * 60_000,
    nudgeConcurrency = 10,
    channelPostIntervalMs,
    nudgeSendBudgetMs,
    nudgeBatchRecipients,
  } = deps;
  // Told to stop: nudge batches send no further message, and a job still running after the
  // grace is given back to its queue (jobs/worker-stop.ts).
  const stopping = createStopSignal();
  const announcements = new Worker<AnnouncementJob>(
    QUEUE_NAMES.announcements,
    givingBackOnStop(
      createAnnouncementProcessor({
        db,
        client,
        logger,
        redis: connection,
        prefix,
        channelPostIntervalMs,
        clock,
      }),
      stopping.signal,
    ),
    { connection, prefix, concurrency: 5 },
  );
  const nudges = new Worker<NudgeJob>(
    QUEUE_NAMES.nudges,
    givingBackOnStop(
      createNudgeProcessor({
        db,
        receipts: deps.receipts,
        client,
        poster: deps.poster,
        messagesInFlight: nudgeConcurrency,
        logger,
        clock,
        redis: connection,
        prefix,
        channelPostIntervalMs,
        ...(nudgeSendBudgetMs === undefined ? {} : { sendBudgetMs: nudgeSendBudgetMs }),
        ...(nudgeBatchRecipients === undefined ? {} : { batchRecipients: nudgeBatchRecipients }),
        queues,
        stopping: stopping.signal,
      }),
      stopping.signal,
    ),
    { connection, prefix, concurrency: nudgeConcurrency },
  );
  const users = new UserDirectory(client, logger, undefined, db);
  const homes = new Worker<HomeJob>(
    QUEUE_NAMES.homes,
    givingBackOnStop(async (job: Job<HomeJob>) => {
      await publishHome({ db, client, clock, users }, job.data.teamId, job.data.userId, job.data.timeZone);
    }, stopping.signal),
    { connection, prefix, concurrency: 5 },
  );
  const effects = new Worker<ScheduleEffectsJob>(
    QUEUE_NAMES.effects,
    givingBackOnStop(
      async (job: Job<ScheduleEffectsJob>, token?: string) =>
        runScheduleEffects(
          { db, client, users, queues, logger, clock, stopping: stopping.signal },
          job,
          token,
        ),
      stopping.signal,
    ),
    { connection, prefix, concurrency: 10 },
  );
  const maintenance = new Worker<MaintenanceJob>(
    QUEUE_NAMES.maintenance,
    givingBackOnStop(async (job: Job<MaintenanceJob>) => {
      if (job.data.task === 'time-zone') {
        return (await applyTimeZoneChange({ db, queues, logger, clock }, job.data)).length;
      }
      const queued = await reconcile(db, queues, clock, (failure) =>
        tellCoordinatorsOnce({ db, client, logger }, failure),
      );
      if (queued > 0) logger.info({ queued }, 'reconciler re-enqueued owed work');
      return queued;
    }, stopping.signal),
    { connection, prefix, concurrency: 1 },
  );
  for (const worker of [announcements, nudges, homes, effects, maintenance]) {
    worker.on('failed', (job, error) =>
      logger.warn(
        { queue: worker.name, jobId: job?.id, attempts: job?.attemptsMade, err: error },
        'job failed',
      ),
    );
    worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
  }
  // Nudges are due at their own times and are never held; the rest can wait out a burst of acks.
  const gate =
    deps.followUpGate === null
      ? undefined
      : gateFollowUps(connection, prefix, [effects, announcements, homes], logger, deps.followUpGate);
  const keepScheduler =
    reconcileEveryMs === null ? undefined : await scheduleReconciler(queues, reconcileEveryMs, logger);

  return {
    beginStop() {
      stopping.abort();
    },
    async close() {
      stopping.abort();
      clearInterval(keepScheduler);
      gate?.close();
      await Promise.all([
        announcements.close(),
        nudges.close(),
        homes.close(),
        effects.close(),
        maintenance.close(),
      ]);
    },
  };
}

/**
 * Schedules the periodic reconciler and queues one pass now.
 * @returns the timer that puts the schedule back if Redis loses it.
 */
async function scheduleReconciler(queues: Queues, everyMs: number, logger: Logger): Promise<NodeJS.Timeout> {
  // One scheduler entry shared by every worker process: the reconciler runs once per period in all.
  // It lives in Redis, so it is put back every minute: if Redis loses everything while workers run
  // (FLUSHALL, a restart without persistence), the reconciler still comes back and re-queues.
  const ensureScheduler = () =>
    queues.maintenance.upsertJobScheduler('reconcile', { every: everyMs }, { data: { task: 'reconcile' } });
  await ensureScheduler();
  const keepScheduler = setInterval(() => {
    // Only when it is gone: re-upserting a live scheduler could push its next run back.
    queues.maintenance
      .getJobScheduler('reconcile')
      .then(async (existing) => {
        if (existing !== undefined && existing !== null) return;
        await ensureScheduler();
        await queues.maintenance.add(
          'reconcile-after-loss',
          { task: 'reconcile' },
          { removeOnComplete: true, removeOnFail: 100 },
        );
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'reconcile scheduler not checked'));
  }, 60_000);
  keepScheduler.unref();
  // And once now, so work owed from before a restart or a Redis loss goes out at start-up.
  await queues.maintenance.add(
    'reconcile-at-start',
    { task: 'reconcile' },
    { removeOnComplete: true, removeOnFail: 100 },
  );

  return keepScheduler;
}
