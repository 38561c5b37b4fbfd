import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { enqueueAnnouncement } from '../../../jobs/queues.js';
import type { AppDeps } from '../../deps.js';
import { refreshHomes } from '../../services/app-home.js';
import { tellDeclineOnce } from '../../services/decline-notice.js';
import { queuePanelNudges } from '../../services/nudges.js';
import { declineSlot } from '../../services/scheduling.js';
import { mentionUser } from '../../slack/mrkdwn.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/**
 * **I can't make it** in an interviewer's booking DM (value: slot id): the recruiter and hiring
 * manager get a DM with a button to pick a replacement; the interviewer is told who was asked.
 */
export function declineSlotButton(deps: AppDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const outcome = await declineSlot(deps.db, {
      teamId,
      slotId: action.value ?? '',
      userId,
      now: deps.clock.now(),
    });
    if (outcome.kind === 'not_yours') {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'You are no longer booked on that slot; nothing to do.',
      });
      return;
    }
    const declinedAt = outcome.slot.interviewers.find((i) => i.userId === userId)?.declinedAt;
    if (declinedAt == null) throw new Error('a declined interviewer has no decline time');
    const notice = await tellDeclineOnce(deps, {
      teamId,
      panel: outcome.panel,
      slot: outcome.slot,
      userId,
      declinedAt,
    });
    if (outcome.kind === 'declined') {
      // Their briefing and feedback nudges for the slot are gone; the others' stand as planned.
      await queuePanelNudges(deps, teamId, outcome.panel.panel.id);
      await refreshHomes(deps, teamId, [userId]);
      await enqueueAnnouncement(deps.queues, {
        teamId,
        panelId: outcome.panel.panel.id,
        revision: outcome.panel.panel.revision,
      }).catch((error: unknown) =>
        deps.logger.warn({ err: error, teamId }, 'announcement not queued; the reconciler will retry'),
      );
    }
    if (notice.kind !== 'sent') {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text:
          notice.kind === 'already'
            ? `You already told ${notice.told.map(mentionUser).join(' and ')}; they will pick a replacement.`
            : 'Panelist is already telling the recruiter and hiring manager that you can’t make it: the answer to your first press will say whether Slack reached them.',
      });
      return;
    }
    const { told } = notice;
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text:
        told.length === 0
          ? 'Noted, but Panelist could not reach the recruiter or hiring manager on Slack: please tell them yourself, or press the button again later.'
          : `Thanks: ${told.map(mentionUser).join(' and ')} will pick a replacement. You stay booked until they do.`,
    });
  };
}
