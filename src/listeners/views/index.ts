import type { App } from '@slack/bolt';
import { VIEW_IDS } from '../../../blocks/ids.js';
import type { AppDeps } from '../../deps.js';
import { newPanelSubmission } from './new-panel-submission.js';

export function register(app: App, deps: AppDeps): void {
  app.view(VIEW_IDS.newPanel, newPanelSubmission(deps));
}
