import type { KnownBlock } from '@slack/types';
import type { Panel, PanelState } from '../src/db/database.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { escapeMrkdwn, slackDate } from '../src/slack/mrkdwn.js';
import { SLACK_LIMITS, truncate } from './limits.js';

const STATE_EMOJI: Record<PanelState, string> = {
  open: ':large_green_circle:',
  decided: ':white_check_mark:',
  cancelled: ':no_entry:',
};

/** What one line of a panel shows. */
export type PanelLine = Pick<
  Panel,
  'id' | 'number' | 'state' | 'candidate_name' | 'role_title' | 'decision_deadline'
>;

/** One line a panel, for `/panel list` and App Home. */
export function panelLine(panel: PanelLine): string {
  return `${STATE_EMOJI[panel.state]} *${formatPanelReference(panel.number)}* ${escapeMrkdwn(panel.candidate_name)}, ${escapeMrkdwn(panel.role_title)} · decision due ${slackDate(panel.decision_deadline, '{date_short_pretty}')}`;
}

/** The ephemeral `/panel list` answer: the user's panels, newest first. */
export function getPanelListBlocks(
  panels: Panel[],
  { limit }: { limit: number },
): { text: string; blocks: KnownBlock[] } {
  if (panels.length === 0) {
    return {
      text: 'You are not on any panel yet.',
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'You are not on any panel yet. Start one with `/panel new`.' },
        },
      ],
    };
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: '*Your panels*, newest first' } },
  ];
  // One section per ten panels keeps each text far inside Slack's 3,000 characters.
  for (let start = 0; start < panels.length; start += 10) {
    const lines = panels.slice(start, start + 10).map(panelLine);
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(lines.join('\n'), SLACK_LIMITS.sectionText) },
    });
  }
  if (panels.length >= limit) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `Showing the ${limit} newest. Use \`/panel status P-n\` for any other.` },
      ],
    });
  }
  return { text: `Your panels: ${panels.map((p) => formatPanelReference(p.number)).join(', ')}`, blocks };
}
