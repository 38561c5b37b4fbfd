import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../db/audit.js';
import type { Database } from '../db/database.js';
import { syncPanelNudges } from '../db/nudges.js';
import { COORDINATOR_ROLES } from '../domain/permissions.js';

/**
 * Puts the nudges of one delivered message back to pending until `until`. The panels are then
 * re-planned in the same transaction, so a nudge whose reason went away meanwhile is cancelled
 * rather than delivered again.
 *
 * The message may reach the person before the delivery that sent it commits: until then its rows
 * are still pending and only their receipts carry its ts. So the panels are found through either,
 * locked (which waits for that delivery, holding them shared, to commit: about its send budget
 * at most), and only then are the rows read. A row whose delivery died before committing (pending,
 * with a receipt for this message as it is due now) is snoozed too, and its receipt deleted.
 * @returns the panels touched (to queue their nudges), or none when nothing was snoozed.
 */
export async function snoozeMessage(
  db: Kysely<Database>,
  request: { teamId: string; userId: string; messageTs: string; until: Date; now: Date },
): Promise<string[]> {
  const { teamId, userId, messageTs, until, now } = request;
  return db.transaction().execute(async (trx) => {
    const { rows: found } = await sql<{ panel_id: string }>`
      select panel_id::text as panel_id from nudge
      where team_id = ${teamId} and recipient = ${userId} and state = 'sent' and slack_ts = ${messageTs}
      union
      select n.panel_id::text from nudge_receipt r
      join nudge n on n.team_id = r.team_id and n.id = r.nudge_id
      where r.team_id = ${teamId} and r.slack_ts = ${messageTs} and n.recipient = ${userId}
    `.execute(trx);
    const lockIds = [...new Set(found.map((r) => r.panel_id))].sort();
    if (lockIds.length === 0) return [];
    await sql`select id from panel where team_id = ${teamId} and id in (${sql.join(lockIds)}) order by id for update`.execute(
      trx,
    );
    const { rows: snoozed } = await sql<{ panel_id: string }>`
      with target as (
        select n.id, n.state, r.sent_at as receipt_sent_at from nudge n
        left join nudge_receipt r on r.team_id = n.team_id and r.nudge_id = n.id and r.deliver_at = n.deliver_at
        where n.team_id = ${teamId} and n.recipient = ${userId} and n.panel_id in (${sql.join(lockIds)})
          and ((n.state = 'sent' and n.slack_ts = ${messageTs}) or (n.state = 'pending' and r.slack_ts = ${messageTs}))
      ), receipts_done as (
        delete from nudge_receipt where team_id = ${teamId} and nudge_id in (select id from target)
      )
      update nudge n set
        state = 'pending',
        deliver_at = ${until},
        snoozed_until = ${until},
        slack_ts = null,
        sent_at = coalesce(t.receipt_sent_at, n.sent_at),
        attempts = n.attempts + case when t.state = 'pending' then 1 else 0 end,
        updated_at = now()
      from target t
      where n.team_id = ${teamId} and n.id = t.id
      returning n.panel_id::text as panel_id
    `.execute(trx);
    const panelIds = [...new Set(snoozed.map((r) => r.panel_id))].sort();
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
      .where('role', 'in', COORDINATOR_ROLES)
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
