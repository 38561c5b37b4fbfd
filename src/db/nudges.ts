import { type Kysely, sql, type Transaction } from 'kysely';
import { nudgeIdentity, type PlanInput, planNudges } from '../domain/nudge-plan.js';
import { type NudgeSettings, resolveNudgeSettings } from '../domain/nudge-settings.js';
import type { Database, Nudge } from './database.js';
import { findPanelById, type PanelDetails } from './panels.js';
import { listPanelSlots, type SlotWithPeople } from './slots.js';

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

/** The planner's input from a panel already loaded (the delivery has it for the message anyway). */
export function buildPlanInput(
  details: PanelDetails,
  slots: readonly SlotWithPeople[],
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
  const byIdentity = new Map(existing.map((row) => [nudgeIdentity(row), row]));
  const wanted = new Set(plan.map(nudgeIdentity));

  const cancel = existing
    .filter((row) => row.state === 'pending' && !wanted.has(nudgeIdentity(row)))
    .map((row) => row.id);
  await settleNudges(trx, teamId, cancel, { state: 'cancelled' });
  const fresh = plan.filter((n) => !byIdentity.has(nudgeIdentity(n)));
  if (fresh.length > 0) {
    await trx
      .insertInto('nudge')
      .values(
        fresh.map((n) => ({
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
  for (const n of plan) {
    const row = byIdentity.get(nudgeIdentity(n));
    if (row === undefined || row.state !== 'pending') continue;
    const deliverAt =
      row.snoozed_until !== null && row.snoozed_until > n.deliverAt ? row.snoozed_until : n.deliverAt;
    if (row.due_at.getTime() === n.dueAt.getTime() && row.deliver_at.getTime() === deliverAt.getTime())
      continue;
    await trx
      .updateTable('nudge')
      .set({ due_at: n.dueAt, deliver_at: deliverAt, updated_at: sql<Date>`now()` })
      .where('team_id', '=', teamId)
      .where('id', '=', row.id)
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

/** A nudge row claimed for delivery, and whether its panel's share lock was taken too. */
export type ClaimedNudge = Nudge & { panel_locked: boolean };

/**
 * Claims, in one statement, what one delivery transaction sends: every pending nudge due within
 * the window (until `windowEnd`) for the recipient of `headId`, and for up to `moreRecipients`
 * other people (never channels: those go one at a time, under their per-channel rate limit) who
 * have something due by `now`; and a share lock on each claimed row's panel.
 *
 * - Rows are locked `FOR UPDATE SKIP LOCKED`: a row another worker holds is left to it.
 * - A recipient is claimed through their earliest pending nudge (their leader): whoever locks the
 *   leader takes everything due to that person, so two workers never split one person's nudges
 *   into two messages. The head's recipient is claimed only when their leader is due; the others
 *   are the people whose nudges fell due most recently.
 * - Panels are locked `FOR SHARE SKIP LOCKED`, after the rows. A panel being changed right now (its
 *   transaction holds the panel's row lock) is skipped: its rows come back with `panel_locked`
 *   false and must not be sent; the change then cancels or moves them, or they wait for the next
 *   attempt. A change that starts later waits for this transaction. The worker never waits for a
 *   lock, so it can never be part of a deadlock.
 * Read the panels for the re-check with a statement after this one: its snapshot then includes
 * every change committed before the share locks were taken.
 */
export async function claimDueNudges(
  trx: Transaction<Database>,
  request: { teamId: string; headId: string; now: Date; windowEnd: Date; moreRecipients: number },
): Promise<ClaimedNudge[]> {
  const { teamId, headId, now, windowEnd, moreRecipients } = request;
  const dueBy = new Date(now.getTime() + 1_000);
  const { rows } = await sql<ClaimedNudge>`
    with head_leader as (
      select n.id, n.recipient from nudge n
      where n.team_id = ${teamId} and n.state = 'pending' and n.deliver_at <= ${dueBy}
        and n.id = (
          select l.id from nudge l
          where l.team_id = ${teamId} and l.state = 'pending'
            and l.recipient = (select h.recipient from nudge h where h.team_id = ${teamId} and h.id = ${headId})
          order by l.deliver_at, l.id
          limit 1
        )
      for update skip locked
    ), other_leaders as (
      select n.id, n.recipient from nudge n
      where n.team_id = ${teamId} and n.state = 'pending' and n.deliver_at <= ${now}
        and n.recipient not like 'C%' and n.recipient not like 'G%'
        and not exists (
          select 1 from nudge e
          where e.team_id = n.team_id and e.recipient = n.recipient and e.state = 'pending'
            and (e.deliver_at < n.deliver_at or (e.deliver_at = n.deliver_at and e.id < n.id))
        )
      -- The most recently due first: their own jobs are furthest back in the queue, so the jobs
      -- about to run find their rows free and run batches of their own, rather than wait on this one.
      order by n.deliver_at desc
      limit ${moreRecipients}
      for update skip locked
    ), claimed as (
      select n.* from nudge n
      where n.team_id = ${teamId} and n.state = 'pending' and n.deliver_at <= ${windowEnd}
        and n.recipient in (select recipient from head_leader union select recipient from other_leaders)
      for update skip locked
    ), locked_panels as (
      select p.id from panel p
      where p.team_id = ${teamId} and p.id in (select panel_id from claimed)
      for share skip locked
    )
    select c.*, c.panel_id in (select id from locked_panels) as panel_locked
    from claimed c
    order by c.recipient, c.deliver_at, c.id
  `.execute(trx);
  return rows.map((row) => ({ ...row, id: String(row.id), panel_id: String(row.panel_id) }));
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
  lastError?: string | null;
  countAttempt: boolean;
}

/**
 * Records the outcome of every row of a delivery in one statement. Like {@link settleNudges} it
 * touches only rows still pending; `sent_at` is set on the sent ones.
 */
export async function settleNudgeOutcomes(
  trx: Transaction<Database>,
  teamId: string,
  settlements: readonly NudgeSettlement[],
  now: Date,
): Promise<void> {
  if (settlements.length === 0) return;
  const column = <T>(pick: (s: NudgeSettlement) => T) => settlements.map(pick);
  await sql`
    update nudge set
      state = v.state,
      sent_at = case when v.state = 'sent' then ${now}::timestamptz else nudge.sent_at end,
      slack_ts = coalesce(v.slack_ts, nudge.slack_ts),
      slack_channel = coalesce(v.slack_channel, nudge.slack_channel),
      last_error = coalesce(v.last_error, nudge.last_error),
      attempts = nudge.attempts + case when v.count_attempt then 1 else 0 end,
      updated_at = now()
    from unnest(
      ${column((s) => s.id)}::bigint[],
      ${column((s) => s.state)}::text[],
      ${column((s) => s.slackTs ?? null)}::text[],
      ${column((s) => s.slackChannel ?? null)}::text[],
      ${column((s) => s.lastError ?? null)}::text[],
      ${column((s) => s.countAttempt)}::boolean[]
    ) as v(id, state, slack_ts, slack_channel, last_error, count_attempt)
    where nudge.team_id = ${teamId} and nudge.id = v.id and nudge.state = 'pending'
  `.execute(trx);
}
