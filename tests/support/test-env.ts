import { randomBytes } from 'node:crypto';
import type { ModalView } from '@slack/types';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { reconcile } from '../../jobs/reconcile.js';
import { ManualClock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/connection.js';
import type { Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { type RunningPanelist, type StartOptions, startPanelist } from '../../src/runtime.js';
import { type RecordedCall, SlackDouble } from './slack-double.js';
import { SlackRequests } from './slack-requests.js';

/** Where the test Postgres and Redis are; CI and this machine run both locally. */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const SIGNING_SECRET = 'test-signing-secret';
export const TEAM_ID = 'T0PANEL';

/** A fixed "now" for tests: Tuesday 1 December 2026, 10:00 UTC. */
export const TEST_NOW = new Date('2026-12-01T10:00:00Z');

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/**
 * A database of the test's own with every migration applied, opened as the app opens Postgres
 * (`max` connections); `close` destroys the handle and drops the database.
 */
export async function openMigratedTestDatabase(
  options: { max?: number } = {},
): Promise<{ db: Kysely<Database>; close: () => Promise<void> }> {
  const database = await createTestDatabase();
  const db = createDatabase({ connectionString: database.url, ...options });
  await migrateToLatest(db);
  return {
    db,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}

/** A database of the test's own, dropped by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName('panelist_test');
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        // Closed pools may take a moment to leave the server; forcing them out instead makes
        // their clients emit errors after the test has finished.
        for (let attempt = 0; attempt < 50; attempt++) {
          const { rows } = await client.query(
            'select count(*)::int as n from pg_stat_activity where datname = $1',
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Deletes every Redis key under a queue prefix. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface TestApp {
  panelist: RunningPanelist;
  slack: SlackDouble;
  requests: SlackRequests;
  clock: ManualClock;
  config: Config;
  databaseUrl: string;
  appUrl: string;
  /** Runs the reconciler now (as the worker does every few minutes): re-plans and queues what is due. */
  reconcile(): Promise<number>;
  /**
   * Waits until the follow-up queues (schedule effects, App Home, announcements) hold no job
   * waiting, delayed or running, so a test can assert what was NOT sent.
   */
  followUpsSettled(timeoutMs?: number): Promise<void>;
  /** Stops the app and removes the test's database and Redis keys. */
  close(): Promise<void>;
}

/**
 * Starts a real Panelist (HTTP, Postgres, Redis, BullMQ worker) on a database and Redis prefix
 * of its own, talking to a fresh Slack double. Nothing is faked inside the app.
 */
export async function startTestApp(
  overrides: Partial<Record<string, string>> = {},
  options: StartOptions = {},
): Promise<TestApp> {
  const slack = await new SlackDouble({ teamId: TEAM_ID }).start();
  const database = await createTestDatabase();
  const prefix = uniqueName('t');
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: slack.apiUrl,
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    PORT: '0',
    LOG_LEVEL: 'error',
    QUEUE_PREFIX: prefix,
    // Test files run in parallel against one Postgres: keep each app's pool small.
    WEB_DB_CONNECTIONS: '10',
    // A test app without a worker would measure the busy test process, not itself, and hold the
    // follow-ups of the workers a test starts beside it; tests/follow-up-gate.test.ts turns it on.
    WEB_BUSY_UTILIZATION: '0',
    ...overrides,
  });
  const clock = new ManualClock(TEST_NOW);
  const panelist = await startPanelist(config, {
    clock,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    slackRetryConfig: { retries: 3, factor: 1, minTimeout: 20, maxTimeout: 50 },
    // Slack's one-post-a-second per channel, shortened so tests that post many announcements to
    // one channel stay quick; tests/nudges.test.ts checks the real interval.
    channelPostIntervalMs: 50,
    // Tests run the reconciler themselves (`reconcile()`), after moving the clock: a pass at a
    // moment the test did not choose would act on what it sets up.
    reconcileEveryMs: null,
    ...options,
  });
  // Bolt checks its token (auth.test) when it starts, without waiting for the answer: tests that
  // count Slack calls begin once it has been made.
  await slack.waitForCall('auth.test').catch(async (error: unknown) => {
    await panelist.stop();
    await slack.close();
    await database.drop();
    throw error;
  });
  const appUrl = `http://127.0.0.1:${panelist.port}`;
  return {
    panelist,
    slack,
    requests: new SlackRequests(appUrl, SIGNING_SECRET, TEAM_ID, slack.baseUrl),
    clock,
    config,
    databaseUrl: database.url,
    appUrl,
    reconcile: () => reconcile(panelist.deps.db, panelist.deps.queues, clock),
    async followUpsSettled(timeoutMs = 5_000) {
      const { effects, homes, announcements } = panelist.deps.queues;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await Promise.all(
          [effects, homes, announcements].map((queue) =>
            queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
          ),
        );
        if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
        if (Date.now() > deadline) throw new Error(`follow-ups still queued: ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await panelist.stop();
      await slack.close();
      await database.drop();
      await deleteRedisPrefix(prefix);
    },
  };
}

/**
 * Opens someone's Home tab and waits until Panelist has recorded that they use it (written just
 * after the publish): only from then on does a change that concerns them refresh their Home.
 * Returns the `views.publish` call that showed it.
 */
export async function openHomeTab(t: TestApp, userId: string): Promise<RecordedCall> {
  await t.requests.event({ type: 'app_home_opened', user: userId, channel: `D${userId}`, tab: 'home' });
  const published = await t.slack.waitForCall('views.publish', (c) => c.args.user_id === userId);
  for (let waited = 0; ; waited += 50) {
    const row = await t.panelist.deps.db
      .selectFrom('home_viewer')
      .select('user_id')
      .where('team_id', '=', TEAM_ID)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (row !== undefined) return published;
    if (waited >= 5_000) throw new Error(`${userId} was not recorded as a Home user within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `/panel decide P-n` typed by `userId`: the decision modal it opens for that panel. */
export async function openDecisionModal(
  t: TestApp,
  userId: string,
  panel: { id: string; number: number },
): Promise<ModalView> {
  await t.requests.command(userId, `decide P-${panel.number}`);
  const opened = await t.slack.waitForCall(
    'views.open',
    (c) =>
      (c.args.view as ModalView).callback_id === 'decision_record' &&
      JSON.parse((c.args.view as ModalView).private_metadata ?? '{}').panelId === panel.id,
  );
  return opened.args.view as ModalView;
}
