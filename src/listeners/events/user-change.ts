import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../deps.js';
import { noteProfileChange } from '../../services/user-changes.js';
import { profileOf } from '../../slack/user-directory.js';

type EventArgs = AllMiddlewareArgs & SlackEventMiddlewareArgs<'user_change'>;

/** Keeps people's stored profiles, and the time zones their nudges and Home use, current. */
export function userChange(deps: AppDeps) {
  return async ({ event, body }: EventArgs): Promise<void> => {
    const teamId = body.team_id;
    const { user } = event;
    // Without a zone the event says nothing Panelist keeps reliably (it would fall back to UTC).
    if (typeof user.tz !== 'string' || user.tz === '') return;
    try {
      await noteProfileChange(deps, teamId, profileOf(user.id, user));
    } catch (error) {
      // The event is acknowledged already; the stored profile is refreshed from Slack within a day.
      deps.logger.warn({ err: error, teamId, userId: user.id }, 'profile change not noted');
    }
  };
}
