import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { getAppHome } from '../../../blocks/app-home.js';
import { listPanelsForUser } from '../../db/panels.js';
import type { AppDeps } from '../../deps.js';

type EventArgs = AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>;

/** Publishes the user's App Home each time they open the Home tab. */
export function appHomeOpened(deps: AppDeps) {
  return async ({ event, body, client }: EventArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    const teamId = body.team_id;
    const panels = await listPanelsForUser(deps.db, teamId, event.user, 50);
    await client.views.publish({ user_id: event.user, view: getAppHome({ panels }) });
  };
}
