import { setMaxListeners } from 'node:events';
import { DelayedError, type Job } from 'bullmq';

/**
 * How long a job still running when its worker is told to stop may go on before it is given back
 * to the queue. A stop must end within the 10 seconds an orchestrator allows (the process exits
 * anyway at 9: src/process-lifecycle.ts); jobs normally finish within milliseconds, but one whose
 * Slack call hangs would wait out the client's timeout and its retries.
 */
export const STOP_GRACE_MS = 5_000;
/**
 * A job cut off after the grace waits this long before any worker takes it again: the process that
 * gave it back has exited by then, so what it abandoned cannot run beside the retry.
 */
export const GIVEN_BACK_DELAY_MS = 10_000;
/**
 * A job that stopped by itself ({@link WorkerStoppingError}) left nothing running: it may be taken
 * again at once by another worker, after this.
 */
export const STOPPED_BACK_IN_MS = 1_000;

/**
 * The worker was told to stop while this job was running. Thrown by a job that noticed the stop and
 * left work undone (the wrapper below gives it back), or by the wrapper itself when the job could
 * not even be given back (Redis gone): BullMQ then records a failed attempt and retries it.
 */
export class WorkerStoppingError extends Error {
  readonly code = 'worker_stopping';
  constructor() {
    super('the worker stopped while this job was running; the job goes back to the queue and is retried');
  }
}

/** The signal a worker process aborts when it is told to stop; every running job listens to it. */
export function createStopSignal(): AbortController {
  const stopping = new AbortController();
  // One listener per running job (all the workers' concurrency together): not a leak.
  setMaxListeners(0, stopping.signal);
  return stopping;
}

/**
 * Wraps a BullMQ processor so that, once `stopping` is aborted, a run still going after `graceMs` is
 * given back to its queue, moved to delayed for {@link GIVEN_BACK_DELAY_MS}, and one that stops by
 * itself with {@link WorkerStoppingError} for {@link STOPPED_BACK_IN_MS}. Neither uses up an
 * attempt, and `Worker.close()`, which waits for running jobs, can finish. What the abandoned run was doing is cut off when the process
 * exits: an open transaction is rolled back, and every job is idempotent (jobs/nudge-delivery.ts
 * keeps a receipt per message Slack took, so the next delivery does not send those again; schedule
 * effects record each DM sent in the job).
 */
export function givingBackOnStop<D, R>(
  processor: (job: Job<D>, token?: string) => Promise<R>,
  stopping: AbortSignal,
  graceMs = STOP_GRACE_MS,
): (job: Job<D>, token?: string) => Promise<R> {
  return async (job: Job<D>, token?: string) => {
    const run = processor(job, token);
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    const graceOver = new Promise<'grace_over'>((resolve) => {
      onAbort = () => {
        timer = setTimeout(() => resolve('grace_over'), graceMs);
      };
      if (stopping.aborted) onAbort();
      else stopping.addEventListener('abort', onAbort, { once: true });
    });
    let backInMs = GIVEN_BACK_DELAY_MS;
    try {
      const first = await Promise.race([run.then((value) => ({ value })), graceOver]);
      if (first !== 'grace_over') return first.value;
    } catch (error) {
      if (!(error instanceof WorkerStoppingError)) throw error;
      backInMs = STOPPED_BACK_IN_MS;
    } finally {
      clearTimeout(timer);
      stopping.removeEventListener('abort', onAbort);
    }
    // Abandoned: whatever the run does from now on, its outcome is not this job's any more.
    run.catch(() => {});
    if (token === undefined) throw new WorkerStoppingError();
    try {
      await job.moveToDelayed(Date.now() + backInMs, token);
    } catch {
      throw new WorkerStoppingError();
    }
    throw new DelayedError();
  };
}
