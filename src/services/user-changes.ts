import { type Kysely, sql } from 'kysely';
import { enqueueTimeZoneChange, type Queues } from '../../jobs/queues.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { replanPanel } from '../db/nudges.js';
import type { AppDeps } from '../deps.js';
import type { Logger } from '../logger.js';
import type { SlackUserProfile } from '../slack/user-directory.js';
import { refreshHomes } from './app-home.js';
import { queuePanelNudges } from './nudges.js';

/**
 * A person's Slack profile changed (the `user_change` event, which Slack sends for every profile
 * change in the workspace, a status emoji included). In one statement: the stored profile is
 * updated if Panelist knows the person and something it keeps changed (no write otherwise), and
 * Panelist learns whether a copy of their time zone it keeps (open panels' memberships, the Home
 * tab) is now out of date. Only then is the move queued for a worker, which retries it; for
 * everyone else the event costs that one statement.
 * @returns whether a time-zone move was queued.
 */
export async function noteProfileChange(
  deps: Pick<AppDeps, 'db' | 'users' | 'queues'>,
  teamId: string,
  profile: SlackUserProfile,
): Promise<boolean> {
  deps.users.replaceRemembered(teamId, profile);
  const { rows } = await sql<{ moved: boolean }>`
    with old as (
      select time_zone from slack_user
      where team_id = ${teamId} and user_id = ${profile.id}
      for update
    ), updated as (
      update slack_user s
      set name = ${profile.name}, time_zone = ${profile.timeZone}, is_bot = ${profile.isBot},
          deleted = ${profile.deleted}, is_admin = ${profile.isAdmin}, fetched_at = now()
      from old
      where s.team_id = ${teamId} and s.user_id = ${profile.id}
        and (s.name, s.time_zone, s.is_bot, s.deleted, s.is_admin) is distinct from
            (${profile.name}::text, ${profile.timeZone}::text, ${profile.isBot}::boolean,
             ${profile.deleted}::boolean, ${profile.isAdmin}::boolean)
    )
    select coalesce((select time_zone <> ${profile.timeZone} from old), false)
        or exists (
          select 1 from panel_member pm
          join panel p on p.team_id = pm.team_id and p.id = pm.panel_id
          where pm.team_id = ${teamId} and pm.user_id = ${profile.id}
            and p.state = 'open' and pm.time_zone <> ${profile.timeZone}
        )
        or exists (
          select 1 from home_viewer
          where team_id = ${teamId} and user_id = ${profile.id} and time_zone <> ${profile.timeZone}
        ) as moved
  `.execute(deps.db);
  if (rows[0]?.moved !== true) return false;
  await enqueueTimeZoneChange(
    deps.queues,
    { teamId, userId: profile.id, timeZone: profile.timeZone },
    // Once every process's remembered copy of the old profile has expired, and a minute more.
    deps.users.rememberMs + 60_000,
  );
  return true;
}

/**
 * The worker's side: moves the person's time zone (the stored profile's, which is the newest,
 * else the one Slack sent) into their open panels' memberships, re-plans each panel's nudges
 * under its lock (so working hours and "tomorrow morning" follow them) and queues them; then
 * their Home. Every open panel of theirs is re-planned, not only those whose
 * copy was out of date: a booking made meanwhile by a process that remembered the old profile may
 * have planned with the old zone. Idempotent, so BullMQ may retry it.
 * @returns the panels re-planned.
 */
export async function applyTimeZoneChange(
  deps: { db: Kysely<Database>; queues: Queues; logger: Logger; clock: Clock },
  change: { teamId: string; userId: string; timeZone: string },
): Promise<string[]> {
  const { db } = deps;
  const { teamId, userId } = change;
  const stored = await db
    .selectFrom('slack_user')
    .select('time_zone')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const zone = stored?.time_zone ?? change.timeZone;
  const panels = await db
    .selectFrom('panel_member as pm')
    .innerJoin('panel as p', (join) =>
      join.onRef('p.team_id', '=', 'pm.team_id').onRef('p.id', '=', 'pm.panel_id'),
    )
    .select('pm.panel_id')
    .distinct()
    .where('pm.team_id', '=', teamId)
    .where('pm.user_id', '=', userId)
    .where('p.state', '=', 'open')
    .execute();
  // Every open panel of theirs is re-planned under its own lock, whether its copy of the zone
  // moved now or a booking elsewhere wrote the old one meanwhile; a retry does it all again.
  await db
    .updateTable('panel_member')
    .set({ time_zone: zone })
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .where('time_zone', '<>', zone)
    .where('panel_id', 'in', (eb) =>
      eb.selectFrom('panel').select('id').where('team_id', '=', teamId).where('state', '=', 'open'),
    )
    .execute();
  for (const { panel_id: panelId } of panels) {
    await replanPanel(db, teamId, panelId, deps.clock.now());
    await queuePanelNudges(deps, teamId, panelId);
  }
  await db
    .updateTable('home_viewer')
    .set({ time_zone: zone })
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .where('time_zone', '<>', zone)
    .execute();
  await refreshHomes(deps, teamId, [userId]);
  return panels.map((p) => p.panel_id);
}
