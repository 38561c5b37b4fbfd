import type { Logger } from './logger.js';

/** How long a stop may take before the process exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * Stops cleanly on SIGTERM or SIGINT: `stop` must stop taking work and close connections.
 * If it has not finished within the deadline the process exits with code 1, so an orchestrator's
 * 10-second grace period is never exceeded.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
