import { randomBytes } from 'node:crypto';
import { type Job, Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { createProducerConnection, createWorkerConnection } from '../jobs/redis.js';
import {
  createStopSignal,
  GIVEN_BACK_DELAY_MS,
  givingBackOnStop,
  STOPPED_BACK_IN_MS,
  WorkerStoppingError,
} from '../jobs/worker-stop.js';
import { deleteRedisPrefix, TEST_REDIS_URL } from './support/test-env.js';

// Real BullMQ on the test Redis, a key prefix per test; the processors are the test's own.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

type Processor = (job: Job<{ n: number }>, token?: string) => Promise<string>;

async function queueWith(processor: Processor, graceMs: number) {
  const prefix = `stoptest_${randomBytes(4).toString('hex')}`;
  const producer = createProducerConnection(TEST_REDIS_URL);
  const connection = createWorkerConnection(TEST_REDIS_URL);
  const queue = new Queue<{ n: number }>('work', { connection: producer, prefix });
  const stopping = createStopSignal();
  const started: string[] = [];
  const worker = new Worker<{ n: number }>(
    'work',
    givingBackOnStop(
      async (job, token) => {
        started.push(String(job.id));
        return processor(job, token);
      },
      stopping.signal,
      graceMs,
    ),
    { connection, prefix, concurrency: 4 },
  );
  cleanups.push(async () => {
    await worker.close(true);
    await queue.close();
    producer.disconnect();
    connection.disconnect();
    await deleteRedisPrefix(prefix);
  });
  const add = async (id: string) => {
    await queue.add('w', { n: 1 }, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 60_000 } });
    await expect.poll(() => started.includes(id)).toBe(true);
  };
  return { queue, worker, stopping, add };
}

describe('jobs still running when their worker is told to stop', () => {
  it('a job that finishes within the grace keeps its result; one that hangs is given back, delayed, with no attempt used', async () => {
    const { queue, worker, stopping, add } = await queueWith(
      (job) =>
        job.id === 'quick'
          ? new Promise((resolve) => setTimeout(() => resolve('done'), 150))
          : new Promise(() => {}),
      300,
    );
    await add('quick');
    await add('hung');
    const askedAt = Date.now();
    stopping.abort();
    await worker.close();
    // close() waited for the quick job and for the hung one to be given back after the grace.
    expect(Date.now() - askedAt).toBeGreaterThanOrEqual(250);
    expect(Date.now() - askedAt).toBeLessThan(5_000);
    const quick = await queue.getJob('quick');
    expect(await quick?.getState()).toBe('completed');
    expect(quick?.returnvalue).toBe('done');
    const hung = await queue.getJob('hung');
    expect(await hung?.getState()).toBe('delayed');
    expect(hung?.attemptsMade).toBe(0);
    // Cut off: back only once this process would be gone.
    expect(hung?.delay).toBeGreaterThan(GIVEN_BACK_DELAY_MS - 1_000);
    expect(hung?.delay).toBeLessThanOrEqual(GIVEN_BACK_DELAY_MS);
    expect(hung?.failedReason ?? '').toBe('');
  });

  it('a job that notices the stop and leaves work undone is given back at once; other errors still fail as usual', async () => {
    const { queue, worker, stopping, add } = await queueWith(async (job) => {
      if (job.id === 'broken') throw new Error('Slack said no');
      await new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve()));
      throw new WorkerStoppingError();
    }, 5_000);
    await add('broken');
    await expect.poll(async () => (await queue.getJob('broken'))?.attemptsMade).toBe(1);
    expect(await (await queue.getJob('broken'))?.getState()).toBe('delayed');
    expect((await queue.getJob('broken'))?.failedReason).toBe('Slack said no');
    await add('polite');
    const askedAt = Date.now();
    stopping.abort();
    await worker.close();
    expect(Date.now() - askedAt).toBeLessThan(2_000);
    const polite = await queue.getJob('polite');
    expect(await polite?.getState()).toBe('delayed');
    expect(polite?.attemptsMade).toBe(0);
    // Stopped by itself, nothing left running: back for another worker at once.
    expect(polite?.delay).toBeGreaterThan(0);
    expect(polite?.delay).toBeLessThanOrEqual(STOPPED_BACK_IN_MS);
  });
});
