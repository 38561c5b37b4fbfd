import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { recordHomeVisit } from '../../db/app-home-visitors.js';
import type { AppDeps } from '../../deps.js';
import { publishHome } from '../../services/app-home.js';

type EventArgs = AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>;

/**
 * Publishes the user's App Home each time they open the Home tab, and remembers that they use it:
 * changes refresh the Homes of people who have opened theirs, and skip the rest.
 */
export function appHomeOpened(deps: AppDeps) {
  return async ({ event, body }: EventArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    await Promise.all([
      recordHomeVisit(deps.db, body.team_id, event.user),
      publishHome(deps, body.team_id, event.user),
    ]);
  };
}
