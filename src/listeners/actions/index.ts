import type { App } from '@slack/bolt';
import { ACTION_IDS } from '../../../blocks/ids.js';
import type { AppDeps } from '../../deps.js';
import {
  giveFeedbackButton,
  recordDecisionButton,
  saveDraftButton,
  viewFeedbackButton,
} from './feedback-buttons.js';
import {
  addSlotButton,
  openScheduleButton,
  replaceInterviewerButton,
  rescheduleButton,
} from './schedule-buttons.js';
import { cancelSlotButton } from './slot-cancel.js';
import { declineSlotButton } from './slot-decline.js';

export function register(app: App, deps: AppDeps): void {
  // Link buttons (calendar links) still send an interaction; acknowledge it so Slack shows no error.
  app.action(new RegExp(`^${ACTION_IDS.openLink}`), async ({ ack }) => {
    await ack();
  });
  app.action(ACTION_IDS.openSchedule, openScheduleButton(deps));
  app.action(ACTION_IDS.addSlot, addSlotButton(deps));
  app.action(ACTION_IDS.rescheduleSlot, rescheduleButton(deps));
  app.action(ACTION_IDS.cancelSlot, cancelSlotButton(deps));
  app.action(ACTION_IDS.declineSlot, declineSlotButton(deps));
  app.action(ACTION_IDS.replaceInterviewer, replaceInterviewerButton(deps));
  app.action(ACTION_IDS.giveFeedback, giveFeedbackButton(deps));
  app.action(ACTION_IDS.saveDraft, saveDraftButton(deps));
  app.action(ACTION_IDS.viewFeedback, viewFeedbackButton(deps));
  app.action(ACTION_IDS.recordDecision, recordDecisionButton(deps));
}
