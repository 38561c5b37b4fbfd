import { type Kysely, sql, type Transaction } from 'kysely';
import { diffNudges, type PlanInput, planNudges } from '../domain/nudge-plan.js';
import { type NudgeSettings, resolveNudgeSettings } from '../domain/nudge-settings.js';
import type { Database, Nudge, Panel, PanelMember, Slot } from './database.js';
import { findPanelById } from './panels.js';
import { listPanelSlots } from './slots.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Reads everything the planner needs for one panel. */
export async function loadPlanInput(
  db: Db,
  teamId: string,
  panelId: string,
  now: Date,
): Promise<PlanInput | undefined> {
  const details = await findPanelById(db, teamId, panelId);
  if (details === undefined) return undefined;
  const [slots, submitted, settings] = await Promise.all([
    listPanelSlots(db, teamId, panelId),
    db
      .selectFrom('feedback')
      .select(['slot_id', 'interviewer_id', 'submitted_at'])
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panelId)
      .where('state', '=', 'submitted')
      .execute(),
    loadNudgeSettings(db, teamId),
  ]);
  return buildPlanInput(details, slots, submitted, settings, now);
}

/** A workspace's nudge settings (defaults where unset). */
export async function loadNudgeSettings(db: Db, teamId: string): Promise<NudgeSettings> {
  const row = await db
    .selectFrom('workspace')
    .select('nudge_settings')
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  return resolveNudgeSettings(row?.nudge_settings);
}

/** The parts of a panel (`PanelDetails` has them) that the planner reads. */
export interface PlanPanel {
  panel: Pick<
    Panel,
    | 'id'
    | 'state'
    | 'channel_id'
    | 'decision_deadline'
    | 'answer_promised_on'
    | 'candidate_updated_at'
    | 'created_at'
  >;
  members: readonly Pick<PanelMember, 'user_id' | 'role' | 'time_zone'>[];
}

/** The parts of a booked slot (`SlotWithPeople` has them) that the planner reads. */
export interface PlanSlot {
  slot: Pick<Slot, 'id' | 'starts_at' | 'ends_at'>;
  interviewers: readonly { userId: string }[];
}

/** The planner's input from a panel already loaded (the delivery has it for the message anyway). */
export function buildPlanInput(
  details: PlanPanel,
  slots: readonly PlanSlot[],
  submitted: readonly { slot_id: string; interviewer_id: string; submitted_at: Date | null }[],
  settings: NudgeSettings,
  now: Date,
): PlanInput {
  const zones = new Map(details.members.map((m) => [m.user_id, m.time_zone]));
  const submittedKeys = new Set(submitted.map((f) => `${f.slot_id}|${f.interviewer_id}`));
  const expected = slots.flatMap((s) => s.interviewers.map((i) => `${s.slot.id}|${i.userId}`));
  const complete = expected.length > 0 && expected.every((key) => submittedKeys.has(key));
  const lastSubmitted = submitted.reduce<Date | null>(
    (latest, f) =>
      f.submitted_at !== null && (latest === null || f.submitted_at > latest) ? f.submitted_at : latest,
    null,
  );
  const byRole = (role: string) => details.members.filter((m) => m.role === role).map((m) => m.user_id);
  const { panel } = details;
  return {
    panel: {
      id: panel.id,
      state: panel.state,
      channelId: panel.channel_id,
      decisionDeadline: panel.decision_deadline,
      answerPromisedOn: panel.answer_promised_on,
      candidateUpdatedAt: panel.candidate_updated_at,
      createdAt: panel.created_at,
    },
    recruiters: byRole('recruiter'),
    hiringManagers: byRole('hiring_manager'),
    decisionMakers: byRole('decision_maker'),
    timeZoneOf: (userId) => zones.get(userId) ?? 'UTC',
    slots: slots.map((s) => ({
      id: s.slot.id,
      startsAt: s.slot.starts_at,
      endsAt: s.slot.ends_at,
      interviewerIds: s.interviewers.map((i) => i.userId),
    })),
    submitted: submittedKeys,
    allSubmittedAt: complete ? lastSubmitted : null,
    settings,
    now,
  };
}

/**
 * Brings a panel's nudge rows in line with its plan, inside the transaction that changed the
 * panel (which holds the panel's row lock): creates what is newly owed, moves what moved, and
 * cancels every pending nudge whose reason is gone. Sent and failed rows are history and stay.
 */
export async function syncPanelNudges(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  now: Date,
): Promise<void> {
  const input = await loadPlanInput(trx, teamId, panelId, now);
  const plan = input === undefined ? [] : planNudges(input);
  const existing = await trx
    .selectFrom('nudge')
    .select([
      'id',
      'kind',
      'subject',
      'recipient',
      'occurrence',
      'state',
      'due_at',
      'deliver_at',
      'snoozed_until',
    ])
    .where('team_id', '=', teamId)
    .where('panel_id', '=', panelId)
    .execute();
  const { cancel, create, move } = diffNudges(existing, plan);
  await settleNudges(trx, teamId, cancel, { state: 'cancelled' });
  if (create.length > 0) {
    await trx
      .insertInto('nudge')
      .values(
        create.map((n) => ({
          team_id: teamId,
          panel_id: panelId,
          kind: n.kind,
          subject: n.subject,
          recipient: n.recipient,
          occurrence: n.occurrence,
          due_at: n.dueAt,
          deliver_at: n.deliverAt,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  for (const moved of move) {
    await trx
      .updateTable('nudge')
      .set({ due_at: moved.dueAt, deliver_at: moved.deliverAt, updated_at: sql<Date>`now()` })
      .where('team_id', '=', teamId)
      .where('id', '=', moved.id)
      .where('state', '=', 'pending')
      .execute();
  }
}

/** Pending nudges of one panel (to queue after a change). */
export async function listPendingNudges(
  db: Db,
  teamId: string,
  panelId: string,
): Promise<Pick<Nudge, 'id' | 'team_id' | 'deliver_at'>[]> {
  return db
    .selectFrom('nudge')
    .select(['id', 'team_id', 'deliver_at'])
    .where('team_id', '=', teamId)
    .where('panel_id', '=', panelId)
    .where('state', '=', 'pending')
    .execute();
}

/** Re-plans one panel's nudges in a transaction of its own, holding the panel's row lock. */
export async function replanPanel(
  db: Kysely<Database>,
  teamId: string,
  panelId: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('panel')
      .select('id')
      .where('team_id', '=', teamId)
      .where('id', '=', panelId)
      .forUpdate()
      .execute();
    await syncPanelNudges(trx, teamId, panelId, now);
  });
}

/**
 * Changes the state of nudge rows that are still pending (sent, failed, cancelled), with the
 * attempt counted where it was one. Rows another transaction already settled are left alone.
 */
export async function settleNudges(
  trx: Transaction<Database>,
  teamId: string,
  ids: readonly string[],
  changes: Partial<Pick<Nudge, 'state' | 'sent_at' | 'slack_ts' | 'slack_channel' | 'last_error'>> & {
    countAttempt?: boolean;
  },
): Promise<void> {
  if (ids.length === 0) return;
  const { countAttempt = false, ...columns } = changes;
  await trx
    .updateTable('nudge')
    .set({
      ...columns,
      ...(countAttempt ? { attempts: sql<number>`attempts + 1` } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('team_id', '=', teamId)
    .where('id', 'in', [...ids])
    .where('state', '=', 'pending')
    .execute();
}
