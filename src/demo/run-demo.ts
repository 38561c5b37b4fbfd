import type { ModalView } from '@slack/types';
import { DateTime } from 'luxon';
import { pino } from 'pino';
import { reconcile } from '../../jobs/reconcile.js';
import { SlackDouble } from '../../tests/support/slack-double.js';
import { type AppResponse, SlackRequests, type ViewValues } from '../../tests/support/slack-requests.js';
import { ManualClock } from '../clock.js';
import { loadConfig } from '../config.js';
import { type RunningPanelist, startPanelist } from '../runtime.js';
import { type Directory, renderBlocks, renderMrkdwn } from './transcript.js';

/** A step of the demo did not behave as a user would expect. */
export class DemoError extends Error {
  readonly code = 'panelist_demo_failed';
}

export interface DemoOptions {
  /** A PostgreSQL URL; without one the embedded PGlite database in `pgliteDir` is used. */
  databaseUrl?: string | undefined;
  pgliteDir?: string;
  redisUrl: string;
  /** Where transcript lines go. */
  print: (line: string) => void;
}

export interface DemoSummary {
  panel: string;
  slots: number;
  feedback: number;
  nudgesSent: number;
  nudgesCancelled: number;
  decision: string;
  transcript: string[];
}

const SECRET = 'demo-signing-secret';
const CHANNEL = 'CHIRINGBE';
const PEOPLE = {
  rita: { id: 'URITA', name: 'Rita (recruiter)', tz: 'America/New_York' },
  hugo: { id: 'UHUGO', name: 'Hugo (hiring manager)', tz: 'Europe/Berlin' },
  dana: { id: 'UDANA', name: 'Dana (VP, decides)', tz: 'Europe/London' },
  priya: { id: 'UPRIYA', name: 'Priya (peer)', tz: 'Asia/Kolkata' },
  sam: { id: 'USAM', name: 'Sam (peer)', tz: 'Europe/Berlin' },
  erin: { id: 'UERIN', name: 'Erin (executive)', tz: 'America/New_York' },
} as const;
const byId = new Map<string, { name: string; tz: string }>(Object.values(PEOPLE).map((p) => [p.id, p]));
const directory: Directory = {
  userName: (id) => byId.get(id)?.name ?? id,
  userZone: (id) => byId.get(id)?.tz ?? 'UTC',
  channelName: (id) => (id === CHANNEL ? 'hiring-backend' : id),
};
const seconds = (iso: string) => Date.parse(iso) / 1000;

/**
 * Plays a whole second round against the real app (web and worker, Postgres or PGlite, Redis)
 * and the Slack double, through signed requests exactly as Slack sends them. Time is a manual
 * clock moved forward step by step, with the reconciler run at each step, as the tests do.
 * @throws DemoError when anything does not behave as expected.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  // A workspace of its own each run, so a shared database always starts the demo at P-1.
  const TEAM = `TDEMO${Date.now().toString(36).toUpperCase()}`;
  const transcript: string[] = [];
  const say = (line: string) => {
    transcript.push(line);
    options.print(line);
  };
  const slack = await new SlackDouble({ teamId: TEAM }).start();
  for (const person of Object.values(PEOPLE))
    slack.addUser(person.id, { tz: person.tz, real_name: person.name });
  slack.addChannel(CHANNEL, { name: 'hiring-backend', is_member: true });
  const clock = new ManualClock(new Date('2026-12-07T08:00:00Z')); // Monday morning
  const prefix = `demo${Date.now().toString(36)}`;
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-demo',
    SLACK_API_URL: slack.apiUrl,
    ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
    PGLITE_DIR: options.pgliteDir ?? '.pglite/demo',
    REDIS_URL: options.redisUrl,
    PORT: '0',
    QUEUE_PREFIX: prefix,
  });
  let panelist: RunningPanelist | undefined;
  try {
    panelist = await startPanelist(config, {
      clock,
      logger: pino({ level: 'silent' }),
      channelPostIntervalMs: 0,
    });
    const running = panelist;
    const requests = new SlackRequests(`http://127.0.0.1:${running.port}`, SECRET, TEAM, slack.baseUrl);
    let shown = 0;

    const when = (zone: string) =>
      DateTime.fromJSDate(clock.now(), { zone }).toFormat('ccc d LLL HH:mm ZZZZ', { locale: 'en-GB' });
    const quiet = async () => {
      // Wait until the app has stopped talking to Slack for a moment (max 15 s).
      let last = -1;
      for (let i = 0; i < 60 && last !== slack.calls.length; i++) {
        last = slack.calls.length;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const showNewCalls = (actor: string) => {
      for (const call of slack.calls.slice(shown)) {
        const args = call.args;
        const channel = String(args.channel ?? '');
        const isDm = channel.startsWith('U');
        const zone = isDm ? directory.userZone(channel) : 'UTC';
        if (call.method === 'chat.postMessage' || call.method === 'chat.update') {
          const where = isDm ? `DM to ${directory.userName(channel)}` : `#${directory.channelName(channel)}`;
          say(`\n[${when(zone)}] ${call.method === 'chat.update' ? 'updated in' : '→'} ${where}`);
          const body = renderBlocks(args.blocks, directory, zone);
          for (const line of body.length > 0
            ? body
            : [`  ${renderMrkdwn(String(args.text ?? ''), directory, zone)}`])
            say(line);
        } else if (call.method === 'views.open' || call.method === 'views.update') {
          const view = args.view as ModalView;
          say(
            `\n[${when(directory.userZone(actor))}] modal “${view.title.text}” shown to ${directory.userName(actor)}`,
          );
          for (const line of renderBlocks(view.blocks, directory, directory.userZone(actor)).slice(0, 14))
            say(line);
        } else if (call.method.startsWith('response_url')) {
          say(
            `  (only ${directory.userName(actor)} sees) ${renderMrkdwn(String(args.text ?? ''), directory, directory.userZone(actor))}`,
          );
        } else if (call.method.endsWith('#fault')) {
          say(`  (Slack answered ${call.method} with an error; Panelist retried)`);
        }
      }
      shown = slack.calls.length;
    };
    const showResponse = (actor: string, res: AppResponse) => {
      const json = res.json ?? {};
      if (json.response_action === 'errors') {
        say(`  ✗ the form shows, next to the fields:`);
        for (const [field, message] of Object.entries(json.errors as Record<string, string>))
          say(`      ${field}: ${message}`);
      } else if (json.response_action === 'update') {
        const view = json.view as ModalView;
        say(`  ✓ the modal now reads “${view.title.text}”:`);
        for (const line of renderBlocks(view.blocks, directory, directory.userZone(actor))) say(`  ${line}`);
      } else if (json.response_type === 'ephemeral') {
        for (const line of renderBlocks(json.blocks, directory, directory.userZone(actor))) say(line);
        if (!json.blocks)
          say(`  ${renderMrkdwn(String(json.text ?? ''), directory, directory.userZone(actor))}`);
      }
    };
    const expectThat = (ok: boolean, what: string) => {
      if (!ok) throw new DemoError(`Unexpected: ${what}`);
    };
    const stepTo = async (iso: string, title: string) => {
      clock.set(new Date(iso));
      say(`\n━━ ${title} (${when('UTC')}) ━━`);
      await reconcile(running.deps.db, running.deps.queues, clock);
      await quiet();
      showNewCalls(PEOPLE.rita.id);
    };
    const lastModal = (callbackId: string): ModalView => {
      const call = [...slack.calls]
        .reverse()
        .find(
          (c) =>
            (c.method === 'views.open' || c.method === 'views.update') &&
            (c.args.view as ModalView).callback_id === callbackId,
        );
      expectThat(call !== undefined, `no ${callbackId} modal was opened`);
      return { ...(call?.args.view as ModalView), id: `V${callbackId}${slack.calls.length}` } as ModalView & {
        id: string;
      };
    };
    const act = async (actor: string, what: string, send: () => Promise<AppResponse>) => {
      say(`\n▶ ${directory.userName(actor)} ${what}`);
      const res = await send();
      expectThat(res.status === 200, `${what} was answered with HTTP ${res.status}`);
      showResponse(actor, res);
      await quiet();
      showNewCalls(actor);
      return res;
    };

    say('Panelist demo: a second-round panel from /panel new to the decision, in compressed time.');
    say('People: Rita (recruiter, New York), Hugo (hiring manager, Berlin), Dana (decides, London),');
    say('        interviewers Hugo (Berlin), Priya (Kolkata), Sam (Berlin) and Erin (New York).');
    await stepTo('2026-12-07T08:00:00Z', 'Monday: the candidate passed the first screen');

    // 1. The recruiter opens and fills /panel new.
    await act(PEOPLE.rita.id, 'types /panel new', () =>
      requests.command(PEOPLE.rita.id, 'new', { channelId: CHANNEL }),
    );
    const newPanel = lastModal('panel_new');
    const v = (value: Record<string, unknown>) => ({ input: value });
    const created = await act(PEOPLE.rita.id, 'fills the form and presses Create panel', () =>
      requests.viewSubmission(PEOPLE.rita.id, newPanel, {
        candidate: v({ value: 'Ada Okafor' }),
        role: v({ value: 'Senior Backend Engineer' }),
        hiring_manager: v({ selected_user: PEOPLE.hugo.id }),
        recruiter: v({ selected_user: PEOPLE.rita.id }),
        decision_makers: v({ selected_users: [PEOPLE.dana.id] }),
        channel: v({ selected_conversation: CHANNEL }),
        deadline: v({ selected_date_time: seconds('2026-12-11T17:00:00Z') }),
        answer_promised_on: v({ selected_date: '2026-12-14' }),
        stages: v({ selected_options: [{ value: 'manager' }, { value: 'peer' }, { value: 'executive' }] }),
        sealed: v({ selected_options: [] }),
        notes: v({
          value: 'Strong on distributed systems; first interview did not cover mentoring or conflict.',
        }),
      } as ViewValues),
    );
    expectThat(JSON.stringify(created.json).includes('P-1'), 'the panel did not get the reference P-1');
    expectThat(
      slack.callsTo('chat.postMessage', (c) => c.args.channel === CHANNEL).length >= 1,
      'no announcement in the hiring channel',
    );

    // 2. Scheduling: one booking refused for a double-booking, then the corrected one.
    await act(PEOPLE.rita.id, 'types /panel schedule P-1', () =>
      requests.command(PEOPLE.rita.id, 'schedule P-1', { channelId: CHANNEL }),
    );
    const schedule = lastModal('panel_schedule');
    const stageIds = (
      schedule.blocks.filter((b) => b.block_id?.endsWith('_stage')) as {
        element: { initial_option?: { value: string } };
      }[]
    ).map((b) => b.element.initial_option?.value ?? '');
    const slotValues = (managerPeople: string[]) => {
      const group = (i: number, start: string, minutes: number, people: string[], location: string) => ({
        [`slot_${i}_stage`]: v({ selected_option: { value: stageIds[i] } }),
        [`slot_${i}_start`]: v({ selected_date_time: seconds(start) }),
        [`slot_${i}_duration`]: v({ value: String(minutes) }),
        [`slot_${i}_interviewers`]: v({ selected_users: people }),
        [`slot_${i}_location`]: v({ value: location }),
        [`slot_${i}_note`]: v({ value: null }),
      });
      return {
        ...group(0, '2026-12-08T09:00:00Z', 60, managerPeople, 'https://meet.example.com/ada-manager'),
        ...group(
          1,
          '2026-12-08T10:00:00Z',
          60,
          [PEOPLE.priya.id, PEOPLE.sam.id],
          'https://meet.example.com/ada-peers',
        ),
        ...group(2, '2026-12-09T15:00:00Z', 45, [PEOPLE.erin.id], 'https://meet.example.com/ada-exec'),
      } as ViewValues;
    };
    const refused = await act(
      PEOPLE.rita.id,
      'books Sam into the manager slot too, straight before the peer slot',
      () => requests.viewSubmission(PEOPLE.rita.id, schedule, slotValues([PEOPLE.hugo.id, PEOPLE.sam.id])),
    );
    expectThat(
      refused.json?.response_action === 'errors' && JSON.stringify(refused.json).includes('Sam'),
      'the double-booking of Sam was not refused',
    );
    const booked = await act(PEOPLE.rita.id, 'takes Sam off the manager slot and books again', () =>
      requests.viewSubmission(PEOPLE.rita.id, schedule, slotValues([PEOPLE.hugo.id])),
    );
    expectThat(booked.json?.response_action === 'update', 'the corrected schedule was not booked');
    for (const person of [PEOPLE.hugo, PEOPLE.priya, PEOPLE.sam, PEOPLE.erin]) {
      expectThat(
        slack.callsTo('chat.postMessage', (c) => c.args.channel === person.id).length >= 1,
        `${person.name} got no booking DM`,
      );
    }

    // 3. Time passes: briefings, feedback, a late interviewer, the escalation.
    await stepTo('2026-12-07T10:00:00Z', 'Monday, a day before the first interviews: briefings');
    expectThat(
      slack.callsTo(
        'chat.postMessage',
        (c) => c.args.channel === PEOPLE.hugo.id && JSON.stringify(c.args).includes('Briefing'),
      ).length === 1,
      'Hugo got no briefing',
    );

    const feedback = async (
      person: (typeof PEOPLE)[keyof typeof PEOPLE],
      slotIndex: number,
      fields: Record<string, string>,
      recommendation: string,
    ) => {
      const slotId = await running.deps.db
        .selectFrom('slot')
        .select('id')
        .where('team_id', '=', TEAM)
        .orderBy('starts_at')
        .offset(slotIndex)
        .limit(1)
        .executeTakeFirstOrThrow();
      await act(person.id, 'presses Give feedback', () =>
        requests.blockAction(person.id, { action_id: 'feedback_open', value: slotId.id }),
      );
      const modal = lastModal('feedback_submit');
      const values: ViewValues = {
        star_situation: v({ value: 'Migrating a payments ledger with zero downtime' }),
        star_task: v({ value: 'Own the cut-over plan' }),
        star_action: v({ value: 'Ran dual writes and a shadow read path for two weeks' }),
        star_result: v({ value: 'Cut over with no incidents; p99 latency down 30%' }),
        strengths: v({ value: 'Clear thinking under constraints' }),
        concerns: v({ value: 'Limited people-management examples' }),
        questions: v({ value: 'Tell me about a time you disagreed with a product decision.' }),
        recommendation: v({ selected_option: { value: recommendation } }),
      };
      for (const [key, rating] of Object.entries(fields)) {
        values[`rating_${key}`] = v({ selected_option: { value: rating } });
        values[`evidence_${key}`] = v({
          value: rating.startsWith('strong') ? 'Walked through the ledger migration in detail' : null,
        });
      }
      const res = await act(person.id, 'submits the feedback', () =>
        requests.viewSubmission(person.id, modal, values),
      );
      expectThat(res.json?.response_action === 'update', `${person.name}'s feedback was not accepted`);
    };

    await stepTo('2026-12-08T10:00:00Z', 'Tuesday: the hiring-manager deep dive has ended');
    await feedback(
      PEOPLE.hugo,
      0,
      { technical_depth: 'strong_yes', ownership: 'yes', motivation: 'yes' },
      'strong_yes',
    );
    await stepTo('2026-12-08T11:00:00Z', 'Tuesday: the peer interview has ended');
    await feedback(
      PEOPLE.priya,
      1,
      { collaboration: 'yes', communication: 'yes', conflict_handling: 'no' },
      'yes',
    );
    await stepTo('2026-12-08T15:00:00Z', 'Tuesday afternoon: the executive’s briefing');
    await stepTo('2026-12-09T11:00:00Z', 'Wednesday: Sam’s feedback is a day late');
    expectThat(
      slack.callsTo(
        'chat.postMessage',
        (c) => c.args.channel === PEOPLE.sam.id && JSON.stringify(c.args).includes('Reminder'),
      ).length === 1,
      'Sam got no reminder',
    );
    await stepTo('2026-12-09T16:00:00Z', 'Wednesday: the executive conversation has ended');
    await feedback(
      PEOPLE.erin,
      2,
      { strategic_thinking: 'yes', mission_alignment: 'yes', long_term_potential: 'strong_yes' },
      'yes',
    );
    await stepTo('2026-12-09T17:00:00Z', 'Wednesday evening: two days to the decision deadline');
    await stepTo('2026-12-10T11:00:00Z', 'Thursday: Sam is two days late, so the coordinators hear');
    await stepTo('2026-12-10T14:00:00Z', 'Thursday: New York wakes up');
    expectThat(
      slack.callsTo(
        'chat.postMessage',
        (c) => c.args.channel === PEOPLE.rita.id && JSON.stringify(c.args).includes('is late from'),
      ).length === 1,
      'Rita got no escalation',
    );
    await feedback(PEOPLE.sam, 1, { collaboration: 'strong_yes', adds_to_team: 'yes' }, 'yes');
    expectThat(
      slack.callsTo(
        'chat.postMessage',
        (c) => c.args.channel === CHANNEL && JSON.stringify(c.args).includes('Debrief P-1'),
      ).length === 1,
      'no debrief in the channel',
    );
    expectThat(
      slack.callsTo(
        'chat.postMessage',
        (c) => c.args.channel === PEOPLE.dana.id && JSON.stringify(c.args).includes('debrief'),
      ).length >= 1,
      'Dana was not told the debrief is ready',
    );

    // 4. The decision.
    await stepTo('2026-12-11T10:00:00Z', 'Friday: decision day');
    await act(PEOPLE.dana.id, 'presses Record decision', () =>
      requests.blockAction(PEOPLE.dana.id, { action_id: 'decision_open', value: '1' }),
    );
    const decisionModal = lastModal('decision_record');
    const decided = await act(PEOPLE.dana.id, 'records Hire', () =>
      requests.viewSubmission(PEOPLE.dana.id, decisionModal, {
        outcome: v({ selected_option: { value: 'hire' } }),
        reason: v({
          value:
            'Strong evidence of technical depth and ownership across all three stages; mentoring to grow.',
        }),
        candidate_told_on: v({ selected_date: '2026-12-11' }),
      }),
    );
    expectThat(decided.json?.response_action === 'update', 'the decision was not recorded');
    await stepTo('2026-12-14T10:00:00Z', 'Monday: nothing more is owed, so nothing more is sent');

    const nudges = await running.deps.db
      .selectFrom('nudge')
      .select(['state'])
      .where('team_id', '=', TEAM)
      .execute();
    const count = (state: string) => nudges.filter((n) => n.state === state).length;
    expectThat(count('pending') === 0, 'nudges are still pending after the decision');
    const summary: DemoSummary = {
      panel: 'P-1 · Ada Okafor, Senior Backend Engineer',
      slots: (
        await running.deps.db
          .selectFrom('slot')
          .select('id')
          .where('team_id', '=', TEAM)
          .where('state', '=', 'booked')
          .execute()
      ).length,
      feedback: (
        await running.deps.db
          .selectFrom('feedback')
          .select('id')
          .where('team_id', '=', TEAM)
          .where('state', '=', 'submitted')
          .execute()
      ).length,
      nudgesSent: count('sent'),
      nudgesCancelled: count('cancelled'),
      decision: 'Hire (recorded by Dana on Friday, candidate told the same day)',
      transcript,
    };
    say('\n━━ Summary ━━');
    say(`  Panel:     ${summary.panel}`);
    say(`  Slots:     ${summary.slots} booked (1 refused for a double-booking first)`);
    say(`  Feedback:  ${summary.feedback} of 4 submitted (one late: reminded, then escalated)`);
    say(
      `  Nudges:    ${summary.nudgesSent} sent, ${summary.nudgesCancelled} cancelled when their reason went away`,
    );
    say(`  Decision:  ${summary.decision}`);
    return summary;
  } finally {
    await panelist?.stop();
    await slack.close();
  }
}
