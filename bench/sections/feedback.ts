/**
 * Feedback (issue 4): the ack latency of feedback submissions at a steady rate, and the time to
 * build the debrief of a panel with 12 interviewers. Goals: p99 ack under 50 ms; the debrief
 * built in under 100 ms.
 *
 * Seeded in SQL: panels whose four slots (manager, peer with two interviewers, executive,
 * practical) have all ended, so every (slot, interviewer) may give feedback. Submissions go
 * round-robin over the panels, so one panel's interviewers submit about a second apart; one in
 * ten is an edit of a feedback submitted a second earlier (a new version). Afterwards the new
 * feedback_version rows must match the submissions acknowledged, and the App Home of every
 * submitter who has opened theirs (half the pool) must be published, no one else's. The debrief
 * is timed in the bench process, as the announcement job builds it: loadFeedbackState +
 * getDebriefMessage.
 */
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { getDebriefMessage } from '../../blocks/debrief.js';
import { getFeedbackModal } from '../../blocks/feedback-modal.js';
import type { Database, FeedbackContent, Rating, StageKind } from '../../src/db/database.js';
import { emptyFeedback } from '../../src/domain/feedback-form.js';
import { scorecardFor } from '../../src/domain/stages.js';
import { loadFeedbackState } from '../../src/services/feedback.js';
import { type FeedbackFields, feedbackValues } from '../../tests/support/feedback-form.js';
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
  openBenchDatabase,
  type PanelSeed,
  planSeededNudges,
  type SlotSeed,
  seedPanels,
  seedSlots,
  seedSubmittedFeedback,
} from '../seed.js';
import { signedEventsRequest, viewSubmissionBody } from '../slack-bodies.js';
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

const ACK_P99_GOAL_MS = 50;
const DEBRIEF_GOAL_MS = 100;
const DEBRIEF_RUNS = 50;
const DEBRIEF_WARMUP_RUNS = 5;
const FOLLOW_UP_TIMEOUT_MS = 20_000;
/** Slack shows the user an error when a modal submission is not answered within 3 seconds. */
const SLACK_TIMEOUT_MS = 3_000;

/** Every tenth submission edits a feedback first submitted this many submissions earlier (~1 s). */
const EDIT_EVERY = 10;
const EDIT_LAG = 200;
/** A panel's slots and how many interviewers each has: 5 (slot, interviewer) pairs a panel. */
const PANEL_SLOTS: { kind: StageKind; interviewers: number }[] = [
  { kind: 'manager', interviewers: 1 },
  { kind: 'peer', interviewers: 2 },
  { kind: 'executive', interviewers: 1 },
  { kind: 'practical', interviewers: 1 },
];
const PAIR_SLOTS = PANEL_SLOTS.flatMap((slot, position) =>
  Array.from({ length: slot.interviewers }, (_, seat) => ({ position, seat })),
);
const INTERVIEWER_POOL = 200;
/** Seeded slots start this far apart (each lasts an hour). */
const SLOT_STEP_MS = 5 * 60_000;
const DEBRIEF_STAGES: StageKind[] = ['manager', 'peer', 'executive', 'practical'];
const DEBRIEF_SLOTS_PER_STAGE = 3;

const poolId = (n: number) => `UF${String(n % INTERVIEWER_POOL).padStart(3, '0')}`;

type Kind = 'first' | 'edit';
interface Submission {
  index: number;
  kind: Kind;
  /** Index into the seeded (slot, interviewer) pairs. */
  pair: number;
}

/** Which submissions are first submissions and which edit, and how many pairs that takes. */
function planSubmissions(total: number): { submissions: Submission[]; pairs: number } {
  const submissions: Submission[] = [];
  const firsts: number[] = [];
  for (let index = 0; index < total; index++) {
    if (index % EDIT_EVERY === EDIT_EVERY - 1 && firsts.length > EDIT_LAG) {
      submissions.push({ index, kind: 'edit', pair: firsts[firsts.length - EDIT_LAG] ?? 0 });
    } else {
      submissions.push({ index, kind: 'first', pair: firsts.length });
      firsts.push(firsts.length);
    }
  }
  return { submissions, pairs: firsts.length };
}

const TEXT = {
  evidence: (key: string, n: number) =>
    `On ${key.replaceAll('_', ' ')}: walked through a concrete example (#${n}) with numbers, the trade-offs considered and what they would change next time.`,
  star: {
    situation: 'A payments migration was three weeks late and two teams disagreed on the cut-over plan.',
    task: 'Get both teams to one plan and ship without downtime.',
    action: 'Ran a one-day design review, wrote the rollback runbook and paired with the on-call engineer.',
    result: 'Shipped a week later with no incidents; the runbook is now the team template.',
  },
  strengths:
    'Clear structured thinking, owns outcomes, explains trade-offs to non-specialists without jargon.',
  concerns: 'Less experience leading larger groups; probe how they delegate under pressure.',
  questions:
    'Tell me about a time priorities changed mid-project. How did you handle a disagreement with a peer?',
};
const RATING_CYCLE: Rating[] = ['yes', 'no', 'yes', 'strong_yes', 'yes', 'no'];
const RECOMMENDATIONS: Rating[] = ['yes', 'no', 'strong_yes', 'yes', 'strong_no'];

function fields(kind: StageKind, n: number): FeedbackFields {
  const keys = scorecardFor(kind).map((c) => c.key);
  const ratings: Record<string, string> = {};
  const evidence: Record<string, string> = {};
  keys.forEach((key, k) => {
    ratings[key] = RATING_CYCLE[(n + k) % RATING_CYCLE.length] ?? 'yes';
    evidence[key] = TEXT.evidence(key, n);
  });
  return {
    ratings,
    evidence,
    star: TEXT.star,
    strengths: TEXT.strengths,
    concerns: TEXT.concerns,
    questions: TEXT.questions,
    recommendation: RECOMMENDATIONS[n % RECOMMENDATIONS.length] ?? 'yes',
  };
}

/** The content `parseFeedbackForm` makes of `fields(kind, n)`, for seeding. */
function content(kind: StageKind, n: number): FeedbackContent & { recommendation: Rating } {
  const f = fields(kind, n);
  return {
    ratings: f.ratings as Record<string, Rating>,
    evidence: f.evidence ?? {},
    star: TEXT.star,
    strengths: TEXT.strengths,
    concerns: TEXT.concerns,
    questions: TEXT.questions,
    recommendation: (f.recommendation ?? 'yes') as Rating,
  };
}

function panelSeed(name: string, index: number, now: Date, kinds: StageKind[]): PanelSeed {
  const deadline = new Date(now.getTime() + 7 * DAY);
  return {
    candidateName: name,
    roleTitle: index % 2 === 0 ? 'Staff Engineer' : 'Engineering Manager',
    channelId: 'CHIRING',
    recruiterId: `UFREC${String(index % 20).padStart(2, '0')}`,
    hiringManagerId: `UFHM${String(index % 40).padStart(2, '0')}`,
    decisionMakerId: `UFDM${String(index % 10).padStart(2, '0')}`,
    decisionDeadline: deadline,
    answerPromisedOn: isoDate(new Date(deadline.getTime() + 2 * DAY)),
    stageKinds: kinds,
  };
}

interface Seeded {
  panelIds: string[];
  /** Pair index → its slot and interviewer. */
  pairs: { panelId: string; slotId: string; stageKind: StageKind; userId: string }[];
  debriefPanelId: string;
  seedMs: number;
  /** Nudge rows of the workspace after planning the seeded panels' nudges. */
  nudges: number;
  /** Interviewers who have opened the Home tab before (every other one of the pool). */
  homeVisitors: Set<string>;
}

async function seed(db: Kysely<Database>, teamId: string, now: Date, pairCount: number): Promise<Seeded> {
  const started = performance.now();
  const { bufferMinutes } = await ensureWorkspace(db, teamId);
  const panelCount = Math.ceil(pairCount / PAIR_SLOTS.length);
  const kinds = PANEL_SLOTS.map((s) => s.kind);
  const [debriefPanelId = '', ...panelIds] = await seedPanels(db, teamId, 'feedback', [
    panelSeed('Debrief Dana', 0, now, DEBRIEF_STAGES),
    ...Array.from({ length: panelCount }, (_, p) =>
      panelSeed(`Feedback Candidate ${p + 1}`, p + 1, now, kinds),
    ),
  ]);

  // Every seeded slot starts SLOT_STEP after the one before, all within the last few days and ended
  // by now. A panel's four slots are panelCount steps apart (no overlap for the candidate) and an
  // interviewer of the pool comes round every INTERVIEWER_POOL / 2 slots (hours apart, so never
  // double-booked).
  const slotCount = panelCount * PANEL_SLOTS.length;
  const hourStart = Math.floor(now.getTime() / HOUR) * HOUR;
  const base = hourStart - 2 * HOUR - slotCount * SLOT_STEP_MS;
  const at = (n: number) => new Date(base + n * SLOT_STEP_MS);
  const slots: SlotSeed[] = [];
  for (let p = 0; p < panelCount; p++) {
    PANEL_SLOTS.forEach((slot, position) => {
      const n = position * panelCount + p;
      slots.push({
        panelId: panelIds[p] ?? '',
        stageKind: slot.kind,
        startsAt: at(n),
        endsAt: new Date(at(n).getTime() + HOUR),
        interviewerIds: Array.from({ length: slot.interviewers }, (_, seat) => poolId(n * 2 + seat)),
        createdBy: `UFREC${String((p + 1) % 20).padStart(2, '0')}`,
        location: `https://meet.example.com/bench-f${n}`,
      });
    });
  }
  // The debrief panel: 12 slots of an hour, 75 minutes apart, two days ago, 12 people of its own.
  const debriefSlots: SlotSeed[] = [];
  DEBRIEF_STAGES.forEach((kind, stage) => {
    for (let k = 0; k < DEBRIEF_SLOTS_PER_STAGE; k++) {
      const seat = stage * DEBRIEF_SLOTS_PER_STAGE + k;
      const startsAt = new Date(hourStart - 2 * DAY + seat * 75 * 60_000);
      debriefSlots.push({
        panelId: debriefPanelId,
        stageKind: kind,
        startsAt,
        endsAt: new Date(startsAt.getTime() + HOUR),
        interviewerIds: [`UDB${String(seat).padStart(2, '0')}`],
        createdBy: 'UFREC00',
      });
    }
  });
  const slotIds = await seedSlots(db, teamId, [...slots, ...debriefSlots], bufferMinutes);

  const pairs: Seeded['pairs'] = [];
  for (let j = 0; j < panelCount * PAIR_SLOTS.length; j++) {
    // Round-robin: pair j is on panel j % panelCount, so a panel comes round every panelCount pairs.
    const p = j % panelCount;
    const { position, seat } = PAIR_SLOTS[Math.floor(j / panelCount)] ?? { position: 0, seat: 0 };
    const slot = slots[p * PANEL_SLOTS.length + position];
    if (slot === undefined) throw new Error('pair without a slot');
    pairs.push({
      panelId: slot.panelId,
      slotId: slotIds[p * PANEL_SLOTS.length + position] ?? '',
      stageKind: slot.stageKind,
      userId: slot.interviewerIds[seat] ?? '',
    });
  }

  await seedSubmittedFeedback(
    db,
    teamId,
    debriefSlots.map((slot, seat) => ({
      panelId: debriefPanelId,
      slotId: slotIds[slots.length + seat] ?? '',
      interviewerId: slot.interviewerIds[0] ?? '',
      content: content(slot.stageKind, seat),
      submittedAt: new Date(slot.endsAt.getTime() + HOUR),
    })),
  );
  const nudges = await planSeededNudges(db, teamId, [debriefPanelId, ...panelIds], now);
  // Half the interviewers use App Home; the app keeps only their Homes up to date.
  const homeVisitors = new Set(Array.from({ length: INTERVIEWER_POOL / 2 }, (_, n) => poolId(2 * n)));
  await db
    .insertInto('home_viewer')
    .values([...homeVisitors].map((userId) => ({ team_id: teamId, user_id: userId, first_opened_at: now })))
    .execute();
  await analyze(db);
  return { panelIds, pairs, debriefPanelId, seedMs: performance.now() - started, nudges, homeVisitors };
}

type Classified = 'submitted' | 'errors' | 'refused' | 'other' | 'failed';

function classify(answer: Answered | undefined): Classified {
  if (answer === undefined || answer.status !== 200) return 'failed';
  if (answer.answer.action === 'errors') return 'errors';
  if (answer.answer.action === 'update')
    return answer.answer.title === 'Feedback submitted' ? 'submitted' : 'refused';
  return 'other';
}

interface DebriefTiming {
  totalMs: number[];
  loadMs: number[];
  buildMs: number[];
  coldMs: number;
  blocks: number;
  submitted: number;
  expected: number;
  complete: boolean;
}

/** Times loadFeedbackState + getDebriefMessage for one panel, as the announcement job runs them. */
async function timeDebrief(db: Kysely<Database>, teamId: string, panelId: string): Promise<DebriefTiming> {
  const timing: DebriefTiming = {
    totalMs: [],
    loadMs: [],
    buildMs: [],
    coldMs: Number.NaN,
    blocks: 0,
    submitted: 0,
    expected: 0,
    complete: false,
  };
  for (let run = 0; run < DEBRIEF_WARMUP_RUNS + DEBRIEF_RUNS; run++) {
    const started = performance.now();
    const state = await loadFeedbackState(db, teamId, panelId);
    const loaded = performance.now();
    if (state === undefined) throw new Error('debrief panel not found');
    const message = getDebriefMessage(state.details.panel, state.summary, state.decision);
    const built = performance.now();
    if (run === 0) timing.coldMs = built - started;
    if (run < DEBRIEF_WARMUP_RUNS) continue;
    timing.totalMs.push(built - started);
    timing.loadMs.push(loaded - started);
    timing.buildMs.push(built - loaded);
    timing.blocks = message.blocks.length;
    timing.submitted = state.summary.submitted;
    timing.expected = state.summary.expected;
    timing.complete = state.summary.complete;
  }
  return timing;
}

export const feedbackSection: BenchSection = {
  id: 'feedback',
  title: 'Feedback submissions and the debrief (view_submission feedback_submit)',
  async run(context: BenchContext): Promise<SectionResult> {
    const { settings, teamId, double } = context;
    const errors: string[] = [];
    const db = openBenchDatabase(context.databaseUrl);
    try {
      const plan = loadPlan(context);
      const { submissions, pairs: pairCount } = planSubmissions(plan.total);
      context.progress(
        `feedback: seeding ${pairCount} ended (slot, interviewer) pairs and a 12-interviewer debrief`,
      );
      const seeded = await seed(db, teamId, new Date(), pairCount);
      const viewData = await loadPanelViewData(db, teamId, seeded.panelIds);
      const runId = Date.now().toString(36);
      const bodies = submissions.map((s) => {
        const pair = seeded.pairs[s.pair];
        if (pair === undefined) throw new Error(`no pair ${s.pair}`);
        const data = viewData.get(pair.panelId);
        const slot = data?.slots.find((candidate) => candidate.slot.id === pair.slotId);
        if (data === undefined || slot === undefined) throw new Error(`seeded slot ${pair.slotId} not found`);
        const keys = scorecardFor(pair.stageKind).map((c) => c.key);
        const view = getFeedbackModal({
          panel: data.details.panel,
          slot,
          content: emptyFeedback(),
          submitted: s.kind === 'edit',
        });
        return viewSubmissionBody(view, feedbackValues(keys, fields(pair.stageKind, s.index)), {
          teamId,
          userId: pair.userId,
          viewId: `VFB${runId}${s.index}`,
        });
      });
      const versionsBefore = await countRows(db, 'feedback_version', teamId);

      context.progress(
        `feedback: ${plan.warmupCount} warm-up + ${plan.measuredCount} measured submissions at ${settings.latencyRate}/s`,
      );
      const auditBefore = await lastAuditId(db, teamId);
      const nudgesBefore = await countNudges(db, teamId);
      double.calls.length = 0;
      const requests: PreparedRequest[] = bodies.map((body) =>
        signedEventsRequest(context.signingSecret, body),
      );
      const cpuCount = await startCpuCount(context, db);
      const { load, answers, diagnostics, sessions } = await runSubmissionLoad(context, requests, db);

      const outcomes = submissions.map((s) => ({
        s,
        answer: answers[s.index],
        got: classify(answers[s.index]),
      }));
      const count = (pick: (o: (typeof outcomes)[number]) => boolean, measured?: boolean) =>
        outcomes.filter((o) => (measured === undefined || o.answer?.measured === measured) && pick(o)).length;
      const submitted = outcomes.filter((o) => o.got === 'submitted');
      const failed = outcomes.filter((o) => o.got === 'failed');
      if (failed.length > 0) {
        errors.push(
          `${failed.length} of ${outcomes.length} submissions got no HTTP 200 ` +
            `(statuses ${JSON.stringify(load.statuses)}; e.g. ${samples(failed.map((o) => o.answer?.error ?? 'no answer'))})`,
        );
      }
      const unexpected = outcomes.filter((o) => o.got !== 'failed' && o.got !== 'submitted');
      if (unexpected.length > 0) {
        errors.push(
          `${unexpected.length} submissions were not stored, e.g. ${samples(
            unexpected.map(
              (o) =>
                `${o.s.kind} → ${o.got}${o.answer?.answer.title ? ` "${o.answer.answer.title}"` : ''}${
                  o.answer?.answer.errors ? ` ${JSON.stringify(o.answer.answer.errors).slice(0, 200)}` : ''
                }`,
            ),
          )}`,
        );
      }

      // Follow-up work of each submission: the submitter's App Home is refreshed if they have ever
      // opened it (half the pool has, see seed). Refreshes of one person within a moment are one
      // publish (the app coalesces them), so expect each such submitter's Home published at least
      // once, and no Home published for the others.
      const submitters = new Set(submitted.map((o) => seeded.pairs[o.s.pair]?.userId ?? ''));
      const visitors = new Set([...submitters].filter((u) => seeded.homeVisitors.has(u)));
      const publishedFor = () => new Set(double.callsTo('views.publish').map((c) => String(c.args.user_id)));
      const homes = () => [...visitors].filter((u) => publishedFor().has(u)).length;
      // Quiet means no Home published for a second; debriefs keep going out one a second in the
      // one channel meanwhile (Slack's limit), which is not what this waits for.
      const drain = await waitForQuiet(
        context,
        () => homes() >= visitors.size,
        FOLLOW_UP_TIMEOUT_MS,
        1_000,
        (call) => call.method === 'views.publish',
      );
      const seenHomes = homes();
      if (!drain.complete) {
        errors.push(
          `follow-ups: the App Homes of ${seenHomes} of ${visitors.size} submitters who use it published within ${FOLLOW_UP_TIMEOUT_MS} ms`,
        );
      }
      const strayHomes = [...publishedFor()].filter((u) => submitters.has(u) && !visitors.has(u));
      if (strayHomes.length > 0) {
        errors.push(
          `follow-ups: App Homes published for ${strayHomes.length} submitters who never opened theirs, e.g. ${samples(strayHomes)}`,
        );
      }
      const debriefsPosted = double.callsTo(
        'chat.postMessage',
        (c) => c.args.channel === 'CHIRING' && JSON.stringify(c.args.blocks ?? '').includes('Debrief'),
      ).length;
      const slackCalls = slackCallCounts(context);
      double.calls.length = 0;
      const cpu = await cpuCount.finish();
      const processed = await auditRate(db, teamId, ['feedback.submitted', 'feedback.edited'], auditBefore);
      const cost = workCost(cpu, outcomes.length, processed.perSecond, settings.latencyRate);
      const nudgesPlanned = (await countNudges(db, teamId)) - nudgesBefore;

      // Correctness: one feedback_version row per acknowledged submission.
      const versionsAfter = await countRows(db, 'feedback_version', teamId);
      const newVersions = versionsAfter - versionsBefore;
      if (newVersions !== submitted.length) {
        errors.push(
          `${newVersions} new feedback_version rows but ${submitted.length} submissions acknowledged ('update' answers)` +
            (failed.length > 0
              ? `: feedback was stored for submissions Slack got no 200 for (Bolt answers 404 once a request is not ` +
                `acked within 3 s), and their follow-ups were skipped: ${seenHomes} App Home refreshes for ${newVersions} stored versions`
              : ''),
        );
      }

      context.progress(`feedback: debrief build, ${DEBRIEF_RUNS} runs after ${DEBRIEF_WARMUP_RUNS} warm-up`);
      const debrief = await timeDebrief(db, teamId, seeded.debriefPanelId);
      const debriefInterviewers = DEBRIEF_STAGES.length * DEBRIEF_SLOTS_PER_STAGE;
      if (!debrief.complete || debrief.submitted !== debriefInterviewers) {
        errors.push(
          `debrief panel: ${debrief.submitted} of ${debrief.expected} submitted (complete: ${debrief.complete}); expected all ${debriefInterviewers}`,
        );
      }

      // Latency counts every measured request, non-200 answers (e.g. Bolt's 404 after 3 s) included.
      const measured = outcomes.filter((o) => o.answer?.measured === true);
      const measuredFailed = measured.filter((o) => o.got === 'failed').length;
      const all = summarizeLatencies(measured.map((o) => o.answer?.latencyMs ?? Number.NaN));
      const warmup = summarizeLatencies(
        outcomes.filter((o) => o.answer?.measured === false).map((o) => o.answer?.latencyMs ?? Number.NaN),
      );
      const failedLatency = summarizeLatencies(
        measured.filter((o) => o.got === 'failed').map((o) => o.answer?.latencyMs ?? Number.NaN),
      );
      const byKind = (kind: Kind) =>
        summarizeLatencies(
          measured.filter((o) => o.s.kind === kind).map((o) => o.answer?.latencyMs ?? Number.NaN),
        );
      const total = summarizeLatencies(debrief.totalMs);
      const loadOnly = summarizeLatencies(debrief.loadMs);
      const buildOnly = summarizeLatencies(debrief.buildMs);

      const seconds = fmt(settings.durationMs / 1000, 1);
      const latencyTable: Table = {
        title:
          `Ack latency: open loop at ${settings.latencyRate} submissions/s, ${seconds} s measured after a ` +
          `${fmt(settings.warmupMs / 1000, 1)} s warm-up, over ${seeded.panelIds.length} panels, until the response is complete`,
        headers: ['submissions', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        rows: [
          latencyRow('all', all),
          latencyRow('warm-up (not counted)', warmup),
          latencyRow('  first submission of a (slot, interviewer)', byKind('first')),
          latencyRow('  edit (new version, ~1 s after the first)', byKind('edit')),
          latencyRow('non-200 (no ack in time)', failedLatency),
        ],
        numeric: [1, 2, 3, 4, 5],
      };
      const countsRow = (label: string, isMeasured: boolean) => [
        label,
        String(count(() => true, isMeasured)),
        String(count((o) => o.got === 'submitted', isMeasured)),
        String(count((o) => o.got === 'errors', isMeasured)),
        String(count((o) => o.got === 'refused' || o.got === 'other', isMeasured)),
        String(count((o) => o.got !== 'failed' && (o.answer?.latencyMs ?? 0) > SLACK_TIMEOUT_MS, isMeasured)),
        String(count((o) => o.got === 'failed', isMeasured)),
      ];
      const countsTable: Table = {
        title: `Answers. New feedback_version rows after the run: ${newVersions} (submissions acknowledged: ${submitted.length})`,
        headers: [
          'phase',
          'sent',
          "stored 'update'",
          "field 'errors'",
          'other answer',
          '200 after 3 s',
          'non-200',
        ],
        rows: [countsRow('warm-up', false), countsRow('measured', true)],
        numeric: [1, 2, 3, 4, 5, 6],
      };
      const diagnosticsTable: Table = {
        title:
          'Diagnostics: CPU in % of one core (app = Panelist; other = Postgres, Redis, the idle bare app, other users); ' +
          'EL = bench process event-loop use; follow-ups = App Home publishes after the acks; ' +
          'homes published = submitters who use App Home whose Home was published',
        headers: [
          'app CPU',
          'other CPU',
          'bench EL',
          'sched lag p99 ms',
          'sent req/s',
          'follow-up catch-up ms',
          'homes published',
          'debriefs posted',
          'seed ms',
        ],
        rows: [
          [
            fmt(diagnostics.appCpuPercent, 0),
            fmt(diagnostics.otherCpuPercent, 0),
            fmt(diagnostics.generatorElPercent, 0),
            fmt(percentile(load.scheduleLagsMs, 99), 2),
            fmt(load.sentRate, 0),
            fmt(drain.waitedMs, 0),
            `${seenHomes}/${visitors.size}`,
            String(debriefsPosted),
            fmt(seeded.seedMs, 0),
          ],
        ],
        numeric: [0, 1, 2, 3, 4, 5, 6, 7, 8],
      };
      const debriefTable: Table = {
        title:
          `Debrief of a panel with ${debriefInterviewers} interviewers, all submitted (${DEBRIEF_STAGES.length} stages × ` +
          `${DEBRIEF_SLOTS_PER_STAGE} slots), built in the bench process ${DEBRIEF_RUNS} times after ${DEBRIEF_WARMUP_RUNS} ` +
          `warm-up runs (first, cold run: ${fmt(debrief.coldMs, 2)} ms; ${debrief.blocks} blocks)`,
        headers: ['step', 'count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
        rows: [
          latencyRow('loadFeedbackState + getDebriefMessage', total),
          latencyRow('  loadFeedbackState (Postgres)', loadOnly),
          latencyRow('  getDebriefMessage (blocks)', buildOnly),
        ],
        numeric: [1, 2, 3, 4, 5],
      };

      const ackGoal = `feedback: p99 ack < ${ACK_P99_GOAL_MS} ms at ${settings.latencyRate}/s`;
      const debriefGoal = `debrief (12 interviewers): p99 build < ${DEBRIEF_GOAL_MS} ms`;
      const goals: GoalCheck[] = [
        all.count === 0
          ? { goal: ackGoal, actual: 'not measured: no answers', met: false }
          : {
              goal: ackGoal,
              actual:
                `${fmt(all.p99, 2)} ms (p50 ${fmt(all.p50, 2)}, max ${fmt(all.max, 2)})` +
                (measuredFailed > 0 ? `; ${measuredFailed} of ${all.count} got no 200` : ''),
              met: all.p99 < ACK_P99_GOAL_MS && measuredFailed === 0,
            },
        {
          goal: debriefGoal,
          actual: `${fmt(total.p99, 2)} ms (p50 ${fmt(total.p50, 2)}, max ${fmt(total.max, 2)})`,
          met: total.p99 < DEBRIEF_GOAL_MS,
        },
      ];
      const notes = [
        'Slack shows the person an error when a submission is not answered within 3 s: answers counted under ' +
          "'200 after 3 s' came too late for Slack (Bolt starts its own 3 s timer, which answers 404, only once it has read the request).",
        `Slack Web API calls from the first request until the app went quiet: ${describeCalls(slackCalls)}.`,
        ...(Number.isNaN(nudgesPlanned)
          ? []
          : [
              `Nudge rows planned meanwhile: ${nudgesPlanned} (${fmt(nudgesPlanned / Math.max(1, outcomes.length), 1)} per submission; the seeded panels already had their nudges (${seeded.nudges} rows in the workspace), planned beforehand by the app's planner, those already due marked sent).`,
            ]),
        `Seeded in SQL: ${seeded.panelIds.length} panels whose 4 slots (the peer one with 2 interviewers) have ended, ${seeded.pairs.length} (slot, interviewer) pairs, ${seeded.homeVisitors.size} of the ${INTERVIEWER_POOL} interviewers marked as having opened App Home (only their Homes are refreshed); ANALYZE after the load.`,
        `Submissions go round-robin over the panels; every ${EDIT_EVERY}th edits a feedback submitted ${EDIT_LAG} submissions earlier. Each view id is unique.`,
        `With ${DEBRIEF_RUNS} runs, p99 (nearest rank) is the slowest run.`,
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
          panels: seeded.panelIds.length,
          pairs: seeded.pairs.length,
          seedMs: round(seeded.seedMs, 0),
        },
        goals: { ackP99MaxMs: ACK_P99_GOAL_MS, debriefMaxMs: DEBRIEF_GOAL_MS },
        latency: {
          all: latencyJson(all),
          first: latencyJson(byKind('first')),
          edit: latencyJson(byKind('edit')),
        },
        counts: {
          sent: outcomes.length,
          measured: count(() => true, true),
          submitted: submitted.length,
          submittedMeasured: count((o) => o.got === 'submitted', true),
          edits: count((o) => o.s.kind === 'edit'),
          errors: count((o) => o.got === 'errors'),
          otherAnswers: count((o) => o.got === 'refused' || o.got === 'other'),
          non200: failed.length,
          newVersionRows: newVersions,
        },
        followUps: {
          homes: seenHomes,
          expectedHomes: visitors.size,
          debriefsPosted,
          catchUpMs: round(drain.waitedMs, 0),
        },
        diagnostics: diagnosticsJson(diagnostics, load),
        postgresSessions: sessionsJson(sessions),
        work: workCostJson(cost),
        slackCalls,
        nudgesPlanned: Number.isNaN(nudgesPlanned) ? null : nudgesPlanned,
        debrief: {
          interviewers: debriefInterviewers,
          runs: DEBRIEF_RUNS,
          coldMs: round(debrief.coldMs),
          total: latencyJson(total),
          load: latencyJson(loadOnly),
          build: latencyJson(buildOnly),
          blocks: debrief.blocks,
        },
        goalChecks: goals.map((g) => ({ goal: g.goal, actual: g.actual, met: g.met })),
      };
      return {
        id: this.id,
        title: this.title,
        tables: [
          latencyTable,
          countsTable,
          diagnosticsTable,
          workCostTable(cost, settings.latencyRate, 'feedback versions committed per second (audit events)'),
          sessionsTable(sessions),
          debriefTable,
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
