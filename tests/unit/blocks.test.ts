import type { KnownBlock, View } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { getAppHome } from '../../blocks/app-home.js';
import { getHelpBlocks } from '../../blocks/help-message.js';
import { SLACK_LIMITS } from '../../blocks/limits.js';
import { getNewPanelModal, getPanelCreatedModal } from '../../blocks/new-panel-modal.js';
import { getNudgeMessage } from '../../blocks/nudge-messages.js';
import { getPanelListBlocks } from '../../blocks/panel-list.js';
import { getPanelAnnouncement, getPanelStatusBlocks } from '../../blocks/panel-summary.js';
import type { Nudge, Panel } from '../../src/db/database.js';
import type { PanelDetails } from '../../src/db/panels.js';
import { summariseDebrief } from '../../src/domain/debrief.js';
import type { PanelFeedbackState } from '../../src/services/feedback.js';

function panel(overrides: Partial<Panel> = {}): Panel {
  return {
    id: '1',
    team_id: 'T1',
    number: 3,
    candidate_name: 'Ada',
    role_title: 'Engineer',
    channel_id: 'C1',
    decision_deadline: new Date('2026-12-08T10:00:00Z'),
    answer_promised_on: '2026-12-10',
    first_interview_notes: null,
    sealed: false,
    state: 'open',
    revision: 1,
    announced_revision: 0,
    announcement_ts: null,
    debrief_ts: null,
    debriefed_revision: 0,
    candidate_updated_at: null,
    digest_time_zone: null,
    debrief_sealed: false,
    created_by: 'U1',
    created_from_view: 'V1',
    created_at: new Date('2026-12-01T10:00:00Z'),
    updated_at: new Date('2026-12-01T10:00:00Z'),
    ...overrides,
  };
}

function details(overrides: Partial<Panel> = {}): PanelDetails {
  return {
    panel: panel(overrides),
    members: [
      {
        team_id: 'T1',
        panel_id: '1',
        user_id: 'U2',
        role: 'hiring_manager',
        time_zone: 'UTC',
        added_at: new Date(),
      },
    ],
    stages: [{ id: '1', team_id: 'T1', panel_id: '1', kind: 'manager', position: 0 }],
  };
}

/** Every text in a block tree within Slack's per-text limit. */
function longestText(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return Math.max(0, ...value.map(longestText));
  if (typeof value === 'object' && value !== null)
    return Math.max(0, ...Object.values(value).map(longestText));
  return 0;
}

function checkBlocks(blocks: KnownBlock[], max: number) {
  expect(blocks.length).toBeLessThanOrEqual(max);
  expect(longestText(blocks)).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
}

describe('Block Kit builders stay inside Slack’s limits with the longest inputs', () => {
  const huge = panel({
    candidate_name: '<'.repeat(100),
    role_title: '&'.repeat(150),
    first_interview_notes: '>'.repeat(3000),
  });
  const hugeDetails: PanelDetails = { ...details(), panel: huge };

  it('announcement and status', () => {
    checkBlocks(getPanelAnnouncement(hugeDetails).blocks, SLACK_LIMITS.blocksPerMessage);
    checkBlocks(getPanelStatusBlocks(hugeDetails).blocks, SLACK_LIMITS.blocksPerMessage);
    expect(JSON.stringify(getPanelStatusBlocks(hugeDetails).blocks)).toContain('…');
  });
  it('list of 30 panels', () => {
    const panels = Array.from({ length: 30 }, (_, i) =>
      panel({ number: i + 1, candidate_name: 'x'.repeat(100) }),
    );
    checkBlocks(getPanelListBlocks(panels, { limit: 30 }).blocks, SLACK_LIMITS.blocksPerMessage);
  });
  it('modals and home', () => {
    const views: View[] = [
      getNewPanelModal(),
      getPanelCreatedModal({ reference: 'P-1', candidateName: 'Ada', channelId: 'C1' }),
      getAppHome({ interviews: [], coordinating: [], panels: [] }),
    ];
    for (const view of views) {
      checkBlocks(view.blocks as KnownBlock[], SLACK_LIMITS.blocksPerModal);
      if (view.type === 'modal') expect(view.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.modalTitle);
    }
  });
  it('help', () => checkBlocks(getHelpBlocks('x'.repeat(500)).blocks, SLACK_LIMITS.blocksPerMessage));
});

describe('the announcement', () => {
  it('shows a cancelled panel as cancelled', () => {
    expect(JSON.stringify(getPanelAnnouncement(details({ state: 'cancelled' })).blocks)).toContain(
      'this panel was cancelled',
    );
  });
  it('escapes the candidate name in the notification text too', () => {
    expect(getPanelAnnouncement(details({ candidate_name: '<!here>' })).text).toContain('&lt;!here&gt;');
  });
});

describe('the help message', () => {
  it('escapes what the user typed', () => {
    expect(JSON.stringify(getHelpBlocks('<!channel>').blocks)).toContain('&lt;!channel&gt;');
  });
});

describe('decision countdown DMs', () => {
  const deadline = new Date('2026-12-08T10:00:00Z');
  const countdown = (occurrence: string, sentAt: Date) => {
    const nudge: Nudge = {
      id: '7',
      team_id: 'T1',
      panel_id: '1',
      kind: 'decision_countdown',
      subject: 'U2',
      recipient: 'U2',
      occurrence,
      due_at: sentAt,
      deliver_at: sentAt,
      state: 'pending',
      snoozed_until: null,
      attempts: 0,
      sent_at: null,
      slack_channel: null,
      slack_ts: null,
      last_error: null,
      created_at: sentAt,
      updated_at: sentAt,
    };
    const state: PanelFeedbackState = {
      details: details({ decision_deadline: deadline }),
      slots: [],
      feedback: [],
      summary: summariseDebrief(['manager'], [], []),
      decision: undefined,
    };
    const message = getNudgeMessage([{ nudge, state, slot: undefined, zone: 'UTC', now: sentAt }], {
      isChannel: false,
    });
    return JSON.stringify(message.blocks);
  };

  it('counts the time left from when it goes out', () => {
    expect(countdown('24h', new Date('2026-12-07T10:00:00Z'))).toContain('(in 24 hours)');
  });

  it('a countdown that goes out after the deadline (a backlog) says the decision is overdue', () => {
    const late = countdown('24h', new Date('2026-12-08T11:30:00Z'));
    expect(late).toContain('*overdue*');
    expect(late).not.toContain('in about an hour');
  });
});
