import type { ModalView } from '@slack/types';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getRescheduleModal, getScheduleModal } from '../blocks/schedule-modal.js';
import {
  closeQueues,
  createQueues,
  nudgeJobId,
  requeueScheduleEffects,
  type ScheduleEffectsJob,
} from '../jobs/queues.js';
import { createProducerConnection } from '../jobs/redis.js';
import * as declineNotices from '../migrations/2026-11-29T21-00-00_decline-notices.js';
import type { Panel } from '../src/db/database.js';
import { findPanelById } from '../src/db/panels.js';
import { listPanelSlots } from '../src/db/slots.js';
import {
  bookedNotices,
  keepScheduleEffects,
  queueScheduleEffects,
} from '../src/services/schedule-effects.js';
import { cancelSlot } from '../src/services/scheduling.js';
import { loadWorkspaceSettings, saveWorkspaceSettings } from '../src/services/workspace-settings.js';
import {
  at,
  decisionValues,
  givenPanel,
  HIRING_CHANNEL,
  PEOPLE,
  type SlotFields,
  scheduleValues,
} from './support/factories.js';
import {
  openDecisionModal,
  openHomeTab,
  startTestApp,
  TEAM_ID,
  TEST_NOW,
  TEST_REDIS_URL,
  type TestApp,
} from './support/test-env.js';

// Real: HTTP, Bolt, Postgres (exclusion constraints, locks), Redis, BullMQ worker. Faked: Slack.
let t: TestApp;
const ALICE = 'UALICE'; // Europe/Berlin
const BOB = 'UBOB'; // America/New_York
const CHO = 'UCHO'; // Asia/Tokyo
const DEV = 'UDEV'; // UTC

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
  t.slack.addUser(ALICE, { tz: 'Europe/Berlin', real_name: 'Alice Adler' });
  t.slack.addUser(BOB, { tz: 'America/New_York', real_name: 'Bob Brown' });
  t.slack.addUser(CHO, { tz: 'Asia/Tokyo', real_name: 'Cho Chen' });
  t.slack.addUser(DEV, { tz: 'UTC', real_name: 'Dev Das' });
  t.slack.addUser('UBOT', { tz: 'UTC', is_bot: true, real_name: 'Some Bot' });
});
afterAll(async () => t?.close());
beforeEach(() => t.clock.set(TEST_NOW));

async function panelWithStages(overrides: Parameters<typeof givenPanel>[2] = {}) {
  const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, overrides);
  const details = await findPanelById(t.panelist.deps.db, TEAM_ID, panel.id);
  if (details === undefined) throw new Error('panel not stored');
  const stage = (kind: string) => details.stages.find((s) => s.kind === kind)?.id ?? '';
  return { panel, details, manager: stage('manager'), peer: stage('peer'), executive: stage('executive') };
}

async function book(panel: Panel, groups: SlotFields[], by: string = PEOPLE.recruiter) {
  const details = await findPanelById(t.panelist.deps.db, TEAM_ID, panel.id);
  if (details === undefined) throw new Error('no panel');
  const view = getScheduleModal(details, [], groups.length);
  return t.requests.viewSubmission(by, view, scheduleValues(groups));
}

async function slotsOf(panel: Panel) {
  return listPanelSlots(t.panelist.deps.db, TEAM_ID, panel.id);
}

/** The slots someone is booked on, across every panel of the workspace. */
function seatsOf(userId: string) {
  return t.panelist.deps.db
    .selectFrom('slot_interviewer')
    .select('slot_id')
    .where('team_id', '=', TEAM_ID)
    .where('user_id', '=', userId)
    .execute();
}

type SchedulingRules = Awaited<ReturnType<typeof loadWorkspaceSettings>>['scheduling'];

/**
 * The workspace's scheduling rules as they are now: `set` saves them with a change, `restore` puts
 * them back (in `finally`: the other tests of this file expect the defaults).
 */
async function schedulingRules() {
  const current = await loadWorkspaceSettings(t.panelist.deps.db, TEAM_ID);
  const save = (settings: typeof current) =>
    saveWorkspaceSettings(t.panelist.deps.db, { teamId: TEAM_ID, actorId: PEOPLE.recruiter, settings });
  return {
    set: (change: Partial<SchedulingRules>) =>
      save({ ...current, scheduling: { ...current.scheduling, ...change } }),
    restore: () => save(current),
  };
}

/** The recruiter presses Reschedule on a slot; the modal Slack was asked to open. */
async function openReschedule(slotId: string): Promise<ModalView> {
  await t.requests.blockAction(PEOPLE.recruiter, { action_id: 'slot_reschedule_open', value: slotId });
  const opened = await t.slack.waitForCall(
    'views.open',
    (c) =>
      (c.args.view as ModalView).callback_id === 'slot_reschedule' &&
      JSON.parse((c.args.view as ModalView).private_metadata ?? '{}').slotId === slotId,
  );
  return opened.args.view as ModalView;
}

const dmsTo = (userId: string, contains: string) =>
  t.slack.callsTo(
    'chat.postMessage',
    (c) => c.args.channel === userId && JSON.stringify(c.args).includes(contains),
  );

describe('opening the scheduling modal', () => {
  it('/panel schedule opens one slot form per stage for the recruiter', async () => {
    const { panel, details } = await panelWithStages();
    const res = await t.requests.command(PEOPLE.recruiter, `schedule P-${panel.number}`);
    expect(res.status).toBe(200);
    const call = await t.slack.waitForCall(
      'views.open',
      (c) => (c.args.view as ModalView).callback_id === 'panel_schedule',
    );
    const view = call.args.view as ModalView;
    expect(JSON.parse(view.private_metadata ?? '{}')).toEqual({
      panelId: panel.id,
      groups: 3,
      stageIds: details.stages.map((stage) => stage.id),
    });
    expect(view.blocks.filter((b) => b.block_id?.endsWith('_start'))).toHaveLength(3);
  });

  it('the announcement’s Schedule button tells a decision maker that only coordinators schedule', async () => {
    const { panel } = await panelWithStages();
    await t.requests.blockAction(
      PEOPLE.decisionMaker,
      { action_id: 'panel_schedule_open', value: panel.id },
      { channelId: HIRING_CHANNEL, messageTs: '1.1' },
    );
    const call = await t.slack.waitForCall('views.open', (c) =>
      JSON.stringify(c.args.view).includes(`Only the recruiter or hiring manager of P-${panel.number}`),
    );
    expect((call.args.view as ModalView).submit).toBeUndefined();
  });

  it('Add another slot adds a slot form to the open modal', async () => {
    const { panel, details } = await panelWithStages();
    const view = { ...getScheduleModal(details, [], 1), id: 'VADDSLOT', hash: 'h1' };
    await t.requests.blockAction(
      PEOPLE.recruiter,
      { action_id: 'schedule_add_slot' },
      { view: { ...view, team_id: TEAM_ID } },
    );
    const call = await t.slack.waitForCall('views.update', (c) => c.args.view_id === 'VADDSLOT');
    expect(JSON.parse((call.args.view as ModalView).private_metadata ?? '{}')).toEqual({
      panelId: panel.id,
      groups: 2,
      stageIds: details.stages.map((stage) => stage.id),
    });
  });
});

describe('booking slots', () => {
  it('stores the slots, DMs each interviewer with the stage focus and calendar link, and updates the announcement', async () => {
    const { panel, manager, peer } = await panelWithStages({ candidateName: 'Booked Candidate' });
    // Alice has looked at Panelist's Home tab before; Bob and Dev never have.
    await openHomeTab(t, ALICE);
    const res = await book(panel, [
      {
        stageId: manager,
        start: at('2026-12-02T09:00:00Z'),
        duration: 60,
        interviewers: [ALICE],
        location: 'https://meet.example.com/abc',
        note: 'Go deep on systems.',
      },
      { stageId: peer, start: at('2026-12-02T14:00:00Z'), duration: 45, interviewers: [BOB, DEV] },
    ]);
    expect(res.json?.response_action).toBe('update');
    expect(JSON.stringify(res.json?.view)).toContain('Booked');

    const slots = await slotsOf(panel);
    expect(
      slots.map((s) => [s.stageKind, s.slot.starts_at.toISOString(), s.interviewers.map((i) => i.userId)]),
    ).toEqual([
      ['manager', '2026-12-02T09:00:00.000Z', [ALICE]],
      ['peer', '2026-12-02T14:00:00.000Z', [BOB, DEV]],
    ]);
    expect(slots[1]?.slot.ends_at.toISOString()).toBe('2026-12-02T14:45:00.000Z');

    const dm = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === ALICE && JSON.stringify(c.args).includes('Booked Candidate'),
    );
    const dmText = JSON.stringify(dm.args.blocks);
    expect(dmText).toContain('Hiring-manager deep dive');
    expect(dmText).toContain('technical competency');
    expect(dmText).toContain(`<!date^${at('2026-12-02T09:00:00Z')}^`);
    expect(dmText).toContain('Wed 2 Dec 2026 10:00 CET'); // Alice's own zone in the fallback
    expect(dmText).toContain('Go deep on systems.');
    expect(dmText).toContain('calendar.google.com/calendar/render?action=TEMPLATE');
    expect(dmText).toContain('20261202T090000Z%2F20261202T100000Z');
    expect(dmText).toContain('slot_decline');
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === BOB && JSON.stringify(c.args).includes('Booked Candidate'),
    );
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === DEV && JSON.stringify(c.args).includes('Booked Candidate'),
    );

    const announced = await t.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args.channel === HIRING_CHANNEL &&
        JSON.stringify(c.args.blocks).includes('Booked Candidate') &&
        JSON.stringify(c.args.blocks).includes(`<@${ALICE}>`),
    );
    expect(JSON.stringify(announced.args.blocks)).toContain('Peer / team interview');

    const members = await t.panelist.deps.db
      .selectFrom('panel_member')
      .select('user_id')
      .where('panel_id', '=', panel.id)
      .where('role', '=', 'interviewer')
      .execute();
    expect(members.map((m) => m.user_id).sort()).toEqual([ALICE, BOB, DEV].sort());

    const home = await t.slack.waitForCall(
      'views.publish',
      (c) => c.args.user_id === ALICE && JSON.stringify(c.args.view).includes('Booked Candidate'),
    );
    expect(JSON.stringify(home.args.view)).toContain('Hiring-manager deep dive');
    // Nobody publishes a Home that was never opened: it is built fresh on its first open.
    await t.followUpsSettled();
    expect(t.slack.callsTo('views.publish', (c) => c.args.user_id === BOB || c.args.user_id === DEV)).toEqual(
      [],
    );
  });

  it('a booking DM Slack refuses for now (429, 5xx) reaches each interviewer once, later', async () => {
    const LIMITED = 'URETRYLIMIT';
    const FLAKY = 'URETRYFLAKY';
    const STEADY = 'URETRYSTEADY';
    for (const id of [LIMITED, FLAKY, STEADY]) t.slack.addUser(id, { tz: 'UTC', real_name: id });
    const { panel, manager } = await panelWithStages({ candidateName: 'Retried Candidate' });
    const dmFor = (userId: string) => (args: Record<string, unknown>) => args.channel === userId;
    t.slack.injectFault(
      'chat.postMessage',
      { kind: 'rate_limited', retryAfterSeconds: 1 },
      1,
      dmFor(LIMITED),
    );
    // More 5xx than the Slack client's own retries: the job itself must try again.
    t.slack.injectFault('chat.postMessage', { kind: 'server_error', status: 503 }, 5, dmFor(FLAKY));
    const res = await book(panel, [
      { stageId: manager, start: at('2026-12-03T15:00:00Z'), interviewers: [LIMITED, FLAKY, STEADY] },
    ]);
    expect(res.json?.errors).toBeUndefined();

    const booked = (userId: string) => dmsTo(userId, 'Retried Candidate');
    for (const id of [LIMITED, FLAKY, STEADY]) {
      await t.slack.waitForCall(
        'chat.postMessage',
        (c) => c.args.channel === id && JSON.stringify(c.args).includes('Retried Candidate'),
        15_000,
      );
    }
    await t.followUpsSettled(15_000);
    expect(t.slack.callsTo('chat.postMessage#fault', (c) => c.args.channel === LIMITED)).toHaveLength(1);
    expect(t.slack.callsTo('chat.postMessage#fault', (c) => c.args.channel === FLAKY)).toHaveLength(5);
    // Each person once: the retries sent only what had not gone out.
    expect([booked(LIMITED).length, booked(FLAKY).length, booked(STEADY).length]).toEqual([1, 1, 1]);
  });

  it('writes down each booking DM as Slack takes it, so a worker that dies mid-job resends at most the one in flight', async () => {
    const FIRST = 'URECORDED1';
    const SECOND = 'URECORDED2';
    const SLOW = 'URECORDEDSLOW';
    for (const id of [FIRST, SECOND, SLOW]) t.slack.addUser(id, { tz: 'UTC', real_name: id });
    const { panel, manager } = await panelWithStages({ candidateName: 'Recorded Candidate' });
    const release = t.slack.holdCalls('chat.postMessage', (c) => c.args.channel === SLOW);
    try {
      const res = await book(panel, [
        { stageId: manager, start: at('2026-12-03T16:30:00Z'), interviewers: [FIRST, SECOND, SLOW] },
      ]);
      expect(res.json?.errors).toBeUndefined();
      const [slot] = await slotsOf(panel);
      const { revision } = await t.panelist.deps.db
        .selectFrom('panel')
        .select('revision')
        .where('id', '=', panel.id)
        .executeTakeFirstOrThrow();
      const jobId = `effects-${TEAM_ID}-${panel.id}-r${revision}`;
      // While the slow person's DM is still with Slack, the job already names the two delivered.
      await expect
        .poll(
          async () => (await t.panelist.deps.queues.effects.getJob(jobId))?.data.sentDms?.slice().sort(),
          {
            timeout: 5_000,
          },
        )
        .toEqual([`booked-${slot?.slot.id}-${FIRST}`, `booked-${slot?.slot.id}-${SECOND}`]);
    } finally {
      release();
    }
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === SLOW);
  });

  it('keeps a booking’s follow-ups in Postgres, from its own transaction until its interviewers are told', async () => {
    const KEPT = 'UKEPT';
    t.slack.addUser(KEPT, { tz: 'UTC', real_name: 'Kept Person' });
    const { panel, manager } = await panelWithStages({ candidateName: 'Kept Candidate' });
    const kept = () =>
      t.panelist.deps.db
        .selectFrom('schedule_follow_up')
        .select(['revision', 'job'])
        .where('team_id', '=', TEAM_ID)
        .where('panel_id', '=', panel.id)
        .execute();
    const release = t.slack.holdCalls('chat.postMessage', (c) => c.args.channel === KEPT);
    try {
      const res = await book(panel, [
        { stageId: manager, start: at('2026-12-03T10:00:00Z'), interviewers: [KEPT] },
      ]);
      expect(res.json?.errors).toBeUndefined();
      // While the DM is still with Slack, the follow-up stands in Postgres: who is told what.
      const [row] = await kept();
      expect(JSON.stringify(row?.job)).toContain(KEPT);
    } finally {
      release();
    }
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === KEPT);
    await expect.poll(kept).toEqual([]);
  });

  it('a booking whose follow-up job Redis lost is queued again by the reconciler: each interviewer is told once', async () => {
    const LOST = 'ULOSTJOB';
    t.slack.addUser(LOST, { tz: 'UTC', real_name: 'Lost Job' });
    const { panel, manager } = await panelWithStages({ candidateName: 'Lost Job Candidate' });
    const effects = t.panelist.deps.queues.effects;
    // No worker takes the job before it is gone, as if Redis lost it (or the web process died
    // between its commit and queueing it).
    await effects.pause();
    try {
      const res = await book(panel, [
        { stageId: manager, start: at('2026-12-03T15:00:00Z'), interviewers: [LOST] },
      ]);
      expect(res.json?.errors).toBeUndefined();
      const { revision } = await t.panelist.deps.db
        .selectFrom('panel')
        .select('revision')
        .where('id', '=', panel.id)
        .executeTakeFirstOrThrow();
      await (await effects.getJob(`effects-${TEAM_ID}-${panel.id}-r${revision}`))?.remove();
    } finally {
      await effects.resume();
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(dmsTo(LOST, 'Lost Job Candidate')).toHaveLength(0);
    // Within its grace the reconciler leaves it (its job may just be slow to come).
    await t.reconcile();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(dmsTo(LOST, 'Lost Job Candidate')).toHaveLength(0);

    // Three minutes on (the database's time: a job's grace is real time, not the panel's clock).
    const [kept] = await sql<{ job: ScheduleEffectsJob }>`update schedule_follow_up
      set created_at = created_at - interval '3 minutes'
      where team_id = ${TEAM_ID} and panel_id = ${panel.id} returning job`
      .execute(t.panelist.deps.db)
      .then((r) => r.rows);
    if (kept === undefined) throw new Error('the follow-up was not kept');
    await t.reconcile();
    await expect.poll(() => dmsTo(LOST, 'Lost Job Candidate').length).toBe(1);
    await expect
      .poll(() =>
        t.panelist.deps.db
          .selectFrom('schedule_follow_up')
          .select('revision')
          .where('team_id', '=', TEAM_ID)
          .where('panel_id', '=', panel.id)
          .execute(),
      )
      .toEqual([]);
    // Another pass finds nothing kept: nobody is told twice. Nor by a copy a pass queued just as
    // the job finished (it read the row before the job deleted it).
    await t.reconcile();
    await requeueScheduleEffects(t.panelist.deps.queues, [kept.job]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(dmsTo(LOST, 'Lost Job Candidate')).toHaveLength(1);
  });

  it('follow-ups Redis could not take are done by the web process; a DM Slack refused for now stays kept and goes out once Redis is back, alone', async () => {
    const TOLD = 'UFALLBACKTOLD';
    const REFUSED = 'UFALLBACKREFUSED';
    t.slack.addUser(TOLD, { tz: 'UTC', real_name: 'Told Person' });
    t.slack.addUser(REFUSED, { tz: 'UTC', real_name: 'Refused Person' });
    const db = t.panelist.deps.db;
    const { panel, manager } = await panelWithStages({ candidateName: 'Fallback Candidate' });
    const told = () => [TOLD, REFUSED].map((id) => dmsTo(id, 'Fallback Candidate').length);
    const kept = () =>
      db
        .selectFrom('schedule_follow_up')
        .select('job')
        .where('team_id', '=', TEAM_ID)
        .where('panel_id', '=', panel.id)
        .execute();
    const res = await book(panel, [
      { stageId: manager, start: at('2026-12-03T16:00:00Z'), interviewers: [TOLD, REFUSED] },
    ]);
    expect(res.json?.errors).toBeUndefined();
    await expect.poll(told).toEqual([1, 1]);
    await expect.poll(kept).toEqual([]);

    // The same follow-ups again, as a change just committed would keep them, but Redis refuses the
    // job and Slack refuses one of the DMs for now (every try of the client's).
    const details = await findPanelById(db, TEAM_ID, panel.id);
    if (details === undefined) throw new Error('no panel');
    const slots = await slotsOf(panel);
    const notices = bookedNotices(slots);
    await db.transaction().execute((trx) => keepScheduleEffects(trx, details, notices, []));
    t.slack.injectFault(
      'chat.postMessage',
      { kind: 'server_error', status: 503 },
      4,
      (args) => args.channel === REFUSED,
    );
    // Queues whose Redis connection is gone (it was up, then closed): an add fails at once.
    const unreachable = createProducerConnection(TEST_REDIS_URL);
    const noRedis = createQueues(unreachable, `gone_${panel.id}`);
    await noRedis.effects.waitUntilReady();
    unreachable.disconnect();
    try {
      await queueScheduleEffects({ ...t.panelist.deps, queues: noRedis }, details, notices, []);
    } finally {
      await closeQueues(noRedis).catch(() => undefined);
      unreachable.disconnect();
    }
    expect(told()).toEqual([2, 1]);
    // Kept, with the DM that went out written down.
    const [row] = await kept();
    expect((row?.job as ScheduleEffectsJob | undefined)?.sentDms).toEqual([
      `booked-${slots[0]?.slot.id}-${TOLD}`,
    ]);

    // Redis is back: past the follow-up's grace the reconciler queues it, and only the person
    // Slack refused is told.
    await sql`update schedule_follow_up set created_at = created_at - interval '3 minutes'
      where team_id = ${TEAM_ID} and panel_id = ${panel.id}`.execute(db);
    await t.reconcile();
    await expect.poll(told).toEqual([2, 2]);
    await expect.poll(kept).toEqual([]);
  });

  it('books only the filled slot forms and ignores empty ones', async () => {
    const { panel, manager, peer } = await panelWithStages();
    const res = await book(panel, [
      { stageId: manager, start: null },
      { stageId: peer, start: at('2026-12-03T09:00:00Z'), interviewers: [DEV] },
    ]);
    expect(res.json?.response_action).toBe('update');
    expect((await slotsOf(panel)).map((s) => s.stageKind)).toEqual(['peer']);
  });

  describe('hard rules: a field error and nothing stored', () => {
    const cases: [string, (ids: { manager: string; peer: string }) => SlotFields[], string, RegExp][] = [
      [
        'a start in the past',
        ({ manager }) => [{ stageId: manager, start: at('2026-12-01T09:00:00Z'), interviewers: [DEV] }],
        'slot_0_start',
        /in the past/,
      ],
      [
        'an end after the decision deadline',
        ({ manager }) => [{ stageId: manager, start: at('2026-12-08T09:30:00Z'), interviewers: [DEV] }],
        'slot_0_start',
        /after the decision deadline/,
      ],
      [
        'no interviewers',
        ({ manager }) => [{ stageId: manager, start: at('2026-12-03T09:00:00Z'), interviewers: [] }],
        'slot_0_interviewers',
        /at least one interviewer/,
      ],
      [
        'no start',
        ({ manager }) => [{ stageId: manager, start: null, interviewers: [DEV] }],
        'slot_0_start',
        /when this slot starts/,
      ],
      [
        'a 10-minute slot',
        ({ manager }) => [
          { stageId: manager, start: at('2026-12-03T09:00:00Z'), duration: 10, interviewers: [DEV] },
        ],
        'slot_0_duration',
        /15 to 240/,
      ],
      [
        'a 5-hour slot',
        ({ manager }) => [
          { stageId: manager, start: at('2026-12-03T09:00:00Z'), duration: 300, interviewers: [DEV] },
        ],
        'slot_0_duration',
        /15 to 240/,
      ],
      [
        'every form empty',
        ({ manager }) => [{ stageId: manager, start: null }],
        'slot_0_start',
        /at least one slot/,
      ],
      [
        'a bot as interviewer',
        ({ manager }) => [{ stageId: manager, start: at('2026-12-03T09:00:00Z'), interviewers: ['UBOT'] }],
        'slot_0_interviewers',
        /Some Bot cannot interview/,
      ],
      [
        'the candidate in two overlapping slots',
        ({ manager, peer }) => [
          { stageId: manager, start: at('2026-12-03T09:00:00Z'), interviewers: [ALICE] },
          { stageId: peer, start: at('2026-12-03T09:30:00Z'), interviewers: [BOB] },
        ],
        'slot_1_start',
        /candidate already has a slot/,
      ],
      [
        'one interviewer in two slots closer than the buffer',
        ({ manager, peer }) => [
          { stageId: manager, start: at('2026-12-03T09:00:00Z'), interviewers: [CHO] },
          { stageId: peer, start: at('2026-12-03T10:05:00Z'), interviewers: [CHO] },
        ],
        'slot_1_interviewers',
        /Cho Chen already interviews .* in another slot of this form; 10 minutes must be free/,
      ],
    ];
    it.each(cases)('%s', async (_name, groups, field, message) => {
      const { panel, manager, peer } = await panelWithStages();
      const res = await book(panel, groups({ manager, peer }));
      expect(res.json?.response_action).toBe('errors');
      expect(res.json?.errors).toMatchObject({ [field]: expect.stringMatching(message) });
      expect(await slotsOf(panel)).toEqual([]);
    });
  });

  it('refuses an interviewer already booked on another panel at that time, naming them', async () => {
    const first = await panelWithStages();
    expect(
      (
        await book(first.panel, [
          { stageId: first.manager, start: at('2026-12-04T09:00:00Z'), interviewers: [ALICE] },
        ])
      ).json?.response_action,
    ).toBe('update');
    const second = await panelWithStages();
    const res = await book(second.panel, [
      { stageId: second.peer, start: at('2026-12-04T09:30:00Z'), interviewers: [ALICE, DEV] },
    ]);
    expect(res.json?.errors).toMatchObject({
      slot_0_interviewers: expect.stringMatching(/^Alice Adler already interviews .*\(P-\d+\)/),
    });
    expect(await slotsOf(second.panel)).toEqual([]);
  });

  it('keeps the buffer between panels: a slot starting 5 minutes after another ends is refused, 10 minutes is fine', async () => {
    const first = await panelWithStages();
    await book(first.panel, [
      { stageId: first.manager, start: at('2026-12-04T13:00:00Z'), interviewers: [BOB] },
    ]);
    const second = await panelWithStages();
    const tooSoon = await book(second.panel, [
      { stageId: second.peer, start: at('2026-12-04T14:05:00Z'), interviewers: [BOB] },
    ]);
    expect(tooSoon.json?.errors).toMatchObject({
      slot_0_interviewers: expect.stringMatching(/10 minutes must be free/),
    });
    const fine = await book(second.panel, [
      { stageId: second.peer, start: at('2026-12-04T14:10:00Z'), interviewers: [BOB] },
    ]);
    expect(fine.json?.response_action).toBe('update');
  });

  it('a smaller buffer frees time at once: back to back is accepted after the buffer is set to 0', async () => {
    const TIGHT = 'UTIGHT';
    t.slack.addUser(TIGHT, { tz: 'UTC', real_name: 'Ti Ght' });
    const first = await panelWithStages();
    await book(first.panel, [
      { stageId: first.manager, start: at('2026-12-03T09:00:00Z'), interviewers: [TIGHT] },
    ]);
    const rules = await schedulingRules();
    await rules.set({ bufferMinutes: 0 });
    try {
      const second = await panelWithStages();
      const backToBack = await book(second.panel, [
        { stageId: second.peer, start: at('2026-12-03T10:00:00Z'), interviewers: [TIGHT] },
      ]);
      // Not "Someone else just booked…": the first interview's stored range shrank with the buffer.
      expect(backToBack.json?.errors).toBeUndefined();
      expect(backToBack.json?.response_action).toBe('update');
    } finally {
      await rules.restore();
    }
  });

  it('a buffer lowered after it was raised never lengthens a range stored under a smaller one', async () => {
    const SNUG = 'USNUG';
    t.slack.addUser(SNUG, { tz: 'UTC', real_name: 'Sn Ug' });
    const rules = await schedulingRules();
    // Booked 15 minutes apart under the default 10-minute buffer.
    const first = await panelWithStages();
    await book(first.panel, [
      { stageId: first.manager, start: at('2026-12-03T13:00:00Z'), interviewers: [SNUG] },
    ]);
    const second = await panelWithStages();
    const next = await book(second.panel, [
      { stageId: second.peer, start: at('2026-12-03T14:15:00Z'), interviewers: [SNUG] },
    ]);
    expect(next.json?.response_action).toBe('update');
    try {
      await rules.set({ bufferMinutes: 30 });
      // Lowering to 20 must not stretch the first interview's range (ending 14:10) over the second.
      await expect(rules.set({ bufferMinutes: 20 })).resolves.toBeUndefined();
      const ranges = await t.panelist.deps.db
        .selectFrom('slot_interviewer')
        .select(sql<string>`upper(busy)::text`.as('busyUntil'))
        .where('team_id', '=', TEAM_ID)
        .where('user_id', '=', SNUG)
        .orderBy('busy')
        .execute();
      expect(ranges.map((r) => new Date(r.busyUntil).toISOString())).toEqual([
        '2026-12-03T14:10:00.000Z',
        '2026-12-03T15:25:00.000Z',
      ]);
    } finally {
      await rules.restore();
    }
  });

  it('refuses a sixth interview in one week, saying who is over and by how much', async () => {
    const PAT = 'UPAT';
    t.slack.addUser(PAT, { tz: 'UTC', real_name: 'Pat Busy' });
    for (const day of ['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11']) {
      const p = await givenPanel(t.panelist.deps.db, TEST_NOW, {
        decisionDeadline: new Date('2026-12-20T00:00:00Z'),
        answerPromisedOn: '2026-12-21',
      });
      const details = await findPanelById(t.panelist.deps.db, TEAM_ID, p.id);
      const res = await book(p, [
        { stageId: details?.stages[0]?.id ?? '', start: at(`${day}T09:00:00Z`), interviewers: [PAT] },
      ]);
      expect(res.json?.response_action).toBe('update');
    }
    const p = await givenPanel(t.panelist.deps.db, TEST_NOW, {
      decisionDeadline: new Date('2026-12-20T00:00:00Z'),
      answerPromisedOn: '2026-12-21',
    });
    const details = await findPanelById(t.panelist.deps.db, TEAM_ID, p.id);
    const res = await book(p, [
      { stageId: details?.stages[0]?.id ?? '', start: at('2026-12-11T14:00:00Z'), interviewers: [PAT] },
    ]);
    expect(res.json?.errors).toMatchObject({
      slot_0_interviewers:
        'Pat Busy would have 6 interviews in the week of 2026-12-07, over the limit of 5 by 1.',
    });
    // The next week is fine.
    const nextWeek = await book(p, [
      { stageId: details?.stages[0]?.id ?? '', start: at('2026-12-14T09:00:00Z'), interviewers: [PAT] },
    ]);
    expect(nextWeek.json?.response_action).toBe('update');
  });

  it('two coordinators booking the same interviewer at the same moment: exactly one succeeds', async () => {
    const RACE = 'URACE';
    t.slack.addUser(RACE, { tz: 'UTC', real_name: 'Ray Race' });
    const panels = await Promise.all([
      panelWithStages(),
      panelWithStages(),
      panelWithStages(),
      panelWithStages(),
    ]);
    const results = await Promise.all(
      panels.map((p) =>
        book(p.panel, [{ stageId: p.manager, start: at('2026-12-05T10:00:00Z'), interviewers: [RACE] }]),
      ),
    );
    const outcomes = results.map((r) => r.json?.response_action);
    expect(outcomes.filter((o) => o === 'update')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'errors')).toHaveLength(3);
    for (const r of results.filter((r) => r.json?.response_action === 'errors')) {
      expect(JSON.stringify(r.json?.errors)).toMatch(/Ray Race already interviews|Someone else just booked/);
    }
    expect(await seatsOf(RACE)).toHaveLength(1);
  });

  it('a workspace’s own weekly limit applies: at a limit of 2, the third interview that week is refused', async () => {
    const TWICE = 'UTWICE';
    t.slack.addUser(TWICE, { tz: 'UTC', real_name: 'Tw Ice' });
    const rules = await schedulingRules();
    await rules.set({ weeklyLimit: 2 });
    try {
      const later = { decisionDeadline: new Date('2026-12-20T00:00:00Z'), answerPromisedOn: '2026-12-21' };
      for (const day of ['2026-12-07', '2026-12-08']) {
        const p = await panelWithStages(later);
        const res = await book(p.panel, [
          { stageId: p.manager, start: at(`${day}T09:00:00Z`), interviewers: [TWICE] },
        ]);
        expect(res.json?.response_action).toBe('update');
      }
      const third = await panelWithStages(later);
      const refused = await book(third.panel, [
        { stageId: third.manager, start: at('2026-12-09T09:00:00Z'), interviewers: [TWICE] },
      ]);
      expect(refused.json?.errors).toEqual({
        slot_0_interviewers:
          'Tw Ice would have 3 interviews in the week of 2026-12-07, over the limit of 2 by 1.',
      });
      expect(await slotsOf(third.panel)).toEqual([]);
    } finally {
      await rules.restore();
    }
  });

  it('four coordinators booking an interviewer with one interview left that week, at different times: exactly one succeeds', async () => {
    const LOADED = 'ULOADED';
    t.slack.addUser(LOADED, { tz: 'UTC', real_name: 'Lo Aded' });
    const later = { decisionDeadline: new Date('2026-12-20T00:00:00Z'), answerPromisedOn: '2026-12-21' };
    for (const day of ['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10']) {
      const p = await panelWithStages(later);
      const res = await book(p.panel, [
        { stageId: p.manager, start: at(`${day}T09:00:00Z`), interviewers: [LOADED] },
      ]);
      expect(res.json?.response_action).toBe('update');
    }
    // No two of these overlap, so no constraint on time ranges can settle it: only the weekly count.
    const panels = await Promise.all([1, 2, 3, 4].map(() => panelWithStages(later)));
    const results = await Promise.all(
      panels.map((p, i) =>
        book(p.panel, [
          { stageId: p.manager, start: at(`2026-12-11T${10 + 2 * i}:00:00Z`), interviewers: [LOADED] },
        ]),
      ),
    );
    const outcomes = results.map((r) => r.json?.response_action);
    expect(outcomes.filter((o) => o === 'update')).toHaveLength(1);
    for (const r of results.filter((r) => r.json?.response_action === 'errors')) {
      expect(r.json?.errors).toEqual({
        slot_0_interviewers:
          'Lo Aded would have 6 interviews in the week of 2026-12-07, over the limit of 5 by 1.',
      });
    }
    expect(await seatsOf(LOADED)).toHaveLength(5);
  });

  it('the same view sent again (Slack gave up waiting, a double click) books once and answers the same', async () => {
    const REPEAT = 'UREPEAT';
    t.slack.addUser(REPEAT, { tz: 'UTC', real_name: 'Rea Peat' });
    const { panel, details, manager } = await panelWithStages({ candidateName: 'Repeat Candidate' });
    const view = { ...getScheduleModal(details, [], 1), id: 'VREPEATED1' };
    const values = scheduleValues([
      { stageId: manager, start: at('2026-12-04T11:00:00Z'), interviewers: [REPEAT] },
    ]);
    const first = await t.requests.viewSubmission(PEOPLE.recruiter, view, values);
    const second = await t.requests.viewSubmission(PEOPLE.recruiter, view, values);
    expect(first.json?.response_action).toBe('update');
    // Not “Rea Peat already interviews at this time”: the first copy’s confirmation again.
    expect(second.json).toEqual(first.json);
    const slots = await slotsOf(panel);
    expect(slots.map((s) => s.interviewers.map((i) => i.userId))).toEqual([[REPEAT]]);
    const audit = await t.panelist.deps.db
      .selectFrom('audit_event')
      .select('action')
      .where('panel_id', '=', panel.id)
      .where('action', '=', 'slot.booked')
      .execute();
    expect(audit).toHaveLength(1);

    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === REPEAT);
    await t.followUpsSettled();
    expect(dmsTo(REPEAT, 'Repeat Candidate')).toHaveLength(1);

    // Two copies at once: the database lets one book; the other gets the same confirmation.
    const { panel: other, details: otherDetails, manager: otherManager } = await panelWithStages();
    const twin = { ...getScheduleModal(otherDetails, [], 1), id: 'VREPEATED2' };
    const twinValues = scheduleValues([
      { stageId: otherManager, start: at('2026-12-04T14:00:00Z'), interviewers: [REPEAT] },
    ]);
    const answers = await Promise.all([
      t.requests.viewSubmission(PEOPLE.recruiter, twin, twinValues),
      t.requests.viewSubmission(PEOPLE.recruiter, twin, twinValues),
    ]);
    expect(answers.map((a) => a.json?.response_action)).toEqual(['update', 'update']);
    expect(JSON.stringify(answers[1]?.json?.view)).toContain('Booked');
    expect((await slotsOf(other)).map((s) => s.slot.starts_at.toISOString())).toEqual([
      '2026-12-04T14:00:00.000Z',
    ]);
    const submissions = await t.panelist.deps.db
      .selectFrom('schedule_submission')
      .select(['view_id', 'slot_ids'])
      .where('team_id', '=', TEAM_ID)
      .where('view_id', 'in', ['VREPEATED1', 'VREPEATED2'])
      .orderBy('view_id')
      .execute();
    expect(submissions).toEqual([
      { view_id: 'VREPEATED1', slot_ids: [slots[0]?.slot.id] },
      { view_id: 'VREPEATED2', slot_ids: [(await slotsOf(other))[0]?.slot.id] },
    ]);

    // The reconciler forgets them after a week (a repeat comes within seconds, not days).
    const weekAgo = new Date(TEST_NOW.getTime() - 8 * 24 * 3600 * 1000);
    await sql`update schedule_submission set submitted_at = ${weekAgo}
              where team_id = ${TEAM_ID} and view_id = 'VREPEATED1'`.execute(t.panelist.deps.db);
    await t.reconcile();
    const left = await t.panelist.deps.db
      .selectFrom('schedule_submission')
      .select('view_id')
      .where('team_id', '=', TEAM_ID)
      .where('view_id', 'in', ['VREPEATED1', 'VREPEATED2'])
      .execute();
    expect(left).toEqual([{ view_id: 'VREPEATED2' }]);
  });

  it('a copy of a view edited before it was sent again is refused by the database and answered with what was booked', async () => {
    const EDIT1 = 'UEDITONE';
    const EDIT2 = 'UEDITTWO';
    t.slack.addUser(EDIT1, { tz: 'UTC', real_name: 'Ed One' });
    t.slack.addUser(EDIT2, { tz: 'UTC', real_name: 'Ed Two' });
    const { panel, details, manager } = await panelWithStages({ candidateName: 'Edited Candidate' });
    const view = { ...getScheduleModal(details, [], 1), id: 'VEDITED1' };
    const asFirst = scheduleValues([
      { stageId: manager, start: at('2026-12-04T09:00:00Z'), interviewers: [EDIT1] },
    ]);
    const asEdited = scheduleValues([
      { stageId: manager, start: at('2026-12-04T16:00:00Z'), interviewers: [EDIT2] },
    ]);
    // Both copies wait behind a lock on the panel, so each reads before the other has written:
    // only the view's primary key can tell the second it is a repeat.
    const holder = await t.panelist.deps.db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await sql`select id from panel where team_id = ${TEAM_ID} and id = ${panel.id} for update`.execute(
        conn,
      );
      const answers = Promise.all([
        t.requests.viewSubmission(PEOPLE.recruiter, view, asFirst),
        t.requests.viewSubmission(PEOPLE.recruiter, view, asEdited),
      ]);
      await expect
        .poll(async () => {
          const { rows } = await sql<{ n: number }>`
            select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'
              and query like '%prepared:booking_lock%'`.execute(t.panelist.deps.db);
          return rows[0]?.n;
        })
        .toBe(2);
      await sql`commit`.execute(conn);
      return answers;
    });
    const answers = await holder;
    expect(answers.map((a) => a.json?.response_action)).toEqual(['update', 'update']);
    const slots = await slotsOf(panel);
    expect(slots).toHaveLength(1);
    // Both answers show the one slot booked, with its interviewer (whichever copy got there first).
    const bookedWith = slots[0]?.interviewers.map((i) => i.userId) ?? [];
    expect(bookedWith).toHaveLength(1);
    const other = bookedWith[0] === EDIT1 ? EDIT2 : EDIT1;
    for (const answer of answers) {
      expect(JSON.stringify(answer.json?.view)).toContain(`<@${bookedWith[0]}>`);
      expect(JSON.stringify(answer.json?.view)).not.toContain(`<@${other}>`);
    }

    // Once that slot is cancelled, the view sent again says so rather than booking anew.
    const slotId = slots[0]?.slot.id ?? '';
    const cancelled = await cancelSlot(t.panelist.deps.db, {
      teamId: TEAM_ID,
      slotId,
      actorId: PEOPLE.recruiter,
      now: TEST_NOW,
    });
    expect(cancelled.kind).toBe('done');
    const late = await t.requests.viewSubmission(PEOPLE.recruiter, view, asFirst);
    expect(JSON.stringify(late.json?.view)).toContain('its slots have since been cancelled');
    expect(await slotsOf(panel)).toEqual([]);
  });

  it('bookings that queued on one panel each see the ones before them: the candidate’s clash is named, nudges kept', async () => {
    const { panel, manager, peer } = await panelWithStages();
    for (const id of ['UPAR1', 'UPAR2', 'UPAR3']) t.slack.addUser(id, { tz: 'UTC', real_name: id });
    // Hold the panel's lock so that the bookings queue on it, then let them through one by one.
    const { db } = t.panelist.deps;
    let release: () => void = () => undefined;
    const held = db.transaction().execute(async (trx) => {
      await sql`select id from panel where id = ${panel.id} for update`.execute(trx);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const [first, second, third] = [
      book(panel, [{ stageId: manager, start: at('2026-12-02T10:00:00Z'), interviewers: ['UPAR1'] }]),
      book(panel, [{ stageId: peer, start: at('2026-12-02T10:30:00Z'), interviewers: ['UPAR2'] }]),
      book(panel, [{ stageId: peer, start: at('2026-12-03T10:00:00Z'), interviewers: ['UPAR3'] }]),
    ];
    await expect
      .poll(async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'
              and query like '%prepared:booking_lock%'`.execute(db);
        return rows[0]?.n ?? 0;
      })
      .toBeGreaterThanOrEqual(3);
    release();
    await held;
    const answers = await Promise.all([first, second, third]);
    const clashing = answers.slice(0, 2);
    expect(clashing.map((a) => a.json?.response_action).sort()).toEqual(['errors', 'update']);
    // The loser read the panel after the winner committed, so it names the clash itself rather
    // than falling back on the database's refusal.
    const refused = clashing.find((a) => a.json?.response_action === 'errors');
    expect(JSON.stringify(refused?.json?.errors)).toMatch(/The candidate already has a slot of this panel/);
    expect(answers[2]?.json?.response_action).toBe('update');

    const booked = await slotsOf(panel);
    expect(booked).toHaveLength(2);
    const planned = await db
      .selectFrom('nudge')
      .select(['kind', 'recipient'])
      .where('panel_id', '=', panel.id)
      .where('state', '=', 'pending')
      .where('kind', 'in', ['briefing', 'feedback_due'])
      .execute();
    for (const slot of booked) {
      const id = slot.interviewers[0]?.userId;
      expect(
        planned
          .filter((n) => n.recipient === id)
          .map((n) => n.kind)
          .sort(),
      ).toEqual(['briefing', 'feedback_due']);
    }
  });

  it('a burst of changes in one channel posts each announcement once, one channel interval apart', async () => {
    // The test app's channel interval is 50 ms (Slack's is one second).
    const panels = await Promise.all(
      Array.from({ length: 5 }, () => panelWithStages({ channelId: 'CPACED' })),
    );
    const answers = await Promise.all(
      panels.map((p, n) =>
        book(p.panel, [
          { stageId: p.manager, start: at('2026-12-04T10:00:00Z'), interviewers: [`UPACE${n}`] },
        ]),
      ),
    );
    expect(answers.map((a) => a.json?.response_action)).toEqual(Array(5).fill('update'));
    await expect
      .poll(() => t.slack.callsTo('chat.postMessage', (c) => c.args.channel === 'CPACED').length)
      .toBe(5);
    await t.followUpsSettled();
    const posts = t.slack.callsTo('chat.postMessage', (c) => c.args.channel === 'CPACED');
    expect(posts).toHaveLength(5);
    const times = posts.map((c) => c.at).sort((a, b) => a - b);
    // Each job books its own moment, one interval after the last one booked, and posts then: five
    // posts span four intervals, less however late the first went out after its moment (30 ms seen
    // on a loaded machine). Unpaced, all five would go out within a few milliseconds.
    expect((times[4] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(3 * 50);
  });

  it('warns, but keeps the booking, outside an interviewer’s working hours or on their weekend', async () => {
    const { panel, manager, peer } = await panelWithStages();
    // 10:00 UTC is 19:00 in Tokyo; Saturday 5 Dec is a weekend everywhere.
    const res = await book(panel, [
      { stageId: manager, start: at('2026-12-03T10:00:00Z'), interviewers: [CHO] },
      { stageId: peer, start: at('2026-12-05T15:00:00Z'), interviewers: [DEV] },
    ]);
    expect(res.json?.response_action).toBe('update');
    const shown = JSON.stringify(res.json?.view);
    expect(shown).toContain(
      `<@${CHO}>: Thu 3 Dec 2026 19:00 GMT+9 (Asia/Tokyo) is outside their working hours`,
    );
    expect(shown).toContain(`<@${DEV}>: Sat 5 Dec 2026 15:00 UTC (UTC) is on their weekend`);
    expect(await slotsOf(panel)).toHaveLength(2);
  });

  it('refuses someone who is not a coordinator, even with a forged submission', async () => {
    const { panel, manager } = await panelWithStages();
    const res = await book(
      panel,
      [{ stageId: manager, start: at('2026-12-03T09:00:00Z'), interviewers: [DEV] }],
      PEOPLE.decisionMaker,
    );
    expect(res.json?.response_action).toBe('update');
    expect(JSON.stringify(res.json?.view)).toContain('Only the recruiter or hiring manager');
    expect(await slotsOf(panel)).toEqual([]);
  });
});

describe('changing the schedule', () => {
  it('rescheduling frees the old time, and DMs kept, added and removed interviewers', async () => {
    const MOVER = 'UMOVER';
    const NEWBIE = 'UNEWBIE';
    t.slack.addUser(MOVER, { tz: 'UTC', real_name: 'Mo Ver' });
    t.slack.addUser(NEWBIE, { tz: 'UTC', real_name: 'Nu Bie' });
    const { panel, details, manager } = await panelWithStages({ candidateName: 'Moving Candidate' });
    const booked = await book(panel, [
      { stageId: manager, start: at('2026-12-07T09:00:00Z'), interviewers: [MOVER, 'UKEEPOFF'] },
    ]);
    expect(booked.json?.response_action).toBe('update');
    const [slot] = await slotsOf(panel);
    if (slot === undefined) throw new Error('not booked');

    // The status view offers Reschedule to the coordinator.
    const status = await t.requests.command(PEOPLE.recruiter, `status P-${panel.number}`);
    expect(JSON.stringify(status.json?.blocks)).toContain('slot_reschedule_open');
    const view = await openReschedule(slot.slot.id);

    const res = await t.requests.viewSubmission(
      PEOPLE.recruiter,
      view,
      scheduleValues([
        { stageId: manager, start: at('2026-12-07T13:00:00Z'), duration: 30, interviewers: [MOVER, NEWBIE] },
      ]),
    );
    expect(res.json?.response_action).toBe('update');
    const [moved] = await slotsOf(panel);
    expect(moved?.slot.starts_at.toISOString()).toBe('2026-12-07T13:00:00.000Z');
    expect(moved?.interviewers.map((i) => i.userId)).toEqual([MOVER, NEWBIE]);

    const movedDm = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === MOVER && JSON.stringify(c.args).includes('has changed'),
    );
    // Where it was, where it is now, and that the calendar event they may have added is stale.
    const movedText = JSON.stringify(movedDm.args.blocks);
    expect(movedText).toContain(`<!date^${Date.parse('2026-12-07T13:00:00Z') / 1000}^`);
    expect(movedText).toContain('It was <!date^');
    expect(movedText).toContain('replace that event');
    expect(movedText).toContain('calendar.google.com');
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === NEWBIE && JSON.stringify(c.args).includes('You’re interviewing'),
    );
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'UKEEPOFF' && JSON.stringify(c.args).includes('no longer needs you'),
    );

    // Mover's 09:00 is free again for another panel.
    const other = await panelWithStages();
    const rebook = await book(other.panel, [
      { stageId: other.manager, start: at('2026-12-07T09:00:00Z'), interviewers: [MOVER] },
    ]);
    expect(rebook.json?.response_action).toBe('update');
    expect(details.panel.id).toBe(panel.id);
  });

  it('saving a slot unchanged (or a reschedule sent twice) stores nothing new and tells nobody again', async () => {
    const STAY = 'USTAY';
    t.slack.addUser(STAY, { tz: 'UTC', real_name: 'St Ay' });
    const { panel, manager } = await panelWithStages({ candidateName: 'Unchanged Candidate' });
    const booked = await book(panel, [
      { stageId: manager, start: at('2026-12-03T10:00:00Z'), interviewers: [STAY] },
    ]);
    expect(booked.json?.errors).toBeUndefined();
    const [slot] = await slotsOf(panel);
    if (slot === undefined) throw new Error('not booked');
    const view = await openReschedule(slot.slot.id);
    const moved = scheduleValues([
      { stageId: manager, start: at('2026-12-03T12:00:00Z'), interviewers: [STAY] },
    ]);
    const first = await t.requests.viewSubmission(PEOPLE.recruiter, view, moved);
    expect(first.json?.errors).toBeUndefined();
    expect(first.json?.response_action).toBe('update');
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === STAY && JSON.stringify(c.args).includes('has changed'),
    );
    await t.followUpsSettled();
    const revision = async () =>
      (
        await t.panelist.deps.db
          .selectFrom('panel')
          .select('revision')
          .where('id', '=', panel.id)
          .executeTakeFirstOrThrow()
      ).revision;
    const before = await revision();

    const again = await t.requests.viewSubmission(PEOPLE.recruiter, view, moved);
    expect(again.json?.response_action).toBe('update');
    expect(JSON.stringify(again.json?.view)).toContain('Saved');
    expect(JSON.stringify(again.json?.view)).toContain('Nothing changed, so nobody was messaged.');
    await t.followUpsSettled();
    expect(await revision()).toBe(before);
    expect(dmsTo(STAY, 'has changed')).toHaveLength(1);
    expect((await slotsOf(panel))[0]?.slot.starts_at.toISOString()).toBe('2026-12-03T12:00:00.000Z');
  });

  it('a reschedule that breaks a rule is refused beside the field, and the slot and its people stay as they were', async () => {
    const KEPT = 'UKEPTPUT';
    const CLASH = 'UCLASHWITH';
    t.slack.addUser(KEPT, { tz: 'UTC', real_name: 'Ke Pt' });
    t.slack.addUser(CLASH, { tz: 'UTC', real_name: 'Cl Ash' });
    const { panel, manager } = await panelWithStages({ candidateName: 'Kept Candidate' });
    await book(panel, [{ stageId: manager, start: at('2026-12-04T09:00:00Z'), interviewers: [KEPT] }]);
    const other = await panelWithStages();
    await book(other.panel, [
      { stageId: other.manager, start: at('2026-12-04T13:00:00Z'), interviewers: [CLASH] },
    ]);
    const [slot] = await slotsOf(panel);
    const slotId = slot?.slot.id ?? '';
    const view = await openReschedule(slotId);
    const refusals: [SlotFields, string, RegExp][] = [
      [{ stageId: manager, start: at('2026-12-01T09:00:00Z'), interviewers: [KEPT] }, 'slot_0_start', /past/],
      [
        { stageId: manager, start: at('2026-12-08T09:30:00Z'), interviewers: [KEPT] },
        'slot_0_start',
        /deadline/,
      ],
      [
        { stageId: manager, start: at('2026-12-04T13:00:00Z'), interviewers: [KEPT, CLASH] },
        'slot_0_interviewers',
        /Cl Ash already interviews/,
      ],
    ];
    for (const [fields, field, message] of refusals) {
      const res = await t.requests.viewSubmission(PEOPLE.recruiter, view, scheduleValues([fields]));
      expect(res.json?.response_action, field).toBe('errors');
      expect((res.json?.errors as Record<string, string> | undefined)?.[field], field).toMatch(message);
    }
    const [after] = await slotsOf(panel);
    expect(after?.slot.starts_at.toISOString()).toBe('2026-12-04T09:00:00.000Z');
    expect(after?.interviewers.map((i) => i.userId)).toEqual([KEPT]);
    await t.followUpsSettled();
    expect(dmsTo(KEPT, 'has changed')).toEqual([]);
    expect(dmsTo(CLASH, 'Kept Candidate')).toEqual([]);
  });

  it('cancelling a slot tells its interviewers, frees them and updates the announcement', async () => {
    const GONE = 'UGONE';
    t.slack.addUser(GONE, { tz: 'UTC', real_name: 'Go Ne' });
    const { panel, manager } = await panelWithStages({ candidateName: 'Cancel Slot Candidate' });
    await book(panel, [{ stageId: manager, start: at('2026-12-03T15:00:00Z'), interviewers: [GONE] }]);
    const [slot] = await slotsOf(panel);
    // They use App Home, which lists the interview.
    const home = await openHomeTab(t, GONE);
    expect(JSON.stringify(home.args.view)).toContain('Cancel Slot Candidate');
    const publishes = t.slack.callsTo('views.publish', (c) => c.args.user_id === GONE).length;
    await t.requests.blockAction(PEOPLE.recruiter, { action_id: 'slot_cancel', value: slot?.slot.id ?? '' });
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === GONE && JSON.stringify(c.args).includes('was cancelled'),
    );
    expect(await slotsOf(panel)).toEqual([]);
    expect(
      t.slack.calls.some(
        (c) =>
          c.method.startsWith('response_url/actions') && JSON.stringify(c.args).includes('Slot cancelled'),
      ),
    ).toBe(true);
    // The announcement as it now stands (posted afresh or updated in place, whichever the worker
    // reached first) shows the empty schedule.
    const announcementShows = (c: { method: string; args: Record<string, unknown> }) =>
      (c.method === 'chat.update' || c.method === 'chat.postMessage') &&
      c.args.channel === HIRING_CHANNEL &&
      JSON.stringify(c.args.blocks).includes('Cancel Slot Candidate') &&
      JSON.stringify(c.args.blocks).includes('Nothing booked yet');
    await expect.poll(() => t.slack.calls.some(announcementShows)).toBe(true);
    // Their Home is published again, without it.
    await expect
      .poll(() => t.slack.callsTo('views.publish', (c) => c.args.user_id === GONE).length, { timeout: 8_000 })
      .toBeGreaterThan(publishes);
    const republished = t.slack.callsTo('views.publish', (c) => c.args.user_id === GONE).at(-1);
    expect(JSON.stringify(republished?.args.view)).not.toContain('Cancel Slot Candidate');
    const other = await panelWithStages();
    expect(
      (
        await book(other.panel, [
          { stageId: other.manager, start: at('2026-12-03T15:00:00Z'), interviewers: [GONE] },
        ])
      ).json?.response_action,
    ).toBe('update');
  });

  it('cancelling a panel cancels its slots still ahead: interviewers are told and their time is free again; past interviews stay', async () => {
    const FREED = 'UFREED';
    const HELD = 'UHELDALREADY';
    t.slack.addUser(FREED, { tz: 'UTC', real_name: 'Fr Eed' });
    t.slack.addUser(HELD, { tz: 'UTC', real_name: 'He Ld' });
    const { panel, manager, peer } = await panelWithStages({ candidateName: 'Withdrawn Candidate' });
    await book(panel, [
      { stageId: peer, start: at('2026-12-02T10:00:00Z'), interviewers: [HELD] },
      { stageId: manager, start: at('2026-12-04T13:00:00Z'), interviewers: [FREED] },
    ]);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === FREED);
    await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === HELD);
    t.clock.set(new Date('2026-12-03T09:00:00Z')); // the peer interview was held yesterday

    const res = await t.requests.command(PEOPLE.recruiter, `cancel P-${panel.number}`);
    expect(JSON.stringify(res.json)).toContain('is cancelled');
    expect((await slotsOf(panel)).map((s) => s.interviewers.map((i) => i.userId))).toEqual([[HELD]]);
    // Who no longer interviews on it is no longer one of its interviewers (no feedback owed).
    const interviewers = await t.panelist.deps.db
      .selectFrom('panel_member')
      .select('user_id')
      .where('team_id', '=', TEAM_ID)
      .where('panel_id', '=', panel.id)
      .where('role', '=', 'interviewer')
      .execute();
    expect(interviewers.map((m) => m.user_id)).toEqual([HELD]);
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === FREED && JSON.stringify(c.args).includes('was cancelled'),
    );
    await t.followUpsSettled();
    expect(
      t.slack.callsTo(
        'chat.postMessage',
        (c) => c.args.channel === HELD && JSON.stringify(c.args).includes('was cancelled'),
      ),
    ).toEqual([]);
    // Their 13:00 can be booked on another panel.
    const other = await panelWithStages();
    const rebook = await book(other.panel, [
      { stageId: other.manager, start: at('2026-12-04T13:00:00Z'), interviewers: [FREED] },
    ]);
    expect(rebook.json?.errors).toBeUndefined();
  });

  it('a decision cancels the slots still ahead and tells their interviewers; past interviews stay', async () => {
    const EARLY = 'UEARLYDONE';
    const LATE = 'ULATEOFF';
    t.slack.addUser(EARLY, { tz: 'UTC', real_name: 'Ea Rly' });
    t.slack.addUser(LATE, { tz: 'UTC', real_name: 'La Te' });
    const { panel, manager, peer } = await panelWithStages({ candidateName: 'Early Decision Candidate' });
    await book(panel, [
      { stageId: manager, start: at('2026-12-02T10:00:00Z'), interviewers: [EARLY] },
      { stageId: peer, start: at('2026-12-04T10:00:00Z'), interviewers: [LATE] },
    ]);
    t.clock.set(new Date('2026-12-03T09:00:00Z'));
    const decisionModal = await openDecisionModal(t, PEOPLE.decisionMaker, panel);
    const res = await t.requests.viewSubmission(
      PEOPLE.decisionMaker,
      decisionModal,
      decisionValues('no_hire', 'Clear gaps in the manager interview', '2026-12-04'),
    );
    expect(res.json?.response_action).toBe('update');
    const left = await slotsOf(panel);
    expect(left.map((s) => s.interviewers.map((i) => i.userId))).toEqual([[EARLY]]);
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === LATE && JSON.stringify(c.args).includes('was cancelled'),
    );
    await t.followUpsSettled();
    expect(dmsTo(EARLY, 'was cancelled')).toEqual([]);
  });

  it('“I can’t make it” asks the recruiter and hiring manager to pick a replacement, which they can', async () => {
    const SORRY = 'USORRY';
    const SUB = 'USUB';
    t.slack.addUser(SORRY, { tz: 'UTC', real_name: 'So Rry' });
    t.slack.addUser(SUB, { tz: 'UTC', real_name: 'Sub Stitute' });
    const STAYS = 'USTAYS';
    t.slack.addUser(STAYS, { tz: 'UTC', real_name: 'St Ays' });
    const { panel, details, manager } = await panelWithStages({ candidateName: 'Decline Candidate' });
    await book(panel, [
      { stageId: manager, start: at('2026-12-04T15:00:00Z'), interviewers: [SORRY, STAYS] },
    ]);
    const [slot] = await slotsOf(panel);
    const slotId = slot?.slot.id ?? '';
    const pendingFor = async (userId: string) =>
      (
        await t.panelist.deps.db
          .selectFrom('nudge')
          .select('kind')
          .where('panel_id', '=', panel.id)
          .where('recipient', '=', userId)
          .where('state', '=', 'pending')
          .orderBy('kind')
          .execute()
      ).map((n) => n.kind);
    expect(await pendingFor(SORRY)).toEqual(await pendingFor(STAYS));
    expect(await pendingFor(SORRY)).toContain('briefing');

    await t.requests.blockAction(
      SORRY,
      { action_id: 'slot_decline', value: slotId },
      { channelId: `D${SORRY}`, messageTs: '9.9' },
    );
    for (const coordinator of [PEOPLE.recruiter, PEOPLE.hiringManager]) {
      const notice = await t.slack.waitForCall(
        'chat.postMessage',
        (c) => c.args.channel === coordinator && JSON.stringify(c.args).includes('can’t make the'),
      );
      expect(JSON.stringify(notice.args.blocks)).toContain(`"value":"${slotId}:${SORRY}"`);
    }
    // Owed no briefing and no feedback for a slot they will not attend; the other interviewer is.
    await expect.poll(() => pendingFor(SORRY)).toEqual([]);
    expect(await pendingFor(STAYS)).toContain('briefing');
    // A plain reschedule form leaves them out, so saving it cannot quietly put them back.
    const reschedule = getRescheduleModal(
      (await findPanelById(t.panelist.deps.db, TEAM_ID, panel.id)) ?? details,
      (await slotsOf(panel))[0] ?? (slot as NonNullable<typeof slot>),
    );
    expect(JSON.stringify(reschedule.blocks)).toContain(`"initial_users":["${STAYS}"]`);
    expect(JSON.stringify(reschedule.blocks)).toContain('can’t make it and is left out');

    await t.requests.blockAction(PEOPLE.recruiter, {
      action_id: 'slot_replace_open',
      value: `${slotId}:${SORRY}`,
    });
    const opened = await t.slack.waitForCall(
      'views.open',
      (c) => (c.args.view as ModalView).callback_id === 'slot_replace',
    );
    const view = opened.args.view as ModalView;
    expect(JSON.stringify(view.blocks)).not.toContain(`"initial_users":["${SORRY}"]`);
    const res = await t.requests.viewSubmission(
      PEOPLE.recruiter,
      view,
      scheduleValues([{ stageId: manager, start: at('2026-12-04T15:00:00Z'), interviewers: [STAYS, SUB] }]),
    );
    expect(res.json?.response_action).toBe('update');
    expect((await slotsOf(panel))[0]?.interviewers.map((i) => i.userId)).toEqual([STAYS, SUB]);
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === SUB && JSON.stringify(c.args).includes('Decline Candidate'),
    );
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === SORRY && JSON.stringify(c.args).includes('no longer needs you'),
    );
    // The one who stays heard nothing: same time, same place, only a new colleague.
    await t.followUpsSettled();
    expect(dmsTo(STAYS, 'has changed')).toEqual([]);
  });

  it('a decline from before decline notices were recorded counts as told: pressing again tells nobody twice', async () => {
    const EARLIER = 'UEARLIER';
    t.slack.addUser(EARLIER, { tz: 'UTC', real_name: 'Ea Rlier' });
    const { panel, manager } = await panelWithStages({ candidateName: 'Earlier Candidate' });
    await book(panel, [{ stageId: manager, start: at('2026-12-04T15:00:00Z'), interviewers: [EARLIER] }]);
    const slotId = (await slotsOf(panel))[0]?.slot.id ?? '';
    const db = t.panelist.deps.db;
    // Declined (to the microsecond, as Postgres keeps it) before the table existed.
    await sql`update slot_interviewer set declined_at = '2026-12-01T09:59:59.123456Z'
              where team_id = ${TEAM_ID} and slot_id = ${slotId} and user_id = ${EARLIER}`.execute(db);
    await sql`drop table decline_notice`.execute(db);
    await declineNotices.up(db);
    const toCoordinators = () =>
      t.slack.callsTo('chat.postMessage', (c) =>
        [PEOPLE.recruiter, PEOPLE.hiringManager].some((id) => id === c.args.channel),
      ).length;
    await t.followUpsSettled();
    const before = toCoordinators();
    await t.requests.blockAction(
      EARLIER,
      { action_id: 'slot_decline', value: slotId },
      { channelId: `D${EARLIER}`, messageTs: '9.9' },
    );
    const answered = () => t.slack.calls.filter((c) => c.method.startsWith('response_url/actions'));
    await expect
      .poll(() => answered().some((c) => String(c.args.text).includes('You already told')))
      .toBe(true);
    expect(toCoordinators()).toBe(before);
  });

  /**
   * `userId` (a new Slack user in UTC) booked alone on the manager stage of a new panel for
   * `candidateName`, ready to press “I can’t make it”: the slot, the coordinators, the DMs they got
   * about this candidate, and the answers to the presses so far.
   */
  async function declinableSlot(userId: string, candidateName: string, start: string) {
    t.slack.addUser(userId, { tz: 'UTC', real_name: candidateName.replace('Candidate', 'Interviewer') });
    const { panel, manager } = await panelWithStages({ candidateName });
    await book(panel, [{ stageId: manager, start: at(start), interviewers: [userId] }]);
    const slotId = (await slotsOf(panel))[0]?.slot.id ?? '';
    const coordinators: string[] = [PEOPLE.recruiter, PEOPLE.hiringManager];
    const notices = () =>
      t.slack.callsTo(
        'chat.postMessage',
        (c) =>
          coordinators.includes(String(c.args.channel)) && JSON.stringify(c.args).includes(candidateName),
      );
    const responses = () => t.slack.calls.filter((c) => c.method.startsWith('response_url/actions'));
    return { manager, slotId, coordinators, notices, responses };
  }

  it('“I can’t make it” pressed again after Slack failed both coordinators tells them then, and only once', async () => {
    const GONE = 'UCANTGO';
    const { manager, slotId, coordinators, notices, responses } = await declinableSlot(
      GONE,
      'Retold Candidate',
      '2026-12-04T15:00:00Z',
    );
    const press = async () => {
      const before = responses().length;
      await t.requests.blockAction(
        GONE,
        { action_id: 'slot_decline', value: slotId },
        { channelId: `D${GONE}`, messageTs: '9.9' },
      );
      await expect.poll(() => responses().length).toBeGreaterThan(before);
      return String(responses().at(-1)?.args.text);
    };
    // Slack refuses both DMs (after the client's own retries): the interviewer is told to tell them.
    t.slack.injectFault('chat.postMessage', { kind: 'server_error', status: 503 }, 20, (a) =>
      coordinators.includes(String(a.channel)),
    );
    expect(await press()).toContain('could not reach the recruiter or hiring manager');
    t.slack.clearFaults('chat.postMessage');
    expect(notices()).toEqual([]);

    // Pressed again once Slack is back: now they hear of it.
    const retold = await press();
    expect(retold).toContain('will pick a replacement');
    for (const c of coordinators) expect(retold).toContain(`<@${c}>`);
    expect(
      notices()
        .map((c) => c.args.channel)
        .sort(),
    ).toEqual([...coordinators].sort());
    // And a third press does not tell them twice.
    const third = await press();
    expect(third).toContain('You already told');
    for (const c of coordinators) expect(third).toContain(`<@${c}>`);
    expect(notices()).toHaveLength(2);

    // Put back on the slot by the recruiter, they decline again: that is news, and told again.
    const view = await openReschedule(slotId);
    const back = await t.requests.viewSubmission(
      PEOPLE.recruiter,
      view,
      scheduleValues([{ stageId: manager, start: at('2026-12-04T15:00:00Z'), interviewers: [GONE] }]),
    );
    expect(back.json?.response_action).toBe('update');
    expect(await press()).toContain('will pick a replacement');
    expect(notices()).toHaveLength(4);
  });

  it('“I can’t make it” pressed again while the first press is still telling them says so, and tells nobody twice; a claim a dead process left is taken over', async () => {
    const SLOW = 'USLOWGO';
    const { slotId, coordinators, notices, responses } = await declinableSlot(
      SLOW,
      'Claimed Candidate',
      '2026-12-04T16:00:00Z',
    );
    const press = () =>
      t.requests.blockAction(
        SLOW,
        { action_id: 'slot_decline', value: slotId },
        { channelId: `D${SLOW}`, messageTs: '9.8' },
      );

    // Slack is slow to take the coordinators' DMs: the first press is still sending them.
    const release = t.slack.holdCalls('chat.postMessage', (c) =>
      coordinators.includes(String(c.args.channel)),
    );
    try {
      const before = responses().length;
      await press();
      await expect.poll(() => notices().length).toBe(2);
      await press();
      await expect.poll(() => responses().length).toBe(before + 1);
      expect(String(responses().at(-1)?.args.text)).toContain(
        'already telling the recruiter and hiring manager',
      );
      release();
      await expect.poll(() => responses().length).toBe(before + 2);
      expect(String(responses().at(-1)?.args.text)).toContain('will pick a replacement');
      expect(notices()).toHaveLength(2);
    } finally {
      release();
    }

    // A press that claimed the notice and died before writing who was told, 40 minutes ago: the
    // next press sends it again (at most the one send in flight at the crash is repeated).
    await t.panelist.deps.db
      .updateTable('decline_notice')
      .set({ told: null, claimed_at: sql<Date>`now() - interval '40 minutes'` })
      .where('team_id', '=', TEAM_ID)
      .where('slot_id', '=', slotId)
      .where('user_id', '=', SLOW)
      .execute();
    const beforeRetry = responses().length;
    await press();
    await expect.poll(() => responses().length).toBe(beforeRetry + 1);
    expect(String(responses().at(-1)?.args.text)).toContain('will pick a replacement');
    expect(notices()).toHaveLength(4);
  });
});

describe('a booking’s nudge jobs', () => {
  it('fire by themselves when due: a briefing due two seconds after booking arrives then, with no reconciler pass', async () => {
    const SOON = 'USOON';
    t.slack.addUser(SOON, { tz: 'UTC', real_name: 'So On' });
    const { panel, manager } = await panelWithStages({ candidateName: 'Soon Candidate' });
    // Booked at 10:00:58 for 10:01 tomorrow: the briefing, 24 hours before, is due at 10:01 today.
    t.clock.set(new Date('2026-12-01T10:00:58Z'));
    const booked = await book(panel, [
      { stageId: manager, start: at('2026-12-02T10:01:00Z'), interviewers: [SOON] },
    ]);
    expect(booked.json?.response_action).toBe('update');
    // The booking's follow-ups queue the briefing's job, delayed until its moment.
    const row = await t.panelist.deps.db
      .selectFrom('nudge')
      .select(['id', 'deliver_at'])
      .where('team_id', '=', TEAM_ID)
      .where('panel_id', '=', panel.id)
      .where('kind', '=', 'briefing')
      .executeTakeFirstOrThrow();
    expect(row.deliver_at.toISOString()).toBe('2026-12-01T10:01:00.000Z');
    const queue = t.panelist.deps.queues.nudges;
    await expect
      .poll(async () => (await queue.getJob(nudgeJobId(row.id, row.deliver_at)))?.getState())
      .toBe('delayed');
    const job = await queue.getJob(nudgeJobId(row.id, row.deliver_at));
    expect(job?.delay).toBeGreaterThan(1_500);
    const briefings = () => dmsTo(SOON, 'Briefing');
    expect(briefings()).toEqual([]);
    // Time moves on as it would; nothing else is done: no reconcile, no job added by the test.
    t.clock.set(new Date('2026-12-01T10:01:00Z'));
    await expect.poll(briefings, { timeout: 8_000 }).toHaveLength(1);
    // It went when its delay ran out, not before.
    expect(briefings()[0]?.at ?? 0).toBeGreaterThanOrEqual((job?.timestamp ?? 0) + (job?.delay ?? 0));
  });
});

describe('time zones', () => {
  it('shows a Berlin interviewer the right local time across the March daylight-saving change', async () => {
    t.clock.set(new Date('2027-03-20T10:00:00Z'));
    const BERLIN = 'UBERLIN';
    t.slack.addUser(BERLIN, { tz: 'Europe/Berlin', real_name: 'Bea Berlin' });
    const panel = await givenPanel(t.panelist.deps.db, new Date('2027-03-20T10:00:00Z'), {
      candidateName: 'DST Candidate',
      decisionDeadline: new Date('2027-04-02T17:00:00Z'),
      answerPromisedOn: '2027-04-05',
    });
    const details = await findPanelById(t.panelist.deps.db, TEAM_ID, panel.id);
    const [manager, peer] = details?.stages ?? [];
    // Friday before the change (CET, UTC+1) and Monday after it (CEST, UTC+2): both 09:00 in Berlin.
    const res = await book(panel, [
      { stageId: manager?.id ?? '', start: at('2027-03-26T08:00:00Z'), interviewers: [BERLIN] },
      { stageId: peer?.id ?? '', start: at('2027-03-29T07:00:00Z'), interviewers: [BERLIN] },
    ]);
    expect(res.json?.response_action).toBe('update');
    // Both are at 09:00 local, so neither is outside working hours.
    expect(JSON.stringify(res.json?.view)).not.toContain('working hours');
    await expect.poll(() => dmsTo(BERLIN, 'DST Candidate').length).toBe(2);
    const texts = dmsTo(BERLIN, 'DST Candidate').map((c) => JSON.stringify(c.args.blocks));
    expect(texts.some((text) => text.includes('Fri 26 Mar 2027 09:00 CET'))).toBe(true);
    expect(texts.some((text) => text.includes('Mon 29 Mar 2027 09:00 CEST'))).toBe(true);
  });
});
