import type { Kysely } from 'kysely';
import { recordAudit } from '../db/audit.js';
import type { Database, MemberRole, Panel } from '../db/database.js';
import { syncPanelNudges } from '../db/nudges.js';
import {
  allocatePanelNumber,
  findPanelByNumber,
  findPanelByView,
  insertMembers,
  insertPanel,
  insertStages,
  type PanelDetails,
  setPanelState,
} from '../db/panels.js';
import { isViolation, UNIQUE_VIOLATION } from '../db/pg-errors.js';
import { releaseSlots, type SlotWithPeople } from '../db/slots.js';
import type { NewPanelInput } from '../domain/new-panel-form.js';
import { canCoordinatePanel, canSeePanel, type PanelViewer } from '../domain/permissions.js';
import { keepScheduleEffects, releasedNotices } from './schedule-effects.js';

/** Who `userId` is on a panel. */
export function viewerOf(details: PanelDetails, userId: string): PanelViewer {
  return {
    userId,
    isCreator: details.panel.created_by === userId,
    roles: new Set(details.members.filter((m) => m.user_id === userId).map((m) => m.role)),
  };
}

/**
 * Creates a panel with its people and stages in one transaction and numbers it within the
 * workspace. Submitting the same modal view again returns the panel it already created.
 */
export async function createPanel(
  db: Kysely<Database>,
  request: {
    teamId: string;
    creatorId: string;
    viewId: string;
    input: NewPanelInput;
    /** Members' Slack time zones, for planning their nudges; UTC when absent. */
    timeZones?: ReadonlyMap<string, string>;
    now: Date;
  },
): Promise<{ panel: Panel; created: boolean }> {
  const { teamId, creatorId, viewId, input, timeZones = new Map<string, string>(), now } = request;
  const existing = await findPanelByView(db, teamId, viewId);
  if (existing !== undefined) return { panel: existing, created: false };
  try {
    const panel = await db.transaction().execute(async (trx) => {
      const number = await allocatePanelNumber(trx, teamId);
      const panel = await insertPanel(trx, {
        teamId,
        number,
        candidateName: input.candidateName,
        roleTitle: input.roleTitle,
        channelId: input.channelId,
        decisionDeadline: input.decisionDeadline,
        answerPromisedOn: input.answerPromisedOn,
        firstInterviewNotes: input.firstInterviewNotes,
        createdBy: creatorId,
        createdFromView: viewId,
        sealed: input.sealed,
        createdAt: now,
      });
      const members: { userId: string; role: MemberRole }[] = [
        { userId: input.hiringManagerId, role: 'hiring_manager' },
        { userId: input.recruiterId, role: 'recruiter' },
        ...input.decisionMakerIds.map((userId) => ({ userId, role: 'decision_maker' as const })),
      ];
      await insertMembers(
        trx,
        teamId,
        panel.id,
        members.map((m) => ({ ...m, timeZone: timeZones.get(m.userId) ?? 'UTC' })),
      );
      await insertStages(trx, teamId, panel.id, input.stageKinds);
      await recordAudit(trx, {
        teamId,
        panelId: panel.id,
        actorUserId: creatorId,
        action: 'panel.created',
        detail: { number, stages: input.stageKinds, channel: input.channelId },
      });
      await syncPanelNudges(trx, teamId, panel.id, now);
      return panel;
    });
    return { panel, created: true };
  } catch (error) {
    // Two deliveries of one submission raced; the other one created the panel.
    if (isViolation(error, UNIQUE_VIOLATION, 'panel_team_view_key')) {
      const panel = await findPanelByView(db, teamId, viewId);
      if (panel !== undefined) return { panel, created: false };
    }
    throw error;
  }
}

export type PanelLookup =
  | { kind: 'found'; details: PanelDetails }
  | { kind: 'not_found' }
  | { kind: 'forbidden'; recruiterId: string | undefined };

/** A panel by number, if the user may see it. */
export async function lookUpPanelFor(
  db: Kysely<Database>,
  teamId: string,
  number: number,
  userId: string,
): Promise<PanelLookup> {
  const details = await findPanelByNumber(db, teamId, number);
  if (details === undefined) return { kind: 'not_found' };
  if (!canSeePanel(viewerOf(details, userId))) {
    return { kind: 'forbidden', recruiterId: details.members.find((m) => m.role === 'recruiter')?.user_id };
  }
  return { kind: 'found', details };
}

export type CancelResult =
  | {
      kind: 'cancelled';
      panel: Panel;
      /** The panel as it now stands, and its slots that were cancelled with it (to tell their people). */
      details: PanelDetails;
      released: SlotWithPeople[];
    }
  | { kind: 'not_found' }
  | { kind: 'forbidden'; reason: 'not_on_team' | 'not_coordinator'; panel: Panel }
  | { kind: 'not_open'; panel: Panel };

/** Cancels an open panel; only its coordinators (creator, recruiter, hiring manager) may. */
export async function cancelPanel(
  db: Kysely<Database>,
  request: { teamId: string; number: number; actorId: string; now: Date },
): Promise<CancelResult> {
  const { teamId, number, actorId, now } = request;
  return db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('panel')
      .select('id')
      .where('team_id', '=', teamId)
      .where('number', '=', number)
      .forUpdate()
      .executeTakeFirst();
    if (found === undefined) return { kind: 'not_found' } as const;
    const details = await findPanelByNumber(trx, teamId, number);
    if (details === undefined) return { kind: 'not_found' } as const;
    const viewer = viewerOf(details, actorId);
    if (!canCoordinatePanel(viewer)) {
      const reason = canSeePanel(viewer) ? 'not_coordinator' : 'not_on_team';
      return { kind: 'forbidden', reason, panel: details.panel } as const;
    }
    if (details.panel.state !== 'open') return { kind: 'not_open', panel: details.panel } as const;
    const panel = await setPanelState(trx, teamId, details.panel.id, 'cancelled');
    // Interviews already held stay (their feedback may still come); those ahead are called off.
    const released = await releaseSlots(trx, teamId, panel.id, now);
    await recordAudit(trx, {
      teamId,
      panelId: panel.id,
      actorUserId: actorId,
      action: 'panel.cancelled',
      detail: { slotsCancelled: released.map((s) => s.slot.id) },
    });
    await syncPanelNudges(trx, teamId, panel.id, now);
    if (released.length > 0)
      await keepScheduleEffects(trx, { ...details, panel }, releasedNotices(released), []);
    return { kind: 'cancelled', panel, details: { ...details, panel }, released } as const;
  });
}
