import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, Slot, StageKind } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A slot with its stage and interviewers, as schedules and messages show it. */
export interface SlotWithPeople {
  slot: Slot;
  stageKind: StageKind;
  interviewers: { userId: string; declinedAt: Date | null }[];
}

/**
 * The workspace's scheduling rules, created with defaults on first use. A plain read when the row
 * exists: an upsert would lock the workspace row and make every booking in the workspace wait for
 * the one before it.
 */
export async function getSchedulingSettings(
  db: Db,
  teamId: string,
): Promise<{ bufferMinutes: number; weeklyLimit: number }> {
  const read = () =>
    db
      .selectFrom('workspace')
      .select(['slot_buffer_minutes', 'weekly_interview_limit'])
      .where('team_id', '=', teamId)
      .executeTakeFirst();
  let row = await read();
  if (row === undefined) {
    await db
      .insertInto('workspace')
      .values({ team_id: teamId })
      .onConflict((oc) => oc.doNothing())
      .execute();
    row = await read();
  }
  return { bufferMinutes: row?.slot_buffer_minutes ?? 10, weeklyLimit: row?.weekly_interview_limit ?? 5 };
}

async function attachPeople(
  db: Db,
  teamId: string,
  slots: (Slot & { stage_kind: StageKind })[],
): Promise<SlotWithPeople[]> {
  if (slots.length === 0) return [];
  const people = await db
    .selectFrom('slot_interviewer')
    .select(['slot_id', 'user_id', 'declined_at'])
    .where('team_id', '=', teamId)
    .where(
      'slot_id',
      'in',
      slots.map((s) => s.id),
    )
    .orderBy('user_id')
    .execute();
  const bySlot = new Map<string, { userId: string; declinedAt: Date | null }[]>();
  for (const p of people) {
    const person = { userId: p.user_id, declinedAt: p.declined_at };
    const list = bySlot.get(p.slot_id);
    if (list === undefined) bySlot.set(p.slot_id, [person]);
    else list.push(person);
  }
  return slots.map(({ stage_kind, ...slot }) => ({
    slot,
    stageKind: stage_kind,
    interviewers: bySlot.get(slot.id) ?? [],
  }));
}

/** A panel's booked slots in time order. */
export async function listPanelSlots(db: Db, teamId: string, panelId: string): Promise<SlotWithPeople[]> {
  const slots = await db
    .selectFrom('slot')
    .innerJoin('stage', (join) =>
      join.onRef('stage.id', '=', 'slot.stage_id').onRef('stage.team_id', '=', 'slot.team_id'),
    )
    .selectAll('slot')
    .select('stage.kind as stage_kind')
    .where('slot.team_id', '=', teamId)
    .where('slot.panel_id', '=', panelId)
    .where('slot.state', '=', 'booked')
    .orderBy('slot.starts_at')
    .execute();
  return attachPeople(db, teamId, slots);
}

/** The booked slots of several panels in time order, by panel id, in two queries. */
export async function listSlotsOfPanels(
  db: Db,
  teamId: string,
  panelIds: readonly string[],
): Promise<Map<string, SlotWithPeople[]>> {
  const byPanel = new Map<string, SlotWithPeople[]>(panelIds.map((id) => [id, []]));
  if (panelIds.length === 0) return byPanel;
  const slots = await db
    .selectFrom('slot')
    .innerJoin('stage', (join) =>
      join.onRef('stage.id', '=', 'slot.stage_id').onRef('stage.team_id', '=', 'slot.team_id'),
    )
    .selectAll('slot')
    .select('stage.kind as stage_kind')
    .where('slot.team_id', '=', teamId)
    .where('slot.panel_id', 'in', [...new Set(panelIds)])
    .where('slot.state', '=', 'booked')
    .orderBy('slot.starts_at')
    .execute();
  for (const slot of await attachPeople(db, teamId, slots)) {
    const list = byPanel.get(slot.slot.panel_id);
    if (list === undefined) byPanel.set(slot.slot.panel_id, [slot]);
    else list.push(slot);
  }
  return byPanel;
}

/** One slot (booked or not) with its people; `forUpdate` locks it. */
export async function findSlot(
  db: Db,
  teamId: string,
  slotId: string,
  { forUpdate = false } = {},
): Promise<SlotWithPeople | undefined> {
  let query = db
    .selectFrom('slot')
    .innerJoin('stage', (join) =>
      join.onRef('stage.id', '=', 'slot.stage_id').onRef('stage.team_id', '=', 'slot.team_id'),
    )
    .selectAll('slot')
    .select('stage.kind as stage_kind')
    .where('slot.team_id', '=', teamId)
    .where('slot.id', '=', slotId);
  // Lock the slot row only (not the joined stage), so lock order stays panel → slot everywhere.
  if (forUpdate) query = query.forUpdate('slot');
  const slot = await query.executeTakeFirst();
  if (slot === undefined) return undefined;
  const [withPeople] = await attachPeople(db, teamId, [slot]);
  return withPeople;
}

/**
 * Booked interviews of these people between `from` and `to` across every panel of the
 * workspace, leaving out `excludeSlotId` (the slot being moved).
 */
export async function listInterviews(
  db: Db,
  teamId: string,
  userIds: readonly string[],
  from: Date,
  to: Date,
  excludeSlotId?: string,
): Promise<{ slotId: string; userId: string; startsAt: Date; endsAt: Date; panelNumber: number }[]> {
  if (userIds.length === 0) return [];
  let query = db
    .selectFrom('slot_interviewer as si')
    .innerJoin('slot', (join) =>
      join.onRef('slot.id', '=', 'si.slot_id').onRef('slot.team_id', '=', 'si.team_id'),
    )
    .innerJoin('panel', (join) =>
      join.onRef('panel.id', '=', 'slot.panel_id').onRef('panel.team_id', '=', 'slot.team_id'),
    )
    .select([
      'si.slot_id as slotId',
      'si.user_id as userId',
      'slot.starts_at as startsAt',
      'slot.ends_at as endsAt',
      'panel.number as panelNumber',
    ])
    .where('si.team_id', '=', teamId)
    .where('si.user_id', 'in', [...userIds])
    .where('slot.state', '=', 'booked')
    .where(sql<boolean>`si.busy && tstzrange(${from}, ${to})`);
  if (excludeSlotId !== undefined) query = query.where('si.slot_id', '<>', excludeSlotId);
  return query.execute();
}

/** The booked slots of a panel (for the candidate's own overlaps), leaving out `excludeSlotId`. */
export async function listPanelSlotTimes(
  db: Db,
  teamId: string,
  panelId: string,
  excludeSlotId?: string,
): Promise<{ startsAt: Date; endsAt: Date }[]> {
  let query = db
    .selectFrom('slot')
    .select(['starts_at as startsAt', 'ends_at as endsAt'])
    .where('team_id', '=', teamId)
    .where('panel_id', '=', panelId)
    .where('state', '=', 'booked');
  if (excludeSlotId !== undefined) query = query.where('id', '<>', excludeSlotId);
  return query.execute();
}

/** `[start, end + buffer)` as a Postgres range literal. */
export function busyRange(startsAt: Date, endsAt: Date, bufferMinutes: number): string {
  return `[${startsAt.toISOString()},${new Date(endsAt.getTime() + bufferMinutes * 60_000).toISOString()})`;
}

/**
 * Serialises bookings per interviewer: two transactions booking the same person wait for each
 * other, so the weekly load count each one makes cannot be stale. Locks are taken in a fixed order
 * so that two bookings of overlapping people cannot deadlock.
 */
export async function lockInterviewers(
  trx: Transaction<Database>,
  teamId: string,
  userIds: readonly string[],
): Promise<void> {
  for (const userId of [...new Set(userIds)].sort()) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`panelist:interviewer:${teamId}:${userId}`}, 0))`.execute(
      trx,
    );
  }
}

/**
 * One person's booked interviews with their slot, stage and panel joined (every join within the
 * team), the base of App Home's list and of the feedback waiting for them.
 */
export function interviewsOf(db: Db, teamId: string, userId: string) {
  return db
    .selectFrom('slot_interviewer as si')
    .innerJoin('slot', (join) =>
      join.onRef('slot.id', '=', 'si.slot_id').onRef('slot.team_id', '=', 'si.team_id'),
    )
    .innerJoin('stage', (join) =>
      join.onRef('stage.id', '=', 'slot.stage_id').onRef('stage.team_id', '=', 'slot.team_id'),
    )
    .innerJoin('panel', (join) =>
      join.onRef('panel.id', '=', 'slot.panel_id').onRef('panel.team_id', '=', 'slot.team_id'),
    )
    .where('si.team_id', '=', teamId)
    .where('si.user_id', '=', userId)
    .where('slot.state', '=', 'booked');
}

/** Upcoming interviews of one person, with their panels, for App Home. */
export async function listUpcomingInterviews(db: Db, teamId: string, userId: string, from: Date, to: Date) {
  return interviewsOf(db, teamId, userId)
    .select([
      'slot.id as slotId',
      'slot.starts_at as startsAt',
      'slot.ends_at as endsAt',
      'slot.location as location',
      'stage.kind as stageKind',
      'panel.number as panelNumber',
      'panel.candidate_name as candidateName',
      'panel.role_title as roleTitle',
    ])
    .where('panel.state', '=', 'open')
    .where('slot.starts_at', '>=', from)
    .where('slot.starts_at', '<', to)
    .orderBy('slot.starts_at')
    .limit(40)
    .execute();
}
