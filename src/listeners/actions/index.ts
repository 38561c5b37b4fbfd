import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ACTION_IDS } from '../../../blocks/ids.js';
import type { AppDeps } from '../../deps.js';
import {
  giveFeedbackButton,
  readFeedbackButton,
  recordDecisionButton,
  saveDraftButton,
  viewFeedbackButton,
} from './feedback-buttons.js';
import { candidateUpdatedButton, snoozeMenu, viewPanelButton } from './nudge-buttons.js';
import {
  addSlotButton,
  openScheduleButton,
  replaceInterviewerButton,
  rescheduleButton,
} from './schedule-buttons.js';
import { cancelSlotButton } from './slot-cancel.js';
import { declineSlotButton } from './slot-decline.js';

type ActionArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction>;
// Each handler narrows the action to the element it was built for (a button, a select).
// biome-ignore lint/suspicious/noExplicitAny: handlers take their own narrowed Bolt argument types.
type Handler = (args: any) => Promise<void>;

/**
 * Registers one Bolt listener for every block action and routes by action id. Bolt runs each
 * registered listener's matchers on every request, so one router instead of a dozen listeners
 * keeps the cost of each slash command and interaction low (see the README's benchmark).
 */
export function register(app: App, deps: AppDeps): void {
  const handlers = new Map<string, Handler>([
    [ACTION_IDS.openSchedule, openScheduleButton(deps)],
    [ACTION_IDS.addSlot, addSlotButton(deps)],
    [ACTION_IDS.rescheduleSlot, rescheduleButton(deps)],
    [ACTION_IDS.cancelSlot, cancelSlotButton(deps)],
    [ACTION_IDS.declineSlot, declineSlotButton(deps)],
    [ACTION_IDS.replaceInterviewer, replaceInterviewerButton(deps)],
    [ACTION_IDS.giveFeedback, giveFeedbackButton(deps)],
    [ACTION_IDS.saveDraft, saveDraftButton(deps)],
    [ACTION_IDS.viewFeedback, viewFeedbackButton(deps)],
    [ACTION_IDS.readFeedback, readFeedbackButton(deps)],
    [ACTION_IDS.recordDecision, recordDecisionButton(deps)],
    [ACTION_IDS.snoozeNudge, snoozeMenu(deps)],
    [ACTION_IDS.candidateUpdated, candidateUpdatedButton(deps)],
    [ACTION_IDS.viewPanel, viewPanelButton(deps)],
  ]);
  app.action({ type: 'block_actions' }, async (args: ActionArgs) => {
    const handler = handlers.get(args.action.action_id);
    // Link buttons (calendar links) and unknown actions still need an ack so Slack shows no error.
    if (handler === undefined) return void (await args.ack());
    try {
      await handler(args);
    } catch (error) {
      deps.logger.error(
        { err: error, actionId: args.action.action_id, teamId: args.body.team?.id },
        'button failed',
      );
      await args.ack().catch(() => undefined);
      await args
        .respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: ':warning: Panelist could not finish that just now. Try again in a minute; `/panel status` shows where things stand.',
        })
        .catch(() => undefined);
    }
  });
}
