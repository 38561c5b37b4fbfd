import type { ModalView } from '@slack/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getScheduleModal } from '../blocks/schedule-modal.js';
import { findPanelById } from '../src/db/panels.js';
import { loadWorkspaceSettings, saveWorkspaceSettings } from '../src/services/workspace-settings.js';
import { at, givenPanel, HIRING_CHANNEL, PEOPLE, scheduleValues } from './support/factories.js';
import { startTestApp, TEAM_ID, TEST_NOW, type TestApp } from './support/test-env.js';

// Real: HTTP, Bolt, Postgres, Redis. Faked: Slack (the double).
let t: TestApp;
const ADMIN = 'UADMIN';

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring' });
  t.slack.addUser(ADMIN, { tz: 'UTC', is_admin: true });
  t.slack.addUser('UINT', { tz: 'UTC', real_name: 'In Ter' });
});
afterAll(async () => t?.close());

/**
 * The ephemeral reply sent to a command's response_url (the command itself is answered at once),
 * typed in a DM or, given `channelId`, in that channel.
 */
async function replyTo(userId: string, subcommand: string, channelId?: string): Promise<string> {
  const before = t.slack.calls.length;
  const res = await t.requests.command(userId, subcommand, channelId === undefined ? {} : { channelId });
  expect(res.status).toBe(200);
  const reply = () => t.slack.calls.slice(before).find((c) => c.method.startsWith('response_url/commands'));
  await expect.poll(reply).toBeDefined();
  expect(reply()?.args.response_type).toBe('ephemeral');
  return String(reply()?.args.text);
}

const settingsValues = (buffer: string, limit: string, extra: Record<string, unknown> = {}) => ({
  buffer_minutes: { input: { type: 'number_input', value: buffer } },
  weekly_limit: { input: { type: 'number_input', value: limit } },
  nudges_enabled: {
    input: { type: 'checkboxes', selected_options: [{ value: 'briefing' }, { value: 'feedback_due' }] },
  },
  briefing_hours: { input: { type: 'number_input', value: '24' } },
  reminder_hours: { input: { type: 'number_input', value: '24' } },
  escalation_hours: { input: { type: 'number_input', value: '48' } },
  countdown_first: { input: { type: 'number_input', value: '48' } },
  countdown_second: { input: { type: 'number_input', value: '24' } },
  digest_time: { input: { type: 'timepicker', selected_time: '09:30' } },
  digest_time_zone: { input: { type: 'plain_text_input', value: 'Europe/Berlin' } },
  ...extra,
});

describe('/panel settings', () => {
  it('is refused to someone who is neither an admin nor a recruiter', async () => {
    expect(await replyTo('UNOBODY', 'settings')).toContain('Only workspace admins and recruiters');
  });

  it('opens for a workspace admin with the current rules', async () => {
    await t.requests.command(ADMIN, 'settings');
    const call = await t.slack.waitForCall(
      'views.open',
      (c) => (c.args.view as ModalView).callback_id === 'workspace_settings',
    );
    const text = JSON.stringify(call.args.view);
    expect(text).toContain('"initial_value":"10"');
    expect(text).toContain('"initial_value":"5"');
  });

  it('an admin demoted in Slack is refused at once, though their profile was read moments before', async () => {
    const DEMOTED = 'UDEMOTED';
    t.slack.addUser(DEMOTED, { tz: 'UTC', is_admin: true });
    const before = t.slack.callsTo('views.open').length;
    await t.requests.command(DEMOTED, 'settings');
    await expect.poll(() => t.slack.callsTo('views.open').length).toBe(before + 1);
    const opened = t.slack.callsTo('views.open').length;
    t.slack.addUser(DEMOTED, { tz: 'UTC', is_admin: false });
    expect(await replyTo(DEMOTED, 'settings')).toContain('Only workspace admins and recruiters');
    expect(t.slack.callsTo('views.open')).toHaveLength(opened);
  });

  it('says so, and opens nothing, when Slack cannot tell whether someone is an admin', async () => {
    const UNSURE = 'UUNSURE';
    t.slack.addUser(UNSURE, { tz: 'UTC', is_admin: true });
    const opened = t.slack.callsTo('views.open').length;
    // More 5xx than the Slack client retries.
    t.slack.injectFault(
      'users.info',
      { kind: 'server_error', status: 503 },
      5,
      (args) => args.user === UNSURE,
    );
    expect(await replyTo(UNSURE, 'settings')).toContain('could not check your Slack role just now');
    expect(t.slack.callsTo('views.open')).toHaveLength(opened);
  });

  it('shows an error beside a bad number and saves nothing', async () => {
    const view = {
      type: 'modal' as const,
      callback_id: 'workspace_settings',
      title: { type: 'plain_text' as const, text: 'x' },
      blocks: [],
    };
    const res = await t.requests.viewSubmission(ADMIN, view, settingsValues('500', '0'));
    expect(res.json?.errors).toEqual({
      buffer_minutes: 'Enter the buffer as a whole number from 0 to 120.',
      weekly_limit: 'Enter the weekly limit as a whole number from 1 to 40.',
    });
    const badZone = await t.requests.viewSubmission(
      ADMIN,
      view,
      settingsValues('10', '5', {
        digest_time_zone: { input: { type: 'plain_text_input', value: 'Mars/Olympus' } },
        escalation_hours: { input: { type: 'number_input', value: '12' } },
      }),
    );
    expect(badZone.json?.errors).toEqual({
      digest_time_zone: 'Enter a time zone name such as Europe/Berlin or America/New_York.',
      escalation_hours: 'Escalate later than the reminder, so the interviewer hears first.',
    });
    // An offset is not a zone name (it would silently mean UTC, and ignore daylight saving).
    const offset = await t.requests.viewSubmission(
      ADMIN,
      view,
      settingsValues('10', '5', {
        digest_time_zone: { input: { type: 'plain_text_input', value: 'UTC+2' } },
      }),
    );
    expect(offset.json?.errors).toEqual({
      digest_time_zone: 'Enter a time zone name such as Europe/Berlin or America/New_York.',
    });
  });

  it('a recruiter’s new buffer applies to the next booking', async () => {
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW);
    const view = {
      type: 'modal' as const,
      callback_id: 'workspace_settings',
      title: { type: 'plain_text' as const, text: 'x' },
      blocks: [],
    };
    const saved = await t.requests.viewSubmission(PEOPLE.recruiter, view, settingsValues('30', '5'));
    expect(JSON.stringify(saved.json?.view)).toContain('30 minutes free between interviews');
    const row = await t.panelist.deps.db
      .selectFrom('workspace')
      .selectAll()
      .where('team_id', '=', TEAM_ID)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ slot_buffer_minutes: 30, weekly_interview_limit: 5 });
    expect(row.nudge_settings).toMatchObject({
      digestTimeZone: 'Europe/Berlin',
      enabled: { briefing: true, channel_digest: false },
    });

    const details = await findPanelById(t.panelist.deps.db, TEAM_ID, panel.id);
    if (details === undefined) throw new Error('no panel');
    const [manager, peer] = details.stages;
    const modal = getScheduleModal(details, [], 2);
    const res = await t.requests.viewSubmission(
      PEOPLE.recruiter,
      modal,
      scheduleValues([
        { stageId: manager?.id ?? '', start: at('2026-12-03T09:00:00Z'), interviewers: ['UINT'] },
        { stageId: peer?.id ?? '', start: at('2026-12-03T10:20:00Z'), interviewers: ['UINT'] },
      ]),
    );
    expect(res.json?.errors).toMatchObject({
      slot_1_interviewers: expect.stringMatching(/30 minutes must be free/),
    });
  });
});

describe('/panel digest-zone', () => {
  /** The ephemeral reply to a command typed in the hiring channel. */
  const inChannel = (userId: string, text: string) => replyTo(userId, text, HIRING_CHANNEL);
  const pendingDigests = async (panelId: string) =>
    (
      await t.panelist.deps.db
        .selectFrom('nudge')
        .select('deliver_at')
        .where('panel_id', '=', panelId)
        .where('kind', '=', 'channel_digest')
        .where('state', '=', 'pending')
        .execute()
    ).map((n) => n.deliver_at.toISOString());

  it('gives a hiring channel digests at 09:30 in its own zone, for its open panels and the next ones', async () => {
    // Digests on, at 09:30 in the workspace's zone (earlier tests here switched them off).
    const current = await loadWorkspaceSettings(t.panelist.deps.db, TEAM_ID);
    await saveWorkspaceSettings(t.panelist.deps.db, {
      teamId: TEAM_ID,
      actorId: ADMIN,
      settings: {
        ...current,
        nudges: {
          ...current.nudges,
          enabled: { ...current.nudges.enabled, channel_digest: true },
          digestTime: '09:30',
          digestTimeZone: 'Europe/Berlin',
        },
      },
    });
    const panel = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName: 'Zone Candidate' });
    expect((await pendingDigests(panel.id)).some((at) => at.endsWith('T08:30:00.000Z'))).toBe(true);
    expect(panel.channel_id).toBe(HIRING_CHANNEL);

    expect(await inChannel('UNOBODY', 'digest-zone America/New_York')).toContain(
      'Only workspace admins and recruiters',
    );
    expect(await inChannel(ADMIN, 'digest-zone UTC+2')).toContain('is not a time zone name');
    // What was typed is shown escaped: it cannot ping the channel.
    expect(await inChannel(ADMIN, 'digest-zone <!channel>')).toContain(
      '`&lt;!channel&gt;` is not a time zone name',
    );
    const set = await inChannel(ADMIN, 'digest-zone america/new_york');
    expect(set).toContain(`Digests of panels in <#${HIRING_CHANNEL}> now come at 09:30 America/New_York`);

    // 09:30 in New York is 14:30 UTC in December.
    const moved = await pendingDigests(panel.id);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((at) => at.endsWith('T14:30:00.000Z'))).toBe(true);

    const next = await givenPanel(t.panelist.deps.db, TEST_NOW, { candidateName: 'Next Zone Candidate' });
    expect(next.digest_time_zone).toBe('America/New_York');
    expect(await inChannel(ADMIN, 'digest-zone')).toContain('come at 09:30 America/New_York');
  });
});
