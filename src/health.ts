import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import type { Database } from './db/database.js';

type DependencyState = 'ok' | 'down';

export interface HealthReport {
  status: 'ok' | 'degraded';
  postgres: DependencyState;
  redis: DependencyState;
}

const CHECK_TIMEOUT_MS = 1_500;

async function probe(check: () => Promise<unknown>): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/** A PING that waits for a connection still being opened, but fails fast on one that was lost. */
async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status === 'wait' || redis.status === 'connecting' || redis.status === 'connect') {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', resolve);
      redis.once('error', reject);
    });
  }
  await redis.ping();
}

/** Asks Postgres and Redis whether they answer, each within 1.5 seconds. */
export async function checkHealth(db: Kysely<Database>, redis: Redis): Promise<HealthReport> {
  const [postgres, redisState] = await Promise.all([
    probe(() => sql`select 1`.execute(db)),
    probe(() => pingRedis(redis)),
  ]);
  const status = postgres === 'ok' && redisState === 'ok' ? 'ok' : 'degraded';
  return { status, postgres, redis: redisState };
}

/** `GET /healthz`: 200 when Postgres and Redis answer, 503 otherwise, with each one's state. */
export function healthRoute(db: Kysely<Database>, redis: Redis) {
  return {
    path: '/healthz',
    method: ['GET'],
    handler: async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const report = await checkHealth(db, redis);
      res.writeHead(report.status === 'ok' ? 200 : 503, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      });
      res.end(JSON.stringify(report));
    },
  };
}
