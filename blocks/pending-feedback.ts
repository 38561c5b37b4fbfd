import type { KnownBlock } from '@slack/types';
import type { StageKind } from '../src/db/database.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { stageDefinition } from '../src/domain/stages.js';
import { escapeMrkdwn, slackDate } from '../src/slack/mrkdwn.js';
import { ACTION_IDS } from './ids.js';

export interface PendingFeedbackItem {
  slotId: string;
  endsAt: Date;
  stageKind: StageKind;
  panelNumber: number;
  candidateName: string;
  feedbackState: 'draft' | 'submitted' | null;
}

/** One section with a **Give feedback** button per slot awaiting the user's feedback. */
export function pendingFeedbackBlocks(items: readonly PendingFeedbackItem[], limit = 10): KnownBlock[] {
  return items.slice(0, limit).map((item) => ({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: `*${formatPanelReference(item.panelNumber)} · ${escapeMrkdwn(item.candidateName)}*, ${stageDefinition(item.stageKind).label}, ended ${slackDate(item.endsAt, '{date_short_pretty} at {time}')}${item.feedbackState === 'draft' ? ' · _draft saved_' : ''}`,
    },
    accessory: {
      type: 'button',
      action_id: ACTION_IDS.giveFeedback,
      value: item.slotId,
      style: 'primary',
      text: { type: 'plain_text', text: item.feedbackState === 'draft' ? 'Continue' : 'Give feedback' },
    },
  }));
}

/** The ephemeral `/panel feedback` answer. */
export function getPendingFeedbackMessage(items: readonly PendingFeedbackItem[]): {
  text: string;
  blocks: KnownBlock[];
} {
  if (items.length === 0) {
    return {
      text: 'No feedback waiting for you.',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: ':white_check_mark: No feedback waiting for you. Thank you!' },
        },
      ],
    };
  }
  return {
    text: `${items.length} feedback waiting for you`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*Feedback waiting for you* (${items.length})` } },
      ...pendingFeedbackBlocks(items),
    ],
  };
}
