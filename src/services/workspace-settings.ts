import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../db/audit.js';
import type { Database } from '../db/database.js';
import { replanPanel } from '../db/nudges.js';
import { getSchedulingSettings } from '../db/slots.js';
import { resolveNudgeSettings } from '../domain/nudge-settings.js';
import type { WorkspaceSettings } from '../domain/workspace-settings.js';
import type { UserDirectory } from '../slack/user-directory.js';

/**
 * Whether someone may change the workspace settings: recruiters on any panel, and workspace
 * admins and owners, asked of Slack each time (settings change rarely, and rights must not outlive
 * a demotion). `unknown` when Slack could not say just now.
 */
export async function settingsRight(
  db: Kysely<Database>,
  users: UserDirectory,
  teamId: string,
  userId: string,
): Promise<'allowed' | 'refused' | 'unknown'> {
  const recruiter = await db
    .selectFrom('panel_member')
    .select('user_id')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .where('role', '=', 'recruiter')
    .limit(1)
    .executeTakeFirst();
  if (recruiter !== undefined) return 'allowed';
  const profile = await users.getFresh(teamId, userId);
  if (profile === undefined) return 'unknown';
  return profile.isAdmin ? 'allowed' : 'refused';
}

/** What a person is told when they may not change the settings, or Slack could not say. */
export const SETTINGS_REFUSALS = {
  refused: 'Only workspace admins and recruiters can change Panelist’s settings.',
  unknown: 'Panelist could not check your Slack role just now; try again in a minute.',
} as const;

export async function loadWorkspaceSettings(
  db: Kysely<Database>,
  teamId: string,
): Promise<WorkspaceSettings> {
  const scheduling = await getSchedulingSettings(db, teamId);
  const row = await db
    .selectFrom('workspace')
    .select('nudge_settings')
    .where('team_id', '=', teamId)
    .executeTakeFirst();
  return { scheduling, nudges: resolveNudgeSettings(row?.nudge_settings) };
}

/** Saves the settings; {@link replanOpenPanels} then brings pending nudges in line. */
export async function saveWorkspaceSettings(
  db: Kysely<Database>,
  request: { teamId: string; actorId: string; settings: WorkspaceSettings },
): Promise<void> {
  const { teamId, actorId, settings } = request;
  const values = {
    slot_buffer_minutes: settings.scheduling.bufferMinutes,
    weekly_interview_limit: settings.scheduling.weeklyLimit,
    nudge_settings: JSON.stringify(settings.nudges),
  };
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('workspace')
      .select('slot_buffer_minutes')
      .where('team_id', '=', teamId)
      .forUpdate()
      .executeTakeFirst();
    await trx
      .insertInto('workspace')
      .values({ team_id: teamId, ...values })
      .onConflict((oc) => oc.column('team_id').doUpdateSet(values))
      .execute();
    // A smaller buffer frees time at once: the busy ranges of interviews still ahead (which the
    // exclusion constraint compares) shrink to it, so a booking the new rule allows is not refused
    // by the old ranges. Ranges only ever shrink: one stored under a buffer smaller still (before a
    // larger one came and went) keeps its end, since growing it could make two booked interviews
    // overlap. A larger buffer applies to bookings from now on.
    if (before !== undefined && settings.scheduling.bufferMinutes < before.slot_buffer_minutes) {
      await sql`
        with shorter as (
          select si.slot_id, si.user_id,
                 s.ends_at + make_interval(mins => ${settings.scheduling.bufferMinutes}::int) as ends_busy
          from slot_interviewer si join slot s on s.team_id = si.team_id and s.id = si.slot_id
          where si.team_id = ${teamId} and s.state = 'booked' and s.ends_at > now()
        )
        update slot_interviewer si
        set busy = tstzrange(lower(si.busy), shorter.ends_busy, '[)')
        from shorter
        where si.team_id = ${teamId} and si.slot_id = shorter.slot_id and si.user_id = shorter.user_id
          and upper(si.busy) > shorter.ends_busy
      `.execute(trx);
    }
    await recordAudit(trx, {
      teamId,
      panelId: null,
      actorUserId: actorId,
      action: 'workspace.settings_changed',
      detail: settings,
    });
  });
}

/**
 * Re-plans every open panel of the workspace, one transaction each, so a switched-off nudge kind
 * stops and a changed offset moves what is pending.
 * @returns the panels re-planned (to queue their nudges).
 */
export async function replanOpenPanels(db: Kysely<Database>, teamId: string, now: Date): Promise<string[]> {
  const open = await db
    .selectFrom('panel')
    .select('id')
    .where('team_id', '=', teamId)
    .where('state', '=', 'open')
    .execute();
  for (const { id } of open) await replanPanel(db, teamId, id, now);
  return open.map((p) => p.id);
}

/** The digest zone a hiring channel chose, if any. */
export async function channelDigestZone(
  db: Kysely<Database>,
  teamId: string,
  channelId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('hiring_channel')
    .select('digest_time_zone')
    .where('team_id', '=', teamId)
    .where('channel_id', '=', channelId)
    .executeTakeFirst();
  return row?.digest_time_zone;
}

/**
 * Sets a hiring channel's digest time zone, copies it to the channel's open panels and re-plans
 * each one's nudges under its lock, so the next digests move to the channel's morning.
 * @returns the panels re-planned (to queue their nudges).
 */
export async function setChannelDigestZone(
  db: Kysely<Database>,
  request: { teamId: string; channelId: string; zone: string; actorId: string; now: Date },
): Promise<string[]> {
  const { teamId, channelId, zone, actorId, now } = request;
  const panels = await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('hiring_channel')
      .values({ team_id: teamId, channel_id: channelId, digest_time_zone: zone, updated_by: actorId })
      .onConflict((oc) =>
        oc
          .columns(['team_id', 'channel_id'])
          .doUpdateSet({ digest_time_zone: zone, updated_by: actorId, updated_at: new Date() }),
      )
      .execute();
    await recordAudit(trx, {
      teamId,
      panelId: null,
      actorUserId: actorId,
      action: 'channel.digest_zone_changed',
      detail: { channelId, zone },
    });
    // Lock the channel's open panels in id order, as every writer that locks several does.
    const open = await trx
      .selectFrom('panel')
      .select('id')
      .where('team_id', '=', teamId)
      .where('channel_id', '=', channelId)
      .where('state', '=', 'open')
      .orderBy('id')
      .forUpdate()
      .execute();
    if (open.length === 0) return [];
    await trx
      .updateTable('panel')
      .set({ digest_time_zone: zone })
      .where('team_id', '=', teamId)
      .where(
        'id',
        'in',
        open.map((p) => p.id),
      )
      .execute();
    return open;
  });
  for (const { id } of panels) await replanPanel(db, teamId, id, now);
  return panels.map((p) => p.id);
}
