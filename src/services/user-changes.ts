import { sql } from 'kysely';
import { replanPanel } from '../db/nudges.js';
import type { AppDeps } from '../deps.js';
import type { SlackUserProfile } from '../slack/user-directory.js';
import { refreshHomes } from './app-home.js';
import { queuePanelNudges } from './nudges.js';

/**
 * A person's Slack profile changed (the `user_change` event). Their stored profile is replaced,
 * so the next booking needs no `users.info`. When their time zone moved, it moves too where
 * Panelist keeps a copy: their memberships of open panels (whose nudges are then re-planned, so
 * working hours and "tomorrow morning" follow them, and re-queued) and their App Home, which is
 * refreshed to show their interviews in the new zone. Slack sends this event for every profile
 * change in the workspace (a status emoji too); for anyone whose zone did not change, or who is on
 * no open panel, that is one insert and one update that touches no row.
 * @returns the open panels whose nudges were re-planned.
 */
export async function applyUserChange(
  deps: AppDeps,
  teamId: string,
  profile: SlackUserProfile,
): Promise<string[]> {
  await deps.users.learn(teamId, profile);
  const { rows } = await sql<{ panel_id: string }>`
    with homes as (
      update home_viewer set time_zone = ${profile.timeZone}
      where team_id = ${teamId} and user_id = ${profile.id} and time_zone <> ${profile.timeZone}
    )
    update panel_member pm set time_zone = ${profile.timeZone}
    from panel p
    where pm.team_id = ${teamId} and pm.user_id = ${profile.id} and pm.time_zone <> ${profile.timeZone}
      and p.team_id = pm.team_id and p.id = pm.panel_id and p.state = 'open'
    returning pm.panel_id::text as panel_id
  `.execute(deps.db);
  const panelIds = [...new Set(rows.map((r) => r.panel_id))];
  for (const panelId of panelIds) {
    await replanPanel(deps.db, teamId, panelId, deps.clock.now());
    await queuePanelNudges(deps, teamId, panelId);
  }
  if (panelIds.length > 0) await refreshHomes(deps, teamId, [profile.id]);
  return panelIds;
}
