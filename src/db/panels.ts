import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, MemberRole, Panel, PanelMember, PanelState, Stage, StageKind } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A panel with its people and stages, as most views need it. */
export interface PanelDetails {
  panel: Panel;
  members: PanelMember[];
  stages: Stage[];
}

/**
 * Allocates the workspace's next panel number (`P-n`). The upsert takes a row lock on the
 * workspace, so concurrent creators in one workspace get distinct, gap-free numbers.
 */
export async function allocatePanelNumber(trx: Transaction<Database>, teamId: string): Promise<number> {
  const row = await trx
    .insertInto('workspace')
    .values({ team_id: teamId, panels_created: 1 })
    .onConflict((oc) =>
      oc.column('team_id').doUpdateSet({ panels_created: sql<number>`workspace.panels_created + 1` }),
    )
    .returning('panels_created')
    .executeTakeFirstOrThrow();
  return row.panels_created;
}

export interface PanelRow {
  teamId: string;
  number: number;
  candidateName: string;
  roleTitle: string;
  channelId: string;
  decisionDeadline: Date;
  answerPromisedOn: string;
  firstInterviewNotes: string | null;
  createdBy: string;
  createdFromView: string;
  sealed: boolean;
  /** The app clock's now, so plans made from it agree with the clock (tests, the demo). */
  createdAt: Date;
}

export async function insertPanel(trx: Transaction<Database>, row: PanelRow): Promise<Panel> {
  return trx
    .insertInto('panel')
    .values({
      team_id: row.teamId,
      number: row.number,
      candidate_name: row.candidateName,
      role_title: row.roleTitle,
      channel_id: row.channelId,
      decision_deadline: row.decisionDeadline,
      answer_promised_on: row.answerPromisedOn,
      first_interview_notes: row.firstInterviewNotes,
      created_by: row.createdBy,
      created_from_view: row.createdFromView,
      sealed: row.sealed,
      created_at: row.createdAt,
      // The channel's digest zone, if it chose one.
      digest_time_zone: sql<string | null>`(select digest_time_zone from hiring_channel
        where team_id = ${row.teamId} and channel_id = ${row.channelId})`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertMembers(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  members: { userId: string; role: MemberRole; timeZone?: string }[],
): Promise<void> {
  if (members.length === 0) return;
  await trx
    .insertInto('panel_member')
    .values(
      members.map((m) => ({
        team_id: teamId,
        panel_id: panelId,
        user_id: m.userId,
        role: m.role,
        ...(m.timeZone === undefined ? {} : { time_zone: m.timeZone }),
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function insertStages(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  kinds: StageKind[],
): Promise<void> {
  if (kinds.length === 0) return;
  await trx
    .insertInto('stage')
    .values(kinds.map((kind, position) => ({ team_id: teamId, panel_id: panelId, kind, position })))
    .execute();
}

async function withPeopleAndStages(db: Db, teamId: string, panel: Panel): Promise<PanelDetails> {
  const [members, stages] = await Promise.all([
    db
      .selectFrom('panel_member')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panel.id)
      .orderBy('added_at')
      .execute(),
    db
      .selectFrom('stage')
      .selectAll()
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panel.id)
      .orderBy('position')
      .execute(),
  ]);
  return { panel, members, stages };
}

/** Finds a panel by its workspace number (`P-n`), with its people and stages. */
export async function findPanelByNumber(
  db: Db,
  teamId: string,
  number: number,
): Promise<PanelDetails | undefined> {
  const panel = await db
    .selectFrom('panel')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('number', '=', number)
    .executeTakeFirst();
  return panel === undefined ? undefined : withPeopleAndStages(db, teamId, panel);
}

/** Finds the panel a modal view already created, if any. */
export async function findPanelByView(db: Db, teamId: string, viewId: string): Promise<Panel | undefined> {
  return db
    .selectFrom('panel')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('created_from_view', '=', viewId)
    .executeTakeFirst();
}

/** Finds a panel by id, with its people and stages; `forUpdate` locks the panel row. */
export async function findPanelById(
  db: Db,
  teamId: string,
  panelId: string,
  { forUpdate = false } = {},
): Promise<PanelDetails | undefined> {
  let query = db.selectFrom('panel').selectAll().where('team_id', '=', teamId).where('id', '=', panelId);
  if (forUpdate) query = query.forUpdate();
  const panel = await query.executeTakeFirst();
  return panel === undefined ? undefined : withPeopleAndStages(db, teamId, panel);
}

/** The panels a user created or takes part in (any role, any state), newest first. */
export function listPanelsForUser(db: Db, teamId: string, userId: string, limit: number): Promise<Panel[]> {
  return db
    .selectFrom('panel')
    .selectAll()
    .where('team_id', '=', teamId)
    .where((eb) =>
      eb.or([
        eb('created_by', '=', userId),
        eb.exists(
          eb
            .selectFrom('panel_member')
            .select(sql`1`.as('one'))
            .where('panel_member.team_id', '=', teamId)
            .whereRef('panel_member.panel_id', '=', 'panel.id')
            .where('panel_member.user_id', '=', userId),
        ),
      ]),
    )
    .orderBy('created_at', 'desc')
    .orderBy('number', 'desc')
    .limit(limit)
    .execute();
}

/** Moves a panel to a new state and bumps its revision so the announcement catches up. */
export async function setPanelState(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  state: PanelState,
): Promise<Panel> {
  return trx
    .updateTable('panel')
    .set({ state, revision: sql<number>`revision + 1`, updated_at: sql<Date>`now()` })
    .where('team_id', '=', teamId)
    .where('id', '=', panelId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Records that the announcement now shows `revision`, never moving backwards. */
export async function markAnnounced(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  revision: number,
  ts: string,
): Promise<void> {
  await trx
    .updateTable('panel')
    .set({ announced_revision: sql<number>`greatest(announced_revision, ${revision})`, announcement_ts: ts })
    .where('team_id', '=', teamId)
    .where('id', '=', panelId)
    .execute();
}

/**
 * Records that Slack refused the announcement for good at `revision`, so nobody retries it
 * until the panel changes again.
 */
export async function markAnnouncementFailed(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  revision: number,
): Promise<void> {
  await trx
    .updateTable('panel')
    .set({ announced_revision: sql<number>`greatest(announced_revision, ${revision})` })
    .where('team_id', '=', teamId)
    .where('id', '=', panelId)
    .execute();
}

/** Panels whose announcement is behind their current revision, for the reconciler. */
export async function listPanelsBehindAnnouncement(
  db: Db,
  limit: number,
): Promise<{ team_id: string; id: string; revision: number }[]> {
  return db
    .selectFrom('panel')
    .select(['team_id', 'id', 'revision'])
    .whereRef('announced_revision', '<', 'revision')
    .orderBy('id')
    .limit(limit)
    .execute();
}
