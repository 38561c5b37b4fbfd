import type { ModalView } from '@slack/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getNewPanelModal } from '../blocks/new-panel-modal.js';
import { HIRING_CHANNEL, newPanelValues, PEOPLE, validNewPanelFields } from './support/factories.js';
import { startTestApp, TEAM_ID, TEST_NOW, type TestApp } from './support/test-env.js';

// Real: HTTP, Bolt, Postgres, Redis, BullMQ worker. Faked: Slack's Web API (the Slack double).
let t: TestApp;
const modal = getNewPanelModal();
const PRIVATE_CHANNEL = 'CPRIVATE';
const ARCHIVED_CHANNEL = 'CARCHIVED';

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring-staff-eng', is_member: false });
  t.slack.addChannel(PRIVATE_CHANNEL, { name: 'hiring-secret', is_private: true, is_member: false });
  t.slack.addChannel(ARCHIVED_CHANNEL, { name: 'old-hiring', is_archived: true });
  t.slack.addUser(PEOPLE.recruiter, { tz: 'Europe/Berlin' });
});
afterAll(async () => t?.close());
beforeEach(() => t.clock.set(TEST_NOW));

async function countRows(table: 'panel' | 'panel_member' | 'stage' | 'audit_event'): Promise<number> {
  const { count } = await t.panelist.deps.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}

async function submit(overrides: Parameters<typeof validNewPanelFields>[1] = {}, viewId?: string) {
  const view = viewId === undefined ? modal : { ...modal, id: viewId };
  return t.requests.viewSubmission(
    PEOPLE.recruiter,
    view,
    newPanelValues(validNewPanelFields(TEST_NOW, overrides)),
  );
}

describe('/panel new', () => {
  it('opens the new-panel modal with the first three stages chosen and the opener as recruiter', async () => {
    const res = await t.requests.command(PEOPLE.recruiter, 'new');
    expect(res.status).toBe(200);
    const call = await t.slack.waitForCall('views.open');
    const view = call.args.view as ModalView;
    expect(view.callback_id).toBe('panel_new');
    expect(call.args.trigger_id).toMatch(/^trigger-/);
    const stages = view.blocks.find((b) => b.block_id === 'stages') as {
      element: { options: { value: string }[]; initial_options: { value: string }[] };
    };
    expect(stages.element.options.map((o) => o.value)).toEqual(['manager', 'peer', 'executive', 'practical']);
    expect(stages.element.initial_options.map((o) => o.value)).toEqual(['manager', 'peer', 'executive']);
    expect(JSON.stringify(view.blocks)).toContain(`"initial_user":"${PEOPLE.recruiter}"`);
  });

  it('a valid submission stores the panel, its people and stages, shows the reference and announces it', async () => {
    const fields = validNewPanelFields(TEST_NOW);
    const res = await t.requests.viewSubmission(PEOPLE.recruiter, modal, newPanelValues(fields));
    expect(res.status).toBe(200);
    expect(res.json?.response_action).toBe('update');
    expect(JSON.stringify(res.json?.view)).toContain('*P-1* is open for *Ada Lovelace*');

    const db = t.panelist.deps.db;
    const panel = await db
      .selectFrom('panel')
      .selectAll()
      .where('team_id', '=', TEAM_ID)
      .where('number', '=', 1)
      .executeTakeFirstOrThrow();
    expect(panel).toMatchObject({
      candidate_name: 'Ada Lovelace',
      role_title: 'Staff Engineer',
      channel_id: HIRING_CHANNEL,
      state: 'open',
      created_by: PEOPLE.recruiter,
      answer_promised_on: fields.promised,
      sealed: false,
    });
    expect(panel.decision_deadline.getTime()).toBe((fields.deadline ?? 0) * 1000);
    const members = await db
      .selectFrom('panel_member')
      .select(['user_id', 'role'])
      .where('panel_id', '=', panel.id)
      .execute();
    expect(members).toEqual(
      expect.arrayContaining([
        { user_id: PEOPLE.hiringManager, role: 'hiring_manager' },
        { user_id: PEOPLE.recruiter, role: 'recruiter' },
        { user_id: PEOPLE.decisionMaker, role: 'decision_maker' },
      ]),
    );
    const stages = await db
      .selectFrom('stage')
      .select('kind')
      .where('panel_id', '=', panel.id)
      .orderBy('position')
      .execute();
    expect(stages.map((s) => s.kind)).toEqual(['manager', 'peer', 'executive']);
    const audit = await db.selectFrom('audit_event').selectAll().where('panel_id', '=', panel.id).execute();
    expect(audit.map((a) => a.action)).toContain('panel.created');

    const announcement = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === HIRING_CHANNEL,
    );
    const blocksText = JSON.stringify(announcement.args.blocks);
    expect(blocksText).toContain('P-1 · Ada Lovelace');
    expect(blocksText).toContain(`<!date^${fields.deadline}^`);
    expect(blocksText).toContain('<@UMANAGER>');
    expect(blocksText).toContain('<@URECRUITER>');
    expect(blocksText).toContain('<@UDECIDER>');
    expect(blocksText).toContain('Hiring-manager deep dive');
    expect(blocksText).toContain('Executive conversation');
    // First-interview notes stay with the team: a channel may have other readers.
    expect(blocksText).not.toContain('probe people leadership');
    await expect
      .poll(async () => {
        const row = await db
          .selectFrom('panel')
          .select(['announcement_ts', 'announced_revision'])
          .where('id', '=', panel.id)
          .executeTakeFirst();
        return row?.announced_revision;
      })
      .toBe(1);
    expect(t.slack.callsTo('chat.postMessage', (c) => c.args.channel === HIRING_CHANNEL)).toHaveLength(1);
  });

  it('numbers panels per workspace: the next one is P-2, here created sealed', async () => {
    const res = await submit({ candidate: 'Grace Hopper', sealed: true });
    expect(JSON.stringify(res.json?.view)).toContain('*P-2* is open for *Grace Hopper*');
    const stored = await t.panelist.deps.db
      .selectFrom('panel')
      .select(['candidate_name', 'sealed'])
      .where('team_id', '=', TEAM_ID)
      .where('number', '=', 2)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ candidate_name: 'Grace Hopper', sealed: true });
  });

  it('escapes mentions and markup in the candidate name and role in the announcement', async () => {
    const res = await submit({ candidate: 'Eve <!channel> <@U123>', role: 'Role & <b>' });
    expect(res.json?.response_action).toBe('update');
    const call = await t.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.args.blocks).includes('Eve'),
    );
    const text = JSON.stringify(call.args.blocks) + String(call.args.text);
    expect(text).toContain('Eve &lt;!channel&gt; &lt;@U123&gt;');
    expect(text).toContain('Role &amp; &lt;b&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U123>');
  });

  it('a submission delivered twice (same view) creates one panel', async () => {
    const before = await countRows('panel');
    const [first, second] = await Promise.all([
      submit({ candidate: 'Twice' }, 'VTWICE01'),
      submit({ candidate: 'Twice' }, 'VTWICE01'),
    ]);
    expect(first.json?.response_action).toBe('update');
    expect(second.json?.response_action).toBe('update');
    expect(JSON.stringify(first.json?.view)).toEqual(JSON.stringify(second.json?.view));
    expect(await countRows('panel')).toBe(before + 1);
  });

  describe('validation: errors beside the field, nothing stored', () => {
    const cases: [string, Parameters<typeof validNewPanelFields>[1], string, RegExp][] = [
      ['an empty candidate name', { candidate: '   ' }, 'candidate', /Enter the candidate/],
      ['an over-long candidate name', { candidate: 'x'.repeat(101) }, 'candidate', /100 characters/],
      ['an empty role', { role: null }, 'role', /Enter the role/],
      ['an over-long role', { role: 'r'.repeat(151) }, 'role', /150 characters/],
      ['no hiring manager', { hiringManager: null }, 'hiring_manager', /hiring manager/],
      ['no recruiter', { recruiter: null }, 'recruiter', /recruiter/],
      ['no decision maker', { decisionMakers: [] }, 'decision_makers', /at least one decision maker/],
      ['no channel', { channel: null }, 'channel', /hiring channel/],
      ['a deadline in the past', { deadline: TEST_NOW.getTime() / 1000 - 60 }, 'deadline', /in the past/],
      ['no deadline', { deadline: null }, 'deadline', /decision is due/],
      ['a promised date before today', { promised: '2026-11-30' }, 'answer_promised_on', /has passed/],
      [
        'a promised date before the deadline',
        { promised: '2026-12-03' },
        'answer_promised_on',
        /before the decision is due/,
      ],
      ['no stage', { stages: [] }, 'stages', /at least one stage/],
      ['over-long notes', { notes: 'n'.repeat(3001) }, 'notes', /3000 characters/],
      ['an unknown channel', { channel: 'CNOPE' }, 'channel', /can’t see that channel/],
      ['a private channel without the app', { channel: PRIVATE_CHANNEL }, 'channel', /\/invite @Panelist/],
      ['an archived channel', { channel: ARCHIVED_CHANNEL }, 'channel', /archived/],
    ];
    it.each(cases)('%s', async (_name, overrides, blockId, message) => {
      const before = await Promise.all([countRows('panel'), countRows('panel_member'), countRows('stage')]);
      const res = await submit(overrides);
      expect(res.status).toBe(200);
      expect(res.json?.response_action).toBe('errors');
      const errors = res.json?.errors as Record<string, string>;
      expect(errors[blockId]).toMatch(message);
      expect(await Promise.all([countRows('panel'), countRows('panel_member'), countRows('stage')])).toEqual(
        before,
      );
    });

    it('reports every invalid field at once', async () => {
      const res = await submit({ candidate: '', role: '', stages: [], decisionMakers: [] });
      expect(Object.keys(res.json?.errors as object).sort()).toEqual([
        'candidate',
        'decision_makers',
        'role',
        'stages',
      ]);
    });

    it('judges "today" in the submitter’s time zone', async () => {
      // 23:30 UTC on 1 Dec is already 2 Dec in Berlin: a promise for 1 Dec has passed there.
      t.clock.set(new Date('2026-12-01T23:30:00Z'));
      const res = await t.requests.viewSubmission(
        PEOPLE.recruiter,
        modal,
        newPanelValues(
          validNewPanelFields(new Date('2026-12-01T23:30:00Z'), {
            deadline: Date.parse('2026-12-01T23:45:00Z') / 1000,
            promised: '2026-12-01',
          }),
        ),
      );
      expect(res.json?.errors).toMatchObject({ answer_promised_on: expect.stringMatching(/has passed/) });
    });
  });
});
