import type { Kysely } from 'kysely';
import type { Clock } from '../src/clock.js';
import type { Database } from '../src/db/database.js';
import { syncPanelNudges } from '../src/db/nudges.js';
import { listPanelsBehindAnnouncement } from '../src/db/panels.js';
import { enqueueAnnouncement, NUDGE_QUEUE_HORIZON_MS, type Queues, requeueNudges } from './queues.js';

const BATCH = 500;

/**
 * Re-enqueues every piece of work Postgres says is still owed: announcements behind their panel,
 * and pending nudges due soon (with recurring ones, such as the daily digest and overdue
 * reminders, re-planned first). Job ids are derived from rows, so work already queued is not
 * queued twice; a due nudge whose job still waits is promoted. This scan crosses workspaces on
 * purpose: each job carries its team id, and the job's own queries are scoped by it.
 * @returns how many rows it looked at.
 */
export async function reconcile(db: Kysely<Database>, queues: Queues, clock: Clock): Promise<number> {
  const behind = await listPanelsBehindAnnouncement(db, BATCH);
  for (const panel of behind) {
    await enqueueAnnouncement(queues, { teamId: panel.team_id, panelId: panel.id, revision: panel.revision });
  }
  const now = clock.now();
  const open = await db
    .selectFrom('panel')
    .select(['team_id', 'id'])
    .where('state', '=', 'open')
    .orderBy('id')
    .limit(BATCH)
    .execute();
  for (const panel of open) {
    await db.transaction().execute(async (trx) => {
      await trx
        .selectFrom('panel')
        .select('id')
        .where('team_id', '=', panel.team_id)
        .where('id', '=', panel.id)
        .forUpdate()
        .execute();
      await syncPanelNudges(trx, panel.team_id, panel.id, now);
    });
  }
  const pending = await db
    .selectFrom('nudge')
    .select(['id', 'team_id', 'deliver_at'])
    .where('state', '=', 'pending')
    .where('deliver_at', '<=', new Date(now.getTime() + NUDGE_QUEUE_HORIZON_MS))
    .orderBy('deliver_at')
    .limit(20_000)
    .execute();
  await requeueNudges(queues, pending, (at) => clock.msUntil(at));
  return behind.length + pending.length;
}
