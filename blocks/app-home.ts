import type { HomeView, KnownBlock } from '@slack/types';
import type { StageKind } from '../src/db/database.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { stageDefinition } from '../src/domain/stages.js';
import { escapeMrkdwn, slackDate } from '../src/slack/mrkdwn.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { type PanelLine, panelLine } from './panel-list.js';
import { type PendingFeedbackItem, pendingFeedbackBlocks } from './pending-feedback.js';
import { locationText } from './slot-messages.js';

export interface UpcomingInterview {
  slotId: string;
  startsAt: Date;
  endsAt: Date;
  location: string | null;
  stageKind: StageKind;
  panelNumber: number;
  candidateName: string;
  roleTitle: string;
  /** When they said they cannot make it (a replacement is being found). */
  declinedAt?: Date | null;
}

/** The App Home tab: the user's interviews in the next 14 days, the panels they coordinate, the rest. */
export function getAppHome({
  interviews,
  coordinating,
  panels,
  pendingFeedback = [],
  timeZone = 'UTC',
}: {
  interviews: UpcomingInterview[];
  coordinating: PanelLine[];
  panels: PanelLine[];
  pendingFeedback?: PendingFeedbackItem[];
  timeZone?: string;
}): HomeView {
  const blocks: KnownBlock[] = [];
  if (pendingFeedback.length > 0) {
    blocks.push(
      { type: 'header', text: { type: 'plain_text', text: 'Feedback waiting for you' } },
      ...pendingFeedbackBlocks(pendingFeedback),
      { type: 'divider' },
    );
  }
  blocks.push({ type: 'header', text: { type: 'plain_text', text: 'Your interviews (next 14 days)' } });
  if (interviews.length === 0) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: 'No interviews booked for you in the next two weeks.' },
    });
  }
  for (const interview of interviews.slice(0, 20)) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${slackDate(interview.startsAt, '{date_short_pretty} at {time}', timeZone)}–${slackDate(interview.endsAt, '{time}', timeZone)}* · ${stageDefinition(interview.stageKind).label}${(interview.declinedAt ?? null) === null ? '' : ' · _you can’t make it; a replacement is being found_'}\n${formatPanelReference(interview.panelNumber)} · ${escapeMrkdwn(interview.candidateName)}, ${escapeMrkdwn(interview.roleTitle)} · ${locationText(interview.location)}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    });
  }
  blocks.push(
    { type: 'divider' },
    { type: 'header', text: { type: 'plain_text', text: 'Panels you coordinate' } },
  );
  blocks.push({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text:
        coordinating.length === 0
          ? 'None. Start one with `/panel new`.'
          : truncate(coordinating.slice(0, 20).map(panelLine).join('\n'), SLACK_LIMITS.sectionText),
    },
  });
  const coordinatingIds = new Set(coordinating.map((p) => p.id));
  const others = panels.filter((p) => p.state === 'open' && !coordinatingIds.has(p.id));
  if (others.length > 0) {
    blocks.push(
      { type: 'divider' },
      { type: 'header', text: { type: 'plain_text', text: 'Other panels you are on' } },
    );
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(others.slice(0, 20).map(panelLine).join('\n'), SLACK_LIMITS.sectionText),
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: 'Type `/panel help` anywhere to see every command.' }],
  });
  return { type: 'home', blocks };
}
