import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { DemoError, runDemo } from './run-demo.js';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const databaseUrl = process.env.DATABASE_URL || undefined;

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_500,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

if (!(await redisAnswers(redisUrl))) {
  console.error(
    `Redis is not answering at ${redisUrl}: start one with \`docker compose up -d redis\` or \`sudo apt-get install redis-server && redis-server --daemonize yes\`, or set REDIS_URL.`,
  );
  process.exit(1);
}

// A fresh embedded database each run, unless a PostgreSQL URL is given.
const pgliteDir = '.pglite/demo';
if (databaseUrl === undefined) rmSync(pgliteDir, { recursive: true, force: true });
console.log(
  databaseUrl === undefined ? `Database: embedded PGlite in ${pgliteDir}` : 'Database: DATABASE_URL',
);

try {
  await runDemo({ databaseUrl, pgliteDir, redisUrl, print: (line) => console.log(line) });
  process.exit(0);
} catch (error) {
  console.error(
    `\nDemo failed: ${error instanceof DemoError ? error.message : String((error as Error)?.stack ?? error)}`,
  );
  process.exit(1);
}
