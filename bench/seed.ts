/**
 * Seeding the bench database straight with SQL (bulk `unnest` inserts, far faster than going
 * through the app), and reading back what the app's modals are built from. Only the columns a
 * row needs are written; everything else keeps its schema default.
 */
import { type Kysely, sql } from 'kysely';
import { createDatabase } from '../src/db/connection.js';
import type { Database, FeedbackContent, Rating, StageKind } from '../src/db/database.js';
import { replanPanel } from '../src/db/nudges.js';
import type { PanelDetails } from '../src/db/panels.js';
import type { SlotWithPeople } from '../src/db/slots.js';

/** The bench's own sessions carry this application_name, so diagnostics can leave them out. */
export const BENCH_APPLICATION_NAME = 'panelist-bench';

/** A small pool on the database Panelist uses, for seeding, checks and diagnostics. */
export function openBenchDatabase(databaseUrl: string): Kysely<Database> {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', BENCH_APPLICATION_NAME);
  return createDatabase({ connectionString: url.toString(), max: 8 });
}

export const HOUR = 3600 * 1000;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

/** Monday 00:00 UTC of the week after the one `at` falls in. */
export function nextMondayUtc(at: Date): Date {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(midnight + (7 - weekday) * DAY);
}

export const isoDate = (at: Date) => at.toISOString().slice(0, 10);

/** The workspace row (created with defaults if missing) and what seeding must respect. */
export async function ensureWorkspace(
  db: Kysely<Database>,
  teamId: string,
): Promise<{ bufferMinutes: number; weeklyLimit: number; panelsCreated: number }> {
  const row = await db
    .insertInto('workspace')
    .values({ team_id: teamId })
    .onConflict((oc) => oc.column('team_id').doUpdateSet({ team_id: teamId }))
    .returning(['slot_buffer_minutes', 'weekly_interview_limit', 'panels_created'])
    .executeTakeFirstOrThrow();
  return {
    bufferMinutes: row.slot_buffer_minutes,
    weeklyLimit: row.weekly_interview_limit,
    panelsCreated: row.panels_created,
  };
}

export interface PanelSeed {
  candidateName: string;
  roleTitle: string;
  channelId: string;
  recruiterId: string;
  hiringManagerId: string;
  decisionMakerId: string;
  decisionDeadline: Date;
  answerPromisedOn: string;
  stageKinds: StageKind[];
  /** When it was opened (default: now, on Postgres's clock). */
  createdAt?: Date;
}

/**
 * Inserts panels (numbered after the workspace's last one, created by their recruiter, already
 * announced so the reconciler owes them nothing), their recruiter, hiring manager and decision
 * maker, and their stages. Bumps the workspace's panel counter.
 * @returns the panel ids, in the order of `panels`.
 */
export async function seedPanels(
  db: Kysely<Database>,
  teamId: string,
  label: string,
  panels: readonly PanelSeed[],
): Promise<string[]> {
  if (panels.length === 0) return [];
  const { panelsCreated } = await ensureWorkspace(db, teamId);
  const numbers = panels.map((_, index) => panelsCreated + index + 1);
  const inserted = await sql<{ id: string; number: number }>`
    insert into panel (team_id, number, candidate_name, role_title, channel_id, decision_deadline,
                       answer_promised_on, created_by, created_from_view, revision, announced_revision,
                       announcement_ts, created_at)
    select ${teamId}, t.number, t.candidate, t.role, t.channel, t.deadline, t.promised, t.recruiter,
           ${`bench-${label}-`} || t.number, 1, 1, '1700000000.' || lpad(t.number::text, 6, '0'),
           coalesce(t.created_at, now())
    from unnest(${numbers}::int[], ${panels.map((p) => p.candidateName)}::text[],
                ${panels.map((p) => p.roleTitle)}::text[], ${panels.map((p) => p.channelId)}::text[],
                ${panels.map((p) => p.decisionDeadline.toISOString())}::timestamptz[],
                ${panels.map((p) => p.answerPromisedOn)}::date[], ${panels.map((p) => p.recruiterId)}::text[],
                ${panels.map((p) => p.createdAt?.toISOString() ?? null)}::timestamptz[])
         as t(number, candidate, role, channel, deadline, promised, recruiter, created_at)
    returning id, number
  `.execute(db);
  const idByNumber = new Map(inserted.rows.map((row) => [Number(row.number), String(row.id)]));
  const ids = numbers.map((number) => {
    const id = idByNumber.get(number);
    if (id === undefined) throw new Error(`seeded panel number ${number} has no id`);
    return id;
  });
  await db
    .updateTable('workspace')
    .set({ panels_created: panelsCreated + panels.length })
    .where('team_id', '=', teamId)
    .execute();

  const members = panels.flatMap((p, index) => [
    { panelId: ids[index] ?? '', userId: p.recruiterId, role: 'recruiter' },
    { panelId: ids[index] ?? '', userId: p.hiringManagerId, role: 'hiring_manager' },
    { panelId: ids[index] ?? '', userId: p.decisionMakerId, role: 'decision_maker' },
  ]);
  await insertMemberRows(db, teamId, members);

  const stages = panels.flatMap((p, index) =>
    p.stageKinds.map((kind, position) => ({ panelId: ids[index] ?? '', kind, position })),
  );
  await sql`
    insert into stage (team_id, panel_id, kind, position)
    select ${teamId}, t.panel_id, t.kind, t.position
    from unnest(${stages.map((s) => s.panelId)}::bigint[], ${stages.map((s) => s.kind)}::text[],
                ${stages.map((s) => s.position)}::int[]) as t(panel_id, kind, position)
  `.execute(db);
  return ids;
}

async function insertMemberRows(
  db: Kysely<Database>,
  teamId: string,
  members: readonly { panelId: string; userId: string; role: string }[],
): Promise<void> {
  if (members.length === 0) return;
  await sql`
    insert into panel_member (team_id, panel_id, user_id, role)
    select ${teamId}, t.panel_id, t.user_id, t.role
    from unnest(${members.map((m) => m.panelId)}::bigint[], ${members.map((m) => m.userId)}::text[],
                ${members.map((m) => m.role)}::text[]) as t(panel_id, user_id, role)
    on conflict do nothing
  `.execute(db);
}

export interface SlotSeed {
  panelId: string;
  stageKind: StageKind;
  startsAt: Date;
  endsAt: Date;
  interviewerIds: string[];
  createdBy: string;
  location?: string;
}

/**
 * Inserts booked slots with their interviewers (busy = the slot plus the workspace's buffer, as
 * the app writes it) and makes the interviewers panel members. The database's exclusion
 * constraints still apply: overlapping seeds fail loudly.
 * @returns the slot ids, in the order of `slots`.
 */
export async function seedSlots(
  db: Kysely<Database>,
  teamId: string,
  slots: readonly SlotSeed[],
  bufferMinutes: number,
): Promise<string[]> {
  if (slots.length === 0) return [];
  const inserted = await sql<{ id: string; panel_id: string; starts_at: Date }>`
    insert into slot (team_id, panel_id, stage_id, starts_at, ends_at, location, created_by)
    select ${teamId}, t.panel_id, stage.id, t.starts_at, t.ends_at, t.location, t.created_by
    from unnest(${slots.map((s) => s.panelId)}::bigint[], ${slots.map((s) => s.stageKind)}::text[],
                ${slots.map((s) => s.startsAt.toISOString())}::timestamptz[],
                ${slots.map((s) => s.endsAt.toISOString())}::timestamptz[],
                ${slots.map((s) => s.location ?? null)}::text[], ${slots.map((s) => s.createdBy)}::text[])
         as t(panel_id, kind, starts_at, ends_at, location, created_by)
    join stage on stage.team_id = ${teamId} and stage.panel_id = t.panel_id and stage.kind = t.kind
    returning id, panel_id, starts_at
  `.execute(db);
  if (inserted.rows.length !== slots.length) {
    throw new Error(`seeded ${inserted.rows.length} of ${slots.length} slots (a stage is missing?)`);
  }
  // A panel's slots cannot overlap (slot_candidate_no_overlap), so panel + start names one slot.
  const key = (panelId: string, startsAt: Date) => `${panelId}|${startsAt.getTime()}`;
  const idByKey = new Map(inserted.rows.map((row) => [key(String(row.panel_id), row.starts_at), row.id]));
  const ids = slots.map((s) => {
    const id = idByKey.get(key(s.panelId, s.startsAt));
    if (id === undefined) throw new Error('a seeded slot has no id');
    return String(id);
  });

  const people = slots.flatMap((s, index) =>
    s.interviewerIds.map((userId) => ({ slotId: ids[index] ?? '', userId, slot: s })),
  );
  await sql`
    insert into slot_interviewer (team_id, slot_id, user_id, busy)
    select ${teamId}, t.slot_id, t.user_id, tstzrange(t.starts_at, t.ends_at + make_interval(mins => ${bufferMinutes}))
    from unnest(${people.map((p) => p.slotId)}::bigint[], ${people.map((p) => p.userId)}::text[],
                ${people.map((p) => p.slot.startsAt.toISOString())}::timestamptz[],
                ${people.map((p) => p.slot.endsAt.toISOString())}::timestamptz[])
         as t(slot_id, user_id, starts_at, ends_at)
  `.execute(db);
  await insertMemberRows(
    db,
    teamId,
    people.map((p) => ({ panelId: p.slot.panelId, userId: p.userId, role: 'interviewer' })),
  );
  return ids;
}

export interface FeedbackSeed {
  panelId: string;
  slotId: string;
  interviewerId: string;
  content: FeedbackContent & { recommendation: Rating };
  submittedAt: Date;
}

/** Inserts submitted feedback with its first version, as `submitFeedback` leaves it. */
export async function seedSubmittedFeedback(
  db: Kysely<Database>,
  teamId: string,
  rows: readonly FeedbackSeed[],
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    with t as (
      select * from unnest(${rows.map((r) => r.panelId)}::bigint[], ${rows.map((r) => r.slotId)}::bigint[],
                           ${rows.map((r) => r.interviewerId)}::text[],
                           ${rows.map((r) => JSON.stringify(r.content))}::jsonb[],
                           ${rows.map((r) => r.content.recommendation)}::text[],
                           ${rows.map((r) => r.submittedAt.toISOString())}::timestamptz[])
               as t(panel_id, slot_id, interviewer_id, content, recommendation, submitted_at)
    ), f as (
      insert into feedback (team_id, panel_id, slot_id, interviewer_id, state, content, recommendation, submitted_at)
      select ${teamId}, panel_id, slot_id, interviewer_id, 'submitted', content, recommendation, submitted_at from t
      returning id, content, recommendation, submitted_at
    )
    insert into feedback_version (team_id, feedback_id, version, content, recommendation, view_id, submitted_at)
    select ${teamId}, f.id, 1, f.content, f.recommendation, 'bench-seed-' || f.id, f.submitted_at from f
  `.execute(db);
}

/**
 * Plans the seeded panels' nudges with the app's own planner, as their bookings would have, so a
 * submission only plans what it changes; nudges already due count as delivered (they would have
 * gone out before now). Runs `concurrency` panels at a time.
 * @returns the nudge rows the workspace has afterwards.
 */
export async function planSeededNudges(
  db: Kysely<Database>,
  teamId: string,
  panelIds: readonly string[],
  now: Date,
  concurrency = 8,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < panelIds.length) {
      const panelId = panelIds[next++] ?? '';
      // Under the panel's lock, as the app plans: the app's reconciler may be re-planning the same
      // panels meanwhile (it runs every five minutes), and two unlocked plans of one panel deadlock.
      await replanPanel(db, teamId, panelId, now);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await sql`
    update nudge set state = 'sent', sent_at = deliver_at
    where team_id = ${teamId} and state = 'pending' and deliver_at <= ${now.toISOString()}::timestamptz
  `.execute(db);
  const { rows } = await sql<{
    n: string;
  }>`select count(*) as n from nudge where team_id = ${teamId}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Refreshes the planner's statistics after a bulk load, as autovacuum would soon do on its own. */
export async function analyze(db: Kysely<Database>): Promise<void> {
  await sql`analyze workspace, panel, panel_member, stage, slot, slot_interviewer, feedback, feedback_version, nudge`.execute(
    db,
  );
}

/** What the app's modals for a panel are built from: its details and booked slots. */
export interface PanelViewData {
  details: PanelDetails;
  slots: SlotWithPeople[];
}

/** Loads panels with members, stages and booked slots in a handful of bulk queries. */
export async function loadPanelViewData(
  db: Kysely<Database>,
  teamId: string,
  panelIds: readonly string[],
): Promise<Map<string, PanelViewData>> {
  const result = new Map<string, PanelViewData>();
  const ids = [...new Set(panelIds)];
  for (let start = 0; start < ids.length; start += 2000) {
    const chunk = ids.slice(start, start + 2000);
    const [panels, members, stages, slots] = await Promise.all([
      db.selectFrom('panel').selectAll().where('team_id', '=', teamId).where('id', 'in', chunk).execute(),
      db
        .selectFrom('panel_member')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('panel_id', 'in', chunk)
        .orderBy('added_at')
        .execute(),
      db
        .selectFrom('stage')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('panel_id', 'in', chunk)
        .orderBy('position')
        .execute(),
      db
        .selectFrom('slot')
        .innerJoin('stage', (join) =>
          join.onRef('stage.id', '=', 'slot.stage_id').onRef('stage.team_id', '=', 'slot.team_id'),
        )
        .selectAll('slot')
        .select('stage.kind as stage_kind')
        .where('slot.team_id', '=', teamId)
        .where('slot.panel_id', 'in', chunk)
        .where('slot.state', '=', 'booked')
        .orderBy('slot.starts_at')
        .execute(),
    ]);
    const people =
      slots.length === 0
        ? []
        : await db
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
    const peopleBySlot = groupBy(people, (p) => p.slot_id);
    const membersByPanel = groupBy(members, (m) => m.panel_id);
    const stagesByPanel = groupBy(stages, (s) => s.panel_id);
    const slotsByPanel = groupBy(slots, (s) => s.panel_id);
    for (const panel of panels) {
      result.set(panel.id, {
        details: {
          panel,
          members: membersByPanel.get(panel.id) ?? [],
          stages: stagesByPanel.get(panel.id) ?? [],
        },
        slots: (slotsByPanel.get(panel.id) ?? []).map(({ stage_kind, ...slot }) => ({
          slot,
          stageKind: stage_kind,
          interviewers: (peopleBySlot.get(slot.id) ?? []).map((p) => ({
            userId: p.user_id,
            declinedAt: p.declined_at,
          })),
        })),
      });
    }
  }
  return result;
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}

/** Counts rows of `table` in the workspace (team-scoped tables only). */
export async function countRows(
  db: Kysely<Database>,
  table: 'slot' | 'feedback_version' | 'feedback',
  teamId: string,
): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('team_id', '=', teamId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
