import { type Kysely, sql, type Transaction } from 'kysely';
import { slotBlockIds } from '../../blocks/ids.js';
import { recordAudit } from '../db/audit.js';
import type { Database, Panel } from '../db/database.js';
import { buildPlanInput, type NudgeToQueue, syncPanelNudges, syncPanelNudgesFrom } from '../db/nudges.js';
import { type InterviewsQuery, loadPanelSnapshot, type PanelSnapshot } from '../db/panel-snapshot.js';
import { findPanelById, insertMembers, type PanelDetails } from '../db/panels.js';
import { EXCLUSION_VIOLATION, isViolation, UNIQUE_VIOLATION, violatedConstraint } from '../db/pg-errors.js';
import {
  busyRange,
  cancelSlots,
  findSlot,
  insertBooking,
  listInterviews,
  listPanelSlots,
  lockForBooking,
  lockInterviewers,
  pruneInterviewers,
  type SlotWithPeople,
} from '../db/slots.js';
import { diffNudges, planNudges } from '../domain/nudge-plan.js';
import { formatPanelReference } from '../domain/panel-reference.js';
import { canCoordinatePanel } from '../domain/permissions.js';
import type { SlotDraft } from '../domain/schedule-form.js';
import {
  checkSlotTimes,
  findCandidateOverlaps,
  findInterviewerConflicts,
  findWeeklyOverloads,
  findWorkingHoursWarnings,
  formatLocal,
  formatLocalRange,
  type WorkingHoursWarning,
} from '../domain/slot-rules.js';
import type { SlackUserProfile } from '../slack/user-directory.js';
import { viewerOf } from './panels.js';
import {
  bookedNotices,
  cancelledNotices,
  keepScheduleEffects,
  noticesForChange,
  type ScheduleNotice,
} from './schedule-effects.js';

/** What scheduling needs to know of people, fetched before the transaction opens. */
export interface SchedulingPeople {
  /** Profiles of every interviewer involved, by id. */
  interviewers: Map<string, SlackUserProfile>;
  /** The coordinator's time zone, for times in error messages. */
  coordinatorTimeZone: string;
}

export type ScheduleOutcome<T> =
  | {
      kind: 'done';
      panel: PanelDetails;
      warnings: WorkingHoursWarning[];
      result: T;
      /** Nudge rows the change created or moved: their jobs are queued after commit. */
      nudges: NudgeToQueue[];
      /** Who is to be told what (kept with the change: `keepScheduleEffects`), queued after commit. */
      notices: ScheduleNotice[];
      /**
       * Nothing was written and nobody is to be told: the submission repeated one already saved
       * (the same view sent again) or changed nothing. The answer shows the schedule as saved.
       */
      unchanged?: true;
    }
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'refused'; message: string };

const DAY = 24 * 3600 * 1000;

class SchedulingRefusal extends Error {
  readonly code = 'panelist_scheduling_refused';
}

/** Another copy of the same scheduling view committed first (see `schedule_submission`). */
function isRepeatedSubmission(error: unknown): boolean {
  return isViolation(error, UNIQUE_VIOLATION, 'schedule_submission_pkey');
}

/** Locks the panel, reads its snapshot and checks that `actorId` may schedule it. */
async function lockPanelForScheduling(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  actorId: string,
): Promise<PanelSnapshot> {
  const locked =
    await sql`select id from panel where team_id = ${teamId} and id = ${panelId} for update`.execute(trx);
  if (locked.rows.length === 0) throw new SchedulingRefusal('That panel no longer exists.');
  return checkedSnapshot(trx, teamId, panelId, actorId);
}

/** The snapshot of a panel whose lock is held, once `actorId` is known to be allowed to schedule it. */
async function checkedSnapshot(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  actorId: string,
  interviewsOf?: InterviewsQuery,
): Promise<PanelSnapshot> {
  const snapshot = await loadPanelSnapshot(
    trx,
    teamId,
    panelId,
    interviewsOf === undefined ? {} : { interviewsOf },
  );
  if (snapshot === undefined) throw new SchedulingRefusal('That panel no longer exists.');
  const { details } = snapshot;
  const reference = formatPanelReference(details.panel.number);
  if (!canCoordinatePanel(viewerOf(details, actorId))) {
    throw new SchedulingRefusal(
      `Only the recruiter or hiring manager of ${reference} can change its schedule.`,
    );
  }
  if (details.panel.state !== 'open') {
    throw new SchedulingRefusal(`${reference} is ${details.panel.state}; its schedule can no longer change.`);
  }
  return snapshot;
}

/** Whose other interviews the rules need, and over what window (a week and a day either side). */
function interviewWindow(drafts: readonly SlotDraft[]): InterviewsQuery {
  return {
    userIds: [...new Set(drafts.flatMap((d) => d.interviewerIds))],
    from: new Date(Math.min(...drafts.map((d) => d.startsAt.getTime())) - 8 * DAY),
    to: new Date(Math.max(...drafts.map((d) => d.endsAt.getTime())) + 8 * DAY),
  };
}

/**
 * Checks drafts against every rule: times, the candidate's own overlaps, interviewers' other
 * interviews with the buffer, and weekly load. Runs inside the booking transaction, after the
 * interviewers are locked, so what it reads cannot change before the insert.
 */
async function checkDrafts(
  trx: Transaction<Database>,
  snapshot: PanelSnapshot,
  drafts: readonly SlotDraft[],
  people: SchedulingPeople,
  now: Date,
  fieldOf: (key: string) => ReturnType<typeof slotBlockIds>,
  excludeSlotId?: string,
  /** The slot's current times when rescheduling: unchanged times are not re-judged (people only). */
  unchangedFrom?: { startsAt: Date; endsAt: Date },
): Promise<{ errors: Record<string, string>; bufferMinutes: number }> {
  const { panel } = snapshot.details;
  const { bufferMinutes, weeklyLimit } = snapshot.settings;
  const errors: Record<string, string> = {};
  const stageIds = new Set(snapshot.details.stages.map((stage) => stage.id));
  const nameOf = (userId: string) => people.interviewers.get(userId)?.name ?? userId;
  const zoneOf = (userId: string) => people.interviewers.get(userId)?.timeZone ?? 'UTC';
  const local = (at: Date) => formatLocal(at, people.coordinatorTimeZone);

  for (const draft of drafts) {
    // Replacing an interviewer on a slot that has begun keeps its times: they are not "in the past".
    const timesUnchanged =
      unchangedFrom !== undefined &&
      unchangedFrom.startsAt.getTime() === draft.startsAt.getTime() &&
      unchangedFrom.endsAt.getTime() === draft.endsAt.getTime();
    const problem = timesUnchanged ? undefined : checkSlotTimes(draft, now, panel.decision_deadline);
    if (problem !== undefined) errors[fieldOf(draft.key).start] = problem;
    if (!stageIds.has(draft.stageId)) errors[fieldOf(draft.key).stage] = 'Choose the stage this slot is for.';
  }

  const existingPanelSlots = snapshot.slots
    .filter((s) => s.slot.id !== excludeSlotId)
    .map((s) => ({ startsAt: s.slot.starts_at, endsAt: s.slot.ends_at }));
  for (const overlap of findCandidateOverlaps(drafts, existingPanelSlots)) {
    errors[fieldOf(overlap.key).start] ??=
      `The candidate already has a slot of this panel from ${local(overlap.with.startsAt)} to ${local(overlap.with.endsAt)}.`;
  }

  const { userIds, from, to } = interviewWindow(drafts);
  const interviews =
    snapshot.interviews ?? (await listInterviews(trx, panel.team_id, userIds, from, to, excludeSlotId));

  const conflictMessages = new Map<string, string[]>();
  for (const conflict of findInterviewerConflicts(drafts, interviews, bufferMinutes)) {
    const where =
      conflict.with.otherKey !== undefined
        ? 'in another slot of this form'
        : `(${formatPanelReference(conflict.with.panelNumber ?? 0)})`;
    const when = formatLocalRange(conflict.with.startsAt, conflict.with.endsAt, people.coordinatorTimeZone);
    const message = `${nameOf(conflict.userId)} already interviews ${when} ${where}; ${bufferMinutes} minutes must be free between interviews.`;
    conflictMessages.set(conflict.key, [...(conflictMessages.get(conflict.key) ?? []), message]);
  }
  for (const overload of findWeeklyOverloads(drafts, interviews, weeklyLimit, zoneOf)) {
    const message = `${nameOf(overload.userId)} would have ${overload.total} interviews in the week of ${overload.week}, over the limit of ${overload.limit} by ${overload.over}.`;
    conflictMessages.set(overload.key, [...(conflictMessages.get(overload.key) ?? []), message]);
  }
  for (const [key, messages] of conflictMessages) errors[fieldOf(key).interviewers] = messages.join(' ');
  return { errors, bufferMinutes };
}

async function writeInterviewers(
  trx: Transaction<Database>,
  teamId: string,
  slotId: string,
  draft: SlotDraft,
  bufferMinutes: number,
): Promise<void> {
  await trx
    .insertInto('slot_interviewer')
    .values(
      draft.interviewerIds.map((userId) => ({
        team_id: teamId,
        slot_id: slotId,
        user_id: userId,
        busy: busyRange(draft.startsAt, draft.endsAt, bufferMinutes),
      })),
    )
    .execute();
}

/**
 * Bumps the panel's revision (the announcement catches up to it) and re-plans its nudges from a
 * fresh snapshot. Returns the panel as it now stands and the nudge rows to queue.
 */
async function touchPanel(
  trx: Transaction<Database>,
  panel: Panel,
  now: Date,
): Promise<{ details: PanelDetails; nudges: NudgeToQueue[] }> {
  await trx
    .updateTable('panel')
    .set({ revision: sql<number>`revision + 1`, updated_at: sql<Date>`now()` })
    .where('team_id', '=', panel.team_id)
    .where('id', '=', panel.id)
    .execute();
  const snapshot = await loadPanelSnapshot(trx, panel.team_id, panel.id);
  if (snapshot === undefined) throw new Error('panel vanished inside its own transaction');
  const nudges = await syncPanelNudgesFrom(trx, snapshot, now);
  return { details: snapshot.details, nudges };
}

async function runScheduling<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<ScheduleOutcome<T>>,
  raceField: string,
  /**
   * Asked, in a transaction of its own, when the database refused the write: the answer when the
   * refusal came from a copy of this very submission committing first (undefined otherwise).
   */
  repeatOf?: (trx: Transaction<Database>) => Promise<ScheduleOutcome<T> | undefined>,
): Promise<ScheduleOutcome<T>> {
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    if (error instanceof SchedulingRefusal) return { kind: 'refused', message: error.message };
    if (repeatOf !== undefined && (isViolation(error, EXCLUSION_VIOLATION) || isRepeatedSubmission(error))) {
      const repeat = await db
        .transaction()
        .execute(repeatOf)
        .catch((failure: unknown) =>
          // A refusal says why (the slots since cancelled); anything else, the original error below.
          failure instanceof SchedulingRefusal
            ? { kind: 'refused' as const, message: failure.message }
            : undefined,
        );
      if (repeat !== undefined) return repeat;
    }
    if (isViolation(error, EXCLUSION_VIOLATION)) {
      // Another booking committed between our check and our insert; the database refused ours.
      const message =
        violatedConstraint(error) === 'slot_candidate_no_overlap'
          ? 'Someone else just booked the candidate at this time. Nothing was saved; choose another time.'
          : 'Someone else just booked one of these interviewers at this time. Nothing was saved; choose another time or person.';
      return { kind: 'invalid', errors: { [raceField]: message } };
    }
    throw error;
  }
}

function fieldsByKey(key: string) {
  return slotBlockIds(Number(key));
}

/**
 * Books new slots on a panel, all or nothing. Every hard rule becomes a field error; working-hours
 * problems come back as warnings with the booking kept.
 */
export async function bookSlots(
  db: Kysely<Database>,
  request: {
    teamId: string;
    panelId: string;
    actorId: string;
    drafts: SlotDraft[];
    people: SchedulingPeople;
    now: Date;
    /** The Slack view submitted: a repeat of one that booked books nothing and gets the same answer. */
    viewId: string;
  },
): Promise<ScheduleOutcome<{ booked: SlotWithPeople[] }>> {
  const { teamId, panelId, actorId, drafts, people, now, viewId } = request;
  const firstKey = drafts[0]?.key ?? '0';
  const timeZoneOf = (userId: string) => people.interviewers.get(userId)?.timeZone ?? 'UTC';
  /** The answer to a repeat: the slots the first copy booked, as they stand now. */
  const repeated = async (trx: Transaction<Database>, slotIds: readonly string[]) => {
    const details = await findPanelById(trx, teamId, panelId);
    if (details === undefined) throw new SchedulingRefusal('That panel no longer exists.');
    const ids = new Set(slotIds);
    const booked = (await listPanelSlots(trx, teamId, panelId)).filter((s) => ids.has(s.slot.id));
    if (booked.length === 0) {
      throw new SchedulingRefusal(
        'This schedule was saved already, and its slots have since been cancelled.',
      );
    }
    // Warnings for what was booked (the repeat's form may have been edited before it was sent).
    const asBooked = booked.map((s) => ({
      key: String(slotIds.indexOf(s.slot.id)),
      startsAt: s.slot.starts_at,
      endsAt: s.slot.ends_at,
      interviewerIds: s.interviewers.map((i) => i.userId),
    }));
    const zones = new Map(details.members.map((m) => [m.user_id, m.time_zone]));
    return {
      kind: 'done' as const,
      panel: details,
      warnings: findWorkingHoursWarnings(asBooked, (id) => zones.get(id) ?? timeZoneOf(id)),
      result: { booked },
      nudges: [],
      notices: [],
      unchanged: true as const,
    };
  };
  /** The answer to this view if a copy of it already booked (read in a statement of its own). */
  const repeatIfSaved = async (trx: Transaction<Database>) => {
    const earlier = await findSubmission(trx, teamId, viewId);
    return earlier === undefined ? undefined : repeated(trx, earlier.slot_ids);
  };
  return runScheduling(
    db,
    async (trx) => {
      const locked = await lockForBooking(
        trx,
        teamId,
        panelId,
        drafts.flatMap((d) => d.interviewerIds),
        drafts.length,
        viewId,
      );
      if (locked === undefined) throw new SchedulingRefusal('That panel no longer exists.');
      if (locked.earlier !== undefined) return repeated(trx, locked.earlier);
      const snapshot = await checkedSnapshot(trx, teamId, panelId, actorId, interviewWindow(drafts));
      const { errors, bufferMinutes } = await checkDrafts(trx, snapshot, drafts, people, now, fieldsByKey);
      if (Object.keys(errors).length > 0) {
        // A copy of this view that committed while this one waited for the panel clashes with it.
        return (await repeatIfSaved(trx)) ?? { kind: 'invalid', errors };
      }

      const withIds = drafts.map((draft, index) => ({ ...draft, id: locked.slotIds[index] ?? '' }));
      // The panel as it will stand, to plan its nudges before the one statement that writes it all.
      const { details } = snapshot;
      const members = new Set(details.members.map((m) => `${m.user_id}|${m.role}`));
      const booked: SlotWithPeople[] = withIds.map((draft) => ({
        slot: {
          id: draft.id,
          team_id: teamId,
          panel_id: panelId,
          stage_id: draft.stageId,
          starts_at: draft.startsAt,
          ends_at: draft.endsAt,
          location: draft.location,
          note: draft.note,
          state: 'booked',
          created_by: actorId,
          created_at: now,
          updated_at: now,
        },
        stageKind: details.stages.find((stage) => stage.id === draft.stageId)?.kind ?? 'manager',
        interviewers: [...draft.interviewerIds].sort().map((userId) => ({ userId, declinedAt: null })),
      }));
      const after: PanelSnapshot = {
        ...snapshot,
        details: {
          ...details,
          members: [
            ...details.members,
            ...[...new Set(drafts.flatMap((d) => d.interviewerIds))]
              .filter((userId) => !members.has(`${userId}|interviewer`))
              .map((userId) => ({
                team_id: teamId,
                panel_id: panelId,
                user_id: userId,
                role: 'interviewer' as const,
                time_zone: timeZoneOf(userId),
                added_at: now,
              })),
          ],
        },
        slots: [...snapshot.slots, ...booked].sort(
          (a, b) =>
            a.slot.starts_at.getTime() - b.slot.starts_at.getTime() || Number(a.slot.id) - Number(b.slot.id),
        ),
      };
      const plan = planNudges(
        buildPlanInput(after.details, after.slots, after.submitted, after.settings.nudges, now),
      );
      const written = await insertBooking(trx, {
        teamId,
        panelId,
        actorId,
        viewId,
        bufferMinutes,
        drafts: withIds,
        timeZoneOf,
        nudges: diffNudges(snapshot.nudges, plan, now),
      });
      const stored = new Map(written.slots.map((slot) => [slot.id, slot]));
      const result = booked.map((b) => ({ ...b, slot: stored.get(b.slot.id) ?? b.slot }));
      const panel: PanelDetails = {
        ...after.details,
        panel: { ...details.panel, revision: written.revision, updated_at: written.updatedAt },
      };
      const warnings = findWorkingHoursWarnings(drafts, timeZoneOf);
      const notices = bookedNotices(result);
      await keepScheduleEffects(trx, panel, notices, written.nudges);
      return { kind: 'done', panel, warnings, result: { booked: result }, nudges: written.nudges, notices };
    },
    fieldsByKey(firstKey).interviewers,
    repeatIfSaved,
  );
}

/** The scheduling submission a Slack view already made, if any. */
function findSubmission(trx: Transaction<Database>, teamId: string, viewId: string) {
  return trx
    .selectFrom('schedule_submission')
    .select('slot_ids')
    .where('team_id', '=', teamId)
    .where('view_id', '=', viewId)
    .executeTakeFirst();
}

/** Whether a reschedule draft leaves the slot exactly as it is (no declined interviewer kept either). */
function isSameSlot(before: SlotWithPeople, draft: SlotDraft): boolean {
  const people = new Set(draft.interviewerIds);
  return (
    before.slot.stage_id === draft.stageId &&
    before.slot.starts_at.getTime() === draft.startsAt.getTime() &&
    before.slot.ends_at.getTime() === draft.endsAt.getTime() &&
    (before.slot.location ?? null) === (draft.location ?? null) &&
    (before.slot.note ?? null) === (draft.note ?? null) &&
    before.interviewers.length === people.size &&
    before.interviewers.every((i) => i.declinedAt === null && people.has(i.userId))
  );
}

/** Who a change of a slot concerns. */
export interface SlotChange {
  before: SlotWithPeople;
  after: SlotWithPeople;
  added: string[];
  removed: string[];
  kept: string[];
}

/** Moves a slot (time, length, people, stage, location, note); its old time is freed at once. */
export async function rescheduleSlot(
  db: Kysely<Database>,
  request: {
    teamId: string;
    slotId: string;
    actorId: string;
    draft: SlotDraft;
    people: SchedulingPeople;
    now: Date;
  },
): Promise<ScheduleOutcome<SlotChange>> {
  const { teamId, slotId, actorId, draft, people, now } = request;
  return runScheduling(
    db,
    async (trx) => {
      // Panel first, then the slot: every writer takes them in this order, so none can deadlock.
      const found = await findSlot(trx, teamId, slotId);
      if (found === undefined) throw new SchedulingRefusal('That slot was cancelled meanwhile.');
      const snapshot = await lockPanelForScheduling(trx, teamId, found.slot.panel_id, actorId);
      const { panel } = snapshot.details;
      const before = await findSlot(trx, teamId, slotId, { forUpdate: true });
      if (before === undefined || before.slot.state !== 'booked')
        throw new SchedulingRefusal('That slot was cancelled meanwhile.');
      const zoneOf = (id: string) => people.interviewers.get(id)?.timeZone ?? 'UTC';
      if (isSameSlot(before, draft)) {
        // Saved as it stands (often a repeat of a change Slack gave up waiting for): nobody is told.
        return {
          kind: 'done',
          panel: snapshot.details,
          nudges: [],
          notices: [],
          unchanged: true,
          warnings: findWorkingHoursWarnings([draft], zoneOf),
          result: { before, after: before, added: [], removed: [], kept: [] },
        };
      }
      await lockInterviewers(trx, teamId, [
        ...draft.interviewerIds,
        ...before.interviewers.map((i) => i.userId),
      ]);
      const { errors, bufferMinutes } = await checkDrafts(
        trx,
        snapshot,
        [draft],
        people,
        now,
        fieldsByKey,
        slotId,
        {
          startsAt: before.slot.starts_at,
          endsAt: before.slot.ends_at,
        },
      );
      if (Object.keys(errors).length > 0) return { kind: 'invalid', errors };

      await trx
        .deleteFrom('slot_interviewer')
        .where('team_id', '=', teamId)
        .where('slot_id', '=', slotId)
        .execute();
      await trx
        .updateTable('slot')
        .set({
          stage_id: draft.stageId,
          starts_at: draft.startsAt,
          ends_at: draft.endsAt,
          location: draft.location,
          note: draft.note,
          updated_at: sql<Date>`now()`,
        })
        .where('team_id', '=', teamId)
        .where('id', '=', slotId)
        .execute();
      await writeInterviewers(trx, teamId, slotId, draft, bufferMinutes);
      await insertMembers(
        trx,
        teamId,
        panel.id,
        draft.interviewerIds.map((userId) => ({
          userId,
          role: 'interviewer' as const,
          timeZone: zoneOf(userId),
        })),
      );
      await pruneInterviewers(trx, teamId, panel.id);
      const after = await findSlot(trx, teamId, slotId);
      if (after === undefined) throw new Error('slot vanished inside its own transaction');
      const beforeIds = new Set(before.interviewers.map((i) => i.userId));
      const afterIds = new Set(draft.interviewerIds);
      await recordAudit(trx, {
        teamId,
        panelId: panel.id,
        actorUserId: actorId,
        action: 'slot.rescheduled',
        detail: { slot: slotId, from: before.slot.starts_at, to: draft.startsAt },
      });
      const { details, nudges } = await touchPanel(trx, panel, now);
      const result = {
        before,
        after,
        added: [...afterIds].filter((id) => !beforeIds.has(id)),
        removed: [...beforeIds].filter((id) => !afterIds.has(id)),
        kept: [...afterIds].filter((id) => beforeIds.has(id)),
      };
      const notices = noticesForChange(result);
      await keepScheduleEffects(trx, details, notices, nudges);
      return {
        kind: 'done',
        panel: details,
        nudges,
        notices,
        warnings: findWorkingHoursWarnings([draft], zoneOf),
        result,
      };
    },
    fieldsByKey(draft.key).interviewers,
  );
}

/** Cancels a booked slot and frees its interviewers' time. */
export async function cancelSlot(
  db: Kysely<Database>,
  request: { teamId: string; slotId: string; actorId: string; now: Date },
): Promise<ScheduleOutcome<{ cancelled: SlotWithPeople }>> {
  const { teamId, slotId, actorId, now } = request;
  return runScheduling(
    db,
    async (trx) => {
      const found = await findSlot(trx, teamId, slotId);
      if (found === undefined) throw new SchedulingRefusal('That slot is already cancelled.');
      const { panel } = (await lockPanelForScheduling(trx, teamId, found.slot.panel_id, actorId)).details;
      const slot = await findSlot(trx, teamId, slotId, { forUpdate: true });
      if (slot === undefined || slot.slot.state !== 'booked')
        throw new SchedulingRefusal('That slot is already cancelled.');
      await cancelSlots(trx, teamId, panel.id, [slotId]);
      await recordAudit(trx, {
        teamId,
        panelId: panel.id,
        actorUserId: actorId,
        action: 'slot.cancelled',
        detail: { slot: slotId },
      });
      const { details, nudges } = await touchPanel(trx, panel, now);
      const notices = cancelledNotices(slot);
      await keepScheduleEffects(trx, details, notices, nudges);
      return { kind: 'done', panel: details, nudges, notices, warnings: [], result: { cancelled: slot } };
    },
    'slot',
  );
}

/** An interviewer says they cannot make a slot; the coordinators are told by the caller. */
export async function declineSlot(
  db: Kysely<Database>,
  request: { teamId: string; slotId: string; userId: string; now: Date },
): Promise<
  { kind: 'declined' | 'already'; slot: SlotWithPeople; panel: PanelDetails } | { kind: 'not_yours' }
> {
  const { teamId, slotId, userId, now } = request;
  return db.transaction().execute(async (trx) => {
    const found = await findSlot(trx, teamId, slotId);
    if (found === undefined) return { kind: 'not_yours' } as const;
    await trx
      .selectFrom('panel')
      .select('id')
      .where('team_id', '=', teamId)
      .where('id', '=', found.slot.panel_id)
      .forUpdate()
      .execute();
    const slot = await findSlot(trx, teamId, slotId, { forUpdate: true });
    const mine = slot?.interviewers.find((i) => i.userId === userId);
    if (slot === undefined || slot.slot.state !== 'booked' || mine === undefined)
      return { kind: 'not_yours' } as const;
    if (mine.declinedAt !== null) {
      const panel = await findPanelById(trx, teamId, slot.slot.panel_id);
      return panel === undefined
        ? ({ kind: 'not_yours' } as const)
        : ({ kind: 'already', slot, panel } as const);
    }
    await trx
      .updateTable('slot_interviewer')
      .set({ declined_at: sql<Date>`now()` })
      .where('team_id', '=', teamId)
      .where('slot_id', '=', slotId)
      .where('user_id', '=', userId)
      .execute();
    await recordAudit(trx, {
      teamId,
      panelId: slot.slot.panel_id,
      actorUserId: userId,
      action: 'slot.declined',
      detail: { slot: slotId },
    });
    // The announcement shows who can't make it; bump the revision so it catches up.
    await trx
      .updateTable('panel')
      .set({ revision: sql<number>`revision + 1`, updated_at: sql<Date>`now()` })
      .where('team_id', '=', teamId)
      .where('id', '=', slot.slot.panel_id)
      .execute();
    const panel = await findPanelById(trx, teamId, slot.slot.panel_id);
    if (panel === undefined) return { kind: 'not_yours' } as const;
    // They are owed no briefing and no feedback nudges for it any more; the rest is re-planned.
    await syncPanelNudges(trx, teamId, panel.panel.id, now);
    const updated = await findSlot(trx, teamId, slotId);
    return { kind: 'declined', slot: updated ?? slot, panel } as const;
  });
}
