import { sql } from 'kysely';
import { getDeclinedNoticeMessage } from '../../blocks/slot-messages.js';
import type { PanelDetails } from '../db/panels.js';
import type { SlotWithPeople } from '../db/slots.js';
import type { AppDeps } from '../deps.js';
import { coordinatorsOf } from '../domain/permissions.js';

/** What became of telling the coordinators about one decline. */
export type DeclineNotice =
  | { kind: 'sent'; told: string[] }
  | { kind: 'already'; told: string[] }
  | { kind: 'in_progress' };

/**
 * How long a press that claimed the notice may take before another press sends it again: longer
 * than the web client's own retries of a failing Slack call (ten over about half an hour), so a
 * press still retrying is never overtaken; a claim a dead process left is taken over after it.
 */
const CLAIM_MS = 35 * 60_000;

/**
 * Tells the panel's recruiters and hiring managers, by DM with a button to pick a replacement,
 * that `userId` can't make `slot` (their decline of `declinedAt`), once. A press first claims the
 * notice in one statement (`decline_notice`), then sends, outside any transaction (Slack may take
 * its time; nothing waits on it), then writes who took it. A press while another is sending
 * finds the claim; a press after Slack reached nobody, or after a claim a dead process left
 * (see {@link CLAIM_MS}), sends again; a press after someone was told says who.
 */
export async function tellDeclineOnce(
  deps: Pick<AppDeps, 'db' | 'client'>,
  request: { teamId: string; panel: PanelDetails; slot: SlotWithPeople; userId: string; declinedAt: Date },
): Promise<DeclineNotice> {
  const { teamId, panel, slot, userId, declinedAt } = request;
  const key = { team_id: teamId, slot_id: slot.slot.id, user_id: userId, declined_at: declinedAt };
  const claimed = await deps.db
    .insertInto('decline_notice')
    .values({ ...key, panel_id: panel.panel.id, told: null })
    .onConflict((oc) =>
      oc
        .columns(['team_id', 'slot_id', 'user_id', 'declined_at'])
        .doUpdateSet({ claimed_at: sql<Date>`now()`, told: null })
        .where((eb) =>
          eb.or([
            eb(sql`cardinality(decline_notice.told)`, '=', 0),
            eb.and([
              eb('decline_notice.told', 'is', null),
              eb(
                'decline_notice.claimed_at',
                '<',
                sql<Date>`now() - ${`${CLAIM_MS} milliseconds`}::interval`,
              ),
            ]),
          ]),
        ),
    )
    .returning('claimed_at')
    .executeTakeFirst();
  if (claimed === undefined) {
    const row = await deps.db
      .selectFrom('decline_notice')
      .select('told')
      .where('team_id', '=', teamId)
      .where('slot_id', '=', slot.slot.id)
      .where('user_id', '=', userId)
      .where('declined_at', '=', declinedAt)
      .executeTakeFirst();
    return row?.told != null && row.told.length > 0
      ? { kind: 'already', told: row.told }
      : { kind: 'in_progress' };
  }
  const results = await Promise.allSettled(
    coordinatorsOf(panel.members).map(async (coordinator) => {
      // The zone stored with their membership, as for every schedule DM: no lookup here.
      await deps.client.chat.postMessage({
        channel: coordinator.user_id,
        ...getDeclinedNoticeMessage(panel.panel, slot, userId, coordinator.time_zone),
      });
      return coordinator.user_id;
    }),
  );
  const told = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  await deps.db
    .updateTable('decline_notice')
    .set({ told })
    .where('team_id', '=', teamId)
    .where('slot_id', '=', slot.slot.id)
    .where('user_id', '=', userId)
    .where('declined_at', '=', declinedAt)
    .execute();
  return { kind: 'sent', told };
}
