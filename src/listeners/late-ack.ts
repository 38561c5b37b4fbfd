import type { Logger } from '../logger.js';

/**
 * Acknowledges a submission whose work is already committed. If Slack's 3 seconds ran out under
 * load, Bolt has already answered for us and `ack` throws; the change stands, so the caller must
 * still do what follows it (DMs, the announcement, nudges) rather than lose them.
 */
export async function ackCommitted<T>(
  ack: (response: T) => Promise<void>,
  response: T,
  logger: Logger,
): Promise<void> {
  try {
    await ack(response);
  } catch (error) {
    logger.warn({ err: error }, 'acknowledged too late; the change is saved and its follow-ups still run');
  }
}
