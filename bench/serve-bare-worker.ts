/**
 * A bare BullMQ worker whose processor does nothing: the baseline the nudge worker is measured
 * against. Run as a child process by bench/sections/nudges.ts (`node --import tsx
 * bench/serve-bare-worker.ts`); reads REDIS_URL, QUEUE_PREFIX and WORKER_CONCURRENCY, consumes the
 * `nudges` queue under that prefix over the same kind of Redis connection Panelist's workers use,
 * and prints `READY 0` once it is listening.
 */
import { Worker } from 'bullmq';
import { QUEUE_NAMES } from '../jobs/queues.js';
import { createWorkerConnection } from '../jobs/redis.js';

const redisUrl = process.env.REDIS_URL;
const prefix = process.env.QUEUE_PREFIX;
const concurrency = Number(process.env.WORKER_CONCURRENCY ?? '10');
if (redisUrl === undefined || prefix === undefined || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('serve-bare-worker needs REDIS_URL, QUEUE_PREFIX and a whole WORKER_CONCURRENCY');
  process.exit(1);
}

const connection = createWorkerConnection(redisUrl);
const worker = new Worker(QUEUE_NAMES.nudges, async () => undefined, { connection, prefix, concurrency });
worker.on('error', (error) => console.error('bare worker error:', error));
await worker.waitUntilReady();
process.stdout.write('READY 0\n');

process.once('SIGTERM', () => {
  worker.close().then(
    () => {
      connection.disconnect();
      process.exit(0);
    },
    (error: unknown) => {
      console.error('serve-bare-worker failed to stop:', error);
      process.exit(1);
    },
  );
});
