import { sql } from 'kysely';
import { getDeclinedNoticeMessage } from '../../blocks/slot-messages.js';
import { recordAudit } from '../db/audit.js';
import type { PanelDetails } from '../db/panels.js';
import type { SlotWithPeople } from '../db/slots.js';
import type { AppDeps } from '../deps.js';

/** Who was told that an interviewer can't make a slot, and whether that was done before. */
export interface DeclineNotice {
  already: boolean;
  /** The coordinators who got the DM (from the earlier press when `already`). */
  told: string[];
}

/**
 * Tells the panel's recruiters and hiring managers, by DM with a button to pick a replacement,
 * that `userId` can't make `slot`, once. Under a lock per slot and interviewer: a second press
 * while the first is still sending waits for it rather than sending twice. Recorded (the
 * `slot.decline_told` audit event) only when at least one of them took the DM, so a press after
 * Slack failed them all, or after the process died before sending, tries again.
 */
export async function tellDeclineOnce(
  deps: Pick<AppDeps, 'db' | 'client' | 'users'>,
  request: { teamId: string; panel: PanelDetails; slot: SlotWithPeople; userId: string },
): Promise<DeclineNotice> {
  const { teamId, panel, slot, userId } = request;
  const panelId = panel.panel.id;
  const slotId = slot.slot.id;
  return deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`panelist:slot-declined:${teamId}:${slotId}:${userId}`}, 0))`.execute(
      trx,
    );
    const earlier = await trx
      .selectFrom('audit_event')
      .select('detail')
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panelId)
      .where('action', '=', 'slot.decline_told')
      .where(sql<boolean>`detail->>'slot' = ${slotId} and detail->>'interviewer' = ${userId}`)
      .executeTakeFirst();
    if (earlier !== undefined) {
      const told = (earlier.detail as { told?: unknown }).told;
      return { already: true, told: Array.isArray(told) ? told.map(String) : [] };
    }
    const coordinators = [
      ...new Set(
        panel.members
          .filter((m) => m.role === 'recruiter' || m.role === 'hiring_manager')
          .map((m) => m.user_id),
      ),
    ];
    const results = await Promise.allSettled(
      coordinators.map(async (coordinatorId) => {
        const { timeZone } = await deps.users.get(teamId, coordinatorId);
        await deps.client.chat.postMessage({
          channel: coordinatorId,
          ...getDeclinedNoticeMessage(panel.panel, slot, userId, timeZone),
        });
        return coordinatorId;
      }),
    );
    const told = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (told.length > 0) {
      await recordAudit(trx, {
        teamId,
        panelId,
        actorUserId: userId,
        action: 'slot.decline_told',
        detail: { slot: slotId, interviewer: userId, told },
      });
    }
    return { already: false, told };
  });
}
