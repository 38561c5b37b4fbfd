import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import { SNOOZE } from '../../../blocks/nudge-messages.js';
import { getPanelStatusBlocks } from '../../../blocks/panel-summary.js';
import { getNoticeModal } from '../../../blocks/schedule-modal.js';
import { findPanelById } from '../../db/panels.js';
import { listPanelSlots } from '../../db/slots.js';
import type { AppDeps } from '../../deps.js';
import { formatPanelReference } from '../../domain/panel-reference.js';
import { canSeePanel } from '../../domain/permissions.js';
import { nextMorning, nextWorkingMoment } from '../../domain/working-hours.js';
import { markCandidateUpdated, snoozeMessage } from '../../services/nudge-actions.js';
import { queuePanelNudges } from '../../services/nudges.js';
import { viewerOf } from '../../services/panels.js';
import { slackDate } from '../../slack/mrkdwn.js';

type SelectArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>>;
type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** The **Snooze** menu on a nudge DM: everything in that message comes back later. */
export function snoozeMenu(deps: AppDeps) {
  return async ({ ack, body, action, respond }: SelectArgs): Promise<void> => {
    await ack();
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const messageTs = body.message?.ts;
    if (messageTs === undefined) return;
    const now = deps.clock.now();
    const { timeZone } = await deps.users.get(teamId, userId);
    // An hour from now, or the start of their next working hours if that falls outside them (a
    // snooze at 17:30 on a Friday comes back on Monday morning); the reply says when.
    const until =
      action.selected_option.value === SNOOZE.tomorrow
        ? nextMorning(now, timeZone)
        : nextWorkingMoment(new Date(now.getTime() + 3600_000), timeZone);
    const panels = await snoozeMessage(deps.db, { teamId, userId, messageTs, until, now });
    await Promise.all(panels.map((panelId) => queuePanelNudges(deps, teamId, panelId)));
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text:
        panels.length === 0
          ? 'Nothing to snooze: these reminders are already dealt with.'
          : `:zzz: Snoozed. You’ll hear about it again ${slackDate(until, '{date_short_pretty} at {time}', timeZone)}, unless it is dealt with before.`,
    });
  };
}

/** **I've updated the candidate** on a candidate-update nudge (value: panel id). */
export function candidateUpdatedButton(deps: AppDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const teamId = body.team?.id ?? '';
    const panelId = action.value ?? '';
    const result = await markCandidateUpdated(deps.db, {
      teamId,
      panelId,
      userId: body.user.id,
      now: deps.clock.now(),
    });
    if (result === 'updated') await queuePanelNudges(deps, teamId, panelId);
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text:
        result === 'updated'
          ? ':white_check_mark: Noted: no more reminders to update the candidate on this panel.'
          : 'Only the recruiter or hiring manager can do that.',
    });
  };
}

/** **Open panel** (value: panel id): the panel's status in a modal, for its team. */
export function viewPanelButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const teamId = body.team?.id ?? '';
    const details = await findPanelById(deps.db, teamId, action.value ?? '');
    if (details === undefined || !canSeePanel(viewerOf(details, body.user.id))) {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: getNoticeModal('Panel', 'That panel is visible only to its team.'),
      });
      return;
    }
    const slots = await listPanelSlots(deps.db, teamId, details.panel.id);
    const { blocks } = getPanelStatusBlocks(details, slots);
    await client.views.open({
      trigger_id: body.trigger_id,
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: formatPanelReference(details.panel.number) },
        close: { type: 'plain_text', text: 'Close' },
        blocks: blocks.slice(0, 100),
      },
    });
  };
}
