import { type Kysely, sql, type Transaction } from 'kysely';
import type { NudgeChanges } from '../domain/nudge-plan.js';
import type { Database, Slot, StageKind } from './database.js';
import { type NudgeToQueue, nudgeChangeCtes, toQueue } from './nudges.js';

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

/**
 * Cancels a panel's booked slots that have not started by `startingAfter` and frees their
 * interviewers' time, as a panel cancelled or decided must: its schedule can no longer change, so
 * nothing else would. Interviews already held (or under way) stay as the record of who interviewed.
 * Call with the panel's row locked. Returns the slots as they were, with their people, for the
 * interviewers' notices.
 */
export async function releaseSlots(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  startingAfter: Date,
): Promise<SlotWithPeople[]> {
  const released = (await listPanelSlots(trx, teamId, panelId)).filter(
    (s) => s.slot.starts_at.getTime() > startingAfter.getTime(),
  );
  await cancelSlots(
    trx,
    teamId,
    panelId,
    released.map((s) => s.slot.id),
  );
  return released;
}

/**
 * Cancels booked slots of one panel: frees their interviewers' time (the exclusion constraint only
 * sees rows that exist), and people who interview on no booked slot of the panel any more stop
 * being its interviewers. Call with the panel's row locked.
 */
export async function cancelSlots(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  slotIds: readonly string[],
): Promise<void> {
  if (slotIds.length === 0) return;
  await trx
    .updateTable('slot')
    .set({ state: 'cancelled', updated_at: sql<Date>`now()` })
    .where('team_id', '=', teamId)
    .where('id', 'in', slotIds)
    .execute();
  await trx
    .deleteFrom('slot_interviewer')
    .where('team_id', '=', teamId)
    .where('slot_id', 'in', slotIds)
    .execute();
  await pruneInterviewers(trx, teamId, panelId);
}

/** Members who interview on no booked slot of the panel any more stop being its interviewers. */
export async function pruneInterviewers(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
): Promise<void> {
  await sql`
    delete from panel_member pm
    where pm.team_id = ${teamId} and pm.panel_id = ${panelId} and pm.role = 'interviewer'
      and not exists (
        select 1 from slot_interviewer si join slot s on s.id = si.slot_id and s.team_id = si.team_id
        where s.team_id = ${teamId} and s.panel_id = ${panelId} and s.state = 'booked' and si.user_id = pm.user_id
      )
  `.execute(trx);
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
  const keys = [...new Set(userIds)].sort().map((userId) => `panelist:interviewer:${teamId}:${userId}`);
  if (keys.length === 0) return;
  // One round trip; a function scan over a JSON array yields its elements in order, so the locks
  // are taken in the sorted order.
  await sql`select pg_advisory_xact_lock(hashtextextended(k.value, 0))
            from json_array_elements_text(${JSON.stringify(keys)}::json) with ordinality as k(value, n)
            order by k.n`.execute(trx);
}

/**
 * A booking's locks in one round trip, in the order every writer takes them: the panel's row
 * (FOR UPDATE), then each interviewer's advisory lock (sorted); and ids for the slots to be
 * booked, so their nudges can be planned before they are written; and `earlier`, the slots a
 * previous submission of the same view booked (then this one is a repeat and books nothing).
 * Returns undefined when the panel does not exist. The panel is read afterwards, in a statement
 * that begins once both locks are held. `earlier` is read in this statement's snapshot, taken
 * before it waited for the panel: a copy committed during that wait is caught by the submission's
 * primary key in `insertBooking` instead.
 */
export async function lockForBooking(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  userIds: readonly string[],
  slotCount: number,
  viewId: string,
): Promise<{ slotIds: string[]; earlier: string[] | undefined } | undefined> {
  const keys = [...new Set(userIds)].sort().map((userId) => `panelist:interviewer:${teamId}:${userId}`);
  // The materialized CTE is scanned, and so locked, before the first joined row is projected,
  // and the projection is what takes each advisory lock (p has no row: no lock, no ids).
  const { rows } = await sql<{
    locked: number;
    slot_ids: (number | string)[] | null;
    earlier: (number | string)[] | null;
  }>`/* prepared:booking_lock */
    with p as materialized (select id from panel where team_id = ${teamId} and id = ${panelId} for update),
    locks as materialized (
      select count(pg_advisory_xact_lock(hashtextextended(k.value, 0)))::int as n
      from p cross join json_array_elements_text(${JSON.stringify(keys)}::json) with ordinality as k(value, ord)
    )
    select (select count(*)::int from p) as locked,
           (select json_agg(nextval(pg_get_serial_sequence('slot', 'id')) order by g)
              from p cross join locks cross join generate_series(1, ${slotCount}::int) as g) as slot_ids,
           (select slot_ids from schedule_submission
              where team_id = ${teamId} and view_id = ${viewId}) as earlier
  `.execute(trx);
  const row = rows[0];
  if (row === undefined || row.locked === 0) return undefined;
  return { slotIds: (row.slot_ids ?? []).map(String), earlier: row.earlier?.map(String) };
}

/** A slot to book, as `insertBooking` writes it, with the id `lockForBooking` allocated. */
export interface BookingDraft {
  id: string;
  stageId: string;
  startsAt: Date;
  endsAt: Date;
  location: string | null;
  note: string | null;
  interviewerIds: string[];
}

interface JsonSlotRow {
  id: number | string;
  team_id: string;
  panel_id: number | string;
  stage_id: number | string;
  starts_at: string;
  ends_at: string;
  location: string | null;
  note: string | null;
  state: Slot['state'];
  created_by: string;
  created_at: string;
  updated_at: string;
}

/**
 * Writes a booking in one statement: the slots, their interviewers' busy ranges (start to end plus
 * the buffer, which the exclusion constraints check), the interviewers as panel members, the
 * audit event, the submission (by view), the panel's revision bump, and the nudge changes
 * planned for the panel as it will stand. A double-booking that slipped past the checks fails the
 * whole statement with 23P01; a second copy of the same view, with 23505 on the submission's key.
 * Returns the slots in draft order, the members that were new, the panel's new revision and the
 * nudge rows to queue.
 */
export async function insertBooking(
  trx: Transaction<Database>,
  booking: {
    teamId: string;
    panelId: string;
    actorId: string;
    /** The Slack view submitted, recorded so that a repeat of it books nothing. */
    viewId: string;
    bufferMinutes: number;
    drafts: readonly BookingDraft[];
    /** Each interviewer's time zone, stored on their panel membership. */
    timeZoneOf: (userId: string) => string;
    nudges: NudgeChanges;
  },
): Promise<{
  slots: Slot[];
  newMembers: { user_id: string; time_zone: string; added_at: Date }[];
  revision: number;
  updatedAt: Date;
  nudges: NudgeToQueue[];
}> {
  const { teamId, panelId, actorId, viewId, bufferMinutes, drafts, timeZoneOf } = booking;
  const draftsJson = JSON.stringify(
    drafts.map((d, ord) => ({
      id: d.id,
      ord,
      stage_id: d.stageId,
      starts_at: d.startsAt,
      ends_at: d.endsAt,
      location: d.location,
      note: d.note,
      interviewers: d.interviewerIds,
    })),
  );
  const people = [...new Set(drafts.flatMap((d) => d.interviewerIds))];
  const membersJson = JSON.stringify(
    people.map((userId) => ({ user_id: userId, time_zone: timeZoneOf(userId) })),
  );
  const { rows } = await sql<{
    slots_json: JsonSlotRow[];
    members_json: { user_id: string; time_zone: string; added_at: string }[];
    queued_json: { id: string; deliver_at: string }[];
    revision: number;
    updated_at: Date;
  }>`/* prepared:booking_write */
    with d as materialized (
      select * from json_to_recordset(${draftsJson}::json) as v(
        id bigint, ord int, stage_id bigint, starts_at timestamptz, ends_at timestamptz,
        location text, note text, interviewers text[])
    ), new_slot as (
      insert into slot (id, team_id, panel_id, stage_id, starts_at, ends_at, location, note, created_by)
      overriding system value
      select d.id, ${teamId}, ${panelId}, d.stage_id, d.starts_at, d.ends_at, d.location, d.note, ${actorId}
      from d
      returning *
    ), seats as (
      insert into slot_interviewer (team_id, slot_id, user_id, busy)
      select ${teamId}, d.id, u.user_id,
             tstzrange(d.starts_at, d.ends_at + make_interval(mins => ${bufferMinutes}::int), '[)')
      from d cross join unnest(d.interviewers) as u(user_id)
    ), new_members as (
      insert into panel_member (team_id, panel_id, user_id, role, time_zone)
      select ${teamId}, ${panelId}, m.user_id, 'interviewer', m.time_zone
      from json_to_recordset(${membersJson}::json) as m(user_id text, time_zone text)
      on conflict do nothing
      returning user_id, time_zone, added_at
    ), submission as (
      insert into schedule_submission (team_id, view_id, panel_id, slot_ids, submitted_by)
      select ${teamId}, ${viewId}, ${panelId}, jsonb_agg(d.id::text order by d.ord), ${actorId}
      from d
    ), audit as (
      insert into audit_event (team_id, panel_id, actor_user_id, action, detail)
      select ${teamId}, ${panelId}, ${actorId}, 'slot.booked',
             jsonb_build_object('slots', (select jsonb_agg(d.id::text order by d.ord) from d))
    ), bump as (
      update panel set revision = revision + 1, updated_at = now()
      where team_id = ${teamId} and id = ${panelId}
      returning revision, updated_at
    ), ${nudgeChangeCtes(teamId, panelId, booking.nudges)}
    select (select coalesce(json_agg(s), '[]') from new_slot s) as slots_json,
           (select coalesce(json_agg(m), '[]') from new_members m) as members_json,
           (select coalesce(json_agg(q), '[]') from nudges_queued q) as queued_json,
           bump.revision, bump.updated_at
    from bump
  `.execute(trx);
  const row = rows[0];
  if (row === undefined) throw new Error('the panel of a booking vanished inside its transaction');
  const order = new Map(drafts.map((d, index) => [d.id, index]));
  const slots = row.slots_json
    .map(
      (s): Slot => ({
        ...s,
        id: String(s.id),
        panel_id: String(s.panel_id),
        stage_id: String(s.stage_id),
        starts_at: new Date(s.starts_at),
        ends_at: new Date(s.ends_at),
        created_at: new Date(s.created_at),
        updated_at: new Date(s.updated_at),
      }),
    )
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return {
    slots,
    newMembers: row.members_json.map((m) => ({ ...m, added_at: new Date(m.added_at) })),
    revision: row.revision,
    updatedAt: new Date(row.updated_at),
    nudges: toQueue(teamId, row.queued_json),
  };
}
