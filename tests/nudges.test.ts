import { type AddressInfo, createServer } from 'node:net';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NUDGE_BATCH_RECIPIENTS,
  NUDGE_BATCH_RECIPIENTS_MIN,
  NUDGE_BATCH_SEND_BUDGET_MS,
} from '../jobs/nudge-delivery.js';
import { NudgeReceiptWriter } from '../jobs/nudge-receipts.js';
import { enqueueNudges, nudgeJobId } from '../jobs/queues.js';
import type { Database, Nudge, NudgeKind, Panel } from '../src/db/database.js';
import {
  claimDueNudges,
  type NudgeClaim,
  type NudgePosition,
  replanPanel,
  writeNudgeReceipts,
} from '../src/db/nudges.js';
import { listPanelSlots, type SlotWithPeople } from '../src/db/slots.js';
import { resolveNudgeSettings } from '../src/domain/nudge-settings.js';
import { recordDecision } from '../src/services/decision.js';
import { submitFeedback } from '../src/services/feedback.js';
import { cancelSlot, rescheduleSlot } from '../src/services/scheduling.js';
import { noteProfileChange } from '../src/services/user-changes.js';
import {
  loadWorkspaceSettings,
  replanOpenPanels,
  saveWorkspaceSettings,
} from '../src/services/workspace-settings.js';
import { givenPanel, givenSlots, HIRING_CHANNEL } from './support/factories.js';
import { startTestApp, TEAM_ID, TEST_NOW, type TestApp } from './support/test-env.js';

// Real: Postgres (the nudge rows), Redis and BullMQ (delivery), the worker. Faked: Slack (the double).
// Time: a ManualClock; moving it and running the reconciler is what the periodic reconciler does.
let t: TestApp;

beforeAll(async () => {
  // Batches of a fixed size here, so what a test sees does not depend on what the ones before it
  // taught the worker; "batch size" below starts a worker of its own to follow the learning.
  t = await startTestApp({}, { nudgeBatchRecipients: NUDGE_BATCH_RECIPIENTS });
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
});
afterAll(async () => t?.close());

let n = 0;
/** Fresh people for each test, so batches never mix tests. */
function people() {
  n += 1;
  return {
    recruiter: `UREC${n}`,
    manager: `UHM${n}`,
    decider: `UDM${n}`,
    a: `UA${n}`,
    b: `UB${n}`,
    c: `UC${n}`,
  };
}

async function panelFor(
  p: ReturnType<typeof people>,
  zones: Record<string, string> = {},
  extra: Partial<Parameters<typeof givenPanel>[2]> = {},
) {
  return givenPanel(t.panelist.deps.db, TEST_NOW, {
    recruiterId: p.recruiter,
    hiringManagerId: p.manager,
    decisionMakerIds: [p.decider],
    creatorId: p.recruiter,
    timeZones: zones,
    ...extra,
  });
}

/** A panel in `db` (a test app of its own) coordinated by URECtag, UHMtag and UDMtag. */
function coordinatedPanel(db: Kysely<Database>, tag: string) {
  return givenPanel(db, TEST_NOW, {
    recruiterId: `UREC${tag}`,
    hiringManagerId: `UHM${tag}`,
    decisionMakerIds: [`UDM${tag}`],
    creatorId: `UREC${tag}`,
  });
}

/**
 * A panel whose people have their own time zones, its decision due at `deadline`, with one peer
 * interview from `start` (booked at TEST_NOW) by `interviewers`.
 */
async function zonedPanel(
  p: ReturnType<typeof people>,
  zones: Record<string, string>,
  deadline: string,
  start: string,
  interviewers: string[],
) {
  const panel = await panelFor(p, zones, { decisionDeadline: new Date(deadline) });
  await givenSlots(
    t.panelist.deps.db,
    panel.id,
    TEST_NOW,
    [{ kind: 'peer', start, interviewers }],
    TEAM_ID,
    zones,
  );
  return panel;
}

/** Moves the clock and runs the reconciler, as the worker's periodic job would at that moment. */
async function at(iso: string) {
  t.clock.set(new Date(iso));
  await t.reconcile();
}

const dms = (userId: string) => t.slack.callsTo('chat.postMessage', (c) => c.args.channel === userId);
const text = (call: { args: Record<string, unknown> } | undefined) => JSON.stringify(call?.args ?? {});

async function nudgeRows(panel: Panel) {
  return t.panelist.deps.db
    .selectFrom('nudge')
    .select(['kind', 'recipient', 'occurrence', 'state', 'due_at', 'deliver_at'])
    .where('team_id', '=', TEAM_ID)
    .where('panel_id', '=', panel.id)
    .orderBy('id')
    .execute();
}

/** A panel's nudge rows of one kind, by recipient. */
function nudgesOf(panelId: string, kind: NudgeKind) {
  return t.panelist.deps.db
    .selectFrom('nudge')
    .selectAll()
    .where('team_id', '=', TEAM_ID)
    .where('panel_id', '=', panelId)
    .where('kind', '=', kind)
    .orderBy('recipient')
    .execute();
}

/** The receipt a worker writes once Slack took the DM of `row` (to its recipient's DM channel). */
function receiptFor(row: Pick<Nudge, 'id' | 'deliver_at' | 'recipient'>, ts: string, sentAt = TEST_NOW) {
  return [
    {
      teamId: TEAM_ID,
      nudgeId: row.id,
      deliverAt: row.deliver_at,
      slackChannel: `D${row.recipient}`,
      slackTs: ts,
      sentAt,
    },
  ];
}

/** Waits a moment and checks that nothing more arrived for these people. */
async function expectQuiet(userIds: string[], counts: number[]) {
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(userIds.map((id) => dms(id).length)).toEqual(counts);
}

describe('briefing', () => {
  it('arrives 24 hours before the slot with the stage focus, questions, earlier stages, notes and link', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-02T09:00:00Z', interviewers: [p.b] },
      { kind: 'peer', start: '2026-12-03T14:00:00Z', interviewers: [p.a] },
    ]);
    await t.panelist.deps.db
      .updateTable('slot')
      .set({ location: 'https://meet.example.com/xyz' })
      .where('panel_id', '=', panel.id)
      .execute();
    await at('2026-12-02T13:59:00Z');
    await expectQuiet([p.a], [0]);
    await at('2026-12-02T14:00:00Z'); // 24 hours before the slot
    await expect.poll(() => dms(p.a).filter((c) => text(c).includes('Briefing')).length).toBe(1);
    const briefing = text(dms(p.a).find((c) => text(c).includes('Briefing')));
    expect(briefing).toContain('Peer / team interview');
    expect(briefing).toContain('How would you handle a disagreement');
    expect(briefing).toContain('Strong on systems design.');
    expect(briefing).toContain('Earlier stages already covered:* Hiring-manager deep dive');
    expect(briefing).toContain('https://meet.example.com/xyz');
    expect(briefing).toContain('nudge_snooze');
    expect(briefing).toContain('slot_decline');
  });

  it('goes out at once when the slot is booked less than 24 hours ahead', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-01T15:00:00Z', interviewers: [p.a] },
    ]);
    await t.reconcile();
    await expect.poll(() => dms(p.a).length).toBe(1);
    expect(text(dms(p.a)[0])).toContain('Briefing');
  });
});

describe('feedback nudges', () => {
  it('due at the slot’s end, a reminder a day later, then escalation to the coordinators; submitting stops them', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    const [slot] = await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: [p.a, p.b] },
    ]);
    // The briefing was owed at once, but nothing ran before the slot began: a stale briefing is dropped.
    await at('2026-12-01T12:00:00Z');
    await expect.poll(() => [dms(p.a).length, dms(p.b).length]).toEqual([1, 1]);
    const due = text(dms(p.a)[0]);
    expect(due).toContain('please give your feedback');
    expect(due).toContain(`"action_id":"feedback_open","value":"${slot?.slot.id}"`);

    await submitFeedback(t.panelist.deps.db, {
      teamId: TEAM_ID,
      slotId: slot?.slot.id ?? '',
      userId: p.a,
      viewId: 'VNUDGE1',
      now: new Date('2026-12-01T13:00:00Z'),
      content: {
        ratings: { collaboration: 'yes' },
        evidence: {},
        star: { situation: '', task: '', action: '', result: '' },
        strengths: '',
        concerns: '',
        questions: '',
        recommendation: 'yes',
      },
    });
    await at('2026-12-02T12:00:00Z');
    await expect.poll(() => dms(p.b).length).toBe(2);
    expect(text(dms(p.b)[1])).toContain('*Reminder:* your feedback');
    await at('2026-12-03T12:00:00Z');
    await expect.poll(() => [dms(p.recruiter).length, dms(p.manager).length]).toEqual([1, 1]);
    const escalation = text(dms(p.recruiter)[0]);
    expect(escalation).toContain(`is late from <@${p.b}>`);
    expect(escalation).not.toContain(`<@${p.a}>`);
    await expectQuiet([p.a], [1]);
    const rows = await nudgeRows(panel);
    const stateOf = (kind: string) =>
      rows.filter((r) => r.recipient === p.a && r.kind === kind).map((r) => r.state);
    expect(stateOf('feedback_reminder')).toEqual(['cancelled']);
    expect(stateOf('briefing')).toEqual(['cancelled']);
  });
});

/** The coordinator moves a one-interviewer slot (the interviewer in UTC) to a new hour-long time. */
function moveSlot(p: ReturnType<typeof people>, slot: SlotWithPeople, start: string) {
  const startsAt = new Date(start);
  const interviewer = slot.interviewers[0]?.userId ?? '';
  return rescheduleSlot(t.panelist.deps.db, {
    teamId: TEAM_ID,
    slotId: slot.slot.id,
    actorId: p.recruiter,
    now: t.clock.now(),
    people: {
      interviewers: new Map([
        [
          interviewer,
          {
            id: interviewer,
            name: interviewer,
            timeZone: 'UTC',
            isBot: false,
            deleted: false,
            isAdmin: false,
          },
        ],
      ]),
      coordinatorTimeZone: 'UTC',
    },
    draft: {
      key: '0',
      stageId: slot.slot.stage_id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3600_000),
      durationMinutes: 60,
      interviewerIds: [interviewer],
      location: null,
      note: null,
    },
  });
}

describe('changes move or stop nudges', () => {
  it('rescheduling a second before the briefing is due sends only the new briefing, at the new time', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    const [slot] = await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-04T14:00:00Z', interviewers: [p.a] },
    ]);
    await at('2026-12-03T13:59:59Z');
    if (slot === undefined) throw new Error('not booked');
    const moved = await moveSlot(p, slot, '2026-12-04T16:00:00Z');
    expect(moved.kind).toBe('done');
    await at('2026-12-03T14:00:01Z');
    await expectQuiet([p.a], [0]);
    await at('2026-12-03T16:00:00Z');
    await expect.poll(() => dms(p.a).length).toBe(1);
    expect(text(dms(p.a)[0])).toContain(`<!date^${Date.parse('2026-12-04T16:00:00Z') / 1000}^`);
    // The DM reaches Slack just before the worker commits the row as sent.
    await expect
      .poll(async () => (await nudgeRows(panel)).filter((r) => r.kind === 'briefing').map((r) => r.state))
      .toEqual(['cancelled', 'sent']);
  });

  it('cancelling a slot cancels its nudges', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    const [slot] = await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-04T14:00:00Z', interviewers: [p.a] },
    ]);
    await cancelSlot(t.panelist.deps.db, {
      teamId: TEAM_ID,
      slotId: slot?.slot.id ?? '',
      actorId: p.recruiter,
      now: TEST_NOW,
    });
    await at('2026-12-05T12:00:00Z');
    await expectQuiet([p.a], [0]);
    expect(
      (await nudgeRows(panel)).filter((r) => r.recipient === p.a).every((r) => r.state === 'cancelled'),
    ).toBe(true);
  });

  it('/panel cancel stops every nudge of the panel: nothing pending, nothing sent after', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-04T14:00:00Z', interviewers: [p.a] },
    ]);
    const pending = async () => (await nudgeRows(panel)).filter((r) => r.state === 'pending');
    expect((await pending()).map((r) => r.kind)).toEqual(
      expect.arrayContaining(['briefing', 'feedback_due', 'decision_countdown', 'candidate_update']),
    );
    const res = await t.requests.command(p.recruiter, `cancel P-${panel.number}`);
    expect(JSON.stringify(res.json)).toContain('is cancelled');
    expect(await pending()).toEqual([]);
    // The interviewer hears that their interview is off, once; then nothing more.
    await t.followUpsSettled();
    expect(dms(p.a).map((c) => text(c).includes(panel.candidate_name))).toEqual([true]);
    // The days its nudges were due come and go in silence.
    const everyone = [p.a, p.recruiter, p.manager, p.decider];
    const before = everyone.map((id) => dms(id).length);
    for (const day of ['2026-12-03T15:00:00Z', '2026-12-04T16:00:00Z', '2026-12-09T10:00:00Z']) {
      await at(day);
      await expectQuiet(everyone, before);
    }
  });
});

describe('decision countdown', () => {
  it('waits for working hours, batches what is due together, sends on the deadline, and stops at the decision', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p); // deadline Tue 8 Dec 10:00 UTC
    await at('2026-12-06T12:00:00Z'); // Sunday: the 48-hour reminder waits for Monday
    await expectQuiet([p.decider], [0]);
    await at('2026-12-07T10:00:00Z'); // Monday: 48h (held since Sunday) and 24h arrive as one message
    await expect.poll(() => dms(p.decider).length).toBe(1);
    const batch = text(dms(p.decider)[0]);
    // Each says the time actually left when it goes out (Monday 10:00): a day, for both.
    expect(batch.match(/\(in 24 hours\)/g)).toHaveLength(2);
    expect(batch).not.toContain('48h');
    expect(batch).toContain('"action_id":"decision_open"');
    expect(batch).toContain('nudge_snooze');
    await at('2026-12-08T10:00:00Z');
    await expect.poll(() => dms(p.decider).length).toBe(2);
    expect(text(dms(p.decider)[1])).toContain('is due *now*');

    const decided = await recordDecision(t.panelist.deps.db, {
      teamId: TEAM_ID,
      panelId: panel.id,
      actorId: p.decider,
      outcome: 'hold',
      reason: 'Waiting on budget',
      candidateToldOn: '2026-12-10',
      now: t.clock.now(),
    });
    expect(decided.kind).toBe('recorded');
    await at('2026-12-09T09:00:00Z');
    await expectQuiet([p.decider, p.recruiter], [2, 0]);
    expect((await nudgeRows(panel)).filter((r) => r.state === 'pending')).toEqual([]);
  });

  it('reminds once a working day while overdue', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    await panelFor(p);
    await at('2026-12-09T09:00:00Z');
    await expect.poll(() => dms(p.decider).some((c) => text(c).includes('*overdue*'))).toBe(true);
    const before = dms(p.decider).length;
    await at('2026-12-09T15:00:00Z');
    await expectQuiet([p.decider], [before]);
    await at('2026-12-10T09:00:00Z');
    await expect.poll(() => dms(p.decider).length).toBe(before + 1);
  });
});

describe('working hours across time zones', () => {
  it('holds feedback nudges until each person’s morning, but not the deadline-day ones', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const zones = { [p.a]: 'Asia/Tokyo', [p.b]: 'America/New_York', [p.decider]: 'Asia/Tokyo' };
    const panel = await zonedPanel(p, zones, '2026-12-08T13:00:00Z', '2026-12-02T09:00:00Z', [p.a, p.b]);
    const rows = await nudgeRows(panel);
    const due = (who: string) =>
      rows.find((r) => r.kind === 'feedback_due' && r.recipient === who)?.deliver_at.toISOString();
    expect(due(p.a)).toBe('2026-12-03T00:00:00.000Z'); // 19:00 in Tokyo → 09:00 next day
    expect(due(p.b)).toBe('2026-12-02T14:00:00.000Z'); // 05:00 in New York → 09:00
    const deadlineDay = rows.find((r) => r.kind === 'decision_countdown' && r.occurrence === 'due');
    expect(deadlineDay?.deliver_at.toISOString()).toBe('2026-12-08T13:00:00.000Z'); // 22:00 in Tokyo, sent anyway
    await at('2026-12-02T10:00:00Z');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const [aBefore = 0, bBefore = 0] = [dms(p.a).length, dms(p.b).length];
    await at('2026-12-02T14:00:00Z');
    await expect.poll(() => dms(p.b).length).toBe(bBefore + 1);
    await expectQuiet([p.a], [aBefore]);
    await at('2026-12-03T00:00:00Z');
    await expect.poll(() => dms(p.a).length).toBe(aBefore + 1);
  });
});

describe('a delivery that comes late', () => {
  it('holds a feedback nudge found due after the recipient’s working day until their next morning; a deadline-day one goes at once', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const zones = { [p.a]: 'Europe/London', [p.decider]: 'Europe/London' };
    const panel = await zonedPanel(p, zones, '2026-12-02T22:00:00Z', '2026-12-02T16:00:00Z', [p.a]);
    const feedbackDue = async () => (await nudgesOf(panel.id, 'feedback_due'))[0];
    expect((await feedbackDue())?.deliver_at.toISOString()).toBe('2026-12-02T17:00:00.000Z');
    // Nothing ran from 17:00 (a worker outage, say) until 22:30, after A's working day.
    await at('2026-12-02T22:30:00Z');
    // The deadline-day countdown goes at once, whatever the hour.
    await expect.poll(() => dms(p.decider).some((c) => text(c).includes(panel.candidate_name))).toBe(true);
    await expectQuiet([p.a], [0]);
    const held = await feedbackDue();
    expect([held?.state, held?.deliver_at.toISOString(), held?.attempts]).toEqual([
      'pending',
      '2026-12-03T09:00:00.000Z',
      0,
    ]);
    // A re-plan (the next pass, any change to the panel) keeps it there.
    await at('2026-12-03T08:00:00Z');
    await expectQuiet([p.a], [0]);
    expect((await feedbackDue())?.deliver_at.toISOString()).toBe('2026-12-03T09:00:00.000Z');
    await at('2026-12-03T09:00:00Z');
    await expect.poll(() => dms(p.a).length).toBe(1);
    expect(text(dms(p.a)[0])).toContain('feedback_open');
    await expect.poll(async () => (await feedbackDue())?.state).toBe('sent');
  });
});

describe('a person who changes time zone', () => {
  it('gets their pending nudges re-planned to the new zone’s working hours (Slack’s user_change event)', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const zones = { [p.a]: 'Asia/Tokyo', [p.b]: 'Asia/Tokyo' };
    const panel = await zonedPanel(p, zones, '2026-12-08T13:00:00Z', '2026-12-02T09:00:00Z', [p.a, p.b]);
    const dueOf = async (who: string) =>
      (await nudgesOf(panel.id, 'feedback_due')).find((r) => r.recipient === who)?.deliver_at.toISOString();
    expect(await dueOf(p.a)).toBe('2026-12-03T00:00:00.000Z'); // 19:00 in Tokyo → 09:00 next day

    // Panelist met them when they were booked (users.info), so it keeps their profile.
    await t.panelist.deps.db
      .insertInto('slack_user')
      .values({
        team_id: TEAM_ID,
        user_id: p.a,
        name: 'A Person',
        time_zone: 'Asia/Tokyo',
        is_bot: false,
        deleted: false,
        is_admin: false,
        fetched_at: TEST_NOW,
      })
      .execute();
    const moved = {
      id: p.a,
      team_id: TEAM_ID,
      name: 'a.person',
      real_name: 'A Person',
      deleted: false,
      is_bot: false,
      tz: 'America/New_York',
      tz_offset: -18_000,
      profile: { display_name: 'A Person', real_name: 'A Person' },
    };
    const res = await t.requests.event({ type: 'user_change', user: moved });
    expect(res.status).toBe(200);
    // 05:00 in New York when the slot ends → 09:00 there; the other Tokyo interviewer keeps theirs.
    await expect.poll(() => dueOf(p.a)).toBe('2026-12-02T14:00:00.000Z');
    expect(await dueOf(p.b)).toBe('2026-12-03T00:00:00.000Z');
    const member = await t.panelist.deps.db
      .selectFrom('panel_member')
      .select('time_zone')
      .where('panel_id', '=', panel.id)
      .where('user_id', '=', p.a)
      .executeTakeFirstOrThrow();
    expect(member.time_zone).toBe('America/New_York');
    const stored = await t.panelist.deps.db
      .selectFrom('slack_user')
      .select(['name', 'time_zone'])
      .where('team_id', '=', TEAM_ID)
      .where('user_id', '=', p.a)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ name: 'A Person', time_zone: 'America/New_York' });

    // The new delivery time has its job: the feedback nudge arrives in the New York morning.
    await at('2026-12-02T14:00:00Z');
    await expect.poll(() => text(dms(p.a).at(-1))).toContain('feedback');

    // A second pass is waiting for when every process's remembered profile has expired.
    const later = await t.panelist.deps.queues.maintenance.getDelayed();
    expect(later.map((job) => job.data).filter((d) => d.task === 'time-zone' && d.userId === p.a)).toEqual([
      { task: 'time-zone', teamId: TEAM_ID, userId: p.a, timeZone: 'America/New_York' },
    ]);

    // Slack sends user_change for every profile change (a status emoji too): then nothing is written or queued.
    const { fetched_at: fetchedAt } = await t.panelist.deps.db
      .selectFrom('slack_user')
      .select('fetched_at')
      .where('team_id', '=', TEAM_ID)
      .where('user_id', '=', p.a)
      .executeTakeFirstOrThrow();
    const same = {
      id: p.a,
      name: 'A Person',
      timeZone: 'America/New_York',
      isBot: false,
      deleted: false,
      isAdmin: false,
    };
    expect(await noteProfileChange(t.panelist.deps, TEAM_ID, same)).toBe(false);
    const stranger = { ...same, id: 'USTRANGER', name: 'Not On Any Panel' };
    expect(await noteProfileChange(t.panelist.deps, TEAM_ID, stranger)).toBe(false);
    const rows = await t.panelist.deps.db
      .selectFrom('slack_user')
      .select(['user_id', 'fetched_at'])
      .where('team_id', '=', TEAM_ID)
      .where('user_id', 'in', [p.a, 'USTRANGER'])
      .execute();
    expect(rows).toEqual([{ user_id: p.a, fetched_at: fetchedAt }]);
  });
});

describe('snooze', () => {
  it('brings the message back an hour later, unless its reason is gone by then', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    const [slot] = await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: [p.a, p.b] },
    ]);
    await at('2026-12-01T12:00:00Z');
    await expect.poll(() => [dms(p.a).length, dms(p.b).length]).toEqual([1, 1]);
    await snoozeWith(p.a, '1h');
    await snoozeWith(p.b, '1h');
    await expect
      .poll(
        async () =>
          (await nudgeRows(panel)).filter((r) => r.kind === 'feedback_due' && r.state === 'pending').length,
      )
      .toBe(2);

    await submitFeedback(t.panelist.deps.db, {
      teamId: TEAM_ID,
      slotId: slot?.slot.id ?? '',
      userId: p.b,
      viewId: 'VSNOOZE',
      now: new Date('2026-12-01T12:30:00Z'),
      content: {
        ratings: { collaboration: 'yes' },
        evidence: {},
        star: { situation: '', task: '', action: '', result: '' },
        strengths: '',
        concerns: '',
        questions: '',
        recommendation: 'yes',
      },
    });
    await at('2026-12-01T12:59:00Z');
    await expectQuiet([p.a, p.b], [1, 1]);
    await at('2026-12-01T13:00:00Z');
    await expect.poll(() => dms(p.a).length).toBe(2);
    expect(text(dms(p.a)[1])).toContain('please give your feedback');
    await expectQuiet([p.b], [1]);
  });
});

describe('snooze late in the day', () => {
  it('an hour’s snooze that would end outside working hours brings the message back next working morning', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-04T16:00:00Z', interviewers: [p.a] }, // Friday, ends 17:00 UTC
    ]);
    await at('2026-12-04T17:30:00Z');
    await expect.poll(() => dms(p.a).length).toBe(1);
    await snoozeWith(p.a, '1h');
    await expect
      .poll(async () => (await nudgesOf(panel.id, 'feedback_due'))[0]?.deliver_at.toISOString())
      .toBe('2026-12-07T09:00:00.000Z'); // not Friday 18:30: Monday 09:00
  });
});

describe('snooze pressed before the delivery commits', () => {
  it('waits for the batch that sent the message, then snoozes it', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const db = t.panelist.deps.db;
    const panel = await panelFor(p);
    await givenSlots(db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: [p.a, p.b] },
    ]);
    t.clock.set(new Date('2026-12-01T12:00:00Z'));
    const feedbackDue = () => nudgesOf(panel.id, 'feedback_due');
    const [toA] = await feedbackDue();
    if (toA?.recipient !== p.a) throw new Error('no feedback nudge planned');

    // The batch sends A's DM, then B's, which Slack holds: the batch cannot commit meanwhile.
    const answers = () => t.slack.calls.filter((c) => c.method.startsWith('response_url/')).map(text);
    const answersBefore = answers().length;
    const release = t.slack.holdCalls('chat.postMessage', (c) => c.args.channel === p.b);
    try {
      await enqueueNudges(t.panelist.deps.queues, [toA], () => 0);
      await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === p.b);
      // A reads the DM and snoozes it at once: their row is not committed as sent yet.
      expect((await feedbackDue()).map((r) => r.state)).toEqual(['pending', 'pending']);
      await snoozeWith(p.a, '1h');
      await expectQuiet([p.a], [1]);
      expect(answers()).toHaveLength(answersBefore);
    } finally {
      release();
    }
    // Once the batch commits, the snooze goes through: A is told, and hears again at 13:00.
    await expect.poll(() => answers().slice(answersBefore)).toHaveLength(1);
    expect(answers().at(-1)).toContain('Snoozed');
    await expect
      .poll(async () => (await feedbackDue()).map((r) => [r.recipient, r.state, r.deliver_at.toISOString()]))
      .toEqual([
        [p.a, 'pending', '2026-12-01T13:00:00.000Z'],
        [p.b, 'sent', '2026-12-01T12:00:00.000Z'],
      ]);
    await at('2026-12-01T13:00:00Z');
    await expect.poll(() => dms(p.a).length).toBe(2);
    await expectQuiet([p.a, p.b], [2, 1]);
  });
});

describe('snooze after the delivery died', () => {
  it('snoozes a message Slack took whose row only its receipt settles', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const db = t.panelist.deps.db;
    const panel = await panelFor(p);
    await givenSlots(db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: [p.a] },
    ]);
    t.clock.set(new Date('2026-12-01T12:00:00Z'));
    const [row] = await nudgesOf(panel.id, 'feedback_due');
    if (row === undefined) throw new Error('no feedback nudge planned');
    // A worker sent the DM and wrote its receipt, then died before its transaction committed.
    await writeNudgeReceipts(db, receiptFor(row, '1799999999.000003', new Date('2026-12-01T12:00:00Z')));
    const res = await t.requests.selectAction(
      p.a,
      { action_id: 'nudge_snooze', value: '1h' },
      { channelId: `D${p.a}`, messageTs: '1799999999.000003' },
    );
    expect(res.status).toBe(200);
    await expect
      .poll(() =>
        db
          .selectFrom('nudge')
          .select(['state', 'deliver_at', 'sent_at', 'attempts'])
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow(),
      )
      .toEqual({
        state: 'pending',
        deliver_at: new Date('2026-12-01T13:00:00Z'),
        sent_at: new Date('2026-12-01T12:00:00Z'),
        attempts: 1,
      });
    expect(await db.selectFrom('nudge_receipt').selectAll().where('nudge_id', '=', row.id).execute()).toEqual(
      [],
    );
  });
});

describe('candidate update and channel digest', () => {
  it('reminds the recruiter a working day before the promised date; “I’ve updated the candidate” stops the next one', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p); // promised Thu 10 Dec
    await at('2026-12-09T09:00:00Z');
    await expect
      .poll(() => dms(p.recruiter).some((c) => text(c).includes('was promised an answer tomorrow')))
      .toBe(true);
    await t.requests.blockAction(p.recruiter, { action_id: 'candidate_updated', value: panel.id });
    await expect
      .poll(
        async () =>
          (await nudgeRows(panel)).find((r) => r.kind === 'candidate_update' && r.occurrence === 'day-of')
            ?.state,
      )
      .toBe('cancelled');
    const before = dms(p.recruiter).length;
    await at('2026-12-10T09:00:00Z');
    await expectQuiet([p.recruiter], [before]);
  });

  it('posts the day’s digest in the hiring channel at 09:30 on working days', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p, {}, { candidateName: 'Digest Person' });
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-02T13:00:00Z', interviewers: [p.a] },
    ]);
    await at('2026-12-02T09:30:00Z');
    const digest = await t.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args.channel === HIRING_CHANNEL &&
        text(c).includes('Today on P-') &&
        text(c).includes('Digest Person'),
    );
    expect(text(digest)).toContain('Interviews today');
    expect(text(digest)).toContain('Hiring-manager deep dive');
    expect(text(digest)).not.toContain('nudge_snooze');
  });
});

describe('settings', () => {
  it('switching a nudge kind off cancels what is pending; changing an offset moves it', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-04T14:00:00Z', interviewers: [p.a] },
    ]);
    const current = await loadWorkspaceSettings(t.panelist.deps.db, TEAM_ID);
    const nudges = resolveNudgeSettings({
      ...current.nudges,
      enabled: { ...current.nudges.enabled, feedback_reminder: false },
      briefingHoursBefore: 2,
    });
    await saveWorkspaceSettings(t.panelist.deps.db, {
      teamId: TEAM_ID,
      actorId: p.recruiter,
      settings: { ...current, nudges },
    });
    await replanOpenPanels(t.panelist.deps.db, TEAM_ID, TEST_NOW);
    const rows = await nudgeRows(panel);
    expect(rows.find((r) => r.kind === 'feedback_reminder')?.state).toBe('cancelled');
    expect(rows.find((r) => r.kind === 'briefing' && r.state === 'pending')?.due_at.toISOString()).toBe(
      '2026-12-04T12:00:00.000Z',
    );
    await saveWorkspaceSettings(t.panelist.deps.db, {
      teamId: TEAM_ID,
      actorId: p.recruiter,
      settings: current,
    });
    await replanOpenPanels(t.panelist.deps.db, TEAM_ID, TEST_NOW);
    expect((await listPanelSlots(t.panelist.deps.db, TEAM_ID, panel.id)).length).toBe(1);
    // Switched back on, the reminder is owed again: the cancelled row is pending once more.
    const restored = await nudgeRows(panel);
    expect(
      restored.filter((r) => r.kind === 'feedback_reminder').map((r) => [r.state, r.due_at.toISOString()]),
    ).toEqual([['pending', '2026-12-05T15:00:00.000Z']]);
    expect(restored.find((r) => r.kind === 'briefing')?.due_at.toISOString()).toBe(
      '2026-12-03T14:00:00.000Z',
    );
  });

  it('a slot moved away and back gets its briefing and feedback nudges again', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    const [slot] = await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'manager', start: '2026-12-04T14:00:00Z', interviewers: [p.a] },
    ]);
    if (slot === undefined) throw new Error('not booked');
    const before = (await nudgeRows(panel))
      .filter((r) => r.state === 'pending')
      .map((r) => r.kind)
      .sort();
    const moveTo = async (start: string) => expect((await moveSlot(p, slot, start)).kind).toBe('done');
    await moveTo('2026-12-07T14:00:00Z');
    // Moved away: the briefing is now due the day before the new time.
    expect(
      (await nudgeRows(panel))
        .find((r) => r.kind === 'briefing' && r.state === 'pending')
        ?.due_at.toISOString(),
    ).toBe('2026-12-06T14:00:00.000Z');
    await moveTo('2026-12-04T14:00:00Z');
    const after = await nudgeRows(panel);
    expect(
      after
        .filter((r) => r.state === 'pending')
        .map((r) => r.kind)
        .sort(),
    ).toEqual(before);
    expect(after.find((r) => r.kind === 'briefing' && r.state === 'pending')?.due_at.toISOString()).toBe(
      '2026-12-03T14:00:00.000Z',
    );
  });
});

describe('delivery in batches', () => {
  it('one job delivers everyone’s due nudges, one message each, and cancels the ones whose reason is gone', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    const interviewers = Array.from({ length: 12 }, (_, i) => `UBATCH${n}I${i}`);
    // Booked at 10:00 for 11:00: each interviewer is owed a briefing at once (not sent: nothing is
    // queued) and a feedback nudge when the slot ends at 12:00.
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers },
    ]);
    t.clock.set(new Date('2026-12-01T12:00:00Z'));
    const rows = await t.panelist.deps.db
      .selectFrom('nudge')
      .select(['id', 'team_id', 'deliver_at', 'kind', 'recipient'])
      .where('team_id', '=', TEAM_ID)
      .where('panel_id', '=', panel.id)
      .where('state', '=', 'pending')
      .execute();
    const first = rows.find((r) => r.kind === 'feedback_due' && r.recipient === interviewers[0]);
    if (first === undefined) throw new Error('no feedback nudge planned');
    // Only the first interviewer's job is queued; the batch it runs takes the others along.
    await enqueueNudges(t.panelist.deps.queues, [first], () => 0);

    await expect.poll(() => interviewers.map((id) => dms(id).length)).toEqual(interviewers.map(() => 1));
    for (const id of interviewers) {
      expect(text(dms(id)[0])).toContain('please give your feedback');
      // The briefings were due too, but the interview has begun: re-checked and dropped, not sent.
      expect(text(dms(id)[0])).not.toContain('Briefing');
    }
    await expectQuiet(
      interviewers,
      interviewers.map(() => 1),
    );
    const after = await t.panelist.deps.db
      .selectFrom('nudge')
      .select(['kind', 'recipient', 'state', 'attempts', 'slack_ts'])
      .where('team_id', '=', TEAM_ID)
      .where('panel_id', '=', panel.id)
      .where('recipient', 'in', interviewers)
      .where('kind', 'in', ['briefing', 'feedback_due'])
      .execute();
    expect(after.filter((r) => r.kind === 'briefing').map((r) => r.state)).toEqual(
      interviewers.map(() => 'cancelled'),
    );
    const sent = after.filter((r) => r.kind === 'feedback_due');
    expect(sent.map((r) => [r.state, r.attempts])).toEqual(interviewers.map(() => ['sent', 1]));
    expect(new Set(sent.map((r) => r.slack_ts)).size).toBe(interviewers.length);
  });

  it('takes other people from below where the previous delivery stopped, then from the top again', async () => {
    const db = t.panelist.deps.db;
    const teamId = `TCURSOR${n}`;
    const panel = await givenPanel(db, TEST_NOW, { teamId });
    const now = new Date('2026-12-01T12:00:00Z');
    // Six people, each owed one nudge, due ten minutes apart from 09:00.
    const people = ['U1', 'U2', 'U3', 'U4', 'U5', 'U6'].map((u) => `UCUR${n}${u}`);
    const rows = await db
      .insertInto('nudge')
      .values(
        people.map((recipient, i) => {
          const at = new Date(Date.parse('2026-12-01T09:00:00Z') + i * 600_000);
          return {
            team_id: teamId,
            panel_id: panel.id,
            kind: 'feedback_due' as const,
            subject: 'panel',
            recipient,
            occurrence: 'due',
            due_at: at,
            deliver_at: at,
          };
        }),
      )
      .returning(['id', 'recipient'])
      .execute();
    const head = rows[0]?.id ?? '';
    const claim = (below: NudgePosition | null, moreRecipients = 2) =>
      db
        .transaction()
        .execute((trx) =>
          claimDueNudges(trx, { teamId, headId: head, now, windowEnd: now, moreRecipients, below }),
        );
    const taken = (c: NudgeClaim) => c.rows.map((r) => r.recipient.slice(-2)).sort();
    const place = (c: NudgeClaim) => c.continueBelow?.deliverAt.toISOString().slice(11, 16);

    // From the top: the head's person (U1, whose own job this is) and the two most recently due.
    const first = await claim(null);
    expect(taken(first)).toEqual(['U1', 'U5', 'U6']);
    expect(place(first)).toBe('09:40');
    // The next delivery starts below them (they are still pending here: nothing was sent).
    const second = await claim(first.continueBelow);
    expect(taken(second)).toEqual(['U1', 'U3', 'U4']);
    expect(place(second)).toBe('09:20');
    // One left below (U2; the head's person is not another): the other from the top, and the
    // delivery after goes on below that one.
    const third = await claim(second.continueBelow);
    expect(taken(third)).toEqual(['U1', 'U2', 'U6']);
    expect(place(third)).toBe('09:50');
    expect(taken(await claim(third.continueBelow))).toEqual(['U1', 'U4', 'U5']);
    // A place left by an earlier burst, below everything due now: all from the top.
    const stale = await claim({ deliverAt: new Date('2026-12-01T08:00:00Z'), id: '0' });
    expect(taken(stale)).toEqual(['U1', 'U5', 'U6']);
    expect(place(stale)).toBe('09:40');
    // Fewer people due than asked for: the next delivery starts at the top.
    const all = await claim(first.continueBelow, 10);
    expect(taken(all)).toEqual(['U1', 'U2', 'U3', 'U4', 'U5', 'U6']);
    expect(all.continueBelow).toBeNull();

    // Nothing of this workspace is left for the reconciler of later tests to deliver.
    await db.updateTable('nudge').set({ state: 'cancelled' }).where('team_id', '=', teamId).execute();
  });
});

describe('receipts', () => {
  it('a nudge Slack already took before its worker died is settled from its receipt, not sent again', async () => {
    const p = people();
    t.clock.set(TEST_NOW);
    const db = t.panelist.deps.db;
    const panel = await panelFor(p);
    await givenSlots(db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: [p.a, p.b] },
    ]);
    t.clock.set(new Date('2026-12-01T12:00:00Z'));
    const due = await nudgesOf(panel.id, 'feedback_due');
    const [toA, toB] = [p.a, p.b].map((who) => due.find((r) => r.recipient === who));
    if (toA === undefined || toB === undefined) throw new Error('no feedback nudges planned');
    // A worker sent A's DM and wrote its receipt, then died before its transaction committed.
    await writeNudgeReceipts(db, receiptFor(toA, '1799999999.000001', new Date('2026-12-01T11:59:30Z')));

    await enqueueNudges(t.panelist.deps.queues, [toA], () => 0);
    await expect.poll(() => dms(p.b).length).toBe(1);
    await expectQuiet([p.a, p.b], [0, 1]);
    const rowA = await db
      .selectFrom('nudge')
      .select(['state', 'slack_ts', 'slack_channel', 'sent_at', 'attempts'])
      .where('id', '=', toA.id)
      .executeTakeFirstOrThrow();
    // Sent when Slack took it (the receipt's time, as the reconciler would say), not when settled.
    expect(rowA).toEqual({
      state: 'sent',
      slack_ts: '1799999999.000001',
      slack_channel: `D${p.a}`,
      sent_at: new Date('2026-12-01T11:59:30Z'),
      attempts: 1,
    });
    // A receipt stands for its row only until the row is settled.
    expect(await db.selectFrom('nudge_receipt').selectAll().where('nudge_id', '=', toA.id).execute()).toEqual(
      [],
    );
  });
});

/**
 * A delivery that dies after Slack took a message and its receipt was committed, before its own
 * commit: A and B are each owed a briefing at 14:00 on 3 December (for an interview the next day
 * at 14:00); A's job runs a batch that sends A's DM, then B's, and its settling statement is
 * cancelled (it waits on A's receipt, held by another connection), so the batch rolls back. Both
 * rows stay pending with their receipts. Then the workspace's briefings move to 2 hours before the
 * interview, which moves both rows (before the job's retry, a second later, could settle them).
 *
 * No other delivery may run meanwhile: a job of this process that finds a row of A's batch in
 * flight waits for that batch, and once it rolls back delivers at once (pausing the queue does
 * not stop a job already running), settling both rows from their receipts. So it starts once no
 * nudge job runs or waits, and returns once the failed job's retry has run, so that it cannot be
 * the stray job of the next test.
 */
async function crashAfterReceiptsThenMove(p: ReturnType<typeof people>) {
  const db = t.panelist.deps.db;
  t.clock.set(TEST_NOW);
  const panel = await panelFor(p);
  await givenSlots(db, panel.id, TEST_NOW, [
    { kind: 'peer', start: '2026-12-04T14:00:00Z', interviewers: [p.a, p.b] },
  ]);
  // Before A's and B's briefings fall due, no other nudge job runs, waits, or comes back from a
  // delay within the next few seconds (a retry, a re-check): none can take them into its batch.
  const queue = t.panelist.deps.queues.nudges;
  const delayedKey = queue.toKey('delayed');
  await expect
    .poll(
      async () => {
        const counts = await queue.getJobCounts('active', 'waiting', 'prioritized');
        // BullMQ scores a delayed job by its due time in ms times 0x1000.
        const dueSoon = await t.panelist.deps.redis.zcount(delayedKey, 0, (Date.now() + 5_000) * 0x1000);
        return [...Object.values(counts), dueSoon];
      },
      { timeout: 10_000 },
    )
    .toEqual([0, 0, 0, 0]);
  t.clock.set(new Date('2026-12-03T14:00:00Z'));
  const briefings = () => nudgesOf(panel.id, 'briefing');
  const [toA, toB] = await briefings();
  if (toA?.recipient !== p.a || toB?.recipient !== p.b) throw new Error('no briefings planned');
  expect(toA.deliver_at.toISOString()).toBe('2026-12-03T14:00:00.000Z');

  const receipts = () =>
    db.selectFrom('nudge_receipt').selectAll().where('nudge_id', 'in', [toA.id, toB.id]).execute();
  const failedJobId = nudgeJobId(toA.id, toA.deliver_at);
  // The failed job's retry finds A's row moved, not due yet, and ends; until then it could take
  // the next test's rows into a batch.
  const failedJobDone = () =>
    expect.poll(() => queue.getJob(failedJobId), { timeout: 10_000 }).toBeUndefined();
  const release = t.slack.holdCalls('chat.postMessage', (c) => c.args.channel === p.b);
  const other = new pg.Client({ connectionString: t.databaseUrl });
  await other.connect();
  let stale: Awaited<ReturnType<typeof receipts>>;
  let current: Awaited<ReturnType<typeof loadWorkspaceSettings>> | undefined;
  let moved: Awaited<ReturnType<typeof briefings>>;
  try {
    await enqueueNudges(t.panelist.deps.queues, [toA], () => 0);
    await expect.poll(async () => (await receipts()).length, { timeout: 5_000 }).toBe(1);
    await other.query('begin');
    await other.query('select 1 from nudge_receipt where nudge_id = $1 for update', [toA.id]);
    release();
    // The batch's settling statement now waits for A's receipt: cancel it, as a crash would end it.
    let pid: number | undefined;
    await expect
      .poll(async () => {
        // Not on `other`: inside a transaction, pg_stat_activity is read once and then cached.
        const { rows } = await sql<{ pid: number }>`
          select pid from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%receipts_done%'
        `.execute(db);
        pid = rows[0]?.pid;
        return pid;
      })
      .toBeDefined();
    // No worker takes a job until the change below is made: the failed delivery's retry would
    // otherwise settle the rows from their receipts first on a slow machine.
    await queue.pause();
    await other.query('select pg_cancel_backend($1)', [pid]);
    // The cancel arrives asynchronously: release the receipt's lock only once the settling
    // statement has ended, or it could still take the lock and commit.
    await expect
      .poll(async () => {
        const { rows } = await sql<{ waiting: boolean }>`
          select coalesce(bool_or(wait_event_type = 'Lock' and query like '%receipts_done%'), false) as waiting
          from pg_stat_activity where pid = ${pid ?? 0}
        `.execute(db);
        return rows[0]?.waiting;
      })
      .toBe(false);
    await other.query('rollback');
    expect(dms(p.a).length + dms(p.b).length).toBe(2);
    stale = await receipts();
    expect(stale).toHaveLength(2);

    current = await loadWorkspaceSettings(db, TEAM_ID);
    await saveWorkspaceSettings(db, {
      teamId: TEAM_ID,
      actorId: p.recruiter,
      settings: { ...current, nudges: resolveNudgeSettings({ ...current.nudges, briefingHoursBefore: 2 }) },
    });
    await replanPanel(db, TEAM_ID, panel.id, t.clock.now());
    // It failed (rolled back, counted, handed back to BullMQ for a retry a second later).
    await expect
      .poll(async () => (await queue.getJob(failedJobId))?.getState())
      .toMatch(/^(delayed|waiting)$/);
    await queue.resume();
    moved = await briefings();
    expect(moved.map((r) => [r.id, r.state, r.deliver_at.toISOString()])).toEqual([
      [toA.id, 'pending', '2026-12-04T12:00:00.000Z'],
      [toB.id, 'pending', '2026-12-04T12:00:00.000Z'],
    ]);
    await failedJobDone();
  } catch (error) {
    // Leave the workspace and the queue as the later tests in this file expect them.
    const settings = current;
    if (settings !== undefined)
      await saveWorkspaceSettings(db, { teamId: TEAM_ID, actorId: p.recruiter, settings }).catch(() => {});
    await queue.resume();
    await failedJobDone().catch(() => {});
    throw error;
  } finally {
    release();
    await other.end();
    // Paused above; resumed whatever happened, or every later test in this file would wait in vain.
    await queue.resume();
  }
  const settings = current;
  const restoreSettings = () =>
    saveWorkspaceSettings(db, { teamId: TEAM_ID, actorId: p.recruiter, settings });
  return { briefings, receipts, stale, moved, restoreSettings };
}

describe('a receipt left by a crash, for a row a change then moved', () => {
  it('is not taken for the new moment by the next batch: the briefing goes out again at its new time', async () => {
    const p = people();
    const crash = await crashAfterReceiptsThenMove(p);
    try {
      // Nothing goes out before the new moment (the failed job's retry found its row not due).
      await expectQuiet([p.a, p.b], [1, 1]);
      t.clock.set(new Date('2026-12-04T12:00:00Z'));
      const [toA] = crash.moved;
      if (toA === undefined) throw new Error('no briefing');
      await enqueueNudges(t.panelist.deps.queues, [toA], () => 0);
      await expect.poll(() => [dms(p.a).length, dms(p.b).length]).toEqual([2, 2]);
      await expect.poll(async () => (await crash.briefings()).map((r) => r.state)).toEqual(['sent', 'sent']);
      const staleTs = new Set(crash.stale.map((r) => r.slack_ts));
      for (const row of await crash.briefings()) expect(staleTs.has(row.slack_ts)).toBe(false);
      expect(await crash.receipts()).toEqual([]);
      await expectQuiet([p.a, p.b], [2, 2]);
    } finally {
      await crash.restoreSettings();
    }
  });

  it('is deleted by the reconciler, which queues the row for its new moment', async () => {
    const p = people();
    const crash = await crashAfterReceiptsThenMove(p);
    try {
      await at('2026-12-03T15:00:00Z');
      expect((await crash.briefings()).map((r) => r.state)).toEqual(['pending', 'pending']);
      expect(await crash.receipts()).toEqual([]);
      await expectQuiet([p.a, p.b], [1, 1]);
      await at('2026-12-04T12:00:00Z');
      await expect.poll(() => [dms(p.a).length, dms(p.b).length]).toEqual([2, 2]);
      await expect.poll(async () => (await crash.briefings()).map((r) => r.state)).toEqual(['sent', 'sent']);
      await expectQuiet([p.a, p.b], [2, 2]);
    } finally {
      await crash.restoreSettings();
    }
  });
});

describe('a panel being changed', () => {
  it('keeps its nudges out of a batch, so the change does not wait for the batch’s Slack calls', async () => {
    const p = people();
    const q = people();
    t.clock.set(TEST_NOW);
    const db = t.panelist.deps.db;
    const free = await panelFor(p);
    const busy = await panelFor(q);
    const freeInterviewers = [`UFREE${n}A`, `UFREE${n}B`];
    const busyInterviewers = [`UBUSY${n}A`, `UBUSY${n}B`];
    // Booked at 10:00 for 11:00: each interviewer is owed a feedback nudge when the slot ends.
    await givenSlots(db, free.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: freeInterviewers },
    ]);
    await givenSlots(db, busy.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: busyInterviewers },
    ]);
    t.clock.set(new Date('2026-12-01T12:00:00Z'));
    const feedbackDue = await db
      .selectFrom('nudge')
      .select(['id', 'team_id', 'deliver_at', 'recipient', 'panel_id'])
      .where('team_id', '=', TEAM_ID)
      .where('kind', '=', 'feedback_due')
      .where('panel_id', 'in', [free.id, busy.id])
      .execute();
    const head = feedbackDue.find((r) => r.recipient === freeInterviewers[0]);
    if (head === undefined) throw new Error('no feedback nudge planned');

    // Slack is slow to answer the second free interviewer's DM: the batch stays open meanwhile.
    const release = t.slack.holdCalls('chat.postMessage', (c) => c.args.channel === freeInterviewers[1]);
    // A change to the busy panel is under way: its transaction holds the panel's row lock.
    const change = new pg.Client({ connectionString: t.databaseUrl });
    await change.connect();
    try {
      await change.query('begin');
      await change.query('select id from panel where team_id = $1 and id = $2 for update', [
        TEAM_ID,
        busy.id,
      ]);
      // Only the first free interviewer's job is queued; its batch takes the other people along.
      await enqueueNudges(t.panelist.deps.queues, [head], () => 0);
      await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === freeInterviewers[1]);
      // The change goes on to its panel's nudges at once: the batch holds none of them.
      const { rowCount } = await change.query(
        `select id from nudge where team_id = $1 and panel_id = $2 and state = 'pending' for update nowait`,
        [TEAM_ID, busy.id],
      );
      expect(rowCount).toBeGreaterThan(0);
      await change.query('commit');
    } finally {
      release();
      await change.end();
    }
    await expect.poll(() => freeInterviewers.map((id) => dms(id).length)).toEqual([1, 1]);
    expect(busyInterviewers.map((id) => dms(id).length)).toEqual([0, 0]);

    // Their own jobs deliver the busy panel's nudges once the change is done, once each.
    await enqueueNudges(
      t.panelist.deps.queues,
      feedbackDue.filter((r) => r.panel_id === busy.id),
      () => 0,
    );
    await expect.poll(() => busyInterviewers.map((id) => dms(id).length)).toEqual([1, 1]);
    await expectQuiet([...freeInterviewers, ...busyInterviewers], [1, 1, 1, 1]);
  });
});

/**
 * A panel whose one interview (booked at 10:00 for 11:00, the clock now at 12:00) owes a
 * feedback nudge to as many interviewers as one batch takes: the head's person and
 * NUDGE_BATCH_RECIPIENTS others. Returns the head's row (the first interviewer's) and how many of
 * them have had a DM so far.
 */
async function fullBatch(tag: string) {
  const p = people();
  t.clock.set(TEST_NOW);
  const panel = await panelFor(p);
  const interviewers = Array.from({ length: NUDGE_BATCH_RECIPIENTS + 1 }, (_, i) => `U${tag}${n}I${i}`);
  await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
    { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers },
  ]);
  t.clock.set(new Date('2026-12-01T12:00:00Z'));
  const feedbackDue = () => nudgesOf(panel.id, 'feedback_due');
  const head = (await feedbackDue()).find((r) => r.recipient === interviewers[0]);
  if (head === undefined) throw new Error('no feedback nudge planned');
  const sent = () => interviewers.filter((id) => dms(id).length > 0).length;
  return { panel, interviewers, head, feedbackDue, sent };
}

/** Runs `during` while another session holds `nudge_receipt` locked: no receipt can be written. */
async function withReceiptsLocked(during: () => Promise<void>) {
  const blocker = new pg.Client({ connectionString: t.databaseUrl });
  await blocker.connect();
  try {
    await blocker.query('begin');
    await blocker.query('lock table nudge_receipt in share mode');
    await during();
  } finally {
    await blocker.query('commit');
    await blocker.end();
  }
}

describe('a slow Slack', () => {
  it('a batch stops sending once its budget is spent: a change to its panel waits about that long, and the rest go out with their own jobs, once each', async () => {
    const { panel, interviewers, head, feedbackDue } = await fullBatch('SLOW');

    // Slack takes 300 ms a message, as the real one does on a bad day. The batch sends ten at a
    // time (the worker's concurrency): ten at 0 ms, ten at about 300, and at about 600 the budget
    // is spent, so the last six wait.
    const slackCallMs = 300;
    const stopDelaying = t.slack.delayCalls('chat.postMessage', slackCallMs);
    const change = new pg.Client({ connectionString: t.databaseUrl });
    await change.connect();
    let sentByBatch: string[];
    try {
      // Only the first interviewer's job is queued; its batch takes the other people along.
      await enqueueNudges(t.panelist.deps.queues, [head], () => 0);
      await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === interviewers[0]);
      // A change to the panel starts while the batch sends: it waits for the batch to commit.
      const started = performance.now();
      await change.query('begin');
      await change.query('select id from panel where team_id = $1 and id = $2 for update', [
        TEAM_ID,
        panel.id,
      ]);
      const waited = performance.now() - started;
      sentByBatch = interviewers.filter((id) => dms(id).length > 0);
      await change.query('commit');
      expect(waited, `the change waited ${Math.round(waited)} ms`).toBeLessThan(
        NUDGE_BATCH_SEND_BUDGET_MS + 3 * slackCallMs,
      );
    } finally {
      await change.end();
    }
    // The head's person, and others side by side until the budget was spent: at least a full
    // round of slots (one at a time would have managed two), not all.
    expect(sentByBatch).toContain(interviewers[0]);
    expect(sentByBatch.length).toBeGreaterThanOrEqual(t.config.WORKER_CONCURRENCY);
    expect(sentByBatch.length).toBeLessThan(interviewers.length);
    // The rest were left as they were: pending, no attempt counted.
    const left = (await feedbackDue()).filter((r) => !sentByBatch.includes(r.recipient));
    expect(left.map((r) => [r.state, r.attempts])).toEqual(left.map(() => ['pending', 0]));

    // Their own jobs deliver them, once each, Slack still slow.
    await enqueueNudges(t.panelist.deps.queues, left, () => 0);
    await expect
      .poll(() => interviewers.map((id) => dms(id).length), { timeout: 10_000 })
      .toEqual(interviewers.map(() => 1));
    stopDelaying();
    await expectQuiet(
      interviewers,
      interviewers.map(() => 1),
    );
    expect((await feedbackDue()).map((r) => [r.state, r.attempts])).toEqual(
      interviewers.map(() => ['sent', 1]),
    );
  });
});

describe('batch size', () => {
  it('a worker takes more people along while its batches finish early, and after a batch Slack slowed down, only as many as that one managed', async () => {
    // A worker of its own: how many people a batch takes is the worker process's to learn. Its
    // batches send for 2 s, so "within half the budget" does not hang on the machine's speed.
    const budgetMs = 2_000;
    const app = await startTestApp({}, { nudgeSendBudgetMs: budgetMs });
    try {
      const db = app.panelist.deps.db;
      const panel = await coordinatedPanel(db, 'SIZE');
      const interviewers = Array.from({ length: 200 }, (_, i) => `USIZE${i}`);
      await givenSlots(db, panel.id, TEST_NOW, [
        { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers },
      ]);
      app.clock.set(new Date('2026-12-01T12:00:00Z'));
      const told = () =>
        new Set(
          app.slack
            .callsTo('chat.postMessage', (c) => interviewers.includes(String(c.args.channel)))
            .map((c) => String(c.args.channel)),
        );
      const owed = async () =>
        (
          await db
            .selectFrom('nudge')
            .selectAll()
            .where('team_id', '=', TEAM_ID)
            .where('panel_id', '=', panel.id)
            .where('kind', '=', 'feedback_due')
            .where('state', '=', 'pending')
            .orderBy('id')
            .execute()
        ).filter((row) => !told().has(row.recipient));
      /** Queues one owed person's job: its batch takes others along. How many got a DM from it. */
      const oneBatch = async () => {
        const before = told().size;
        const [head] = await owed();
        if (head === undefined) throw new Error('nobody owed any more');
        await enqueueNudges(app.panelist.deps.queues, [head], () => 0);
        // The batch's rows are settled in the commit that settles the job's own.
        const state = async () =>
          (
            await db
              .selectFrom('nudge')
              .select('state')
              .where('team_id', '=', TEAM_ID)
              .where('id', '=', head.id)
              .executeTakeFirst()
          )?.state;
        await expect.poll(state, { timeout: 10_000 }).toBe('sent');
        return told().size - before;
      };

      // Slack answers at once: each batch sends everyone it took within a fraction of its budget,
      // so the next takes half as many again, from 25 others up.
      expect(await oneBatch()).toBe(1 + NUDGE_BATCH_RECIPIENTS);
      expect(await oneBatch()).toBe(1 + Math.ceil(NUDGE_BATCH_RECIPIENTS * 1.5));

      // Slack takes 1 s a message: ten go out at once, ten a second later, and then the budget is
      // spent before everyone is sent.
      const stopDelaying = app.slack.delayCalls('chat.postMessage', budgetMs / 2);
      const slowBatch = await oneBatch();
      stopDelaying();
      expect(slowBatch).toBeLessThan(1 + Math.ceil(NUDGE_BATCH_RECIPIENTS * 2.25));
      // The next takes as many others as that one sent, though Slack is quick again.
      expect(await oneBatch()).toBe(Math.max(slowBatch, 1 + NUDGE_BATCH_RECIPIENTS_MIN));
      // Nobody had two messages.
      expect(
        app.slack.callsTo('chat.postMessage', (c) => interviewers.includes(String(c.args.channel))),
      ).toHaveLength(told().size);
    } finally {
      await app.close();
    }
  });
});

describe('people left behind in a burst', () => {
  it('the job of a row already sent takes along due people no delivery reached, until a claim finds nobody more', async () => {
    // A worker of its own taking three others along each time, so what it remembers about this
    // workspace ("more may be due") comes from this test's deliveries only; a budget no batch
    // here reaches, so none leaves anyone for later on a slow machine.
    const app = await startTestApp({}, { nudgeBatchRecipients: 3, nudgeSendBudgetMs: 60_000 });
    try {
      const db = app.panelist.deps.db;
      const queues = app.panelist.deps.queues;
      const panel = await coordinatedPanel(db, 'LEFT');
      const interviewers = Array.from({ length: 10 }, (_, i) => `ULEFT${i}`);
      const late = 'ULEFTLATE';
      await givenSlots(db, panel.id, TEST_NOW, [
        // Over at 12:00: each interviewer is owed feedback then.
        { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers },
        // Tomorrow at 13:00: its briefing falls due at 13:00 today.
        { kind: 'executive', start: '2026-12-02T13:00:00Z', interviewers: [late] },
      ]);
      app.clock.set(new Date('2026-12-01T12:00:00Z'));
      const dmsTo = (userId: string) =>
        app.slack.callsTo('chat.postMessage', (c) => c.args.channel === userId);
      const told = () => interviewers.filter((id) => dmsTo(id).length > 0);
      const rowOf = async (recipient: string, kind: NudgeKind) => {
        const row = await db
          .selectFrom('nudge')
          .select(['id', 'team_id', 'deliver_at', 'state'])
          .where('team_id', '=', TEAM_ID)
          .where('panel_id', '=', panel.id)
          .where('recipient', '=', recipient)
          .where('kind', '=', kind)
          .executeTakeFirstOrThrow();
        return { ...row, id: String(row.id) };
      };
      /** Queues the job of one row and waits until it has finished (it is removed once complete). */
      const runJob = async (row: { id: string; team_id: string; deliver_at: Date }) => {
        await enqueueNudges(queues, [row], () => 0);
        await expect
          .poll(async () => (await queues.nudges.getJob(nudgeJobId(row.id, row.deliver_at))) === undefined, {
            timeout: 10_000,
          })
          .toBe(true);
      };

      // The first interviewer's job: its delivery takes three others along, as many as it asked for.
      await runJob(await rowOf('ULEFT0', 'feedback_due'));
      const first = told();
      expect(first).toHaveLength(4);
      // Their jobs come next in the queue, their rows already sent: each takes three more people
      // along, though none of those people's own jobs has run.
      const [, second, third, fourth] = first;
      await runJob(await rowOf(second ?? '', 'feedback_due'));
      expect(told()).toHaveLength(7);
      await runJob(await rowOf(third ?? '', 'feedback_due'));
      expect(told()).toHaveLength(10);
      // Nobody is left: this one's claim finds nobody, and the worker stops looking.
      await runJob(await rowOf(fourth ?? '', 'feedback_due'));
      expect(interviewers.map((id) => dmsTo(id).length)).toEqual(interviewers.map(() => 1));
      const rows = await db
        .selectFrom('nudge')
        .select(['state', 'slack_ts'])
        .where('team_id', '=', TEAM_ID)
        .where('panel_id', '=', panel.id)
        .where('kind', '=', 'feedback_due')
        .where('recipient', 'in', interviewers)
        .execute();
      expect(rows.map((r) => r.state)).toEqual(interviewers.map(() => 'sent'));
      expect(new Set(rows.map((r) => r.slack_ts)).size).toBe(interviewers.length);

      // At 13:00 the briefing falls due. The job of a row already sent finishes without looking for
      // it (the last claim found nobody more); the briefing's own job delivers it.
      app.clock.set(new Date('2026-12-01T13:00:00Z'));
      await runJob(await rowOf(second ?? '', 'feedback_due'));
      expect(dmsTo(late)).toHaveLength(0);
      await runJob(await rowOf(late, 'briefing'));
      expect(dmsTo(late)).toHaveLength(1);
      expect(text(dmsTo(late)[0])).toContain('Briefing');
    } finally {
      await app.close();
    }
  });
});

describe('send slots', () => {
  it('a message holds its slot until its receipt is committed: with receipts held up, no more than the worker’s concurrency go out', async () => {
    const { interviewers, head, feedbackDue, sent } = await fullBatch('SLOTS');
    const slots = t.config.WORKER_CONCURRENCY;

    // Receipts cannot be written for now (a lock Postgres holds for another session).
    await withReceiptsLocked(async () => {
      await enqueueNudges(t.panelist.deps.queues, [head], () => 0);
      await expect.poll(sent).toBe(slots);
      // Slack would take more at once, but every slot waits on its receipt.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sent()).toBe(slots);
    });
    // Receipts written, the slots are free again: everyone gets their message, once (the batch's
    // budget is spent by now, so the rest go out with their own jobs).
    const left = (await feedbackDue()).filter((r) => r.state === 'pending');
    await enqueueNudges(t.panelist.deps.queues, left, () => 0);
    await expect.poll(sent, { timeout: 10_000 }).toBe(interviewers.length);
    await expectQuiet(
      interviewers,
      interviewers.map(() => 1),
    );
  });

  it('a batch whose receipts cannot be written sends no more, still ends, and loses nobody', async () => {
    const { interviewers, head, feedbackDue, sent } = await fullBatch('RCPTX');
    const slots = t.config.WORKER_CONCURRENCY;

    await withReceiptsLocked(async () => {
      await enqueueNudges(t.panelist.deps.queues, [head], () => 0);
      await expect.poll(sent).toBe(slots);
      // The receipts' write gives up after its statement timeout (5 s): every slot's message is
      // now sent without a receipt, and those slots stay taken until the batch ends.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      expect(sent()).toBe(slots);
    });
    // The batch ends (its settling statement had waited on the lock too): the messages Slack took
    // are recorded as sent, the rest left pending, and the slots are free again.
    await expect
      .poll(async () => (await feedbackDue()).filter((r) => r.state === 'sent').length, {
        timeout: 5_000,
      })
      .toBe(slots);
    const left = (await feedbackDue()).filter((r) => r.state === 'pending');
    expect(left).toHaveLength(interviewers.length - slots);
    await enqueueNudges(t.panelist.deps.queues, left, () => 0);
    await expect.poll(sent, { timeout: 10_000 }).toBe(interviewers.length);
    await expectQuiet(
      interviewers,
      interviewers.map(() => 1),
    );
  }, 30_000);
});

/**
 * Presses the Snooze menu on the user's latest nudge DM, as Slack shows it: its channel and ts are
 * those Slack answered the app with, whether or not the app has committed the nudge as sent yet.
 */
async function snoozeWith(userId: string, value: string) {
  const dm = dms(userId).at(-1);
  const ts = dm?.answer?.ts;
  const channel = dm?.answer?.channel;
  if (typeof ts !== 'string' || typeof channel !== 'string') throw new Error(`no DM to ${userId} yet`);
  const res = await t.requests.selectAction(
    userId,
    { action_id: 'nudge_snooze', value },
    { channelId: channel, messageTs: ts },
  );
  expect(res.status).toBe(200);
}

describe('receipts of deliveries sending at once', () => {
  /** A receipt writer as a worker has, on a pool of its own, with the statements it sends and those that failed. */
  function receiptWriter(connectionString = t.databaseUrl) {
    const statements: string[] = [];
    const failed: string[] = [];
    const receiptsDb = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 1 }) }),
      log: (event) => {
        if (event.level === 'query') statements.push(event.query.sql);
        else failed.push(event.query.sql);
      },
    });
    return {
      writer: new NudgeReceiptWriter(receiptsDb),
      statements,
      failed,
      close: () => receiptsDb.destroy(),
    };
  }
  /** Three interviewers' feedback-due rows, not due yet (the clock stays at TEST_NOW). */
  async function threeRows() {
    const p = people();
    t.clock.set(TEST_NOW);
    const panel = await panelFor(p);
    await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
      { kind: 'peer', start: '2026-12-01T11:00:00Z', interviewers: [p.a, p.b, p.c] },
    ]);
    const rows = await nudgesOf(panel.id, 'feedback_due');
    expect(rows.map((r) => r.recipient)).toEqual([p.a, p.b, p.c]);
    return rows;
  }
  const storedReceipts = (ids: string[]) =>
    t.panelist.deps.db
      .selectFrom('nudge_receipt')
      .select(['nudge_id', 'slack_channel', 'slack_ts', 'deliver_at'])
      .where('team_id', '=', TEAM_ID)
      .where('nudge_id', 'in', ids)
      .orderBy('nudge_id')
      .execute();
  const forget = (ids: string[]) =>
    t.panelist.deps.db
      .deleteFrom('nudge_receipt')
      .where('team_id', '=', TEAM_ID)
      .where('nudge_id', 'in', ids)
      .execute();

  it('commits the receipts that arrive together, or while one is being written, in one statement, each with its own message', async () => {
    const rows = await threeRows();
    const [first, second, third] = rows;
    if (first === undefined || second === undefined || third === undefined) throw new Error('rows missing');
    const { writer, statements, close } = receiptWriter();
    const inserts = () => statements.filter((s) => s.includes('insert into nudge_receipt')).length;
    try {
      // Three deliveries' messages answered in the same turn of the event loop, each read by a
      // callback of its own (as the worker reads Slack's answers): one write.
      await Promise.all(
        rows.map(
          (row, i) =>
            new Promise<void>((resolve, reject) =>
              setImmediate(() =>
                writer.record(receiptFor(row, `1800000000.00000${i}`)).then(resolve, reject),
              ),
            ),
        ),
      );
      expect(inserts()).toBe(1);
      expect(await storedReceipts(rows.map((r) => r.id))).toEqual(
        rows.map((row, i) => ({
          nudge_id: row.id,
          slack_channel: `D${row.recipient}`,
          slack_ts: `1800000000.00000${i}`,
          deliver_at: row.deliver_at,
        })),
      );
      // One answered a turn before the other two: its write is under way when they arrive, so
      // they wait for it and go together in the next.
      const lone = writer.record(receiptFor(first, '1800000000.000004'));
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([
        lone,
        writer.record(receiptFor(second, '1800000000.000005')),
        writer.record(receiptFor(third, '1800000000.000006')),
      ]);
      expect(inserts()).toBe(3);
      expect((await storedReceipts(rows.map((r) => r.id))).map((r) => r.slack_ts)).toEqual([
        '1800000000.000004',
        '1800000000.000005',
        '1800000000.000006',
      ]);
      // A lone receipt later is written on its own.
      await writer.record(receiptFor(first, '1800000000.000009'));
      expect(inserts()).toBe(4);
      expect((await storedReceipts([first.id]))[0]?.slack_ts).toBe('1800000000.000009');
    } finally {
      await forget(rows.map((r) => r.id));
      await close();
    }
  });

  it('a receipt that cannot be written fails only its own delivery, not those written with it', async () => {
    const [a, b, c] = await threeRows();
    if (a === undefined || b === undefined || c === undefined) throw new Error('rows missing');
    const { writer, close } = receiptWriter();
    try {
      // The middle one carries a value Postgres refuses (an id past bigint's range: SQLSTATE 22003).
      const gone = { ...b, id: '9223372036854775808' };
      const outcomes = await Promise.allSettled([
        writer.record(receiptFor(a, '1800000000.000001')),
        writer.record(receiptFor(gone, '1800000000.000002')),
        writer.record(receiptFor(c, '1800000000.000003')),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await storedReceipts([a.id, b.id, c.id])).map((r) => r.slack_ts)).toEqual([
        '1800000000.000001',
        '1800000000.000003',
      ]);
    } finally {
      await forget([a.id, c.id]);
      await close();
    }
  });

  it('when Postgres cannot be reached, every waiting receipt fails at once, not one after another', async () => {
    const [a, b, c] = await threeRows();
    if (a === undefined || b === undefined || c === undefined) throw new Error('rows missing');
    // A "Postgres" that hangs up on every connection: each write fails with no SQLSTATE.
    let attempts = 0;
    const hangUp = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const { port } = hangUp.address() as AddressInfo;
    const { writer, close } = receiptWriter(`postgres://postgres@127.0.0.1:${port}/unreachable`);
    try {
      const outcomes = await Promise.allSettled([
        writer.record(receiptFor(a, '1800000000.000001')),
        writer.record(receiptFor(b, '1800000000.000002')),
        writer.record(receiptFor(c, '1800000000.000003')),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      // One write carrying all three (answered together), not a retry per delivery.
      expect(attempts).toBe(1);
      expect(await storedReceipts([a.id, b.id, c.id])).toEqual([]);
    } finally {
      await close();
      await new Promise((resolve) => hangUp.close(resolve));
    }
  });
});
