import { type Kysely, sql } from 'kysely';
import { recordAudit } from '../db/audit.js';
import type { Database, Decision, Feedback, FeedbackContent, Rating } from '../db/database.js';
import {
  findDecision,
  findDecisionsOfPanels,
  findFeedback,
  listFeedbackOfPanels,
  listPanelFeedback,
} from '../db/feedback.js';
import { syncPanelNudges } from '../db/nudges.js';
import { findPanelById, findPanelsByIds, type PanelDetails } from '../db/panels.js';
import { findSlot, listPanelSlots, listSlotsOfPanels, type SlotWithPeople } from '../db/slots.js';
import { type DebriefSummary, summariseDebrief } from '../domain/debrief.js';
import { type FeedbackAccess, feedbackAccess } from '../domain/feedback-visibility.js';
import { formatPanelReference } from '../domain/panel-reference.js';
import { slackDate } from '../slack/mrkdwn.js';
import { viewerOf } from './panels.js';

/** A panel with everything feedback views and the debrief need. */
export interface PanelFeedbackState {
  details: PanelDetails;
  slots: SlotWithPeople[];
  feedback: Feedback[];
  summary: DebriefSummary;
  decision: Decision | undefined;
}

export async function loadFeedbackState(
  db: Kysely<Database>,
  teamId: string,
  panelId: string,
): Promise<PanelFeedbackState | undefined> {
  const details = await findPanelById(db, teamId, panelId);
  if (details === undefined) return undefined;
  const [slots, feedback, decision] = await Promise.all([
    listPanelSlots(db, teamId, panelId),
    listPanelFeedback(db, teamId, panelId),
    findDecision(db, teamId, panelId),
  ]);
  return feedbackState(details, slots, feedback, decision);
}

/**
 * {@link loadFeedbackState} for several panels of one workspace at once, in seven queries however
 * many panels (the nudge worker reads every panel of a batch this way). Missing panels are absent.
 */
export async function loadFeedbackStates(
  db: Kysely<Database>,
  teamId: string,
  panelIds: readonly string[],
): Promise<Map<string, PanelFeedbackState>> {
  const states = new Map<string, PanelFeedbackState>();
  if (panelIds.length === 0) return states;
  const [panels, slots, feedback, decisions] = await Promise.all([
    findPanelsByIds(db, teamId, panelIds),
    listSlotsOfPanels(db, teamId, panelIds),
    listFeedbackOfPanels(db, teamId, panelIds),
    findDecisionsOfPanels(db, teamId, panelIds),
  ]);
  const feedbackByPanel = new Map<string, Feedback[]>();
  for (const f of feedback) {
    const list = feedbackByPanel.get(f.panel_id);
    if (list === undefined) feedbackByPanel.set(f.panel_id, [f]);
    else list.push(f);
  }
  const decisionByPanel = new Map(decisions.map((d) => [d.panel_id, d]));
  for (const [panelId, details] of panels) {
    states.set(
      panelId,
      feedbackState(
        details,
        slots.get(panelId) ?? [],
        feedbackByPanel.get(panelId) ?? [],
        decisionByPanel.get(panelId),
      ),
    );
  }
  return states;
}

function feedbackState(
  details: PanelDetails,
  slots: SlotWithPeople[],
  feedback: Feedback[],
  decision: Decision | undefined,
): PanelFeedbackState {
  const summary = summariseDebrief(
    details.stages.map((s) => s.kind),
    slots.map((s) => ({
      slotId: s.slot.id,
      stageKind: s.stageKind,
      startsAt: s.slot.starts_at,
      interviewerIds: s.interviewers.map((i) => i.userId),
    })),
    feedback
      .filter(
        (f): f is Feedback & { recommendation: Rating } =>
          f.state === 'submitted' && f.recommendation !== null,
      )
      .map((f) => ({
        slotId: f.slot_id,
        interviewerId: f.interviewer_id,
        content: f.content,
        recommendation: f.recommendation,
      })),
  );
  return { details, slots, feedback, summary, decision };
}

/** May `userId` read the feedback content of this panel now? */
export function accessFor(state: PanelFeedbackState, userId: string, now: Date): FeedbackAccess {
  // Every slot they interview in, later ones too: someone with a second interview of the
  // candidate still ahead must not read the others' feedback before it.
  const mySlots = state.slots.filter((s) => s.interviewers.some((i) => i.userId === userId));
  const mine = state.feedback.filter((f) => f.interviewer_id === userId && f.state === 'submitted');
  return feedbackAccess(viewerOf(state.details, userId), {
    sealed: state.details.panel.sealed,
    allSubmitted: state.summary.complete,
    deadlinePassed: state.details.panel.decision_deadline <= now,
    viewerHasSubmitted: mine.length > 0 && mySlots.every((s) => mine.some((f) => f.slot_id === s.slot.id)),
  });
}

export type FeedbackOpening =
  | {
      kind: 'ok';
      details: PanelDetails;
      slot: SlotWithPeople;
      feedback: Feedback | undefined;
      readOnly: boolean;
    }
  | { kind: 'refused'; message: string };

/** What the feedback modal opens with for this interviewer and slot, or why it cannot open. */
export async function openFeedback(
  db: Kysely<Database>,
  request: { teamId: string; slotId: string; userId: string; now: Date },
): Promise<FeedbackOpening> {
  const { teamId, slotId, userId, now } = request;
  const slot = await findSlot(db, teamId, slotId);
  const details = slot === undefined ? undefined : await findPanelById(db, teamId, slot.slot.panel_id);
  if (slot === undefined || details === undefined || slot.slot.state !== 'booked') {
    return { kind: 'refused', message: 'That slot was cancelled, so there is no feedback to give.' };
  }
  if (!slot.interviewers.some((i) => i.userId === userId)) {
    return { kind: 'refused', message: 'You were not an interviewer in that slot.' };
  }
  if (slot.slot.ends_at > now) {
    return {
      kind: 'refused',
      message: `Feedback opens when the slot ends, ${slackDate(slot.slot.ends_at)}.`,
    };
  }
  if (details.panel.state === 'cancelled') {
    return { kind: 'refused', message: `${formatPanelReference(details.panel.number)} was cancelled.` };
  }
  const feedback = await findFeedback(db, teamId, slotId, userId);
  return { kind: 'ok', details, slot, feedback, readOnly: details.panel.state === 'decided' };
}

export type SubmitResult =
  | {
      kind: 'submitted';
      version: number;
      first: boolean;
      panelId: string;
      revision: number;
      complete: boolean;
    }
  | { kind: 'duplicate' }
  | { kind: 'refused'; message: string };

/**
 * Stores a submitted feedback and a new version of it, in one transaction. The same modal view
 * submitted twice (a double click, a retried request) stores one version; edits after submission
 * are new versions, allowed until the decision is recorded.
 */
export async function submitFeedback(
  db: Kysely<Database>,
  request: {
    teamId: string;
    slotId: string;
    userId: string;
    viewId: string;
    content: FeedbackContent;
    now: Date;
  },
): Promise<SubmitResult> {
  const { teamId, slotId, userId, viewId, content, now } = request;
  const recommendation = content.recommendation;
  if (recommendation === null) return { kind: 'refused', message: 'Choose a recommendation.' };
  return db.transaction().execute(async (trx) => {
    const slot = await findSlot(trx, teamId, slotId);
    if (slot !== undefined && slot.slot.state !== 'booked') {
      return {
        kind: 'refused',
        message: 'That slot was cancelled, so there is no feedback to give.',
      } as const;
    }
    if (slot === undefined || !slot.interviewers.some((i) => i.userId === userId)) {
      return { kind: 'refused', message: 'You were not an interviewer in that slot.' } as const;
    }
    const panel = await findPanelById(trx, teamId, slot.slot.panel_id, { forUpdate: true });
    if (panel === undefined || panel.panel.state === 'cancelled') {
      return { kind: 'refused', message: 'This panel was cancelled, so its feedback is closed.' } as const;
    }
    if (panel.panel.state !== 'open') {
      return {
        kind: 'refused',
        message: 'The decision on this panel is recorded, so its feedback is now read-only.',
      } as const;
    }
    if (slot.slot.ends_at > now)
      return { kind: 'refused', message: 'Feedback opens when the slot ends.' } as const;
    // Make sure the row exists, then lock it: concurrent deliveries of one submission queue here.
    await trx
      .insertInto('feedback')
      .values({
        team_id: teamId,
        panel_id: panel.panel.id,
        slot_id: slotId,
        interviewer_id: userId,
        state: 'draft',
        content: JSON.stringify(content),
        recommendation,
      })
      .onConflict((oc) => oc.columns(['team_id', 'slot_id', 'interviewer_id']).doNothing())
      .execute();
    const existing = await findFeedback(trx, teamId, slotId, userId, { forUpdate: true });
    if (existing === undefined) throw new Error('feedback row vanished inside its own transaction');
    const duplicate = await trx
      .selectFrom('feedback_version')
      .select('version')
      .where('team_id', '=', teamId)
      .where('feedback_id', '=', existing.id)
      .where('view_id', '=', viewId)
      .executeTakeFirst();
    if (duplicate !== undefined) return { kind: 'duplicate' } as const;
    const first = existing.state !== 'submitted';
    const row = { id: existing.id };
    await trx
      .updateTable('feedback')
      .set({
        state: 'submitted',
        content: JSON.stringify(content),
        recommendation,
        submitted_at: existing.submitted_at ?? now,
        updated_at: sql<Date>`now()`,
      })
      .where('team_id', '=', teamId)
      .where('id', '=', row.id)
      .execute();
    const { next } = await trx
      .selectFrom('feedback_version')
      .select(sql<number>`coalesce(max(version), 0) + 1`.as('next'))
      .where('team_id', '=', teamId)
      .where('feedback_id', '=', row.id)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('feedback_version')
      .values({
        team_id: teamId,
        feedback_id: row.id,
        version: next,
        content: JSON.stringify(content),
        recommendation,
        view_id: viewId,
        submitted_at: now,
      })
      .execute();
    const { revision } = await trx
      .updateTable('panel')
      .set({ revision: sql<number>`revision + 1`, updated_at: sql<Date>`now()` })
      .where('team_id', '=', teamId)
      .where('id', '=', panel.panel.id)
      .returning('revision')
      .executeTakeFirstOrThrow();
    await syncPanelNudges(trx, teamId, panel.panel.id, now);
    await recordAudit(trx, {
      teamId,
      panelId: panel.panel.id,
      actorUserId: userId,
      action: first ? 'feedback.submitted' : 'feedback.edited',
      detail: { slot: slotId, version: next },
    });
    const pending = await trx
      .selectFrom('slot_interviewer as si')
      .innerJoin('slot', (join) =>
        join.onRef('slot.id', '=', 'si.slot_id').onRef('slot.team_id', '=', 'si.team_id'),
      )
      .leftJoin('feedback', (join) =>
        join
          .onRef('feedback.slot_id', '=', 'si.slot_id')
          .onRef('feedback.team_id', '=', 'si.team_id')
          .onRef('feedback.interviewer_id', '=', 'si.user_id')
          .on('feedback.state', '=', 'submitted'),
      )
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('si.team_id', '=', teamId)
      .where('slot.panel_id', '=', panel.panel.id)
      .where('slot.state', '=', 'booked')
      .where('feedback.id', 'is', null)
      .executeTakeFirstOrThrow();
    return {
      kind: 'submitted',
      version: next,
      first,
      panelId: panel.panel.id,
      revision,
      complete: Number(pending.n) === 0,
    } as const;
  });
}
