import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../db/audit.js';
import type { Database } from '../db/database.js';
import { syncPanelNudges } from '../db/nudges.js';

/**
 * Puts the nudges of one delivered message back to pending until `until`. The panels are then
 * re-planned in the same transaction, so a nudge whose reason went away meanwhile is cancelled
 * rather than delivered again.
 * @returns the panels touched (to queue their nudges), or none when nothing was snoozed.
 */
export async function snoozeMessage(
  db: Kysely<Database>,
  request: { teamId: string; userId: string; messageTs: string; until: Date; now: Date },
): Promise<string[]> {
  const { teamId, userId, messageTs, until, now } = request;
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('nudge')
      .select(['id', 'panel_id'])
      .where('team_id', '=', teamId)
      .where('recipient', '=', userId)
      .where('slack_ts', '=', messageTs)
      .where('state', '=', 'sent')
      .execute();
    const panelIds = [...new Set(rows.map((r) => r.panel_id))].sort();
    if (panelIds.length === 0) return [];
    await sql`select id from panel where team_id = ${teamId} and id in (${sql.join(panelIds)}) order by id for update`.execute(
      trx,
    );
    await trx
      .updateTable('nudge')
      .set({
        state: 'pending',
        deliver_at: until,
        snoozed_until: until,
        slack_ts: null,
        updated_at: sql<Date>`now()`,
      })
      .where('team_id', '=', teamId)
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where('state', '=', 'sent')
      .execute();
    for (const panelId of panelIds) {
      await syncPanelNudges(trx, teamId, panelId, now);
      await recordAudit(trx, {
        teamId,
        panelId,
        actorUserId: userId,
        action: 'nudge.snoozed',
        detail: { until },
      });
    }
    return panelIds;
  });
}

/** The recruiter has told the candidate where things stand: no more candidate-update nudges. */
export async function markCandidateUpdated(
  db: Kysely<Database>,
  request: { teamId: string; panelId: string; userId: string; now: Date },
): Promise<'updated' | 'forbidden'> {
  const { teamId, panelId, userId, now } = request;
  return db.transaction().execute(async (trx) => {
    const panel = await trx
      .selectFrom('panel')
      .select(['id', 'created_by'])
      .where('team_id', '=', teamId)
      .where('id', '=', panelId)
      .forUpdate()
      .executeTakeFirst();
    const coordinator = await trx
      .selectFrom('panel_member')
      .select('user_id')
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panelId)
      .where('user_id', '=', userId)
      .where('role', 'in', ['recruiter', 'hiring_manager'])
      .executeTakeFirst();
    if (panel === undefined || (coordinator === undefined && panel.created_by !== userId)) return 'forbidden';
    await trx
      .updateTable('panel')
      .set({ candidate_updated_at: now })
      .where('team_id', '=', teamId)
      .where('id', '=', panelId)
      .execute();
    await recordAudit(trx, { teamId, panelId, actorUserId: userId, action: 'candidate.updated' });
    await syncPanelNudges(trx, teamId, panelId, now);
    return 'updated';
  });
}
