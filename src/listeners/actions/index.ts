import type { App } from '@slack/bolt';
import { ACTION_IDS } from '../../../blocks/ids.js';
import type { AppDeps } from '../../deps.js';

export function register(app: App, _deps: AppDeps): void {
  // Link buttons still send an interaction; acknowledge it so Slack shows no error.
  app.action(ACTION_IDS.openLink, async ({ ack }) => {
    await ack();
  });
}
