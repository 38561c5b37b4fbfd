/**
 * How long a job still running when its worker is told to stop may go on before it is given back
 * to the queue. A stop must end within the 10 seconds an orchestrator allows (the process exits
 * anyway at 9: src/process-lifecycle.ts); jobs normally finish within milliseconds, but one whose
 * Slack call hangs would wait out the client's timeout and its retries.
 */
export const STOP_GRACE_MS = 5_000;

/** Thrown into a job that was still running {@link STOP_GRACE_MS} after its worker was told to stop. */
export class WorkerStoppingError extends Error {
  readonly code = 'worker_stopping';
  constructor() {
    super('the worker stopped while this job was running; the job goes back to the queue and is retried');
  }
}

/**
 * Wraps a BullMQ processor so that, once `stopping` is aborted, a run still going after `graceMs`
 * rejects with {@link WorkerStoppingError}: BullMQ then records a failed attempt and retries the
 * job later (on another worker, or this one after its restart), and `Worker.close()`, which waits
 * for running jobs, can finish. What the abandoned run was doing is cut off when the process exits:
 * an open transaction is rolled back, and every job is idempotent (jobs/nudge-delivery.ts keeps a
 * receipt per message Slack took, so the next delivery does not send those again).
 */
export function givingBackOnStop<A extends unknown[], R>(
  processor: (...args: A) => Promise<R>,
  stopping: AbortSignal,
  graceMs = STOP_GRACE_MS,
): (...args: A) => Promise<R> {
  return (...args: A) => {
    const run = processor(...args);
    let timer: NodeJS.Timeout | undefined;
    let onAbort = () => {};
    const givenBack = new Promise<never>((_, reject) => {
      onAbort = () => {
        timer = setTimeout(() => reject(new WorkerStoppingError()), graceMs);
      };
      if (stopping.aborted) onAbort();
      else stopping.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([run, givenBack]).finally(() => {
      clearTimeout(timer);
      stopping.removeEventListener('abort', onAbort);
    });
  };
}
