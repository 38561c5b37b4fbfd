import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../deps.js';
import { publishHome, recordHomeViewer } from '../../services/app-home.js';

type EventArgs = AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>;

/** Publishes the user's App Home each time they open the Home tab. */
export function appHomeOpened(deps: AppDeps) {
  return async ({ event, body }: EventArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    const timeZone = await publishHome(deps, body.team_id, event.user);
    await recordHomeViewer(deps.db, body.team_id, event.user, timeZone, deps.clock.now());
  };
}
