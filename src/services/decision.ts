import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../db/audit.js';
import type { Database, DecisionOutcome, Panel } from '../db/database.js';
import { syncPanelNudges } from '../db/nudges.js';
import { findPanelById, type PanelDetails } from '../db/panels.js';
import { releaseSlots, type SlotWithPeople } from '../db/slots.js';
import { formatPanelReference } from '../domain/panel-reference.js';
import { keepScheduleEffects, releasedNotices } from './schedule-effects.js';

export type DecisionResult =
  | {
      kind: 'recorded';
      panel: Panel;
      /** The panel as it now stands, and its slots not yet started, cancelled by the decision. */
      details: PanelDetails;
      released: SlotWithPeople[];
    }
  | { kind: 'refused'; message: string };

/**
 * Records hire / no hire / hold with its reason and the date the candidate will be told. Only a
 * decision maker may; the panel becomes decided and its feedback read-only.
 */
export async function recordDecision(
  db: Kysely<Database>,
  request: {
    teamId: string;
    panelId: string;
    actorId: string;
    outcome: DecisionOutcome;
    reason: string;
    candidateToldOn: string;
    now: Date;
  },
): Promise<DecisionResult> {
  const { teamId, panelId, actorId, outcome, reason, candidateToldOn, now } = request;
  return db.transaction().execute(async (trx) => {
    const details = await findPanelById(trx, teamId, panelId, { forUpdate: true });
    if (details === undefined) return { kind: 'refused', message: 'That panel no longer exists.' } as const;
    const reference = formatPanelReference(details.panel.number);
    if (!details.members.some((m) => m.user_id === actorId && m.role === 'decision_maker')) {
      return {
        kind: 'refused',
        message: `Only a decision maker of ${reference} can record its decision.`,
      } as const;
    }
    if (details.panel.state !== 'open') {
      return { kind: 'refused', message: `${reference} is already ${details.panel.state}.` } as const;
    }
    await trx
      .insertInto('decision')
      .values({
        team_id: teamId,
        panel_id: panelId,
        outcome,
        reason,
        decided_by: actorId,
        decided_at: now,
        candidate_told_on: candidateToldOn,
      })
      .execute();
    const panel = await trx
      .updateTable('panel')
      .set({ state: 'decided', revision: sql<number>`revision + 1`, updated_at: sql<Date>`now()` })
      .where('team_id', '=', teamId)
      .where('id', '=', panelId)
      .returningAll()
      .executeTakeFirstOrThrow();
    // Interviews still ahead are no longer needed: their people are told and their time freed.
    const released = await releaseSlots(trx, teamId, panelId, now);
    await recordAudit(trx, {
      teamId,
      panelId,
      actorUserId: actorId,
      action: 'decision.recorded',
      detail: { outcome, candidateToldOn, slotsCancelled: released.map((s) => s.slot.id) },
    });
    await syncPanelNudges(trx, teamId, panelId, now);
    if (released.length > 0)
      await keepScheduleEffects(trx, { ...details, panel }, releasedNotices(released), []);
    return { kind: 'recorded', panel, details: { ...details, panel }, released } as const;
  });
}
