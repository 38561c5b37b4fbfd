import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App } from '@slack/bolt';
import { type FetchFunction, type RetryOptions, WebClient, type WebClientOptions } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { type FollowUpGateOptions, startBusySignal } from '../jobs/follow-up-gate.js';
import { NudgeReceiptWriter } from '../jobs/nudge-receipts.js';
import { closeQueues, createQueues, type Queues } from '../jobs/queues.js';
import { createProducerConnection, createWorkerConnection } from '../jobs/redis.js';
import { type RunningWorkers, startWorkers } from '../jobs/worker.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import { createDatabase } from './db/connection.js';
import type { Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { AppDeps } from './deps.js';
import { healthRoute } from './health.js';
import { registerListeners } from './listeners/index.js';
import { createLogger, type Logger, toBoltLogger } from './logger.js';
import { createHttpFetch } from './slack/http-fetch.js';
import { createMessagePoster, type MessagePoster, WORKER_SLACK_RETRIES } from './slack/message-poster.js';
import { UserDirectory } from './slack/user-directory.js';

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Web API retry policy; tests shorten it so injected 5xx errors resolve quickly. */
  slackRetryConfig?: RetryOptions;
  /** How often the reconciler runs; `null`: never on its own (see jobs/worker.ts). */
  reconcileEveryMs?: number | null;
  /** Minimum milliseconds between two posts to one channel (default 1000, Slack's limit). */
  channelPostIntervalMs?: number;
  /** Run migrations before serving (default true). */
  migrate?: boolean;
  /** How the worker's follow-ups yield to busy web processes; `null`: never (jobs/follow-up-gate.ts). */
  followUpGate?: FollowUpGateOptions | null;
  /** How long a nudge batch sends other people's messages (default 500 ms: jobs/nudge-delivery.ts). */
  nudgeSendBudgetMs?: number;
  /** Other people every nudge batch takes along, fixed (default: learnt, jobs/batch-size.ts). */
  nudgeBatchRecipients?: number;
}

/** The worker's tunables a web process or a worker-only process passes along. */
type WorkerOptions = Pick<
  StartOptions,
  'reconcileEveryMs' | 'channelPostIntervalMs' | 'followUpGate' | 'nudgeSendBudgetMs' | 'nudgeBatchRecipients'
>;

export interface RunningPanelist {
  /** The HTTP port actually bound (useful with PORT=0). */
  port: number;
  deps: AppDeps;
  /** Stops taking requests, then closes workers, queues and connections, in that order. */
  stop(): Promise<void>;
}

function watchRedis(redis: Redis, logger: Logger, role: string): Redis {
  let lastLogged = 0;
  // ioredis emits 'error' on every failed reconnect; log at most one a minute.
  redis.on('error', (error) => {
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    logger.warn({ err: error, role }, 'Redis is not answering; retrying');
  });
  return redis;
}

/** How long the workers wait for one Slack answer (they hold row locks meanwhile). */
const WORKER_SLACK_TIMEOUT_MS = 5_000;

function slackClientOptions(config: Config, logger: Logger, retryConfig?: RetryOptions): WebClientOptions {
  return {
    slackApiUrl: config.SLACK_API_URL,
    logger: toBoltLogger(logger.child({ component: 'web-api' })),
    timeout: 10_000,
    ...(retryConfig === undefined ? {} : { retryConfig }),
  };
}

/**
 * The workers' Slack client. Workers call Slack while holding row locks, so the client must never
 * sleep for long: a 429 is rejected (the job is delayed by Retry-After instead, see
 * src/slack/slack-errors.ts), and 5xx or timeouts get two quick retries before BullMQ's backoff.
 * Its transport is `http.request` with kept-alive connections rather than the global `fetch`
 * (src/slack/http-fetch.ts): a third less CPU per call, which a burst of nudges is bound by.
 */
function workerClient(
  config: Config,
  logger: Logger,
  retryConfig?: RetryOptions,
): { client: WebClient; poster: MessagePoster; close(): void } {
  const transport = createHttpFetch();
  const retries = retryConfig ?? WORKER_SLACK_RETRIES;
  const client = new WebClient(config.SLACK_BOT_TOKEN, {
    ...slackClientOptions(config, logger, retries),
    rejectRateLimitedCalls: true,
    timeout: WORKER_SLACK_TIMEOUT_MS,
    fetch: transport.fetch,
  });
  const poster = createMessagePoster({
    apiUrl: config.SLACK_API_URL,
    token: config.SLACK_BOT_TOKEN,
    timeoutMs: WORKER_SLACK_TIMEOUT_MS,
    retryConfig: retries,
  });
  return {
    client,
    poster,
    close() {
      transport.close();
      poster.close();
    },
  };
}

/**
 * The client for look-ups made before a modal is answered (time zones, names): one quick retry and
 * a short timeout, so a slow Slack cannot push the answer past Slack's 3 seconds.
 */
function lookupClient(config: Config, logger: Logger, fetch: FetchFunction): WebClient {
  return new WebClient(config.SLACK_BOT_TOKEN, {
    ...slackClientOptions(config, logger, { retries: 1, minTimeout: 100, maxTimeout: 200 }),
    timeout: 1_200,
    fetch,
  });
}

/** Opens the database (migrated), Redis and the queues that both processes need. */
async function openShared(config: Config, logger: Logger, migrate: boolean, serving = true) {
  // Room for every job of every worker at once (each may hold a connection while it calls Slack:
  // WORKER_CONCURRENCY nudges, 10 schedule effects, 5 announcements, 5 App Homes, 1 maintenance),
  // beside the web process's own. The web process's answers each hold a connection for their
  // transaction. More of them in flight than Postgres has cores to run them only makes each slower:
  // on a 2-core host 25 took the scheduling benchmark's p99 to seconds where 8–10 kept it to tens of
  // milliseconds.
  const workerShare = config.WORKER_CONCURRENCY + 21;
  const max = serving ? config.WEB_DB_CONNECTIONS + (config.RUN_WORKER ? workerShare : 0) : workerShare;
  const db: Kysely<Database> = createDatabase({
    connectionString: config.DATABASE_URL,
    pgliteDir: config.PGLITE_DIR,
    max,
    onIdleClientError: (error) => logger.warn({ err: error }, 'an idle Postgres connection failed'),
  });
  if (config.DATABASE_URL === undefined)
    logger.info({ dir: config.PGLITE_DIR }, 'using the embedded PGlite database');
  if (migrate) {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ applied }, 'database migrated');
  }
  const redis = watchRedis(createProducerConnection(config.REDIS_URL), logger, 'producer');
  const queues: Queues = createQueues(redis, config.QUEUE_PREFIX);
  return { db, redis, queues };
}

/**
 * How many connections the workers' nudge receipts get: one write is in flight at a time
 * (jobs/nudge-receipts.ts), written outside the delivery transactions, which keep their own
 * connections busy.
 */
const RECEIPT_CONNECTIONS = 1;
/** How long one write of receipts may run before Postgres cancels it. */
const RECEIPT_STATEMENT_TIMEOUT_MS = 5_000;

async function startWorkerProcessParts(
  config: Config,
  deps: Pick<AppDeps, 'db' | 'client' | 'logger' | 'queues' | 'clock'> & { poster: MessagePoster },
  {
    reconcileEveryMs,
    channelPostIntervalMs,
    followUpGate,
    nudgeSendBudgetMs,
    nudgeBatchRecipients,
  }: WorkerOptions,
): Promise<{ workers: RunningWorkers; connection: Redis; close(): Promise<void> }> {
  const connection = watchRedis(createWorkerConnection(config.REDIS_URL), deps.logger, 'worker');
  // A pool of its own for nudge receipts (jobs/nudge-delivery.ts): they must commit while the
  // delivery's transaction is still open. The embedded PGlite has a single connection, which that
  // transaction holds, so there deliveries go without receipts.
  const receiptsDb =
    config.DATABASE_URL === undefined
      ? undefined
      : createDatabase({
          connectionString: config.DATABASE_URL,
          max: RECEIPT_CONNECTIONS,
          // Every delivery of the process waits on this connection's writes: one that hangs (a
          // lock, a stalled disk) is given up, which stops the batches it carried, not all of them.
          statementTimeoutMs: RECEIPT_STATEMENT_TIMEOUT_MS,
          onIdleClientError: (error) =>
            deps.logger.warn({ err: error }, 'an idle Postgres connection (receipts) failed'),
        });
  const workers = await startWorkers({
    ...deps,
    ...(receiptsDb === undefined ? {} : { receipts: new NudgeReceiptWriter(receiptsDb) }),
    connection,
    prefix: config.QUEUE_PREFIX,
    nudgeConcurrency: config.WORKER_CONCURRENCY,
    ...(channelPostIntervalMs === undefined ? {} : { channelPostIntervalMs }),
    ...(reconcileEveryMs === undefined ? {} : { reconcileEveryMs }),
    ...(followUpGate === undefined ? {} : { followUpGate }),
    ...(nudgeSendBudgetMs === undefined ? {} : { nudgeSendBudgetMs }),
    ...(nudgeBatchRecipients === undefined ? {} : { nudgeBatchRecipients }),
  });
  return {
    workers,
    connection,
    async close() {
      await workers.close();
      connection.disconnect();
      if (receiptsDb !== undefined) await closePool(receiptsDb, deps.logger);
    },
  };
}

/**
 * Starts the web process: migrations, the Bolt app (HTTP on PORT, or Socket Mode when
 * SLACK_APP_TOKEN is set, with `/healthz` served in both), and the worker unless RUN_WORKER=false.
 */
export async function startPanelist(config: Config, options: StartOptions = {}): Promise<RunningPanelist> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const { db, redis, queues } = await openShared(config, logger, options.migrate ?? true);
  // The web process's Slack calls (Bolt's client, follow-ups, look-ups) share one kept-alive
  // transport over node:http, cheaper per call than the global fetch (src/slack/http-fetch.ts).
  const webSlack = createHttpFetch();
  const clientOptions = {
    ...slackClientOptions(config, logger, options.slackRetryConfig),
    fetch: webSlack.fetch,
  };
  const client = new WebClient(config.SLACK_BOT_TOKEN, clientOptions);
  const deps: AppDeps = {
    config,
    db,
    queues,
    redis,
    clock: options.clock ?? systemClock,
    logger,
    users: new UserDirectory(lookupClient(config, logger, webSlack.fetch), logger, undefined, db),
    client,
  };

  const common = {
    token: config.SLACK_BOT_TOKEN,
    logger: toBoltLogger(logger.child({ component: 'bolt' })),
    clientOptions,
    customRoutes: [healthRoute(db, redis)],
  };
  const app =
    config.SLACK_APP_TOKEN === undefined
      ? new App({ ...common, signingSecret: config.SLACK_SIGNING_SECRET })
      : new App({
          ...common,
          socketMode: true,
          appToken: config.SLACK_APP_TOKEN,
          installerOptions: { port: config.PORT },
        });
  registerListeners(app, deps);
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled listener error');
  });

  let port = config.PORT;
  if (config.SLACK_APP_TOKEN === undefined) {
    const server = (await app.start(config.PORT)) as Server;
    port = (server.address() as AddressInfo).port;
  } else {
    await app.start();
  }

  const workerSlack = config.RUN_WORKER ? workerClient(config, logger, options.slackRetryConfig) : undefined;
  const worker =
    workerSlack === undefined
      ? undefined
      : await startWorkerProcessParts(
          config,
          { ...deps, client: workerSlack.client, poster: workerSlack.poster },
          options,
        );
  // Web processes without a worker tell the workers elsewhere when they are in a burst, so the
  // follow-ups wait for it to pass (jobs/follow-up-gate.ts). With the worker in this process its
  // own work would count as the burst, so it does not.
  const busySignal = config.RUN_WORKER
    ? undefined
    : startBusySignal({
        redis,
        prefix: config.QUEUE_PREFIX,
        threshold: config.WEB_BUSY_UTILIZATION,
        logger,
      });
  logger.info(
    { port, socketMode: config.SLACK_APP_TOKEN !== undefined, worker: config.RUN_WORKER },
    'Panelist is up',
  );

  return {
    port,
    deps,
    async stop() {
      // The workers' running jobs hear of the stop first: their grace runs while the rest closes.
      worker?.workers.beginStop();
      busySignal?.stop();
      await app.stop();
      await worker?.close();
      workerSlack?.close();
      webSlack.close();
      await closeQueues(queues);
      redis.disconnect();
      await closePool(db, logger);
    },
  };
}

/**
 * How long a stop waits for a pool's connections to come back. A job given back to its queue on a
 * stop (jobs/worker-stop.ts) may still hold one, in a transaction waiting on a Slack call that
 * hangs; it is cut when the process exits, and Postgres rolls the transaction back.
 */
const POOL_CLOSE_WAIT_MS = 1_000;

/** Closes a pool, waiting at most {@link POOL_CLOSE_WAIT_MS} for connections still in use. */
async function closePool(db: Kysely<Database>, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    db.destroy().then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), POOL_CLOSE_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!closed)
    logger.warn('a Postgres connection was still in use at stop; it closes when the process exits');
}

/** Starts only the workers (`npm run worker`): no HTTP, no Slack listeners. */
export async function startWorkerOnly(
  config: Config,
  options: Pick<
    StartOptions,
    | 'logger'
    | 'slackRetryConfig'
    | 'reconcileEveryMs'
    | 'migrate'
    | 'clock'
    | 'channelPostIntervalMs'
    | 'followUpGate'
    | 'nudgeSendBudgetMs'
    | 'nudgeBatchRecipients'
  > = {},
): Promise<{ stop(): Promise<void> }> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, 'panelist-worker');
  const { db, redis, queues } = await openShared(config, logger, options.migrate ?? true, false);
  const slack = workerClient(config, logger, options.slackRetryConfig);
  const worker = await startWorkerProcessParts(
    config,
    { db, client: slack.client, poster: slack.poster, logger, queues, clock: options.clock ?? systemClock },
    options,
  );
  logger.info('Panelist worker is up');
  return {
    async stop() {
      worker.workers.beginStop();
      await worker.close();
      slack.close();
      await closeQueues(queues);
      redis.disconnect();
      await closePool(db, logger);
    },
  };
}
