import type { Kysely } from 'kysely';
import type { Database } from '../src/db/database.js';
import { listPanelsBehindAnnouncement } from '../src/db/panels.js';
import { enqueueAnnouncement, type Queues } from './queues.js';

const BATCH = 500;

/**
 * Re-enqueues every piece of work Postgres says is still owed. Job ids are derived from rows,
 * so work already queued is not queued twice. This scan crosses workspaces on purpose: each
 * job it queues carries its team id, and the job's own queries are scoped by it.
 * @returns how many jobs it (re-)enqueued.
 */
export async function reconcile(db: Kysely<Database>, queues: Queues): Promise<number> {
  const behind = await listPanelsBehindAnnouncement(db, BATCH);
  for (const panel of behind) {
    await enqueueAnnouncement(queues, { teamId: panel.team_id, panelId: panel.id, revision: panel.revision });
  }
  return behind.length;
}
