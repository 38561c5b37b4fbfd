import type { ModalView } from '@slack/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getFeedbackModal } from '../blocks/feedback-modal.js';
import { enqueueHomeRefresh } from '../jobs/queues.js';
import type { Panel } from '../src/db/database.js';
import type { SlotWithPeople } from '../src/db/slots.js';
import { emptyFeedback } from '../src/domain/feedback-form.js';
import { submitFeedback } from '../src/services/feedback.js';
import {
  decisionValues,
  givenDeclined,
  givenPanel,
  givenSlots,
  HIRING_CHANNEL,
  PEOPLE,
} from './support/factories.js';
import { type FeedbackFields, feedbackValues, MANAGER_CARD, PEER_CARD } from './support/feedback-form.js';
import {
  openDecisionModal,
  openHomeTab,
  startTestApp,
  TEAM_ID,
  TEST_NOW,
  type TestApp,
} from './support/test-env.js';

// Real: HTTP, Bolt, Postgres, Redis, BullMQ worker. Faked: Slack (the double).
let t: TestApp;
const AFTER = new Date('2026-12-03T10:00:00Z'); // after every slot below

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
});
afterAll(async () => t?.close());
beforeEach(() => t.clock.set(AFTER));

let counter = 0;
/** A panel with a manager slot (one interviewer) and a peer slot (two), all ended. */
async function panelWithSlots(options: { sealed?: boolean; name?: string } = {}) {
  counter += 1;
  const ids = { m: `UM${counter}`, p1: `UPA${counter}`, p2: `UPB${counter}` };
  const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, {
    candidateName: options.name ?? `Candidate ${counter}`,
    sealed: options.sealed ?? false,
  });
  const [manager, peer] = await givenSlots(t.panelist.deps.db, panel.id, TEST_NOW, [
    { kind: 'manager', start: '2026-12-02T09:00:00Z', interviewers: [ids.m] },
    { kind: 'peer', start: '2026-12-02T13:00:00Z', interviewers: [ids.p1, ids.p2] },
  ]);
  if (manager === undefined || peer === undefined) throw new Error('slots not booked');
  return { panel, manager, peer, ...ids };
}

const GOOD: FeedbackFields = {
  ratings: { collaboration: 'yes', communication: 'strong_yes', motivation: 'yes' },
  evidence: { communication: 'Explained a tricky migration clearly to a non-technical PM.' },
  star: {
    situation: 'Legacy outage',
    task: 'Restore service',
    action: 'Led the rollback',
    result: 'Back in 20 minutes',
  },
  strengths: 'SECRET-STRENGTH-TEXT',
  concerns: 'SECRET-CONCERN-TEXT',
  questions: 'Tell me about a conflict.',
  recommendation: 'yes',
};

function feedbackView(panel: Panel, slot: SlotWithPeople, id: string): ModalView & { id: string } {
  return { ...getFeedbackModal({ panel, slot, content: emptyFeedback(), submitted: false }), id };
}

async function submit(
  userId: string,
  panel: Panel,
  slot: SlotWithPeople,
  fields: FeedbackFields,
  viewId = `V${Math.random()}`,
) {
  const card = slot.stageKind === 'manager' ? MANAGER_CARD : PEER_CARD;
  return t.requests.viewSubmission(userId, feedbackView(panel, slot, viewId), feedbackValues(card, fields));
}

async function openButton(userId: string, action: string, value: string) {
  const before = t.slack.callsTo('views.open').length;
  await t.requests.blockAction(userId, { action_id: action, value });
  await expect.poll(() => t.slack.callsTo('views.open').length).toBeGreaterThan(before);
  return t.slack.callsTo('views.open').at(-1)?.args.view as ModalView;
}

/** Presses a button that pushes a modal onto the one open (View feedback's **Read**); returns it. */
async function pushButton(userId: string, action: string, value: string) {
  const before = t.slack.callsTo('views.push').length;
  await t.requests.blockAction(userId, { action_id: action, value });
  await expect.poll(() => t.slack.callsTo('views.push').length).toBeGreaterThan(before);
  return t.slack.callsTo('views.push').at(-1)?.args.view as ModalView;
}

const rowsOf = (panelId: string) =>
  t.panelist.deps.db
    .selectFrom('feedback')
    .selectAll()
    .where('team_id', '=', TEAM_ID)
    .where('panel_id', '=', panelId)
    .execute();

describe('opening feedback', () => {
  it('/panel feedback lists slots that have ended and wait for the user’s feedback, with buttons', async () => {
    const { panel, manager, m } = await panelWithSlots({ name: 'Pending Person' });
    t.clock.set(new Date('2026-12-02T09:30:00Z'));
    const early = await t.requests.command(m, 'feedback');
    expect(JSON.stringify(early.json)).toContain('No feedback waiting');
    t.clock.set(AFTER);
    const res = await t.requests.command(m, 'feedback');
    const shown = JSON.stringify(res.json?.blocks);
    expect(shown).toContain(`P-${panel.number} · Pending Person`);
    expect(shown).toContain(`"action_id":"feedback_open","value":"${manager.slot.id}"`);
  });

  it('before the slot ends, the button explains when feedback opens', async () => {
    const { manager, m } = await panelWithSlots();
    t.clock.set(new Date('2026-12-02T09:30:00Z'));
    const view = await openButton(m, 'feedback_open', manager.slot.id);
    expect(JSON.stringify(view)).toContain('Feedback opens when the slot ends');
  });

  it('opens a modal built from the stage’s scorecard with a four-point recommendation', async () => {
    const { peer, p1 } = await panelWithSlots();
    const view = await openButton(p1, 'feedback_open', peer.slot.id);
    expect(view.callback_id).toBe('feedback_submit');
    const ids = view.blocks.map((b) => b.block_id);
    for (const key of PEER_CARD) expect(ids).toContain(`rating_${key}`);
    for (const key of [
      'star_situation',
      'star_task',
      'star_action',
      'star_result',
      'strengths',
      'concerns',
      'questions',
    ]) {
      expect(ids).toContain(key);
    }
    const recommendation = view.blocks.find((b) => b.block_id === 'recommendation') as {
      element: { options: { value: string }[] };
    };
    expect(recommendation.element.options.map((o) => o.value)).toEqual([
      'strong_no',
      'no',
      'yes',
      'strong_yes',
    ]);
    expect(JSON.stringify(view)).toContain('Save draft');
  });

  it('someone who did not interview in the slot cannot open its feedback', async () => {
    const { manager } = await panelWithSlots();
    const view = await openButton(PEOPLE.outsider, 'feedback_open', manager.slot.id);
    expect(JSON.stringify(view)).toContain('You were not an interviewer in that slot');
  });
});

describe('validation: errors beside the field, nothing stored', () => {
  const cases: [string, FeedbackFields, string, RegExp][] = [
    [
      'no recommendation',
      { ...GOOD, recommendation: null },
      'recommendation',
      /Choose your overall recommendation/,
    ],
    [
      'no competency rated',
      { ...GOOD, ratings: {}, evidence: {} },
      'rating_collaboration',
      /Rate at least one competency/,
    ],
    [
      'a strong rating without evidence',
      { ...GOOD, ratings: { collaboration: 'strong_no' } },
      'evidence_collaboration',
      /needs written evidence/,
    ],
    [
      'a strong recommendation without the result',
      { ...GOOD, recommendation: 'strong_yes', star: { action: 'Did it' } },
      'star_result',
      /needs the evidence behind it/,
    ],
    ['text over 3000 characters', { ...GOOD, concerns: 'x'.repeat(3001) }, 'concerns', /3000 characters/],
  ];
  it.each(cases)('%s', async (_name, fields, blockId, message) => {
    const { panel, peer, p1 } = await panelWithSlots();
    const res = await submit(p1, panel, peer, fields);
    expect(res.json?.response_action).toBe('errors');
    expect(res.json?.errors).toMatchObject({ [blockId]: expect.stringMatching(message) });
    expect(await rowsOf(panel.id)).toEqual([]);
  });
});

describe('drafts, submission and edits', () => {
  it('Save draft keeps what was typed and the next open starts from it', async () => {
    const { panel, peer, p1 } = await panelWithSlots();
    const view = {
      ...feedbackView(panel, peer, 'VDRAFT1'),
      hash: 'h',
      team_id: TEAM_ID,
      state: {
        values: feedbackValues(PEER_CARD, {
          strengths: 'Half-written thought',
          ratings: { collaboration: 'no' },
        }),
      },
    };
    await t.requests.blockAction(p1, { action_id: 'feedback_save_draft' }, { view });
    const note = await t.slack.waitForCall(
      'views.update',
      (c) => c.args.view_id === 'VDRAFT1' && JSON.stringify(c.args.view).includes('Draft saved'),
    );
    // The time in the reader's own zone (Slack date formatting), not a bare UTC clock.
    expect(JSON.stringify(note.args.view)).toMatch(/Draft saved at <!date\^\d+\^\{time\}\|/);
    const [row] = await rowsOf(panel.id);
    expect(row).toMatchObject({ state: 'draft', interviewer_id: p1 });
    expect(row?.content.strengths).toBe('Half-written thought');

    const reopened = await openButton(p1, 'feedback_open', peer.slot.id);
    expect(JSON.stringify(reopened)).toContain('"initial_value":"Half-written thought"');
    expect(JSON.stringify(reopened)).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"No","emoji":true},"value":"no"}',
    );

    // Once the panel is decided, a draft is not saved any more.
    await t.panelist.deps.db
      .updateTable('panel')
      .set({ state: 'decided' })
      .where('id', '=', panel.id)
      .execute();
    const late = {
      ...view,
      id: 'VDRAFT2',
      state: { values: feedbackValues(PEER_CARD, { strengths: 'Too late' }) },
    };
    await t.requests.blockAction(p1, { action_id: 'feedback_save_draft' }, { view: late });
    const refused = await t.slack.waitForCall('views.update', (c) => c.args.view_id === 'VDRAFT2');
    expect(JSON.stringify(refused.args.view)).toContain('Nothing saved: this panel is decided');
    expect((await rowsOf(panel.id))[0]?.content.strengths).toBe('Half-written thought');
  });

  it('submitting stores the feedback and a version; an edit adds a version; a double submission adds nothing', async () => {
    const { panel, peer, p1 } = await panelWithSlots();
    const first = await submit(p1, panel, peer, GOOD, 'VSUBMIT1');
    expect(first.json?.response_action).toBe('update');
    expect(JSON.stringify(first.json?.view)).toContain('your feedback is in');
    const again = await submit(p1, panel, peer, GOOD, 'VSUBMIT1');
    expect(again.json?.response_action).toBe('update');

    t.clock.set(new Date('2026-12-03T11:00:00Z'));
    const edit = await submit(
      p1,
      panel,
      peer,
      { ...GOOD, recommendation: 'no', concerns: 'Changed my mind' },
      'VSUBMIT2',
    );
    expect(edit.json?.response_action).toBe('update');

    const [row] = await rowsOf(panel.id);
    expect(row).toMatchObject({ state: 'submitted', recommendation: 'no' });
    expect(row?.submitted_at?.toISOString()).toBe(AFTER.toISOString());
    const versions = await t.panelist.deps.db
      .selectFrom('feedback_version')
      .select(['version', 'recommendation', 'submitted_at'])
      .where('feedback_id', '=', row?.id ?? '')
      .orderBy('version')
      .execute();
    expect(versions.map((v) => [v.version, v.recommendation, v.submitted_at.toISOString()])).toEqual([
      [1, 'yes', AFTER.toISOString()],
      [2, 'no', '2026-12-03T11:00:00.000Z'],
    ]);
    // Readers see that it was edited, and when: a rewrite after reading the others' shows.
    const seen = JSON.stringify(await openButton(PEOPLE.recruiter, 'feedback_view', panel.id));
    expect(seen).toContain(
      `<@${p1}> · Peer / team interview · *No* · _edited: 2 versions, the last <!date^${Date.parse('2026-12-03T11:00:00Z') / 1000}^`,
    );
  });

  it('two deliveries of the same submission at once store one version', async () => {
    const { panel, manager, m } = await panelWithSlots();
    const fields = { ...GOOD, ratings: { technical_depth: 'yes' }, evidence: {} };
    await Promise.all([
      submit(m, panel, manager, fields, 'VRACE'),
      submit(m, panel, manager, fields, 'VRACE'),
    ]);
    const versions = await t.panelist.deps.db
      .selectFrom('feedback_version')
      .select('feedback_version.id')
      .innerJoin('feedback', 'feedback.id', 'feedback_version.feedback_id')
      .where('feedback.panel_id', '=', panel.id)
      .execute();
    expect(versions).toHaveLength(1);
  });
});

describe('what a submission sets off', () => {
  const openHome = (userId: string) => openHomeTab(t, userId);
  const homePublishes = (userId: string) =>
    t.slack.callsTo('views.publish', (c) => c.args.user_id === userId).length;

  it('refreshes the App Home of an interviewer who has opened it, and of no one else', async () => {
    const { panel, peer, p1, p2 } = await panelWithSlots();
    await openHome(p1);
    await t.slack.waitForCall('views.publish', (c) => c.args.user_id === p1);
    const opened = homePublishes(p1);

    await submit(p1, panel, peer, GOOD);
    await submit(p2, panel, peer, GOOD);
    // A refresh waits 2 s to coalesce a burst, then takes its turn in a worker shared with the
    // other test files running at once: allow for a busy machine.
    await expect.poll(() => homePublishes(p1), { timeout: 15_000 }).toBeGreaterThan(opened);
    const refreshed = t.slack.callsTo('views.publish', (c) => c.args.user_id === p1).at(-1);
    expect(JSON.stringify(refreshed?.args.view)).not.toContain(`"value":"${peer.slot.id}"`);
    // p2 never opened the Home tab: their Home is rendered fresh when they first do.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(homePublishes(p2)).toBe(0);
  });

  it('a change that lands while someone’s Home is being refreshed gets a refresh of its own', async () => {
    const { panel, peer, p1 } = await panelWithSlots({ name: 'Refreshed Twice' });
    await openHome(p1);
    await t.slack.waitForCall('views.publish', (c) => c.args.user_id === p1);
    const opened = homePublishes(p1);
    // Slack is slow with p1's next publish: the refresh job is running (it has read the panels).
    const release = t.slack.holdCalls('views.publish', (c) => c.args.user_id === p1);
    try {
      await enqueueHomeRefresh(t.panelist.deps.queues, TEAM_ID, [{ userId: p1, timeZone: 'UTC' }]);
      await expect.poll(() => homePublishes(p1), { timeout: 15_000 }).toBe(opened + 1);
      // p1 submits meanwhile: the running refresh cannot show it.
      await submit(p1, panel, peer, GOOD);
    } finally {
      release();
    }
    await expect.poll(() => homePublishes(p1), { timeout: 15_000 }).toBe(opened + 2);
    const latest = t.slack.callsTo('views.publish', (c) => c.args.user_id === p1).at(-1);
    expect(JSON.stringify(latest?.args.view)).not.toContain(`"value":"${peer.slot.id}"`);
  });

  it('leaves the announcement alone (it shows no feedback) until the debrief is due', async () => {
    const { panel, manager, peer, m, p1, p2 } = await panelWithSlots({ name: 'Quiet Announcement' });
    const revisions = () =>
      t.panelist.deps.db
        .selectFrom('panel')
        .select(['revision', 'announced_revision', 'debriefed_revision'])
        .where('id', '=', panel.id)
        .executeTakeFirstOrThrow();
    await t.reconcile(); // the factories store the panel and slots without announcing them
    await expect
      .poll(async () => (await revisions()).announced_revision, { timeout: 5_000 })
      .toBe((await revisions()).revision);
    const before = await revisions();
    const { announcement_ts } = await t.panelist.deps.db
      .selectFrom('panel')
      .select('announcement_ts')
      .where('id', '=', panel.id)
      .executeTakeFirstOrThrow();
    expect(announcement_ts).not.toBeNull();
    const announcementCalls = () =>
      t.slack.callsTo('chat.update', (c) => c.args.ts === announcement_ts).length;
    const calls = announcementCalls();
    await submit(p1, panel, peer, GOOD);
    await submit(p2, panel, peer, GOOD);
    const after = await revisions();
    expect(after.revision).toBe(before.revision + 2);
    expect(after.announced_revision).toBe(after.revision);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(announcementCalls()).toBe(calls);

    await submit(m, panel, manager, { ...GOOD, ratings: { technical_depth: 'yes' }, evidence: {} });
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === HIRING_CHANNEL && JSON.stringify(c.args.blocks).includes('Debrief P-'),
      8_000,
    );
    await expect.poll(async () => (await revisions()).debriefed_revision).toBe(before.revision + 3);
    expect(announcementCalls()).toBe(calls);
  });

  it('a debrief whose job was lost is posted by the reconciler', async () => {
    const { panel, manager, peer, m, p1, p2 } = await panelWithSlots({ name: 'Lost Debrief' });
    const announced = async () => {
      const row = await t.panelist.deps.db
        .selectFrom('panel')
        .select(['revision', 'announced_revision'])
        .where('id', '=', panel.id)
        .executeTakeFirstOrThrow();
      return row.announced_revision >= row.revision;
    };
    await t.reconcile(); // the factories store the panel and slots without announcing them
    await expect.poll(announced, { timeout: 5_000 }).toBe(true);
    const content = {
      ratings: { collaboration: 'yes' as const },
      evidence: {},
      star: { situation: '', task: '', action: '', result: '' },
      strengths: '',
      concerns: '',
      questions: '',
      recommendation: 'yes' as const,
    };
    // Stored through the service alone, as if Redis had been down when the last one came in.
    for (const [userId, slot] of [
      [p1, peer],
      [p2, peer],
      [m, manager],
    ] as const) {
      const result = await submitFeedback(t.panelist.deps.db, {
        teamId: TEAM_ID,
        slotId: slot.slot.id,
        userId,
        viewId: `VLOST${userId}`,
        content,
        now: AFTER,
      });
      expect(result.kind).toBe('submitted');
    }
    expect(await announced()).toBe(true);
    await t.reconcile();
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args.channel === HIRING_CHANNEL &&
        JSON.stringify(c.args.blocks).includes('Debrief P-') &&
        JSON.stringify(c.args.blocks).includes('Lost Debrief'),
      8_000,
    );
  });
});

describe('who sees what', () => {
  it('an interviewer who has not submitted sees only who has submitted; after submitting, the others’ feedback', async () => {
    const { panel, peer, p1, p2 } = await panelWithSlots();
    await submit(p1, panel, peer, GOOD);

    const status = await t.requests.command(p2, `status P-${panel.number}`);
    const statusText = JSON.stringify(status.json);
    expect(statusText).toContain(`Submitted: <@${p1}>`);
    expect(statusText).not.toContain('strong yes ×');
    expect(statusText).not.toContain('SECRET-STRENGTH-TEXT');

    const refused = await openButton(p2, 'feedback_view', panel.id);
    expect(JSON.stringify(refused)).toContain('Submit your own feedback');
    expect(JSON.stringify(refused)).not.toContain('SECRET-STRENGTH-TEXT');

    await submit(p2, panel, peer, { ...GOOD, strengths: 'P2 strengths' });
    const allowed = await openButton(p2, 'feedback_view', panel.id);
    expect(JSON.stringify(allowed)).toContain('SECRET-STRENGTH-TEXT');
  });

  it('the recruiter, hiring manager and decision makers see all feedback before it is complete', async () => {
    const { panel, peer, p1 } = await panelWithSlots();
    await submit(p1, panel, peer, GOOD);
    for (const reviewer of [PEOPLE.recruiter, PEOPLE.hiringManager, PEOPLE.decisionMaker]) {
      const view = await openButton(reviewer, 'feedback_view', panel.id);
      expect(JSON.stringify(view)).toContain('SECRET-STRENGTH-TEXT');
    }
    const status = await t.requests.command(PEOPLE.recruiter, `status P-${panel.number}`);
    expect(JSON.stringify(status.json)).toContain('(incomplete)');
    expect(JSON.stringify(status.json)).toContain('strong yes ×1');
  });

  it('a sealed panel shows nobody any feedback until all is in, or until the deadline passes', async () => {
    const { panel, manager, peer, m, p1, p2 } = await panelWithSlots({ sealed: true });
    await submit(p1, panel, peer, GOOD);
    for (const reviewer of [PEOPLE.recruiter, PEOPLE.hiringManager, PEOPLE.decisionMaker, p1]) {
      const sealed = JSON.stringify(await openButton(reviewer, 'feedback_view', panel.id));
      expect(sealed, reviewer).toContain('is sealed');
      expect(sealed, reviewer).not.toContain('SECRET-STRENGTH-TEXT');
    }
    // `/panel status` says who has submitted, not what they said or how they rated.
    const status = JSON.stringify(
      (await t.requests.command(PEOPLE.hiringManager, `status P-${panel.number}`)).json,
    );
    expect(status).toContain(`Submitted: <@${p1}>`);
    expect(status).toContain(`Waiting for: <@${m}>, <@${p2}>`);
    expect(status).not.toContain('strong yes ×');
    expect(status).not.toContain('SECRET-STRENGTH-TEXT');

    t.clock.set(new Date(panel.decision_deadline.getTime() + 60_000));
    expect(JSON.stringify(await openButton(PEOPLE.recruiter, 'feedback_view', panel.id))).toContain(
      'SECRET-STRENGTH-TEXT',
    );
    t.clock.set(AFTER);

    await submit(p2, panel, peer, GOOD);
    await submit(m, panel, manager, { ...GOOD, ratings: { technical_depth: 'yes' }, evidence: {} });
    expect(JSON.stringify(await openButton(PEOPLE.recruiter, 'feedback_view', panel.id))).toContain(
      'SECRET-STRENGTH-TEXT',
    );
  });

  it('a sealed panel decided before all feedback is in keeps even the counts out of the decision modal and the channel', async () => {
    const { panel, peer, p1 } = await panelWithSlots({ sealed: true, name: 'Sealed Early Candidate' });
    await submit(p1, panel, peer, { ...GOOD, recommendation: 'strong_no' });
    const modal = await openButton(PEOPLE.decisionMaker, 'decision_open', panel.id);
    expect(JSON.stringify(modal)).toContain('not shown yet');
    expect(JSON.stringify(modal)).not.toContain('strong no ×');
    const res = await t.requests.viewSubmission(
      PEOPLE.decisionMaker,
      modal,
      decisionValues('hold', 'Waiting for the headcount', '2026-12-09'),
    );
    expect(res.json?.response_action).toBe('update');
    const debrief = await t.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        JSON.stringify(c.args.blocks).includes('Sealed Early Candidate') &&
        JSON.stringify(c.args.blocks).includes('Debrief'),
      8_000,
    );
    const posted = JSON.stringify(debrief.args.blocks);
    expect(posted).toContain('*Sealed*');
    expect(posted).toContain('1 of 3 submitted');
    expect(posted).not.toContain('strong no ×');
    expect(posted).toContain('Waiting for the headcount');

    // Once the decision deadline passes the seal lifts, and the reconciler updates that debrief.
    // (The post is committed, and the debrief marked sealed, just after Slack took it.)
    await expect
      .poll(
        async () =>
          (
            await t.panelist.deps.db
              .selectFrom('panel')
              .select('debrief_sealed')
              .where('id', '=', panel.id)
              .executeTakeFirstOrThrow()
          ).debrief_sealed,
      )
      .toBe(true);
    t.clock.set(new Date(panel.decision_deadline.getTime() + 60_000));
    await t.reconcile();
    const unsealed = await t.slack.waitForCall(
      'chat.update',
      (c) => c.args.ts === debrief.answer?.ts && JSON.stringify(c.args.blocks).includes('strong no ×1'),
      8_000,
    );
    expect(JSON.stringify(unsealed.args.blocks)).not.toContain('*Sealed*');
  });

  it('Read on one feedback opens it for those allowed to see it, and explains the refusal to the others', async () => {
    const { panel, peer, p1, p2 } = await panelWithSlots();
    await submit(p1, panel, peer, GOOD);
    const [row] = await rowsOf(panel.id);
    if (row === undefined) throw new Error('no feedback stored');
    const shown = JSON.stringify(await pushButton(PEOPLE.hiringManager, 'feedback_read', row.id));
    expect(shown).toContain('SECRET-STRENGTH-TEXT');
    expect(shown).toContain('Led the rollback');
    const notYet = JSON.stringify(await pushButton(p2, 'feedback_read', row.id));
    expect(notYet).toContain('Submit your own feedback');
    expect(notYet).not.toContain('SECRET');
    const outside = JSON.stringify(await pushButton(PEOPLE.outsider, 'feedback_read', row.id));
    expect(outside).toContain('visible only to its team');
    expect(outside).not.toContain('SECRET');
  });

  it('someone outside the team is refused', async () => {
    const { panel, peer, p1 } = await panelWithSlots();
    await submit(p1, panel, peer, GOOD);
    const view = await openButton(PEOPLE.outsider, 'feedback_view', panel.id);
    expect(JSON.stringify(view)).toContain('visible only to its team');
    expect(JSON.stringify(view)).not.toContain('SECRET');
  });
});

describe('debrief and decision', () => {
  it('posts the debrief once everyone still on the panel has submitted: someone who could not make it is not waited for', async () => {
    const { panel, manager, peer, m, p1, p2 } = await panelWithSlots({ name: 'Stepped Back Candidate' });
    await givenDeclined(t.panelist.deps.db, peer.slot.id, p2, TEST_NOW);
    await submit(p1, panel, peer, GOOD);
    await submit(m, panel, manager, { ...GOOD, ratings: { technical_depth: 'yes' }, evidence: {} });
    const posted = await t.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args.channel === HIRING_CHANNEL &&
        JSON.stringify(c.args.blocks).includes('Debrief P-') &&
        JSON.stringify(c.args.blocks).includes('Stepped Back Candidate'),
      8_000,
    );
    expect(JSON.stringify(posted.args.blocks)).toContain('2 of 2 submitted');
  });

  it('when the last feedback is in, the channel gets a debrief with counts but no feedback text, and decision makers a DM', async () => {
    const { panel, manager, peer, m, p1, p2 } = await panelWithSlots({ name: 'Debrief Person' });
    await submit(p1, panel, peer, GOOD);
    await submit(p2, panel, peer, {
      ...GOOD,
      ratings: { collaboration: 'no', motivation: 'yes' },
      evidence: {},
      recommendation: 'no',
    });
    await submit(m, panel, manager, {
      ...GOOD,
      ratings: { technical_depth: 'yes' },
      evidence: {},
      recommendation: 'strong_yes',
    });

    const debrief = await t.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args.channel === HIRING_CHANNEL &&
        JSON.stringify(c.args.blocks).includes('Debrief P-') &&
        JSON.stringify(c.args.blocks).includes('Debrief Person'),
      8_000,
    );
    const text = JSON.stringify(debrief.args.blocks);
    expect(text).toContain(`Debrief P-${panel.number} · Debrief Person`);
    expect(text).toContain('(3 of 3 submitted)');
    expect(text).toContain('Collaboration: :large_green_circle: yes ×1 · :large_orange_circle: no ×1');
    expect(text).toContain('Nobody assessed:_ Handling conflict and differing opinions, Adds to the team');
    expect(text).toContain('feedback_view');
    expect(text).toContain('decision_open');
    const channelCalls = t.slack.calls.filter((c) => c.args.channel === HIRING_CHANNEL);
    expect(JSON.stringify(channelCalls.map((c) => c.args))).not.toMatch(
      /SECRET-(STRENGTH|CONCERN)-TEXT|Led the rollback/,
    );
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === PEOPLE.decisionMaker && JSON.stringify(c.args).includes('Debrief Person'),
    );
  });

  it('only a decision maker records the decision; then the messages show it and feedback is read-only', async () => {
    const { panel, manager, peer, m, p1, p2 } = await panelWithSlots({ name: 'Decision Person' });
    await submit(p1, panel, peer, GOOD);
    await submit(p2, panel, peer, GOOD);
    await submit(m, panel, manager, { ...GOOD, ratings: { technical_depth: 'yes' }, evidence: {} });
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) =>
        c.args.channel === HIRING_CHANNEL &&
        JSON.stringify(c.args.blocks).includes('Debrief P-') &&
        JSON.stringify(c.args.blocks).includes('Decision Person'),
      8_000,
    );

    const byRecruiter = await t.requests.command(PEOPLE.recruiter, `decide P-${panel.number}`);
    expect(byRecruiter.json?.text).toContain('Only a decision maker');
    const refusedView = await openButton(PEOPLE.hiringManager, 'decision_open', panel.id);
    expect(JSON.stringify(refusedView)).toContain('Only a decision maker');

    const decisionModal = await openDecisionModal(t, PEOPLE.decisionMaker, panel);
    const modal = decisionModal;
    const missingReason = await t.requests.viewSubmission(
      PEOPLE.decisionMaker,
      modal,
      decisionValues('hire', '  ', '2026-12-09'),
    );
    expect(missingReason.json?.errors).toMatchObject({ reason: expect.stringMatching(/Give the reason/) });
    const { outcome: _none, ...noOutcome } = decisionValues('hire', 'A reason', '2026-12-09');
    const missingOutcome = await t.requests.viewSubmission(PEOPLE.decisionMaker, modal, noOutcome);
    expect(missingOutcome.json?.errors).toEqual({ outcome: 'Choose hire, no hire or hold.' });
    // The clock says 3 December.
    const past = await t.requests.viewSubmission(
      PEOPLE.decisionMaker,
      modal,
      decisionValues('hire', 'A reason', '2026-12-02'),
    );
    expect(past.json?.errors).toEqual({ candidate_told_on: 'That date has passed: choose today or later.' });
    // The modal sent back by someone who is not a decision maker records nothing.
    const forged = await t.requests.viewSubmission(
      PEOPLE.recruiter,
      modal,
      decisionValues('no_hire', 'Not mine to say', '2026-12-09'),
    );
    expect(JSON.stringify(forged.json?.view)).toContain('Only a decision maker');
    const noDecision = () =>
      t.panelist.deps.db.selectFrom('decision').select('outcome').where('panel_id', '=', panel.id).execute();
    expect(await noDecision()).toEqual([]);

    const res = await t.requests.viewSubmission(
      PEOPLE.decisionMaker,
      modal,
      decisionValues('hire', 'Strong evidence <b>across</b> stages', '2026-12-09'),
    );
    expect(res.json?.response_action).toBe('update');
    const decision = await t.panelist.deps.db
      .selectFrom('decision')
      .selectAll()
      .where('panel_id', '=', panel.id)
      .executeTakeFirstOrThrow();
    expect(decision).toMatchObject({
      outcome: 'hire',
      decided_by: PEOPLE.decisionMaker,
      candidate_told_on: '2026-12-09',
    });

    const debriefUpdate = await t.slack.waitForCall(
      'chat.update',
      (c) =>
        JSON.stringify(c.args.blocks).includes('Debrief P-') &&
        JSON.stringify(c.args.blocks).includes('Strong evidence &lt;b&gt;across&lt;/b&gt; stages'),
      8_000,
    );
    expect(JSON.stringify(debriefUpdate.args.blocks)).not.toContain('decision_open');
    const announced = await t.slack.waitForCall(
      'chat.update',
      (c) =>
        JSON.stringify(c.args.blocks).includes('Decision Person') &&
        JSON.stringify(c.args.blocks).includes(':white_check_mark: Decided'),
      8_000,
    );
    // The announcement shows the outcome too, but not the reason (that is in the debrief).
    expect(JSON.stringify(announced.args.blocks)).toContain('*Decision: :tada: Hire*');
    expect(JSON.stringify(announced.args.blocks)).not.toContain('Strong evidence');

    const late = await submit(p1, panel, peer, { ...GOOD, recommendation: 'no' });
    expect(JSON.stringify(late.json?.view)).toContain('read-only');
    const readOnly = await openButton(p1, 'feedback_open', peer.slot.id);
    expect(JSON.stringify(readOnly)).toContain('read-only');
    const opened = t.slack.callsTo('views.open').length;
    const again = await t.requests.command(PEOPLE.decisionMaker, `decide P-${panel.number}`);
    expect(again.status).toBe(200);
    await expect.poll(() => t.slack.callsTo('views.open').length).toBeGreaterThan(opened);
    expect(JSON.stringify(t.slack.callsTo('views.open').at(-1)?.args.view)).toContain(
      `P-${panel.number} is already decided`,
    );
    // A second decision from the modal still open is refused, and the first stands.
    const second = await t.requests.viewSubmission(
      PEOPLE.decisionMaker,
      modal,
      decisionValues('no_hire', 'Changed my mind', '2026-12-10'),
    );
    expect(JSON.stringify(second.json?.view)).toContain('is already decided');
    expect(await noDecision()).toEqual([{ outcome: 'hire' }]);
  });
});
