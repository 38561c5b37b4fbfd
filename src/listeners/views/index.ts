import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { VIEW_IDS } from '../../../blocks/ids.js';
import { getNoticeModal } from '../../../blocks/schedule-modal.js';
import type { AppDeps } from '../../deps.js';

const SOMETHING_WENT_WRONG =
  ':warning: Panelist could not finish that just now. If nothing changed, try again in a minute; `/panel status` shows where things stand.';

import { decisionSubmission } from './decision-submission.js';
import { feedbackSubmission } from './feedback-submission.js';
import { newPanelSubmission } from './new-panel-submission.js';
import { rescheduleSubmission, scheduleSubmission } from './schedule-submission.js';
import { settingsSubmission } from './settings-submission.js';

type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/** One Bolt listener for every modal submission, routed by callback id (see actions/index.ts). */
export function register(app: App, deps: AppDeps): void {
  const handlers = new Map<string, (args: ViewArgs) => Promise<void>>([
    [VIEW_IDS.newPanel, newPanelSubmission(deps)],
    [VIEW_IDS.schedule, scheduleSubmission(deps)],
    [VIEW_IDS.reschedule, rescheduleSubmission(deps)],
    [VIEW_IDS.replaceInterviewer, rescheduleSubmission(deps)],
    [VIEW_IDS.settings, settingsSubmission(deps)],
    [VIEW_IDS.feedback, feedbackSubmission(deps)],
    [VIEW_IDS.decision, decisionSubmission(deps)],
  ]);
  app.view({ type: 'view_submission' }, async (args) => {
    const handler = handlers.get(args.view.callback_id);
    if (handler === undefined) return void (await args.ack());
    try {
      await handler(args as ViewArgs);
    } catch (error) {
      // A last resort: every handler answers its own errors; this only catches what escaped.
      deps.logger.error(
        { err: error, callbackId: args.view.callback_id, teamId: args.view.team_id },
        'modal submission failed',
      );
      await args
        .ack({
          response_action: 'update',
          view: getNoticeModal('Something went wrong', SOMETHING_WENT_WRONG),
        })
        .catch(() => undefined);
    }
  });
}
