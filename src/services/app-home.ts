import type { WebClient } from '@slack/web-api';
import type { Kysely } from 'kysely';
import { getAppHome } from '../../blocks/app-home.js';
import { enqueueHomeRefresh } from '../../jobs/queues.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { listPendingFeedback } from '../db/feedback.js';
import { listPanelsCoordinatedBy, listPanelsForUser } from '../db/panels.js';
import { listUpcomingInterviews } from '../db/slots.js';
import type { AppDeps } from '../deps.js';
import type { UserDirectory } from '../slack/user-directory.js';

const FORTNIGHT_MS = 14 * 24 * 3600 * 1000;

/** What publishing a Home tab needs; the web process and the worker both have it. */
export interface HomeDeps {
  db: Kysely<Database>;
  client: WebClient;
  clock: Clock;
  users: UserDirectory;
}

/** Publishes one user's App Home as it stands now. */
export async function publishHome(deps: HomeDeps, teamId: string, userId: string): Promise<void> {
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

/** Remembers that a user has opened the Home tab (the first time only; later opens change nothing). */
export async function recordHomeViewer(
  db: Kysely<Database>,
  teamId: string,
  userId: string,
  now: Date,
): Promise<void> {
  await db
    .insertInto('home_viewer')
    .values({ team_id: teamId, user_id: userId, first_opened_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Asks the worker to refresh these users' App Homes shortly, for those who have ever opened it:
 * anyone else gets a fresh Home when they first open the tab. Refreshes asked for within a moment of
 * each other are one job per user, so a busy coordinator's Home is published once, not once per
 * change. Failures are logged, never thrown: the change is done, and the Home is rebuilt whenever
 * its owner opens it anyway.
 */
export async function refreshHomes(
  deps: Pick<AppDeps, 'db' | 'queues' | 'logger'>,
  teamId: string,
  userIds: Iterable<string>,
): Promise<void> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return;
  try {
    const viewers = await deps.db
      .selectFrom('home_viewer')
      .select('user_id')
      .where('team_id', '=', teamId)
      .where('user_id', 'in', ids)
      .execute();
    await enqueueHomeRefresh(
      deps.queues,
      teamId,
      viewers.map((v) => v.user_id),
    );
  } catch (error) {
    deps.logger.warn({ err: error, teamId }, 'App Home refresh not queued');
  }
}
