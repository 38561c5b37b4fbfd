import { describe, expect, it } from 'vitest';
import { givingBackOnStop, WorkerStoppingError } from '../../jobs/worker-stop.js';

const resolveIn = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('jobs still running when their worker stops', () => {
  it('a job that finishes within the grace after the stop keeps its result', async () => {
    const stopping = new AbortController();
    const run = givingBackOnStop((ms: number) => resolveIn(ms, 'sent'), stopping.signal, 200)(50);
    stopping.abort();
    await expect(run).resolves.toBe('sent');
  });

  it('a job still running when the grace runs out is given back with a worker_stopping error', async () => {
    const stopping = new AbortController();
    const hung = givingBackOnStop(() => new Promise<string>(() => {}), stopping.signal, 50)();
    const startedAt = Date.now();
    stopping.abort();
    const error = await hung.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerStoppingError);
    expect((error as WorkerStoppingError).code).toBe('worker_stopping');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(45);
  });

  it('a job that starts after the stop gets the grace too, and no job is cut short without a stop', async () => {
    const stopping = new AbortController();
    const wrapped = givingBackOnStop((ms: number) => resolveIn(ms, ms), stopping.signal, 50);
    await expect(wrapped(120)).resolves.toBe(120);
    stopping.abort();
    await expect(wrapped(10)).resolves.toBe(10);
    await expect(wrapped(500)).rejects.toBeInstanceOf(WorkerStoppingError);
  });
});
