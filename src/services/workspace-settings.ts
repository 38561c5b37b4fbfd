import type { Kysely } from 'kysely';
import { recordAudit } from '../db/audit.js';
import type { Database } from '../db/database.js';
import type { SchedulingSettings } from '../domain/workspace-settings.js';
import type { UserDirectory } from '../slack/user-directory.js';

/** Workspace admins and owners, and anyone who is a recruiter on a panel, may change settings. */
export async function canChangeSettings(
  db: Kysely<Database>,
  users: UserDirectory,
  teamId: string,
  userId: string,
): Promise<boolean> {
  const profile = await users.get(teamId, userId);
  if (profile.isAdmin) return true;
  const recruiter = await db
    .selectFrom('panel_member')
    .select('user_id')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .where('role', '=', 'recruiter')
    .limit(1)
    .executeTakeFirst();
  return recruiter !== undefined;
}

export async function saveSchedulingSettings(
  db: Kysely<Database>,
  request: { teamId: string; actorId: string; settings: SchedulingSettings },
): Promise<void> {
  const { teamId, actorId, settings } = request;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('workspace')
      .values({
        team_id: teamId,
        slot_buffer_minutes: settings.bufferMinutes,
        weekly_interview_limit: settings.weeklyLimit,
      })
      .onConflict((oc) =>
        oc.column('team_id').doUpdateSet({
          slot_buffer_minutes: settings.bufferMinutes,
          weekly_interview_limit: settings.weeklyLimit,
        }),
      )
      .execute();
    await recordAudit(trx, {
      teamId,
      panelId: null,
      actorUserId: actorId,
      action: 'workspace.settings_changed',
      detail: settings,
    });
  });
}
