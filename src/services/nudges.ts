import { enqueueNudges } from '../../jobs/queues.js';
import { listPendingNudges } from '../db/nudges.js';
import type { AppDeps } from '../deps.js';

/**
 * Queues delivery of a panel's pending nudges after a change has committed. If Redis is down the
 * rows wait in Postgres and the reconciler queues them later; nothing is lost.
 */
export async function queuePanelNudges(
  deps: Pick<AppDeps, 'db' | 'queues' | 'logger' | 'clock'>,
  teamId: string,
  panelId: string,
): Promise<void> {
  try {
    const rows = await listPendingNudges(deps.db, teamId, panelId);
    await enqueueNudges(deps.queues, rows, (at) => deps.clock.msUntil(at));
  } catch (error) {
    deps.logger.warn({ err: error, teamId, panelId }, 'nudges not queued; the reconciler will queue them');
  }
}
