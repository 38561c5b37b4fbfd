import { getAppHome } from '../../blocks/app-home.js';
import { listPendingFeedback } from '../db/feedback.js';
import { listPanelsCoordinatedBy, listPanelsForUser } from '../db/panels.js';
import { listUpcomingInterviews } from '../db/slots.js';
import type { AppDeps } from '../deps.js';

const FORTNIGHT_MS = 14 * 24 * 3600 * 1000;

/** Publishes one user's App Home as it stands now. */
export async function publishHome(deps: AppDeps, teamId: string, userId: string): Promise<void> {
  const now = deps.clock.now();
  const [interviews, coordinating, panels, profile, pendingFeedback] = await Promise.all([
    listUpcomingInterviews(deps.db, teamId, userId, now, new Date(now.getTime() + FORTNIGHT_MS)),
    listPanelsCoordinatedBy(deps.db, teamId, userId, 20),
    listPanelsForUser(deps.db, teamId, userId, 50),
    deps.users.get(teamId, userId),
    listPendingFeedback(deps.db, teamId, userId, now),
  ]);
  await deps.client.views.publish({
    user_id: userId,
    view: getAppHome({ interviews, coordinating, panels, pendingFeedback, timeZone: profile.timeZone }),
  });
}

/** Refreshes several users' App Homes; failures are logged, never thrown (the change is done). */
export async function refreshHomes(deps: AppDeps, teamId: string, userIds: Iterable<string>): Promise<void> {
  await Promise.all(
    [...new Set(userIds)].map((userId) =>
      publishHome(deps, teamId, userId).catch((error: unknown) =>
        deps.logger.warn({ err: error, teamId, userId }, 'App Home refresh failed'),
      ),
    ),
  );
}
