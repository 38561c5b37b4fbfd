import { type Kysely, sql, type Transaction } from 'kysely';
import type { NudgeChanges, StoredNudge } from '../domain/nudge-plan.js';
import { type NudgeSettings, resolveNudgeSettings } from '../domain/nudge-settings.js';
import {
  type Database,
  type Decision,
  type Feedback,
  type FeedbackContent,
  type FeedbackState,
  PANEL_SELECT,
  type Panel,
  type PanelMember,
  type Rating,
  type SlotState,
  type StageKind,
} from './database.js';

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
export async function listPanelFeedback(
  db: Db,
  teamId: string,
  panelId: string,
): Promise<FeedbackWithHistory[]> {
  return db
    .selectFrom('feedback as f')
    .selectAll('f')
    .select(
      sql<number>`(select count(*)::int from feedback_version v where v.team_id = f.team_id and v.feedback_id = f.id)`.as(
        'versions',
      ),
    )
    .select(
      sql<Date | null>`(select max(v.submitted_at) from feedback_version v where v.team_id = f.team_id and v.feedback_id = f.id)`.as(
        'last_version_at',
      ),
    )
    .where('f.team_id', '=', teamId)
    .where('f.panel_id', '=', panelId)
    .execute();
}

/** A feedback row with how often it was submitted (its versions) and when last, where read. */
export type FeedbackWithHistory = Feedback & { versions?: number; last_version_at?: Date | null };

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

export async function findDecision(db: Db, teamId: string, panelId: string): Promise<Decision | undefined> {
  return db
    .selectFrom('decision')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('panel_id', '=', panelId)
    .executeTakeFirst();
}

/**
 * Locks the panel of a slot (`FOR UPDATE`), the lock every change to a panel takes first.
 * @returns the panel's id, or undefined when there is no such slot.
 */
export async function lockPanelOfSlot(
  trx: Transaction<Database>,
  teamId: string,
  slotId: string,
): Promise<string | undefined> {
  // Prepared (see connection.ts): it runs on every submission.
  const { rows } = await sql<{ id: string }>`/* prepared:feedback_submission_lock */
    select p.id from slot s join panel p on p.team_id = s.team_id and p.id = s.panel_id
    where s.team_id = ${teamId} and s.id = ${slotId}
    for update of p
  `.execute(trx);
  return rows[0]?.id;
}

/** A slot of the panel, booked or cancelled, with its stage and interviewers. */
export interface SubmissionSlot {
  slot: { id: string; state: SlotState; starts_at: Date; ends_at: Date };
  stageKind: StageKind;
  interviewers: { userId: string; declinedAt: Date | null }[];
}

/** Everything a feedback submission checks, plans nudges from and writes against, read at once. */
export interface SubmissionContext {
  panel: Panel;
  members: Pick<PanelMember, 'user_id' | 'role' | 'time_zone'>[];
  slots: SubmissionSlot[];
  feedback: Pick<Feedback, 'id' | 'slot_id' | 'interviewer_id' | 'state' | 'submitted_at'>[];
  nudges: StoredNudge[];
  nudgeSettings: NudgeSettings;
  /** This view was already stored as a version of the interviewer's feedback. */
  duplicate: boolean;
  /** The number the next version of the interviewer's feedback gets. */
  nextVersion: number;
  /** The interviewer has opened Panelist's Home tab at some point. */
  homeVisitor: boolean;
}

interface SubmissionContextRow extends Panel {
  nudge_settings: Partial<NudgeSettings> | null;
  home_visitor: boolean;
  duplicate: boolean;
  next_version: number;
  members: Pick<PanelMember, 'user_id' | 'role' | 'time_zone'>[];
  slots: {
    id: string;
    state: SlotState;
    stage_kind: StageKind;
    starts_at: string;
    ends_at: string;
    interviewers: { user_id: string; declined_at: string | null }[];
  }[];
  feedback: {
    id: string;
    slot_id: string;
    interviewer_id: string;
    state: FeedbackState;
    submitted_at: string | null;
  }[];
  nudges: (Omit<StoredNudge, 'due_at' | 'deliver_at' | 'snoozed_until'> & {
    due_at: string;
    deliver_at: string;
    snoozed_until: string | null;
  })[];
}

const asDate = (value: string | null): Date | null => (value === null ? null : new Date(value));

/**
 * Reads a panel for a feedback submission in one round trip: the panel, its people, every slot
 * with its interviewers, every feedback row (without its text), its nudge rows, the workspace's
 * nudge settings, and what the submission needs to know of the interviewer's own versions. Run
 * it after `lockPanelOfSlot`, in the same transaction, so that what it reads cannot change
 * before the transaction ends. Ids come back as text; JSON timestamps are turned back into dates.
 * A prepared statement: planning it each time cost Postgres three times what running it does.
 */
export async function loadSubmissionContext(
  trx: Transaction<Database>,
  request: { teamId: string; panelId: string; slotId: string; userId: string; viewId: string },
): Promise<SubmissionContext | undefined> {
  const { teamId, panelId, slotId, userId, viewId } = request;
  const { rows } = await sql<SubmissionContextRow>`/* prepared:feedback_submission_context */
    select ${PANEL_SELECT},
      (select w.nudge_settings from workspace w where w.team_id = p.team_id) as nudge_settings,
      exists (
        select 1 from home_viewer v where v.team_id = p.team_id and v.user_id = ${userId}
      ) as home_visitor,
      coalesce(mine.duplicate, false) as duplicate,
      coalesce(mine.last_version, 0) + 1 as next_version,
      coalesce((
        select json_agg(json_build_object('user_id', m.user_id, 'role', m.role, 'time_zone', m.time_zone)
          order by m.added_at)
        from panel_member m where m.team_id = p.team_id and m.panel_id = p.id
      ), '[]') as members,
      coalesce((
        select json_agg(json_build_object(
            'id', s.id::text, 'state', s.state, 'stage_kind', st.kind,
            'starts_at', s.starts_at, 'ends_at', s.ends_at,
            'interviewers', coalesce((
              select json_agg(json_build_object('user_id', si.user_id, 'declined_at', si.declined_at)
                order by si.user_id)
              from slot_interviewer si where si.team_id = s.team_id and si.slot_id = s.id
            ), '[]'))
          order by s.starts_at)
        from slot s join stage st on st.team_id = s.team_id and st.id = s.stage_id
        where s.team_id = p.team_id and s.panel_id = p.id
      ), '[]') as slots,
      coalesce((
        select json_agg(json_build_object(
          'id', f.id::text, 'slot_id', f.slot_id::text, 'interviewer_id', f.interviewer_id,
          'state', f.state, 'submitted_at', f.submitted_at))
        from feedback f where f.team_id = p.team_id and f.panel_id = p.id
      ), '[]') as feedback,
      coalesce((
        select json_agg(json_build_object(
          'id', n.id::text, 'kind', n.kind, 'subject', n.subject, 'recipient', n.recipient,
          'occurrence', n.occurrence, 'state', n.state, 'due_at', n.due_at,
          'deliver_at', n.deliver_at, 'snoozed_until', n.snoozed_until))
        from nudge n where n.team_id = p.team_id and n.panel_id = p.id
      ), '[]') as nudges
    from panel p
    left join lateral (
      select bool_or(fv.view_id = ${viewId}) as duplicate, max(fv.version) as last_version
      from feedback f join feedback_version fv on fv.team_id = f.team_id and fv.feedback_id = f.id
      where f.team_id = p.team_id and f.slot_id = ${slotId} and f.interviewer_id = ${userId}
    ) mine on true
    where p.team_id = ${teamId} and p.id = ${panelId}
  `.execute(trx);
  const row = rows[0];
  if (row === undefined) return undefined;
  const {
    nudge_settings,
    home_visitor,
    duplicate,
    next_version,
    members,
    slots,
    feedback,
    nudges,
    ...panel
  } = row;
  return {
    panel,
    members,
    slots: slots.map((s) => ({
      slot: { id: s.id, state: s.state, starts_at: new Date(s.starts_at), ends_at: new Date(s.ends_at) },
      stageKind: s.stage_kind,
      interviewers: s.interviewers.map((i) => ({ userId: i.user_id, declinedAt: asDate(i.declined_at) })),
    })),
    feedback: feedback.map((f) => ({ ...f, submitted_at: asDate(f.submitted_at) })),
    nudges: nudges.map((n) => ({
      ...n,
      due_at: new Date(n.due_at),
      deliver_at: new Date(n.deliver_at),
      snoozed_until: asDate(n.snoozed_until),
    })),
    nudgeSettings: resolveNudgeSettings(nudge_settings),
    duplicate,
    nextVersion: Number(next_version),
    homeVisitor: home_visitor,
  };
}

/**
 * Writes a submitted feedback in one statement: the feedback row (created or updated; its first
 * submission time kept), the new version, the panel's revision, the audit event and the nudge
 * changes. The panel's announcement does not show feedback, so an announcement that was current
 * stays current; the debrief compares its own revision. Each part touches different rows, as
 * Postgres requires of the parts of one statement. A prepared statement, like the read.
 * @returns the panel's new revision and the nudge rows created or moved (to queue).
 */
export async function saveSubmission(
  trx: Transaction<Database>,
  submission: {
    teamId: string;
    panelId: string;
    slotId: string;
    userId: string;
    viewId: string;
    content: FeedbackContent;
    recommendation: Rating;
    version: number;
    action: 'feedback.submitted' | 'feedback.edited';
    now: Date;
    nudges: NudgeChanges;
  },
): Promise<{ revision: number; queue: { id: string; team_id: string; deliver_at: Date }[] }> {
  const { teamId, panelId, slotId, userId, viewId, content, recommendation, version, now, nudges } =
    submission;
  const { create, move, revive } = nudges;
  const { rows } = await sql<{
    revision: number;
    queue: { id: string; deliver_at: string }[];
  }>`/* prepared:feedback_submission_save */
    with saved as (
      insert into feedback as f
        (team_id, panel_id, slot_id, interviewer_id, state, content, recommendation, submitted_at)
      values (${teamId}, ${panelId}, ${slotId}, ${userId}, 'submitted', ${JSON.stringify(content)}::jsonb,
        ${recommendation}, ${now})
      on conflict (team_id, slot_id, interviewer_id) do update set
        state = 'submitted', content = excluded.content, recommendation = excluded.recommendation,
        submitted_at = coalesce(f.submitted_at, excluded.submitted_at), updated_at = now()
      returning f.id, f.content
    ), versioned as (
      insert into feedback_version (team_id, feedback_id, version, content, recommendation, view_id, submitted_at)
      select ${teamId}::text, saved.id, ${version}::integer, saved.content, ${recommendation}::text,
        ${viewId}::text, ${now}::timestamptz
      from saved
    ), revised as (
      update panel set
        revision = revision + 1,
        announced_revision = case when announced_revision >= revision then revision + 1
          else announced_revision end,
        updated_at = now()
      where team_id = ${teamId} and id = ${panelId}
      returning revision
    ), audited as (
      insert into audit_event (team_id, panel_id, actor_user_id, action, detail)
      values (${teamId}, ${panelId}, ${userId}, ${submission.action},
        ${JSON.stringify({ slot: slotId, version })}::jsonb)
    ), cancelled as (
      update nudge set state = 'cancelled', updated_at = now()
      where team_id = ${teamId} and panel_id = ${panelId}::bigint and id = any(${nudges.cancel}::bigint[])
        and state = 'pending'
    ), moved as (
      update nudge set due_at = m.due_at, deliver_at = m.deliver_at, updated_at = now()
      from unnest(${move.map((m) => m.id)}::bigint[], ${move.map((m) => m.dueAt)}::timestamptz[],
        ${move.map((m) => m.deliverAt)}::timestamptz[]) as m (id, due_at, deliver_at)
      where nudge.team_id = ${teamId} and nudge.panel_id = ${panelId}::bigint and nudge.id = m.id
        and nudge.state = 'pending'
      returning nudge.id, nudge.deliver_at
    ), revived as (
      update nudge set state = 'pending', due_at = r.due_at, deliver_at = r.deliver_at,
        snoozed_until = null, attempts = 0, updated_at = now()
      from unnest(${revive.map((r) => r.id)}::bigint[], ${revive.map((r) => r.dueAt)}::timestamptz[],
        ${revive.map((r) => r.deliverAt)}::timestamptz[]) as r (id, due_at, deliver_at)
      where nudge.team_id = ${teamId} and nudge.panel_id = ${panelId}::bigint and nudge.id = r.id
        and nudge.state = 'cancelled'
      returning nudge.id, nudge.deliver_at
    ), created as (
      insert into nudge (team_id, panel_id, kind, subject, recipient, occurrence, due_at, deliver_at)
      select ${teamId}::text, ${panelId}::bigint, n.kind, n.subject, n.recipient, n.occurrence, n.due_at, n.deliver_at
      from unnest(${create.map((n) => n.kind)}::text[], ${create.map((n) => n.subject)}::text[],
        ${create.map((n) => n.recipient)}::text[], ${create.map((n) => n.occurrence)}::text[],
        ${create.map((n) => n.dueAt)}::timestamptz[], ${create.map((n) => n.deliverAt)}::timestamptz[])
        as n (kind, subject, recipient, occurrence, due_at, deliver_at)
      on conflict do nothing
      returning id, deliver_at
    )
    select (select revision from revised) as revision,
      coalesce((
        select json_agg(json_build_object('id', q.id::text, 'deliver_at', q.deliver_at))
        from (
          select id, deliver_at from moved
          union all select id, deliver_at from revived
          union all select id, deliver_at from created
        ) q
      ), '[]') as queue
  `.execute(trx);
  const row = rows[0];
  if (row === undefined || row.revision === null)
    throw new Error('panel vanished while its feedback was saved');
  return {
    revision: row.revision,
    queue: row.queue.map((q) => ({ id: q.id, team_id: teamId, deliver_at: new Date(q.deliver_at) })),
  };
}

/**
 * Open panels whose debrief is behind their revision and is owed: already posted (so it shows an
 * edit), or not yet posted though every interviewer of every booked slot has submitted. For the
 * reconciler; a feedback change leaves the announcement current, so only this finds such panels.
 */
export async function listPanelsBehindDebrief(
  db: Db,
  limit: number,
): Promise<{ team_id: string; id: string; revision: number }[]> {
  return db
    .selectFrom('panel as p')
    .select(['p.team_id', 'p.id', 'p.revision'])
    .where('p.state', '=', 'open')
    .whereRef('p.debriefed_revision', '<', 'p.revision')
    .where((eb) =>
      eb.or([
        eb('p.debrief_ts', 'is not', null),
        eb.and([
          eb.exists(
            eb
              .selectFrom('slot as s')
              .select(sql`1`.as('one'))
              .whereRef('s.team_id', '=', 'p.team_id')
              .whereRef('s.panel_id', '=', 'p.id')
              .where('s.state', '=', 'booked'),
          ),
          eb.not(
            eb.exists(
              eb
                .selectFrom('slot as s')
                .innerJoin('slot_interviewer as si', (join) =>
                  join.onRef('si.team_id', '=', 's.team_id').onRef('si.slot_id', '=', 's.id'),
                )
                .leftJoin('feedback as f', (join) =>
                  join
                    .onRef('f.team_id', '=', 'si.team_id')
                    .onRef('f.slot_id', '=', 'si.slot_id')
                    .onRef('f.interviewer_id', '=', 'si.user_id')
                    .on('f.state', '=', 'submitted'),
                )
                .select(sql`1`.as('one'))
                .whereRef('s.team_id', '=', 'p.team_id')
                .whereRef('s.panel_id', '=', 'p.id')
                .where('s.state', '=', 'booked')
                .where('si.declined_at', 'is', null)
                .where('f.id', 'is', null),
            ),
          ),
        ]),
      ]),
    )
    .orderBy('p.id')
    .limit(limit)
    .execute();
}
