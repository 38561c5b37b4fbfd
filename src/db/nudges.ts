import { type Kysely, sql, type Transaction } from 'kysely';
import {
  diffNudges,
  type NudgeChanges,
  type PlanInput,
  type PlannedNudge,
  planNudges,
} from '../domain/nudge-plan.js';
import { type NudgeSettings, resolveNudgeSettings } from '../domain/nudge-settings.js';
import {
  type Database,
  NUDGE_COLUMNS,
  type Nudge,
  type NudgeReceipt,
  type Panel,
  type PanelMember,
  qualifiedColumns,
  type Slot,
} from './database.js';
import { loadPanelSnapshot, type NudgeRowForPlan, type PanelSnapshot } from './panel-snapshot.js';
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
    | 'digest_time_zone'
  >;
  members: readonly Pick<PanelMember, 'user_id' | 'role' | 'time_zone'>[];
}

/** The parts of a booked slot (`SlotWithPeople` has them) that the planner reads. */
export interface PlanSlot {
  slot: Pick<Slot, 'id' | 'starts_at' | 'ends_at'>;
  /** Someone who said they cannot make the slot (`declinedAt`) is owed no briefing or feedback. */
  interviewers: readonly { userId: string; declinedAt?: Date | null }[];
}

/** The people still on a slot: not those who said they cannot make it. */
export function activeInterviewers(slot: PlanSlot): string[] {
  return slot.interviewers.filter((i) => (i.declinedAt ?? null) === null).map((i) => i.userId);
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
  const expected = slots.flatMap((s) => activeInterviewers(s).map((userId) => `${s.slot.id}|${userId}`));
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
      digestTimeZone: panel.digest_time_zone,
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
      interviewerIds: activeInterviewers(s),
    })),
    submitted: submittedKeys,
    allSubmittedAt: complete ? lastSubmitted : null,
    settings,
    now,
  };
}

/** A pending nudge row a change created or moved: its delivery job is to be queued. */
export interface NudgeToQueue {
  id: string;
  team_id: string;
  deliver_at: Date;
}

export const noNudgeChanges = (changes: NudgeChanges) =>
  changes.cancel.length === 0 &&
  changes.move.length === 0 &&
  changes.create.length === 0 &&
  changes.revive.length === 0;

/**
 * The data-modifying CTEs that apply `changes` (`nudges_cancelled`, `nudges_moved`,
 * `nudges_revived`, `nudges_inserted`) of one panel's nudges (each update is scoped to the panel,
 * which also lets Postgres find them by the panel's index rather than the whole workspace's), for a
 * statement that may write other things too;
 * `nudges_queued` selects the rows created, moved or revived. Arrays travel as one JSON parameter each: the same text for
 * node-postgres and PGlite.
 */
export function nudgeChangeCtes(teamId: string, panelId: string, changes: NudgeChanges) {
  const moves = changes.move.map((m) => ({ id: m.id, due_at: m.dueAt, deliver_at: m.deliverAt }));
  const revivals = changes.revive.map((m) => ({ id: m.id, due_at: m.dueAt, deliver_at: m.deliverAt }));
  const inserts = changes.create.map((n) => ({
    kind: n.kind,
    subject: n.subject,
    recipient: n.recipient,
    occurrence: n.occurrence,
    due_at: n.dueAt,
    deliver_at: n.deliverAt,
  }));
  return sql`
    nudges_cancelled as (
      update nudge set state = 'cancelled', updated_at = now()
      where team_id = ${teamId} and panel_id = ${panelId} and state = 'pending'
        and id in (select value::bigint from json_array_elements_text(${JSON.stringify(changes.cancel)}::json))
      returning id
    ), nudges_moved as (
      update nudge n set due_at = v.due_at, deliver_at = v.deliver_at, updated_at = now()
      from json_to_recordset(${JSON.stringify(moves)}::json) as v(id bigint, due_at timestamptz, deliver_at timestamptz)
      where n.team_id = ${teamId} and n.panel_id = ${panelId} and n.id = v.id and n.state = 'pending'
      returning n.id, n.deliver_at
    ), nudges_revived as (
      update nudge n set state = 'pending', due_at = v.due_at, deliver_at = v.deliver_at,
        snoozed_until = null, attempts = 0, updated_at = now()
      from json_to_recordset(${JSON.stringify(revivals)}::json) as v(id bigint, due_at timestamptz, deliver_at timestamptz)
      where n.team_id = ${teamId} and n.panel_id = ${panelId} and n.id = v.id and n.state = 'cancelled'
      returning n.id, n.deliver_at
    ), nudges_inserted as (
      insert into nudge (team_id, panel_id, kind, subject, recipient, occurrence, due_at, deliver_at)
      select ${teamId}, ${panelId}, v.kind, v.subject, v.recipient, v.occurrence, v.due_at, v.deliver_at
      from json_to_recordset(${JSON.stringify(inserts)}::json)
        as v(kind text, subject text, recipient text, occurrence text, due_at timestamptz, deliver_at timestamptz)
      on conflict do nothing
      returning id, deliver_at
    ), nudges_queued as (
      select id::text as id, deliver_at from nudges_moved
      union all select id::text as id, deliver_at from nudges_revived
      union all select id::text as id, deliver_at from nudges_inserted
    )`;
}

/** Rows of `nudges_queued` as the caller queues them. */
export function toQueue(
  teamId: string,
  rows: readonly { id: string; deliver_at: Date | string }[],
): NudgeToQueue[] {
  return rows.map((row) => ({ id: String(row.id), team_id: teamId, deliver_at: new Date(row.deliver_at) }));
}

/**
 * Brings a panel's nudge rows in line with `plan`, given the rows it has (`existing`), in one
 * statement. Runs inside the transaction that changed the panel, which holds the panel's row
 * lock. Returns the rows created or moved, whose jobs the caller queues after commit.
 */
export async function applyNudgePlan(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  plan: readonly PlannedNudge[],
  existing: readonly NudgeRowForPlan[],
  now: Date,
): Promise<NudgeToQueue[]> {
  const changes = diffNudges(existing, plan, now);
  if (noNudgeChanges(changes)) return [];
  const { rows } = await sql<{ id: string; deliver_at: Date }>`/* prepared:nudge_plan_apply */
    with ${nudgeChangeCtes(teamId, panelId, changes)}
    select id, deliver_at from nudges_queued
  `.execute(trx);
  return toQueue(teamId, rows);
}

/**
 * Re-plans a panel's nudges from its snapshot (read under the caller's panel lock) and applies
 * the plan. Returns the rows created or moved.
 */
export async function syncPanelNudgesFrom(
  trx: Transaction<Database>,
  snapshot: PanelSnapshot,
  now: Date,
): Promise<NudgeToQueue[]> {
  const { details, slots, submitted, settings, nudges } = snapshot;
  const plan = planNudges(buildPlanInput(details, slots, submitted, settings.nudges, now));
  return applyNudgePlan(trx, details.panel.team_id, details.panel.id, plan, nudges, now);
}

/**
 * Brings a panel's nudge rows in line with its plan, inside the transaction that changed the
 * panel (which holds the panel's row lock): creates what is newly owed, moves what moved, and
 * cancels every pending nudge whose reason is gone. Two round trips: the snapshot and the writes.
 */
export async function syncPanelNudges(
  trx: Transaction<Database>,
  teamId: string,
  panelId: string,
  now: Date,
): Promise<NudgeToQueue[]> {
  const snapshot = await loadPanelSnapshot(trx, teamId, panelId);
  if (snapshot === undefined) return [];
  return syncPanelNudgesFrom(trx, snapshot, now);
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

/**
 * A nudge row claimed for delivery. `receipt` is set when Slack already accepted a message for it
 * as it is now due (a delivery that died before its commit): it is settled as sent with that
 * message, not sent again. A receipt for another `deliver_at` (the row was moved since) is not one.
 */
export type ClaimedNudge = Nudge & {
  receipt: Pick<NudgeReceipt, 'slack_channel' | 'slack_ts' | 'sent_at'> | null;
};

/** What one delivery transaction claimed. */
export interface NudgeClaim {
  rows: ClaimedNudge[];
  /**
   * Panels of the head's recipient's due nudges that are being changed right now (their share
   * lock could not be taken): the head's recipient was not claimed. Empty otherwise.
   */
  headBusyPanelIds: string[];
  /**
   * Where the scan for other people stopped (their leader due last of those taken, or null when it
   * found fewer than asked for: nothing is left below): the next delivery starts below it.
   */
  continueBelow: NudgePosition | null;
}

/** Every nudge column, of the rows the claim locks (`n`) and of what it returns (`c`). */
const CLAIMED_COLUMNS = qualifiedColumns('n', NUDGE_COLUMNS);
const CLAIMED_ROW = qualifiedColumns('c', NUDGE_COLUMNS);

/** A pending nudge's place in the order deliveries take other people in (latest due first). */
export interface NudgePosition {
  deliverAt: Date;
  id: string;
}

/**
 * Where a process's next delivery takes other people from, once one that started at `used` found
 * that it should go on below `found` (null: nothing left anywhere), and the place is now `current`.
 * Nobody moved it meanwhile: `found`, even above `used` (it wrapped to the top). Another delivery
 * running beside it moved it: whichever is further down, so that two never scan the same rows.
 */
export function nextClaimPlace(
  current: NudgePosition | undefined,
  used: NudgePosition | undefined,
  found: NudgePosition | null,
): NudgePosition | undefined {
  if (current === used) return found ?? undefined;
  if (found === null || current === undefined) return current ?? found ?? undefined;
  return isFurtherDown(found, current) ? found : current;
}

/** Whether `a` comes after `b` in that order (due earlier, or at the same moment with a lower id). */
export function isFurtherDown(a: NudgePosition, b: NudgePosition): boolean {
  const at = a.deliverAt.getTime() - b.deliverAt.getTime();
  return at < 0 || (at === 0 && BigInt(a.id) < BigInt(b.id));
}

/**
 * Claims what one delivery transaction sends: every pending nudge due within the window (until
 * `windowEnd`) for the recipient of `headId`, and for up to `moreRecipients` other people (never
 * channels: those go one at a time, under their per-channel rate limit) who have something due by
 * `now`, with any receipt of theirs.
 *
 * - A recipient is claimed through their earliest pending nudge (their leader): whoever locks the
 *   leader takes everything due to that person, so two workers never split one person's nudges
 *   into two messages nor message one person at once. The head's recipient is claimed only when
 *   their leader is due; the others are the people whose nudges fell due most recently.
 * - Panels before rows. A first statement, in a savepoint rolled back at once, finds the leaders
 *   no other worker holds (`FOR NO KEY UPDATE SKIP LOCKED`; the rollback releases them) and the
 *   panels of their people's due nudges. A second one share-locks those panels
 *   (`FOR SHARE SKIP LOCKED`), and only then locks the leaders and rows of the people none of whose
 *   due nudges is on a panel it could not lock. So a person with a nudge on a panel being changed
 *   right now (its transaction holds the panel's row lock and is about to update its nudges) is
 *   left out and none of their rows is held: the change never waits for this delivery's Slack
 *   calls. A change that starts later waits for this transaction (the share lock), which is why
 *   a delivery stops sending after its send budget (jobs/nudge-delivery.ts). Changers lock
 *   the panel, then its nudges: the same order, and the worker never waits for a lock here, so it
 *   can never be part of a deadlock.
 * - Rows are locked `FOR NO KEY UPDATE`, the weakest lock that keeps other deliveries off them:
 *   nothing here changes a row's key. (Receipts are written for these rows from another
 *   connection while this transaction holds them; they have no foreign key to `nudge`, whose
 *   key-share check would turn each such lock into a MultiXact.)
 * Read the panels for the re-check with a statement after this one: its snapshot then includes
 * every change committed before the share locks were taken.
 */
export async function claimDueNudges(
  trx: Transaction<Database>,
  request: {
    teamId: string;
    headId: string;
    now: Date;
    windowEnd: Date;
    moreRecipients: number;
    /** Take other people only from leaders before this place (see {@link NudgeClaim.continueBelow}). */
    below?: NudgePosition | null;
  },
): Promise<NudgeClaim> {
  const { teamId, headId, now, windowEnd, moreRecipients } = request;
  const dueBy = new Date(now.getTime() + 1_000);
  // From the top: everything due by `now`, which is before `now` and any id.
  const below = request.below ?? { deliverAt: dueBy, id: '0' };
  // Another person's leader: their earliest pending nudge, due by now (never a channel's, nor the
  // head's person's: theirs is claimed through the head).
  const otherLeader = sql`n.team_id = ${teamId} and n.state = 'pending' and n.deliver_at <= ${now}
        and n.recipient not like 'C%' and n.recipient not like 'G%'
        and n.recipient is distinct from (select h.recipient from nudge h where h.team_id = ${teamId} and h.id = ${headId})
        and not exists (
          select 1 from nudge e
          where e.team_id = n.team_id and e.recipient = n.recipient and e.state = 'pending'
            and (e.deliver_at < n.deliver_at or (e.deliver_at = n.deliver_at and e.id < n.id))
        )`;
  await sql`savepoint nudge_claim_probe`.execute(trx);
  const { rows: leaders } = await sql<{
    id: string;
    recipient: string;
    is_head: boolean;
    from_top: boolean;
    deliver_at: Date;
    panel_ids: string[];
  }>`/* prepared:nudge_claim_probe */
    with head_leader as (
      select n.id, n.recipient, n.deliver_at from nudge n
      where n.team_id = ${teamId} and n.state = 'pending' and n.deliver_at <= ${dueBy}
        and n.id = (
          select l.id from nudge l
          where l.team_id = ${teamId} and l.state = 'pending'
            and l.recipient = (select h.recipient from nudge h where h.team_id = ${teamId} and h.id = ${headId})
          order by l.deliver_at, l.id
          limit 1
        )
      for no key update skip locked
    ), leaders_below as (
      -- The most recently due first: their own jobs are furthest back in the queue, so the jobs
      -- about to run find their rows free and run batches of their own, rather than wait on this one.
      -- Below where this process's last delivery stopped: the deliveries in flight hold the rows
      -- above, and stepping over each of them again would cost more than the rest of the statement.
      select n.id, n.recipient, n.deliver_at, false as from_top from nudge n
      where ${otherLeader} and (n.deliver_at, n.id) < (${below.deliverAt}::timestamptz, ${below.id}::bigint)
      order by n.deliver_at desc, n.id desc
      limit ${moreRecipients}
      for no key update skip locked
    ), leaders_above as (
      -- Too few left below: the rest from the top (not run at all when there were enough).
      select n.id, n.recipient, n.deliver_at, true as from_top from nudge n
      where ${otherLeader} and (n.deliver_at, n.id) >= (${below.deliverAt}::timestamptz, ${below.id}::bigint)
      order by n.deliver_at desc, n.id desc
      limit (${moreRecipients}::int - (select count(*) from leaders_below))
      for no key update skip locked
    ), other_leaders as (
      select id, recipient, deliver_at, from_top from leaders_below
      union all
      select id, recipient, deliver_at, from_top from leaders_above
    ), leaders as (
      select id, recipient, deliver_at, true as is_head, false as from_top from head_leader
      union all
      select id, recipient, deliver_at, false, from_top from other_leaders
    )
    select l.id::text as id, l.recipient, l.is_head, l.from_top, l.deliver_at, array(
      select distinct w.panel_id::text from nudge w
      where w.team_id = ${teamId} and w.recipient = l.recipient and w.state = 'pending'
        and w.deliver_at <= ${windowEnd}
    ) as panel_ids
    from leaders l
  `.execute(trx);
  // Releases the leaders' row locks: they are taken again below, after their panels.
  await sql`rollback to savepoint nudge_claim_probe`.execute(trx);
  // The next delivery goes on below the last one taken: the last from the top if the top was
  // needed. None left anywhere: from the top again.
  let continueBelow: NudgePosition | null = null;
  const others = leaders.filter((l) => !l.is_head);
  const fromTop = others.filter((l) => l.from_top);
  for (const other of fromTop.length > 0 ? fromTop : others) {
    const at = { deliverAt: other.deliver_at, id: other.id };
    if (continueBelow === null || isFurtherDown(at, continueBelow)) continueBelow = at;
  }
  if (others.length < moreRecipients) continueBelow = null;
  if (leaders.length === 0) return { rows: [], headBusyPanelIds: [], continueBelow };

  const panelIds = [...new Set(leaders.flatMap((l) => l.panel_ids))];
  const { rows } = await sql<
    Nudge & {
      free_panels: string[];
      receipted: boolean | null;
      receipt_channel: string | null;
      receipt_ts: string | null;
      receipt_sent_at: Date | null;
    }
  >`/* prepared:nudge_claim */
    with free_panels as (
      select p.id from panel p
      where p.team_id = ${teamId} and p.id = any(${panelIds}::bigint[])
      for share skip locked
    ), leaders as (
      select n.id, n.recipient from nudge n
      where n.team_id = ${teamId} and n.state = 'pending'
        and n.id = any(${leaders.map((l) => l.id)}::bigint[])
        and not exists (
          select 1 from nudge e
          where e.team_id = n.team_id and e.recipient = n.recipient and e.state = 'pending'
            and (e.deliver_at < n.deliver_at or (e.deliver_at = n.deliver_at and e.id < n.id))
        )
        and not exists (
          select 1 from nudge w
          where w.team_id = n.team_id and w.recipient = n.recipient and w.state = 'pending'
            and w.deliver_at <= ${windowEnd} and w.panel_id not in (select id from free_panels)
        )
      for no key update skip locked
    ), claimed as (
      select ${CLAIMED_COLUMNS} from nudge n
      where n.team_id = ${teamId} and n.state = 'pending' and n.deliver_at <= ${windowEnd}
        and n.recipient in (select recipient from leaders)
        and n.panel_id in (select id from free_panels)
      for no key update skip locked
    )
    select ${CLAIMED_ROW}, b.free_panels, r.nudge_id is not null as receipted,
      r.slack_channel as receipt_channel, r.slack_ts as receipt_ts, r.sent_at as receipt_sent_at
    from (select array(select id::text from free_panels) as free_panels) b
    left join claimed c on true
    left join nudge_receipt r on r.team_id = c.team_id and r.nudge_id = c.id and r.deliver_at = c.deliver_at
    order by c.recipient, c.deliver_at, c.id
  `.execute(trx);
  const claimed: ClaimedNudge[] = [];
  for (const {
    free_panels: _free,
    receipted,
    receipt_channel,
    receipt_ts,
    receipt_sent_at,
    ...row
  } of rows) {
    // The one row of a claim that took nobody (the left join found no claimed row).
    if ((row.id as string | null) === null) continue;
    claimed.push({
      ...row,
      id: String(row.id),
      panel_id: String(row.panel_id),
      receipt:
        receipted === true && receipt_sent_at !== null
          ? { slack_channel: receipt_channel, slack_ts: receipt_ts, sent_at: receipt_sent_at }
          : null,
    });
  }
  const head = leaders.find((l) => l.is_head);
  const free = new Set(rows[0]?.free_panels.map(String) ?? []);
  const headBusyPanelIds =
    head === undefined || claimed.some((r) => r.recipient === head.recipient)
      ? []
      : head.panel_ids.filter((id) => !free.has(id));
  return { rows: claimed, headBusyPanelIds, continueBelow };
}

/**
 * Share-locks panels, waiting for changes in progress to commit, in id order (as changers that
 * lock several panels do). Only for a transaction that holds no nudge row yet: a change waits for
 * its nudge rows while holding its panel.
 */
export async function sharePanels(
  trx: Transaction<Database>,
  teamId: string,
  panelIds: readonly string[],
): Promise<void> {
  if (panelIds.length === 0) return;
  await sql`select id from panel where team_id = ${teamId} and id in (${sql.join([...panelIds].sort())}) order by id for share`.execute(
    trx,
  );
}

/** What became of one nudge row in a delivery. */
export interface NudgeSettlement {
  id: string;
  /** `pending` keeps the row owed (a transient failure: the attempt is counted, the error noted). */
  state: 'sent' | 'failed' | 'cancelled' | 'pending';
  slackTs?: string | null;
  slackChannel?: string | null;
  /** When Slack took the message, for a row settled from its receipt; otherwise the delivery's `now`. */
  sentAt?: Date | null;
  lastError?: string | null;
  /**
   * For a row kept `pending`: held until then (outside its recipient's working hours now), as a
   * snooze would (`snoozed_until` too, so a re-plan does not bring it back to its planned moment).
   */
  holdUntil?: Date | null;
  countAttempt: boolean;
}

/**
 * Records the outcome of every row of a delivery in one statement. Like {@link settleNudges} it
 * touches only rows still pending; `sent_at` is set on the sent ones (the receipt's time for a row
 * settled from its receipt, as the reconciler does, else `now`). The rows' receipts go in the
 * same statement (a snooze puts a sent row back to pending, later: a receipt is also matched on
 * the row's `deliver_at`, so none could stand for that later delivery anyway).
 *
 * `receipted`: every row settled as sent has a receipt that is already committed (written by the
 * receipts writer, which waits for the disk as usual, or found by the claim). The transaction's
 * commit then does not wait for the disk (`synchronous_commit` off for it alone). Postgres can
 * lose such a commit only by crashing within a fraction of a second of it, and then it loses this
 * settlement and the receipts' deletion together (with whatever was committed after them: the log
 * is replayed in order), so the rows are pending again with their receipts. The next delivery or
 * the reconciler settles them as sent from those receipts: none is sent twice. Rows cancelled or
 * held are worked out again; so are failed ones, unless the caller remembers them as done (the
 * nudge worker does, so it passes `receipted` only for a settlement without failures). Without
 * `receipted` the commit waits for the disk, as every other commit does.
 */
export async function settleNudgeOutcomes(
  trx: Transaction<Database>,
  teamId: string,
  settlements: readonly NudgeSettlement[],
  now: Date,
  { receipted }: { receipted: boolean },
): Promise<void> {
  if (settlements.length === 0) return;
  const column = <T>(pick: (s: NudgeSettlement) => T) => settlements.map(pick);
  // Set as part of this statement (it is read at commit) rather than in a round trip of its own,
  // and only when receipted: otherwise the setting is left as it is. A volatile CTE runs once.
  await sql`/* prepared:nudge_settle */
    with commit_mode as (
      select case when ${receipted}::boolean then set_config('synchronous_commit', 'off', true) end
    ), receipts_done as (
      delete from nudge_receipt
      where team_id = ${teamId} and nudge_id = any(${column((s) => s.id)}::bigint[])
    )
    update nudge set
      state = v.state,
      sent_at = case when v.state = 'sent' then coalesce(v.sent_at, ${now}::timestamptz) else nudge.sent_at end,
      slack_ts = coalesce(v.slack_ts, nudge.slack_ts),
      slack_channel = coalesce(v.slack_channel, nudge.slack_channel),
      last_error = coalesce(v.last_error, nudge.last_error),
      deliver_at = coalesce(v.hold_until, nudge.deliver_at),
      snoozed_until = coalesce(v.hold_until, nudge.snoozed_until),
      attempts = nudge.attempts + case when v.count_attempt then 1 else 0 end,
      updated_at = now()
    from unnest(
      ${column((s) => s.id)}::bigint[],
      ${column((s) => s.state)}::text[],
      ${column((s) => s.slackTs ?? null)}::text[],
      ${column((s) => s.slackChannel ?? null)}::text[],
      ${column((s) => s.sentAt?.toISOString() ?? null)}::timestamptz[],
      ${column((s) => s.lastError ?? null)}::text[],
      ${column((s) => s.holdUntil?.toISOString() ?? null)}::timestamptz[],
      ${column((s) => s.countAttempt)}::boolean[]
    ) as v(id, state, slack_ts, slack_channel, sent_at, last_error, hold_until, count_attempt)
    cross join commit_mode
    where nudge.team_id = ${teamId} and nudge.id = v.id and nudge.state = 'pending'
  `.execute(trx);
}

/** That Slack accepted the message covering a nudge row, as due at `deliverAt`. */
export interface SentNudgeReceipt {
  teamId: string;
  nudgeId: string;
  deliverAt: Date;
  slackChannel: string | null;
  slackTs: string | null;
  sentAt: Date;
}

/**
 * Writes receipts, of one or several workspaces (each row carries its own team id, which is part
 * of the key), in one statement and one commit. Idempotent. It replaces a receipt a row still has
 * for an earlier moment (left by a crash before the row was moved): that one stood for nothing
 * any more. Meant for `receiptsDb`, a pool other than the one holding the deliveries'
 * transactions: the receipts are committed when this returns, while those transactions (which
 * still hold the rows) may yet die. A row named twice keeps its last receipt.
 */
export async function writeNudgeReceipts(
  receiptsDb: Kysely<Database>,
  receipts: readonly SentNudgeReceipt[],
): Promise<void> {
  const latest = new Map<string, SentNudgeReceipt>();
  for (const receipt of receipts) latest.set(`${receipt.teamId}|${receipt.nudgeId}`, receipt);
  if (latest.size === 0) return;
  const rows = [...latest.values()].map((r) => ({
    team_id: r.teamId,
    nudge_id: r.nudgeId,
    deliver_at: r.deliverAt.toISOString(),
    slack_channel: r.slackChannel,
    slack_ts: r.slackTs,
    sent_at: r.sentAt.toISOString(),
  }));
  await sql`/* prepared:nudge_receipts_write */
    insert into nudge_receipt (team_id, nudge_id, deliver_at, slack_channel, slack_ts, sent_at)
    select r.team_id, r.nudge_id, r.deliver_at, r.slack_channel, r.slack_ts, r.sent_at
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
      team_id text, nudge_id bigint, deliver_at timestamptz, slack_channel text, slack_ts text, sent_at timestamptz
    )
    on conflict (team_id, nudge_id) do update set
      deliver_at = excluded.deliver_at,
      slack_channel = excluded.slack_channel,
      slack_ts = excluded.slack_ts,
      sent_at = excluded.sent_at
  `.execute(receiptsDb);
}

/**
 * Settles the pending rows whose message Slack accepted (they have a receipt for the moment they
 * are due now) but whose delivery died before committing: sent, with the receipt's message and
 * time, and the receipt deleted. Across workspaces, for the reconciler. Like a delivery it
 * share-locks each row's panel before the row and skips what it cannot lock at once (a delivery
 * in progress settles its own rows; a panel being changed is looked at next time), so it never
 * waits while holding a lock. Receipts that stand for nothing are deleted: those of rows no longer
 * pending (settled, or cancelled by a change after the crash), those for an earlier moment of a
 * row a change moved since (the row is owed at its new moment), and any whose row is gone (the
 * table has no foreign key: see its 2026-11-30 migration).
 * @returns how many rows it settled.
 */
export async function applyNudgeReceipts(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ settled: number }>`
    with receipted as (
      select n.team_id, n.id from nudge n
      join nudge_receipt r on r.team_id = n.team_id and r.nudge_id = n.id and r.deliver_at = n.deliver_at
      where n.state = 'pending'
        and exists (
          select 1 from panel p where p.team_id = n.team_id and p.id = n.panel_id for share skip locked
        )
      for no key update of n skip locked
    ), settled as (
      update nudge n set
        state = 'sent',
        sent_at = r.sent_at,
        slack_ts = coalesce(r.slack_ts, n.slack_ts),
        slack_channel = coalesce(r.slack_channel, n.slack_channel),
        attempts = n.attempts + 1,
        updated_at = now()
      from receipted x, nudge_receipt r
      where n.team_id = x.team_id and n.id = x.id and r.team_id = x.team_id and r.nudge_id = x.id
      returning n.team_id, n.id
    ), done as (
      delete from nudge_receipt r
      where not exists (
          select 1 from nudge n
          where n.team_id = r.team_id and n.id = r.nudge_id
            and n.state = 'pending' and n.deliver_at = r.deliver_at
        )
        or (r.team_id, r.nudge_id) in (select team_id, id from settled)
    )
    select count(*)::int as settled from settled
  `.execute(db);
  return rows[0]?.settled ?? 0;
}
