import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

/** Actions recorded in the audit log. */
export type AuditAction =
  | 'panel.created'
  | 'panel.cancelled'
  | 'panel.announced'
  | 'panel.announcement_failed'
  | 'slot.booked'
  | 'slot.rescheduled'
  | 'slot.cancelled'
  | 'slot.declined'
  | 'workspace.settings_changed'
  | 'channel.digest_zone_changed'
  | 'feedback.submitted'
  | 'feedback.edited'
  | 'decision.recorded'
  | 'nudge.failed'
  | 'nudge.snoozed'
  | 'candidate.updated';

/** Appends to the audit log. `detail` holds facts (ids, states), never feedback text. */
export async function recordAudit(
  db: Kysely<Database> | Transaction<Database>,
  event: {
    teamId: string;
    panelId: string | null;
    actorUserId: string;
    action: AuditAction;
    detail?: object;
  },
): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({
      team_id: event.teamId,
      panel_id: event.panelId,
      actor_user_id: event.actorUserId,
      action: event.action,
      detail: JSON.stringify(event.detail ?? {}),
    })
    .execute();
}
