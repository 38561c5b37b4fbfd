import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { VIEW_IDS } from '../../../blocks/ids.js';
import type { AppDeps } from '../../deps.js';
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
    await handler(args as ViewArgs);
  });
}
