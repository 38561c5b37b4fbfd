/**
 * Scheduling (issue 3): the ack latency of scheduling-modal submissions at a steady rate when the
 * workspace already holds 10,000 booked slots for 500 interviewers. Goal: p99 under 50 ms.
 *
 * The workspace is seeded straight in SQL: 2,500 panels (4 stages each) over five coming weeks;
 * each of the 500 interviewers has 4 interviews a week (Monday to Thursday, under the weekly limit
 * of 5), one a day, so no interviewer is double-booked and no panel's slots overlap. Then each
 * submission books one slot on a panel of its own, mostly on the free Friday of that panel's week:
 * with seeded interviewers who still have room that week (each interviewer-week used once), or
 * with people who have no interviews yet. One in ten is meant to clash (an interviewer's existing
 * interview, or the candidate's own slot) and must come back as a field error. Afterwards the new
 * slot rows must match the bookings acknowledged.
 */
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { getScheduleModal } from '../../blocks/schedule-modal.js';
import type { Database, StageKind } from '../../src/db/database.js';
import type { BenchContext, BenchSection } from '../context.js';
import { type PreparedRequest, percentile } from '../http-load.js';
import { fmt, type GoalCheck, type JsonValue, round, type SectionResult, type Table } from '../report.js';
import {
  analyze,
  countRows,
  DAY,
  ensureWorkspace,
  HOUR,
  isoDate,
  loadPanelViewData,
  nextMondayUtc,
  openBenchDatabase,
  type PanelSeed,
  planSeededNudges,
  type SlotSeed,
  seedPanels,
  seedSlots,
  WEEK,
} from '../seed.js';
import { signedEventsRequest, type ViewStateValues, viewSubmissionBody } from '../slack-bodies.js';
import {
  type Answered,
  auditRate,
  countNudges,
  describeCalls,
  diagnosticsJson,
  lastAuditId,
  latencyJson,
  latencyRow,
  loadPlan,
  runSubmissionLoad,
  samples,
  sessionsJson,
  sessionsTable,
  slackCallCounts,
  startCpuCount,
  summarizeLatencies,
  waitForQuiet,
  workCost,
  workCostJson,
  workCostTable,
} from '../submission-load.js';

const P99_GOAL_MS = 50;
/** Announcements go out at most one a second per channel, so a burst takes a while to show. */
const FOLLOW_UP_TIMEOUT_MS = 60_000;
/** Hiring channels the panels are announced in (one per recruiter). */
const channelOf = (panelIndex: number) => `CHIRING${String(panelIndex % RECRUITERS).padStart(2, '0')}`;
/** People who have opened Panelist's Home tab: every coordinator, and one interviewer in three. */
const hasOpenedHome = (userId: string) => !/^U\d{4}$/.test(userId) || Number(userId.slice(1)) % 3 === 0;
/** Slack shows the user an error when a modal submission is not answered within 3 seconds. */
const SLACK_TIMEOUT_MS = 3_000;

const INTERVIEWERS = 500;
const WEEKS = 5;
/** Seeded interviews per interviewer per week (Monday to Thursday); the workspace limit is 5. */
const PER_WEEK = 4;
const SEEDED_SLOTS = INTERVIEWERS * WEEKS * PER_WEEK;
/** One panel per interviewer and week: each has PER_WEEK slots, one a day, one per stage. */
const PANELS = INTERVIEWERS * WEEKS;
const STAGE_KINDS: StageKind[] = ['manager', 'peer', 'executive', 'practical'];
/** Spreads a panel's four slots over four different interviewers. */
const PANEL_SPREAD = 137;
const RECRUITERS = 50;
const HIRING_MANAGERS = 100;
const DECISION_MAKERS = 20;
/** Submissions visit panels in this stride (coprime with PANELS), so weeks and panels mix. */
const PANEL_STRIDE = 1237;

const interviewerId = (n: number) => `U${String(n).padStart(4, '0')}`;
const recruiterOf = (panelIndex: number) => `UREC${String(panelIndex % RECRUITERS).padStart(2, '0')}`;
const managerOf = (panelIndex: number) => `UHM${String(panelIndex % HIRING_MANAGERS).padStart(3, '0')}`;
const deciderOf = (panelIndex: number) => `UDM${String(panelIndex % DECISION_MAKERS).padStart(2, '0')}`;
/** Seeded interviewer u's interviews start at 09:00–16:00 UTC and last 60 or 45 minutes. */
const seededHour = (u: number) => 9 + (u % 8);
const seededMinutes = (u: number) => (u % 2 === 0 ? 60 : 45);
/** The panel (index within its week) that holds interviewer u's interview on day k. */
const panelOfSeed = (u: number, day: number) => (u + PANEL_SPREAD * day) % INTERVIEWERS;
/** The interviewer of panel q's interview on day k (the inverse of panelOfSeed). */
const seedOfPanel = (q: number, day: number) =>
  (((q - PANEL_SPREAD * day) % INTERVIEWERS) + INTERVIEWERS) % INTERVIEWERS;

type Kind = 'seeded' | 'fresh' | 'interviewer_clash' | 'candidate_overlap';
const KIND_LABELS: Record<Kind, string> = {
  seeded: 'seeded interviewers with room that week',
  fresh: 'interviewers with no interviews yet',
  interviewer_clash: 'clash with an interviewer’s interview',
  candidate_overlap: 'clash with the candidate’s own slot',
};

interface Submission {
  index: number;
  kind: Kind;
  panelIndex: number;
  stageKind: StageKind;
  startsAt: Date;
  minutes: number;
  interviewerIds: string[];
  userId: string;
  expect: 'booked' | 'errors';
}

interface Seeded {
  weekStart: Date;
  panelIds: string[];
  seedMs: number;
  bufferMinutes: number;
  weeklyLimit: number;
  /** Nudge rows planned for the seeded panels, and how long planning took. */
  nudges: number;
  nudgeMs: number;
}

/** The panel submission `index` books on: a stride through the panels, so weeks and panels mix. */
const targetPanel = (index: number) => (index * PANEL_STRIDE) % PANELS;

async function seed(db: Kysely<Database>, teamId: string, now: Date, submissions: number): Promise<Seeded> {
  const started = performance.now();
  const { bufferMinutes, weeklyLimit } = await ensureWorkspace(db, teamId);
  if (weeklyLimit <= PER_WEEK) throw new Error(`weekly limit ${weeklyLimit} leaves no room to book`);
  const weekStart = nextMondayUtc(now);
  const deadline = new Date(weekStart.getTime() + (WEEKS + 2) * WEEK);
  const panels: PanelSeed[] = Array.from({ length: PANELS }, (_, index) => ({
    candidateName: `Bench Candidate ${index + 1}`,
    roleTitle: index % 3 === 0 ? 'Staff Engineer' : index % 3 === 1 ? 'Product Designer' : 'Data Scientist',
    channelId: channelOf(index),
    recruiterId: recruiterOf(index),
    hiringManagerId: managerOf(index),
    decisionMakerId: deciderOf(index),
    decisionDeadline: deadline,
    answerPromisedOn: isoDate(new Date(deadline.getTime() + 2 * DAY)),
    stageKinds: STAGE_KINDS,
  }));
  const panelIds = await seedPanels(db, teamId, 'scheduling', panels);

  const slots: SlotSeed[] = [];
  for (let week = 0; week < WEEKS; week++) {
    for (let day = 0; day < PER_WEEK; day++) {
      for (let u = 0; u < INTERVIEWERS; u++) {
        const panelIndex = week * INTERVIEWERS + panelOfSeed(u, day);
        const startsAt = new Date(weekStart.getTime() + week * WEEK + day * DAY + seededHour(u) * HOUR);
        slots.push({
          panelId: panelIds[panelIndex] ?? '',
          stageKind: STAGE_KINDS[day] ?? 'manager',
          startsAt,
          endsAt: new Date(startsAt.getTime() + seededMinutes(u) * 60_000),
          interviewerIds: [interviewerId(u)],
          createdBy: recruiterOf(panelIndex),
          location: `https://meet.example.com/bench-${panelIndex}-${day}`,
        });
      }
    }
  }
  await seedSlots(db, teamId, slots, bufferMinutes);
  const everyone = [
    ...Array.from({ length: INTERVIEWERS + 2 * submissions }, (_, n) => interviewerId(n)),
    ...Array.from({ length: RECRUITERS }, (_, n) => recruiterOf(n)),
    ...Array.from({ length: HIRING_MANAGERS }, (_, n) => managerOf(n)),
    ...Array.from({ length: DECISION_MAKERS }, (_, n) => deciderOf(n)),
  ];
  // People with interviews or panels are people the app has met: their Slack profiles are stored
  // (as users.info left them when they were first booked). The fresh interviewers are not.
  const known = [...everyone.slice(0, INTERVIEWERS), ...everyone.slice(INTERVIEWERS + 2 * submissions)];
  await db
    .insertInto('slack_user')
    .values(
      known.map((userId) => ({
        team_id: teamId,
        user_id: userId,
        name: userId,
        time_zone: 'UTC',
        is_bot: false,
        deleted: false,
        is_admin: false,
        fetched_at: now,
      })),
    )
    .execute();
  await db
    .insertInto('home_viewer')
    .values(
      everyone
        .filter(hasOpenedHome)
        .map((userId) => ({ team_id: teamId, user_id: userId, first_opened_at: now })),
    )
    .execute();
  const nudgesStarted = performance.now();
  // The nudges of the panels the submissions change, planned as their bookings would have.
  const targets = Array.from(
    { length: Math.min(submissions, PANELS) },
    (_, i) => panelIds[targetPanel(i)] ?? '',
  );
  const nudges = await planSeededNudges(db, teamId, targets, now);
  const nudgeMs = performance.now() - nudgesStarted;
  await analyze(db);
  return {
    weekStart,
    panelIds,
    seedMs: performance.now() - started,
    bufferMinutes,
    weeklyLimit,
    nudges,
    nudgeMs,
  };
}

/** How many interviewers the seed booked, and the most interviews one of them has in a week (UTC). */
async function seedLoad(
  db: Kysely<Database>,
  teamId: string,
): Promise<{ interviewers: number; maxPerWeek: number }> {
  const { rows } = await sql<{ interviewers: string; max_per_week: number | null }>`
    select count(distinct user_id) as interviewers, max(n) as max_per_week from (
      select user_id, count(*) over (partition by user_id, date_trunc('week', lower(busy) at time zone 'UTC')) as n
      from slot_interviewer where team_id = ${teamId}
    ) per_week
  `.execute(db);
  return { interviewers: Number(rows[0]?.interviewers ?? 0), maxPerWeek: Number(rows[0]?.max_per_week ?? 0) };
}

/** Decides what each submission books, so that the successes never collide with each other. */
function planSubmissions(total: number, weekStart: Date): Submission[] {
  if (total > PANELS) {
    throw new Error(
      `${total} submissions need ${total} panels but the seed has ${PANELS}; shorten BENCH_SECONDS or lower BENCH_RATE`,
    );
  }
  const weekCursor = new Array<number>(WEEKS).fill(0);
  let fresh = INTERVIEWERS;
  const nextFresh = () => interviewerId(fresh++);
  /** An interviewer not yet booked by this bench in `week`: each (interviewer, week) once. */
  const nextSeeded = (week: number): string | undefined => {
    const cursor = weekCursor[week] ?? 0;
    if (cursor >= INTERVIEWERS) return undefined;
    weekCursor[week] = cursor + 1;
    return interviewerId((cursor * 7 + week * 101) % INTERVIEWERS);
  };

  const submissions: Submission[] = [];
  for (let index = 0; index < total; index++) {
    const panelIndex = targetPanel(index);
    const week = Math.floor(panelIndex / INTERVIEWERS);
    const q = panelIndex % INTERVIEWERS;
    const weekAt = weekStart.getTime() + week * WEEK;
    const people = index % 3 === 0 ? 2 : 1;
    const minutes = 30 + 15 * (Math.floor(index / 3) % 3);
    const friday = new Date(weekAt + 4 * DAY + (9 + (index % 8)) * HOUR);
    const base = {
      index,
      panelIndex,
      stageKind: STAGE_KINDS[index % STAGE_KINDS.length] ?? 'manager',
      userId: recruiterOf(panelIndex),
    };
    const slice = index % 10;
    if (slice === 0 && Math.floor(index / 10) % 2 === 0) {
      // Meets interviewer u exactly at one of their seeded interviews that week.
      const u = (index * 31) % INTERVIEWERS;
      const day = Math.floor(index / 20) % PER_WEEK;
      submissions.push({
        ...base,
        kind: 'interviewer_clash',
        startsAt: new Date(weekAt + day * DAY + seededHour(u) * HOUR),
        minutes: seededMinutes(u),
        interviewerIds: [interviewerId(u)],
        expect: 'errors',
      });
    } else if (slice === 0) {
      // Lands on the candidate's own Monday interview of this panel.
      submissions.push({
        ...base,
        kind: 'candidate_overlap',
        startsAt: new Date(weekAt + seededHour(seedOfPanel(q, 0)) * HOUR),
        minutes: 30,
        interviewerIds: [nextFresh()],
        expect: 'errors',
      });
    } else {
      let kind: Kind = slice <= 5 ? 'seeded' : 'fresh';
      let interviewerIds: string[] = [];
      if (kind === 'seeded') {
        for (let n = 0; n < people; n++) {
          const id = nextSeeded(week);
          if (id !== undefined) interviewerIds.push(id);
        }
        if (interviewerIds.length < people) kind = 'fresh';
      }
      if (kind === 'fresh') interviewerIds = Array.from({ length: people }, nextFresh);
      submissions.push({ ...base, kind, startsAt: friday, minutes, interviewerIds, expect: 'booked' });
    }
  }
  return submissions;
}

function scheduleValues(
  stageId: string,
  startsAt: Date,
  minutes: number,
  interviewerIds: string[],
  index: number,
): ViewStateValues {
  const v = (value: Record<string, unknown>) => ({ input: value });
  return {
    slot_0_stage: v({
      type: 'static_select',
      selected_option: { value: stageId, text: { type: 'plain_text', text: 'stage' } },
    }),
    slot_0_start: v({ type: 'datetimepicker', selected_date_time: Math.floor(startsAt.getTime() / 1000) }),
    slot_0_duration: v({ type: 'number_input', value: String(minutes) }),
    slot_0_interviewers: v({ type: 'multi_users_select', selected_users: interviewerIds }),
    slot_0_location: v({ type: 'plain_text_input', value: `https://meet.example.com/bench-s${index}` }),
    slot_0_note: v({
      type: 'plain_text_input',
      value: index % 2 === 0 ? 'Please read the first-interview notes before we start.' : null,
    }),
  };
}

type Classified = 'booked' | 'errors' | 'refused' | 'other' | 'failed';

function classify(answer: Answered | undefined): Classified {
  if (answer === undefined || answer.status !== 200) return 'failed';
  if (answer.answer.action === 'errors') return 'errors';
  if (answer.answer.action === 'update')
    return answer.answer.title === 'Schedule saved' ? 'booked' : 'refused';
  return 'other';
}

export const schedulingSection: BenchSection = {
  id: 'scheduling',
  title: 'Scheduling submissions: 10,000 slots for 500 interviewers (view_submission panel_schedule)',
  async run(context: BenchContext): Promise<SectionResult> {
    const { settings, teamId, double } = context;
    const errors: string[] = [];
    const db = openBenchDatabase(context.databaseUrl);
    try {
      context.progress(`scheduling: seeding ${SEEDED_SLOTS} slots for ${INTERVIEWERS} interviewers`);
      const plan = loadPlan(context);
      const seeded = await seed(db, teamId, new Date(), plan.total);
      const submissions = planSubmissions(plan.total, seeded.weekStart);
      const viewData = await loadPanelViewData(
        db,
        teamId,
        submissions.map((s) => seeded.panelIds[s.panelIndex] ?? ''),
      );
      const runId = Date.now().toString(36);
      const bodies = submissions.map((s) => {
        const panelId = seeded.panelIds[s.panelIndex] ?? '';
        const data = viewData.get(panelId);
        if (data === undefined) throw new Error(`seeded panel ${panelId} not found`);
        const stageId = data.details.stages.find((stage) => stage.kind === s.stageKind)?.id ?? '';
        const view = getScheduleModal(data.details, data.slots, 1);
        return viewSubmissionBody(
          view,
          scheduleValues(stageId, s.startsAt, s.minutes, s.interviewerIds, s.index),
          {
            teamId,
            userId: s.userId,
            viewId: `VSCH${runId}${s.index}`,
          },
        );
      });
      const slotsBefore = await countRows(db, 'slot', teamId);
      const lastSeededSlot = await db
        .selectFrom('slot')
        .select((eb) => eb.fn.max('id').as('id'))
        .where('team_id', '=', teamId)
        .executeTakeFirst();
      if (slotsBefore !== SEEDED_SLOTS) errors.push(`seed: ${slotsBefore} slots, expected ${SEEDED_SLOTS}`);
      const seededLoad = await seedLoad(db, teamId);
      if (seededLoad.interviewers !== INTERVIEWERS || seededLoad.maxPerWeek > seeded.weeklyLimit) {
        errors.push(
          `seed: ${seededLoad.interviewers} interviewers, up to ${seededLoad.maxPerWeek} interviews a week (limit ${seeded.weeklyLimit})`,
        );
      }

      context.progress(
        `scheduling: ${plan.warmupCount} warm-up + ${plan.measuredCount} measured submissions at ${settings.latencyRate}/s`,
      );
      const auditBefore = await lastAuditId(db, teamId);
      const nudgesBefore = await countNudges(db, teamId);
      double.calls.length = 0;
      const requests: PreparedRequest[] = bodies.map((body) =>
        signedEventsRequest(context.signingSecret, body),
      );
      const cpuCount = await startCpuCount(context, db);
      const { load, answers, diagnostics, sessions } = await runSubmissionLoad(context, requests, db);

      // What came back, against what each submission was meant to get.
      const outcomes = submissions.map((s) => ({
        s,
        answer: answers[s.index],
        got: classify(answers[s.index]),
      }));
      const count = (pick: (o: (typeof outcomes)[number]) => boolean, measured?: boolean) =>
        outcomes.filter((o) => (measured === undefined || o.answer?.measured === measured) && pick(o)).length;
      const booked = outcomes.filter((o) => o.got === 'booked');
      const failed = outcomes.filter((o) => o.got === 'failed');
      if (failed.length > 0) {
        errors.push(
          `${failed.length} of ${outcomes.length} submissions got no HTTP 200 ` +
            `(statuses ${JSON.stringify(load.statuses)}; e.g. ${samples(failed.map((o) => o.answer?.error ?? 'no answer'))})`,
        );
      }
      const unexpected = outcomes.filter((o) => o.got !== 'failed' && o.got !== o.s.expect);
      if (unexpected.length > 0) {
        errors.push(
          `${unexpected.length} submissions were answered otherwise than planned, e.g. ${samples(
            unexpected.map(
              (o) =>
                `${o.s.kind} → ${o.got}${o.answer?.answer.title ? ` "${o.answer.answer.title}"` : ''}${
                  o.answer?.answer.errors ? ` ${JSON.stringify(o.answer.answer.errors).slice(0, 200)}` : ''
                }`,
            ),
          )}`,
        );
      }

      // Follow-up work of each booking: a DM per interviewer and App Home refreshes.
      const expectedDms = booked.reduce((sum, o) => sum + o.s.interviewerIds.length, 0);
      // Home refreshes of one person within a moment are one publish: expect each person concerned
      // once, if they have ever opened the Home tab (the others get a fresh one when they first do).
      const concerned = new Set(
        booked.flatMap((o) => [
          ...o.s.interviewerIds,
          recruiterOf(o.s.panelIndex),
          managerOf(o.s.panelIndex),
        ]),
      );
      const expectedHomes = [...concerned].filter(hasOpenedHome).length;
      const dms = () =>
        double.callsTo('chat.postMessage', (c) => String(c.args.channel).startsWith('U')).length;
      const homes = () => new Set(double.callsTo('views.publish').map((c) => String(c.args.user_id))).size;
      // Each booking is on a panel of its own, already announced: one chat.update each brings the
      // announcement up to date (one post a second per channel, so these take longest). Waiting for
      // them too leaves the next section a quiet app.
      const expectedUpdates = booked.length;
      const updates = () =>
        new Set(double.callsTo('chat.update').map((c) => `${String(c.args.channel)}/${String(c.args.ts)}`))
          .size;
      const drain = await waitForQuiet(
        context,
        () => dms() >= expectedDms && homes() >= expectedHomes && updates() >= expectedUpdates,
        FOLLOW_UP_TIMEOUT_MS,
      );
      const seenDms = dms();
      const seenHomes = homes();
      const seenUpdates = updates();
      const strayHomes = new Set(
        double
          .callsTo('views.publish')
          .map((c) => String(c.args.user_id))
          .filter((userId) => !hasOpenedHome(userId)),
      );
      if (strayHomes.size > 0) {
        errors.push(
          `App Home published for ${strayHomes.size} people who never opened it, e.g. ${samples(strayHomes)}`,
        );
      }
      if (!drain.complete) {
        errors.push(
          `follow-ups: ${seenDms} of ${expectedDms} DMs, ${seenHomes} of ${expectedHomes} App Home publishes and ${seenUpdates} of ${expectedUpdates} announcement updates within ${FOLLOW_UP_TIMEOUT_MS} ms`,
        );
      }
      const slackCalls = slackCallCounts(context);
      double.calls.length = 0;
      const cpu = await cpuCount.finish();
      const processed = await auditRate(db, teamId, ['slot.booked'], auditBefore);
      const cost = workCost(cpu, outcomes.length, processed.perSecond, settings.latencyRate);
      const nudgesPlanned = (await countNudges(db, teamId)) - nudgesBefore;

      // Correctness: every booking acknowledged is a slot row, and nothing else is.
      const slotsAfter = await countRows(db, 'slot', teamId);
      const newSlots = slotsAfter - slotsBefore;
      if (newSlots !== booked.length) {
        // Interviewers on the new slots: each should have had a DM.
        const seats = await db
          .selectFrom('slot_interviewer')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('team_id', '=', teamId)
          .where('slot_id', '>', String(lastSeededSlot?.id ?? '0'))
          .executeTakeFirstOrThrow();
        errors.push(
          `${newSlots} new slot rows but ${booked.length} bookings acknowledged ('update' answers)` +
            (failed.length > 0
              ? `: bookings were stored for submissions Slack got no 200 for (Bolt answers 404 once a request is not ` +
                `acked within 3 s), so their coordinators saw an error for a booking that stands; ` +
                (seenDms >= Number(seats.n)
                  ? `their follow-ups still ran (${seenDms} DMs for ${Number(seats.n)} interviewers on new slots)`
                  : `and follow-ups are missing: ${seenDms} DMs for ${Number(seats.n)} interviewers on new slots`)
              : ''),
        );
      }

      // Latency counts every measured request, non-200 answers (e.g. Bolt's 404 after 3 s) included.
      const measured = outcomes.filter((o) => o.answer?.measured === true);
      const measuredFailed = measured.filter((o) => o.got === 'failed').length;
      const all = summarizeLatencies(measured.map((o) => o.answer?.latencyMs ?? Number.NaN));
      const byGot = (got: Classified) =>
        summarizeLatencies(
          measured.filter((o) => o.got === got).map((o) => o.answer?.latencyMs ?? Number.NaN),
        );
      const byKind = (kind: Kind) =>
        summarizeLatencies(
          measured.filter((o) => o.s.kind === kind).map((o) => o.answer?.latencyMs ?? Number.NaN),
        );

      // When the slow answers came: the slowest answer of each half-second of the measured window
      // (submissions are sent at a steady rate, so their order is their time).
      const halfSecond = Math.max(1, Math.round(settings.latencyRate / 2));
      const slowestByHalfSecond: number[] = [];
      for (let i = 0; i < measured.length; i += halfSecond) {
        const chunk = measured.slice(i, i + halfSecond).map((o) => o.answer?.latencyMs ?? 0);
        slowestByHalfSecond.push(Math.round(Math.max(...chunk)));
      }
      const seconds = fmt(settings.durationMs / 1000, 1);
      const latencyTable: Table = {
        title:
          `Ack latency: open loop at ${settings.latencyRate} submissions/s, ${seconds} s measured after a ` +
          `${fmt(settings.warmupMs / 1000, 1)} s warm-up, each booking one slot on a panel of its own, until the response is complete`,
        headers: ['submissions', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        rows: [
          latencyRow('all', all),
          latencyRow(
            'warm-up (not counted)',
            summarizeLatencies(
              outcomes
                .filter((o) => o.answer?.measured === false)
                .map((o) => o.answer?.latencyMs ?? Number.NaN),
            ),
          ),
          latencyRow("booked ('update')", byGot('booked')),
          latencyRow("conflict ('errors')", byGot('errors')),
          latencyRow('non-200 (no ack in time)', byGot('failed')),
          ...(['seeded', 'fresh', 'interviewer_clash', 'candidate_overlap'] as const).map((kind) =>
            latencyRow(`  ${KIND_LABELS[kind]}`, byKind(kind)),
          ),
        ],
        numeric: [1, 2, 3, 4, 5],
      };
      const countsRow = (label: string, isMeasured: boolean) => [
        label,
        String(count(() => true, isMeasured)),
        String(count((o) => o.got === 'booked', isMeasured)),
        String(count((o) => o.got === 'errors', isMeasured)),
        String(count((o) => o.got === 'refused' || o.got === 'other', isMeasured)),
        String(count((o) => o.got !== 'failed' && (o.answer?.latencyMs ?? 0) > SLACK_TIMEOUT_MS, isMeasured)),
        String(count((o) => o.got === 'failed', isMeasured)),
        String(count((o) => o.got !== 'failed' && o.got !== o.s.expect, isMeasured)),
      ];
      const countsTable: Table = {
        title: `Answers (planned: ~90% bookable, ~10% clashing). New slot rows after the run: ${newSlots} (bookings acknowledged: ${booked.length})`,
        headers: [
          'phase',
          'sent',
          "booked 'update'",
          "field 'errors'",
          'other answer',
          '200 after 3 s',
          'non-200',
          'not as planned',
        ],
        rows: [countsRow('warm-up', false), countsRow('measured', true)],
        numeric: [1, 2, 3, 4, 5, 6, 7],
      };
      const diagnosticsTable: Table = {
        title:
          'Diagnostics: CPU in % of one core (web = the Panelist web process that answers; worker = its worker process; other = Postgres, Redis, the idle bare app, other users); ' +
          'EL = bench process event-loop use; follow-ups = DMs + App Home publishes + announcement updates after the acks',
        headers: [
          'web CPU',
          'worker CPU',
          'other CPU',
          'bench EL',
          'sched lag p99 ms',
          'sent req/s',
          'follow-up catch-up ms',
          'DMs',
          'home publishes',
          'announcement updates',
          'seed ms',
        ],
        rows: [
          [
            fmt(diagnostics.appCpuPercent, 0),
            fmt(diagnostics.workerCpuPercent, 0),
            fmt(diagnostics.otherCpuPercent, 0),
            fmt(diagnostics.generatorElPercent, 0),
            fmt(percentile(load.scheduleLagsMs, 99), 2),
            fmt(load.sentRate, 0),
            fmt(drain.waitedMs, 0),
            `${seenDms}/${expectedDms}`,
            `${seenHomes}/${expectedHomes}`,
            `${seenUpdates}/${expectedUpdates}`,
            fmt(seeded.seedMs, 0),
          ],
        ],
        numeric: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      };

      const goalName = `scheduling: p99 ack < ${P99_GOAL_MS} ms at ${settings.latencyRate}/s`;
      const goals: GoalCheck[] = [
        all.count === 0
          ? { goal: goalName, actual: 'not measured: no answers', met: false }
          : {
              goal: goalName,
              actual:
                `${fmt(all.p99, 2)} ms (p50 ${fmt(all.p50, 2)}, max ${fmt(all.max, 2)})` +
                (measuredFailed > 0 ? `; ${measuredFailed} of ${all.count} got no 200` : ''),
              met: all.p99 < P99_GOAL_MS && measuredFailed === 0,
            },
      ];

      const notes = [
        'Slack shows the person an error when a submission is not answered within 3 s: answers counted under ' +
          "'200 after 3 s' came too late for Slack (Bolt starts its own 3 s timer, which answers 404, only once it has read the request).",
        `Slack Web API calls from the first request until the app went quiet: ${describeCalls(slackCalls)}.`,
        `Slowest answer in each half-second of the measured window, ms: ${slowestByHalfSecond.join(' ')}.`,
        ...(Number.isNaN(nudgesPlanned)
          ? []
          : [
              `Nudge rows planned meanwhile: ${nudgesPlanned} (${fmt(nudgesPlanned / Math.max(1, outcomes.length), 1)} per submission; the panels submitted to already had their nudges (${seeded.nudges} rows), planned beforehand by the app's planner in ${fmt(seeded.nudgeMs, 0)} ms).`,
            ]),
        `Seeded in SQL: ${PANELS} panels with 4 stages, ${SEEDED_SLOTS} booked slots over ${WEEKS} weeks from ${isoDate(seeded.weekStart)}, ` +
          `${PER_WEEK} a week for each of ${INTERVIEWERS} interviewers (limit ${seeded.weeklyLimit}, buffer ${seeded.bufferMinutes} min); ANALYZE after the load.`,
        'Bookable submissions use the free Friday of their panel’s week: seeded interviewers who still have room (each interviewer-week once) or people with no interviews yet.',
        'The seeded interviewers and coordinators have stored Slack profiles (the app met them when they were booked); the fresh interviewers do not, so those submissions make a users.info call to the Slack double before the ack.',
      ];
      if (diagnostics.otherCpuPercent > 100) {
        notes.push(
          `Other processes (Postgres included) used ${fmt(diagnostics.otherCpuPercent, 0)}% of a core during the load.`,
        );
      }

      const data: JsonValue = {
        settings: {
          rate: settings.latencyRate,
          durationMs: settings.durationMs,
          warmupMs: settings.warmupMs,
        },
        seed: {
          slots: SEEDED_SLOTS,
          interviewers: INTERVIEWERS,
          panels: PANELS,
          weeks: WEEKS,
          perInterviewerPerWeek: PER_WEEK,
          seedMs: round(seeded.seedMs, 0),
        },
        goals: { p99MaxMs: P99_GOAL_MS },
        latency: {
          all: latencyJson(all),
          booked: latencyJson(byGot('booked')),
          conflicts: latencyJson(byGot('errors')),
        },
        counts: {
          sent: outcomes.length,
          measured: count(() => true, true),
          booked: booked.length,
          bookedMeasured: count((o) => o.got === 'booked', true),
          errors: count((o) => o.got === 'errors'),
          errorsMeasured: count((o) => o.got === 'errors', true),
          otherAnswers: count((o) => o.got === 'refused' || o.got === 'other'),
          non200: failed.length,
          notAsPlanned: unexpected.length,
          newSlotRows: newSlots,
        },
        followUps: {
          dms: seenDms,
          expectedDms,
          homes: seenHomes,
          announcementUpdates: seenUpdates,
          expectedAnnouncementUpdates: expectedUpdates,
          expectedHomes,
          catchUpMs: round(drain.waitedMs, 0),
        },
        slowestByHalfSecondMs: slowestByHalfSecond,
        diagnostics: diagnosticsJson(diagnostics, load),
        postgresSessions: sessionsJson(sessions),
        work: workCostJson(cost),
        slackCalls,
        nudgesPlanned: Number.isNaN(nudgesPlanned) ? null : nudgesPlanned,
        goalChecks: goals.map((g) => ({ goal: g.goal, actual: g.actual, met: g.met })),
      };
      return {
        id: this.id,
        title: this.title,
        tables: [
          latencyTable,
          countsTable,
          diagnosticsTable,
          workCostTable(
            cost,
            settings.latencyRate,
            "bookings committed per second ('slot.booked' audit events)",
          ),
          sessionsTable(sessions),
        ],
        goals,
        errors,
        notes,
        data,
      };
    } finally {
      await db.destroy();
    }
  },
};
