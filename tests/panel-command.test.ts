import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { givenDeclined, givenPanel, givenSlots, HIRING_CHANNEL, PEOPLE } from './support/factories.js';
import { startTestApp, TEAM_ID, TEST_NOW, type TestApp } from './support/test-env.js';

// Real: HTTP, Bolt, Postgres, Redis, BullMQ worker. Faked: Slack's Web API (the Slack double).
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring', is_member: true });
});
afterAll(async () => t?.close());

function messageText(json: Record<string, unknown> | undefined): string {
  return `${String(json?.text)} ${JSON.stringify(json?.blocks ?? [])}`;
}

describe('/panel help', () => {
  it.each([[''], ['help'], ['HELP']])(
    '"/panel %s" lists every subcommand with an example, privately',
    async (text) => {
      const res = await t.requests.command(PEOPLE.outsider, text);
      expect(res.status).toBe(200);
      expect(res.json?.response_type).toBe('ephemeral');
      const shown = messageText(res.json);
      for (const example of [
        '/panel new',
        '/panel list',
        '/panel status P-12',
        '/panel cancel P-12',
        '/panel help',
      ]) {
        expect(shown).toContain(example);
      }
    },
  );

  it('an unknown subcommand says so and shows the help', async () => {
    const res = await t.requests.command(PEOPLE.outsider, 'frobnicate P-1');
    expect(res.json?.response_type).toBe('ephemeral');
    expect(messageText(res.json)).toContain('I don’t know `frobnicate`');
    expect(messageText(res.json)).toContain('/panel status P-12');
  });
});

describe('/panel list and /panel status', () => {
  it('lists the panels the user takes part in, newest first, and nobody else’s', async () => {
    const db = t.panelist.deps.db;
    const older = await givenPanel(db, TEST_NOW, { candidateName: 'Older Candidate' });
    const newer = await givenPanel(db, TEST_NOW, { candidateName: 'Newer Candidate' });
    await givenPanel(db, TEST_NOW, {
      candidateName: 'Someone Else’s',
      hiringManagerId: 'UOTHERHM',
      recruiterId: 'UOTHERREC',
      decisionMakerIds: ['UOTHERDM'],
      creatorId: 'UOTHERREC',
    });

    const res = await t.requests.command(PEOPLE.decisionMaker, 'list');
    const shown = messageText(res.json);
    expect(res.json?.response_type).toBe('ephemeral');
    expect(shown).toContain(`P-${newer.number}`);
    expect(shown.indexOf('Newer Candidate')).toBeLessThan(shown.indexOf('Older Candidate'));
    expect(shown).not.toContain('Someone Else’s');
    expect(older.number).toBeLessThan(newer.number);
  });

  it('tells a user on no panel how to start one', async () => {
    const res = await t.requests.command('UNOBODY', 'list');
    expect(messageText(res.json)).toContain('not on any panel');
  });

  it('shows a panel to a member of its team, with the first-interview notes', async () => {
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName: 'Status <Check>' });
    const res = await t.requests.command(PEOPLE.hiringManager, `status P-${panel.number}`);
    const shown = messageText(res.json);
    expect(res.json?.response_type).toBe('ephemeral');
    expect(shown).toContain(`P-${panel.number} · Status &lt;Check&gt;`);
    expect(shown).toContain('Strong on systems design.');
    expect(shown).toContain('<!date^');
  });

  it('accepts the reference typed loosely (p-3, P3, 3)', async () => {
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW);
    for (const typed of [`p-${panel.number}`, `P${panel.number}`, `${panel.number}`]) {
      const res = await t.requests.command(PEOPLE.recruiter, `status ${typed}`);
      expect(messageText(res.json)).toContain(`P-${panel.number} · Ada Lovelace`);
    }
  });

  it('refuses someone outside the panel’s team, clearly and without details', async () => {
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName: 'Private Person' });
    const res = await t.requests.command(PEOPLE.outsider, `status P-${panel.number}`);
    const shown = messageText(res.json);
    expect(res.json?.response_type).toBe('ephemeral');
    expect(shown).toContain(`P-${panel.number} is visible only to its team`);
    expect(shown).toContain(`<@${PEOPLE.recruiter}>`);
    expect(shown).not.toContain('Private Person');
  });

  it('says clearly when a reference does not exist, or is missing', async () => {
    const unknown = await t.requests.command(PEOPLE.recruiter, 'status P-9999');
    expect(messageText(unknown.json)).toContain('There is no panel P-9999 in this workspace');
    const missing = await t.requests.command(PEOPLE.recruiter, 'status');
    expect(messageText(missing.json)).toContain('Which panel?');
    const garbage = await t.requests.command(PEOPLE.recruiter, 'status banana');
    expect(messageText(garbage.json)).toContain('Which panel?');
  });

  it('never shows another workspace’s panel', async () => {
    const foreign = await givenPanel(t.panelist.deps.db, TEST_NOW, {
      teamId: 'TOTHERTEAM',
      candidateName: 'Foreign',
    });
    expect(foreign.number).toBe(1);
    const res = await t.requests.command(PEOPLE.recruiter, 'list');
    expect(messageText(res.json)).not.toContain('Foreign');
    const own = await t.panelist.deps.db
      .selectFrom('panel')
      .select('number')
      .where('team_id', '=', TEAM_ID)
      .execute();
    expect(own.length).toBeGreaterThan(0);
  });
});

describe('/panel cancel', () => {
  it('lets the recruiter cancel an open panel and updates the announcement in place', async () => {
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName: 'To Cancel' });
    const { enqueueAnnouncement } = await import('../jobs/queues.js');
    await enqueueAnnouncement(t.panelist.deps.queues, {
      teamId: TEAM_ID,
      panelId: panel.id,
      revision: panel.revision,
    });
    const posted = await t.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.args.blocks).includes('To Cancel'),
    );

    const res = await t.requests.command(PEOPLE.recruiter, `cancel P-${panel.number}`);
    expect(messageText(res.json)).toContain(`P-${panel.number} is cancelled`);
    const updated = await t.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes('To Cancel'),
    );
    expect(updated.args.channel).toBe(HIRING_CHANNEL);
    expect(JSON.stringify(updated.args.blocks)).toContain('this panel was cancelled');
    expect(posted).toBeDefined();
    const row = await t.panelist.deps.db
      .selectFrom('panel')
      .select('state')
      .where('id', '=', panel.id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('cancelled');

    const again = await t.requests.command(PEOPLE.recruiter, `cancel P-${panel.number}`);
    expect(messageText(again.json)).toContain('already cancelled');
  });

  it('refuses a decision maker (not a coordinator) and an outsider, changing nothing', async () => {
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW);
    const byDecider = await t.requests.command(PEOPLE.decisionMaker, `cancel P-${panel.number}`);
    expect(messageText(byDecider.json)).toContain('Only the recruiter or hiring manager');
    const byOutsider = await t.requests.command(PEOPLE.outsider, `cancel P-${panel.number}`);
    expect(messageText(byOutsider.json)).toContain('visible only to its team');
    const row = await t.panelist.deps.db
      .selectFrom('panel')
      .select('state')
      .where('id', '=', panel.id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('open');
  });
});

describe('App Home', () => {
  it('publishes the user’s open panels when they open the Home tab', async () => {
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, {
      candidateName: 'Home Candidate',
      recruiterId: 'UHOMEUSER',
    });
    const res = await t.requests.event({
      type: 'app_home_opened',
      user: 'UHOMEUSER',
      channel: 'DHOME',
      tab: 'home',
    });
    expect(res.status).toBe(200);
    const call = await t.slack.waitForCall('views.publish', (c) => c.args.user_id === 'UHOMEUSER');
    const view = JSON.stringify(call.args.view);
    expect(view).toContain(`P-${panel.number}`);
    expect(view).toContain('Home Candidate');
  });

  it('lists the interviewer’s next 14 days, an interview in progress included, marking one they can’t make', async () => {
    const ME = 'UHOMEINTERVIEWER';
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, {
      candidateName: 'Window Candidate',
      decisionDeadline: new Date('2026-12-31T10:00:00Z'),
    });
    const [, declined] = await givenSlots(
      t.panelist.deps.db,
      panel.id,
      TEST_NOW,
      [
        { kind: 'manager', start: '2026-12-01T11:00:00Z', interviewers: [ME] },
        { kind: 'peer', start: '2026-12-03T10:00:00Z', interviewers: [ME] },
        { kind: 'executive', start: '2026-12-20T10:00:00Z', interviewers: [ME] }, // beyond 14 days
      ],
      TEAM_ID,
    );
    await givenDeclined(t.panelist.deps.db, declined?.slot.id ?? '', ME, TEST_NOW);
    t.clock.set(new Date('2026-12-01T11:30:00Z')); // the manager interview is under way
    try {
      await t.requests.event({ type: 'app_home_opened', user: ME, channel: 'DHOMEINT', tab: 'home' });
      const call = await t.slack.waitForCall('views.publish', (c) => c.args.user_id === ME);
      const view = JSON.stringify(call.args.view);
      expect(view).toContain('Hiring-manager deep dive');
      expect(view).toContain('Peer / team interview · _you can’t make it; a replacement is being found_');
      expect(view).not.toContain('Executive conversation');
    } finally {
      t.clock.set(TEST_NOW);
    }
  });

  it('shows feedback owed, panels coordinated and other open panels, and nothing closed or of another team', async () => {
    const ME = 'UHOMEALL';
    const db = t.panelist.deps.db;
    await givenPanel(db, TEST_NOW, { teamId: TEAM_ID, hiringManagerId: ME, candidateName: 'Managed Cand' });
    await givenPanel(db, TEST_NOW, { teamId: TEAM_ID, creatorId: ME, candidateName: 'Created Cand' });
    await givenPanel(db, TEST_NOW, {
      teamId: TEAM_ID,
      decisionMakerIds: [ME],
      candidateName: 'Deciding Cand',
    });
    const interviewed = await givenPanel(db, TEST_NOW, {
      teamId: TEAM_ID,
      candidateName: 'Interviewed Cand',
    });
    const cancelled = await givenPanel(db, TEST_NOW, {
      teamId: TEAM_ID,
      hiringManagerId: ME,
      candidateName: 'Cancelled Cand',
    });
    const elsewhere = await givenPanel(db, TEST_NOW, {
      teamId: 'T0ELSEWHERE',
      hiringManagerId: ME,
      candidateName: 'Elsewhere Cand',
    });
    // Feedback they would owe on the cancelled panel and in the other workspace: neither shows.
    const endedInterview = [{ kind: 'manager' as const, start: '2026-12-01T11:00:00Z', interviewers: [ME] }];
    await givenSlots(
      db,
      cancelled.id,
      TEST_NOW,
      [{ kind: 'manager', start: '2026-12-01T16:30:00Z', interviewers: [ME] }],
      TEAM_ID,
    );
    await givenSlots(db, elsewhere.id, TEST_NOW, endedInterview, 'T0ELSEWHERE');
    await db.updateTable('panel').set({ state: 'cancelled' }).where('id', '=', cancelled.id).execute();
    const [noFeedback, drafted, submitted, declined] = await givenSlots(
      db,
      interviewed.id,
      TEST_NOW,
      [
        { kind: 'manager', start: '2026-12-01T11:00:00Z', interviewers: [ME] },
        { kind: 'peer', start: '2026-12-01T13:00:00Z', interviewers: [ME] },
        { kind: 'executive', start: '2026-12-01T15:00:00Z', interviewers: [ME] },
        { kind: 'peer', start: '2026-12-02T09:00:00Z', interviewers: [ME] },
      ],
      TEAM_ID,
    );
    const feedbackRow = (slotId: string, state: 'draft' | 'submitted') => ({
      team_id: TEAM_ID,
      panel_id: interviewed.id,
      slot_id: slotId,
      interviewer_id: ME,
      state,
      content: JSON.stringify({}),
      recommendation: state === 'submitted' ? ('yes' as const) : null,
      submitted_at: state === 'submitted' ? TEST_NOW : null,
    });
    await db
      .insertInto('feedback')
      .values([
        feedbackRow(drafted?.slot.id ?? '', 'draft'),
        feedbackRow(submitted?.slot.id ?? '', 'submitted'),
      ])
      .execute();
    await givenDeclined(db, declined?.slot.id ?? '', ME, TEST_NOW);
    t.clock.set(new Date('2026-12-02T12:00:00Z')); // every slot has ended
    try {
      await t.requests.event({ type: 'app_home_opened', user: ME, channel: 'DHOMEALL', tab: 'home' });
      const call = await t.slack.waitForCall('views.publish', (c) => c.args.user_id === ME);
      const blocks = (call.args.view as { blocks: { text?: { text: string } }[] }).blocks;
      const texts = blocks.map((b) => b.text?.text ?? '');
      const listUnder = (heading: string) => {
        expect(texts).toContain(heading);
        return texts[texts.indexOf(heading) + 1] ?? '';
      };
      // Feedback owed: the slot with none and the one with a draft, in the order they ended.
      const owed = texts.filter((text) => text.includes('Interviewed Cand*'));
      expect(owed).toHaveLength(2);
      expect(owed[0]).toContain('Hiring-manager deep dive');
      expect(owed[0]).not.toContain('draft saved');
      expect(owed[1]).toContain('Peer / team interview');
      expect(owed[1]).toContain('_draft saved_');
      expect(JSON.stringify(blocks)).toContain(`"value":"${noFeedback?.slot.id}"`);
      expect(JSON.stringify(blocks)).not.toContain(`"value":"${submitted?.slot.id}"`);
      expect(listUnder('Panels you coordinate')).toContain('Created Cand');
      expect(listUnder('Panels you coordinate')).toContain('Managed Cand');
      expect(listUnder('Panels you coordinate')).not.toContain('Deciding Cand');
      expect(listUnder('Other panels you are on')).toContain('Deciding Cand');
      expect(listUnder('Other panels you are on')).toContain('Interviewed Cand');
      expect(listUnder('Other panels you are on')).not.toContain('Managed Cand');
      const everything = JSON.stringify(blocks);
      expect(everything).not.toContain('Cancelled Cand');
      expect(everything).not.toContain('Elsewhere Cand');
      expect(everything).toContain('No interviews booked for you in the next two weeks.');
    } finally {
      t.clock.set(TEST_NOW);
    }
  });
});
