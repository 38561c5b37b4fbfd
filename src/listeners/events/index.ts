import type { App } from '@slack/bolt';
import type { AppDeps } from '../../deps.js';
import { appHomeOpened } from './app-home-opened.js';
import { userChange } from './user-change.js';

export function register(app: App, deps: AppDeps): void {
  app.event('app_home_opened', appHomeOpened(deps));
  app.event('user_change', userChange(deps));
}
