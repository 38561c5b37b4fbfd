import type { App } from '@slack/bolt';
import type { AppDeps } from '../../deps.js';
import { panelCommand } from './panel-command.js';

export function register(app: App, deps: AppDeps): void {
  app.command('/panel', panelCommand(deps));
}
