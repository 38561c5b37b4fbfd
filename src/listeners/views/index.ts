import type { App } from '@slack/bolt';
import { VIEW_IDS } from '../../../blocks/ids.js';
import type { AppDeps } from '../../deps.js';
import { decisionSubmission } from './decision-submission.js';
import { feedbackSubmission } from './feedback-submission.js';
import { newPanelSubmission } from './new-panel-submission.js';
import { rescheduleSubmission, scheduleSubmission } from './schedule-submission.js';
import { settingsSubmission } from './settings-submission.js';

export function register(app: App, deps: AppDeps): void {
  app.view(VIEW_IDS.newPanel, newPanelSubmission(deps));
  app.view(VIEW_IDS.schedule, scheduleSubmission(deps));
  app.view(VIEW_IDS.reschedule, rescheduleSubmission(deps));
  app.view(VIEW_IDS.replaceInterviewer, rescheduleSubmission(deps));
  app.view(VIEW_IDS.settings, settingsSubmission(deps));
  app.view(VIEW_IDS.feedback, feedbackSubmission(deps));
  app.view(VIEW_IDS.decision, decisionSubmission(deps));
}
