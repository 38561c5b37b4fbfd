import type { KnownBlock } from '@slack/types';
import type { Panel } from '../src/db/database.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { escapeMrkdwn, mentionChannel } from '../src/slack/mrkdwn.js';

const WHAT_TO_DO: Record<string, string> = {
  channel_not_found: 'The channel no longer exists or is private: type `/invite @Panelist` in it.',
  not_in_channel: 'Panelist is not in that channel: type `/invite @Panelist` in it.',
  is_archived: 'The channel is archived: unarchive it.',
};

/** A DM to the panel's creator when Slack refuses its announcement for good. */
export function getAnnouncementFailedMessage(
  panel: Panel,
  slackError: string,
): { text: string; blocks: KnownBlock[] } {
  const reference = formatPanelReference(panel.number);
  const advice = WHAT_TO_DO[slackError] ?? 'Check the channel and Panelist’s access to it.';
  const text = `:warning: Panelist could not post the announcement of *${reference}* (${escapeMrkdwn(panel.candidate_name)}) in ${mentionChannel(panel.channel_id)}: Slack said \`${slackError}\`. ${advice} The panel itself is saved; its announcement is posted at its next change.`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
