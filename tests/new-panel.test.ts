import type { ModalView } from '@slack/types';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getNewPanelModal } from '../blocks/new-panel-modal.js';
import { HIRING_CHANNEL, newPanelValues, PEOPLE, validNewPanelFields } from './support/factories.js';
import { startTestApp, TEAM_ID, TEST_NOW, type TestApp } from './support/test-env.js';

let t: TestApp;
const modal = getNewPanelModal();

beforeAll(async () => {
  t = await startTestApp();
  t.slack.addChannel(HIRING_CHANNEL, { name: 'hiring-staff-eng', is_member: false });
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

describe('/panel new', () => {
  it('opens the new-panel modal with the first three stages chosen', async () => {
    const res = await t.requests.command(PEOPLE.recruiter, 'new');
    expect(res.status).toBe(200);
    const call = await t.slack.waitForCall('views.open');
    const view = call.args.view as ModalView;
    expect(view.callback_id).toBe('panel_new');
    const stages = view.blocks.find((b) => b.block_id === 'stages') as {
      element: { initial_options: { value: string }[] };
    };
    expect(stages.element.initial_options.map((o) => o.value)).toEqual(['manager', 'peer', 'executive']);
  });

  it('a valid submission stores the panel, shows its reference and announces it in the channel', async () => {
    const fields = validNewPanelFields(TEST_NOW);
    const res = await t.requests.viewSubmission(PEOPLE.recruiter, modal, newPanelValues(fields));
    expect(res.status).toBe(200);
    expect(res.json?.response_action).toBe('update');
    expect(JSON.stringify(res.json?.view)).toContain('*P-1* is open for *Ada Lovelace*');

    const panel = await t.panelist.deps.db
      .selectFrom('panel')
      .selectAll()
      .where('team_id', '=', TEAM_ID)
      .where('number', '=', 1)
      .executeTakeFirstOrThrow();
    expect(panel).toMatchObject({
      candidate_name: 'Ada Lovelace',
      role_title: 'Staff Engineer',
      state: 'open',
    });
    const announcement = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === HIRING_CHANNEL,
    );
    const blocksText = JSON.stringify(announcement.args.blocks);
    expect(blocksText).toContain('P-1 · Ada Lovelace');
    expect(blocksText).toContain(`<!date^${fields.deadline}^`);
    expect(blocksText).toContain('<@UMANAGER>');
    expect(blocksText).toContain('Hiring-manager deep dive');
    expect(blocksText).not.toContain('probe people leadership');
  });
});
