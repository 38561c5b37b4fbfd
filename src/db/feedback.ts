import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Decision, Feedback, FeedbackContent } from './database.js';
import { interviewsOf } from './slots.js';

type Db = Kysely<Database> | Transaction<Database>;

export async function findFeedback(
  db: Db,
  teamId: string,
  slotId: string,
  interviewerId: string,
  { forUpdate = false } = {},
): Promise<Feedback | undefined> {
  let query = db
    .selectFrom('feedback')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('slot_id', '=', slotId)
    .where('interviewer_id', '=', interviewerId);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Every feedback row (drafts too) of a panel. */
export async function listPanelFeedback(db: Db, teamId: string, panelId: string): Promise<Feedback[]> {
  return db
    .selectFrom('feedback')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('panel_id', '=', panelId)
    .execute();
}

/** Every feedback row (drafts too) of several panels, in one query. */
export async function listFeedbackOfPanels(
  db: Db,
  teamId: string,
  panelIds: readonly string[],
): Promise<Feedback[]> {
  if (panelIds.length === 0) return [];
  return db
    .selectFrom('feedback')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('panel_id', 'in', [...new Set(panelIds)])
    .execute();
}

/** Keeps a draft; a feedback already submitted is never turned back into a draft. */
export async function saveDraft(
  db: Db,
  row: { teamId: string; panelId: string; slotId: string; interviewerId: string; content: FeedbackContent },
): Promise<'saved' | 'already_submitted'> {
  const result = await db
    .insertInto('feedback')
    .values({
      team_id: row.teamId,
      panel_id: row.panelId,
      slot_id: row.slotId,
      interviewer_id: row.interviewerId,
      state: 'draft',
      content: JSON.stringify(row.content),
      recommendation: row.content.recommendation,
    })
    .onConflict((oc) =>
      oc
        .columns(['team_id', 'slot_id', 'interviewer_id'])
        .doUpdateSet({
          content: JSON.stringify(row.content),
          recommendation: row.content.recommendation,
          updated_at: sql<Date>`now()`,
        })
        .where('feedback.state', '=', 'draft'),
    )
    .returning('id')
    .executeTakeFirst();
  return result === undefined ? 'already_submitted' : 'saved';
}

/** Slots that have ended where this person interviews and has not submitted, on open panels. */
export async function listPendingFeedback(db: Db, teamId: string, userId: string, now: Date) {
  return interviewsOf(db, teamId, userId)
    .leftJoin('feedback', (join) =>
      join
        .onRef('feedback.slot_id', '=', 'si.slot_id')
        .onRef('feedback.team_id', '=', 'si.team_id')
        .onRef('feedback.interviewer_id', '=', 'si.user_id'),
    )
    .select([
      'slot.id as slotId',
      'slot.starts_at as startsAt',
      'slot.ends_at as endsAt',
      'stage.kind as stageKind',
      'panel.number as panelNumber',
      'panel.candidate_name as candidateName',
      'feedback.state as feedbackState',
    ])
    .where('panel.state', '=', 'open')
    .where('slot.ends_at', '<=', now)
    .where((eb) => eb.or([eb('feedback.state', 'is', null), eb('feedback.state', '=', 'draft')]))
    .orderBy('slot.ends_at')
    .limit(25)
    .execute();
}

export async function findDecision(db: Db, teamId: string, panelId: string): Promise<Decision | undefined> {
  return db
    .selectFrom('decision')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('panel_id', '=', panelId)
    .executeTakeFirst();
}

/** The recorded decisions of several panels, in one query. */
export async function findDecisionsOfPanels(
  db: Db,
  teamId: string,
  panelIds: readonly string[],
): Promise<Decision[]> {
  if (panelIds.length === 0) return [];
  return db
    .selectFrom('decision')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('panel_id', 'in', [...new Set(panelIds)])
    .execute();
}
