import type { WebClient } from '@slack/web-api';
import { platformErrorCode } from './slack-errors.js';

export type ChannelAccess = { ok: true } | { ok: false; problem: string };

/**
 * Can Panelist post in this channel? Public channels work without joining (`chat:write.public`);
 * private ones need the app invited; archived channels and DMs never work.
 * @returns ok, or a sentence telling the person what to do.
 */
export async function checkChannelAccess(client: WebClient, channelId: string): Promise<ChannelAccess> {
  try {
    const { channel } = await client.conversations.info({ channel: channelId });
    if (channel === undefined) return { ok: false, problem: 'Panelist can’t see that channel.' };
    if (channel.is_im || channel.is_mpim) {
      return { ok: false, problem: 'Choose a channel rather than a direct message.' };
    }
    if (channel.is_archived) {
      return { ok: false, problem: 'That channel is archived: choose another or unarchive it first.' };
    }
    if (channel.is_private && !channel.is_member) {
      return {
        ok: false,
        problem: 'Panelist isn’t in that private channel: type /invite @Panelist there, then submit again.',
      };
    }
    return { ok: true };
  } catch (error) {
    if (platformErrorCode(error) === 'channel_not_found') {
      return {
        ok: false,
        problem:
          'Panelist can’t see that channel. If it is private, type /invite @Panelist there, then submit again.',
      };
    }
    throw error;
  }
}
