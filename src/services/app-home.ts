import type { WebClient } from '@slack/web-api';
import type { Kysely } from 'kysely';
import { getAppHome } from '../../blocks/app-home.js';
import { enqueueHomeRefresh } from '../../jobs/queues.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { loadHomeData } from '../db/home.js';
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

/**
 * Publishes one user's App Home as it stands now, with times in their zone (looked up unless
 * given). Returns the zone used.
 */
export async function publishHome(
  deps: HomeDeps,
  teamId: string,
  userId: string,
  knownTimeZone?: string,
): Promise<string> {
  const now = deps.clock.now();
  const [home, timeZone] = await Promise.all([
    loadHomeData(deps.db, teamId, userId, now, new Date(now.getTime() + FORTNIGHT_MS)),
    knownTimeZone ?? deps.users.get(teamId, userId).then((profile) => profile.timeZone),
  ]);
  await deps.client.views.publish({ user_id: userId, view: getAppHome({ ...home, timeZone }) });
  return timeZone;
}

/** Remembers that a user has opened the Home tab, with their time zone as of now. */
export async function recordHomeViewer(
  db: Kysely<Database>,
  teamId: string,
  userId: string,
  timeZone: string,
  now: Date,
): Promise<void> {
  await db
    .insertInto('home_viewer')
    .values({ team_id: teamId, user_id: userId, first_opened_at: now, time_zone: timeZone })
    .onConflict((oc) => oc.columns(['team_id', 'user_id']).doUpdateSet({ time_zone: timeZone }))
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
      .select(['user_id', 'time_zone'])
      .where('team_id', '=', teamId)
      .where('user_id', 'in', ids)
      .execute();
    await enqueueHomeRefresh(
      deps.queues,
      teamId,
      viewers.map((v) => ({ userId: v.user_id, timeZone: v.time_zone })),
    );
  } catch (error) {
    deps.logger.warn({ err: error, teamId }, 'App Home refresh not queued');
  }
}
