import type { Kysely } from 'kysely';
import type { Database, Decision, Feedback, FeedbackContent, Rating, StageKind } from '../db/database.js';
import {
  type FeedbackWithHistory,
  findDecision,
  findFeedback,
  listPanelFeedback,
  loadSubmissionContext,
  lockPanelOfSlot,
  saveSubmission,
} from '../db/feedback.js';
import { activeInterviewers, buildPlanInput } from '../db/nudges.js';
import { loadPanelRecords } from '../db/panel-snapshot.js';
import { findPanelById, type PanelDetails } from '../db/panels.js';
import { findSlot, listPanelSlots, type SlotWithPeople } from '../db/slots.js';
import { type DebriefSummary, summariseDebrief } from '../domain/debrief.js';
import type { FeedbackFormResult } from '../domain/feedback-form.js';
import { type FeedbackAccess, feedbackAccess } from '../domain/feedback-visibility.js';
import { diffNudges, planNudges } from '../domain/nudge-plan.js';
import type { NudgeSettings } from '../domain/nudge-settings.js';
import { formatPanelReference } from '../domain/panel-reference.js';
import { slackDate } from '../slack/mrkdwn.js';
import { viewerOf } from './panels.js';

/** A panel with everything feedback views and the debrief need. */
export interface PanelFeedbackState {
  details: PanelDetails;
  slots: SlotWithPeople[];
  feedback: FeedbackWithHistory[];
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
 * {@link loadFeedbackState} for several panels of one workspace at once, with the workspace's nudge
 * settings, in one statement however many panels (the nudge worker reads every panel of a batch
 * this way). Missing panels are absent.
 */
export async function loadFeedbackStates(
  db: Kysely<Database>,
  teamId: string,
  panelIds: readonly string[],
): Promise<{ nudgeSettings: NudgeSettings; states: Map<string, PanelFeedbackState> }> {
  const { nudgeSettings, panels } = await loadPanelRecords(db, teamId, panelIds);
  const states = new Map<string, PanelFeedbackState>();
  for (const [panelId, panel] of panels) {
    states.set(panelId, feedbackState(panel.details, panel.slots, panel.feedback, panel.decision));
  }
  return { nudgeSettings, states };
}

function feedbackState(
  details: PanelDetails,
  slots: SlotWithPeople[],
  feedback: FeedbackWithHistory[],
  decision: Decision | undefined,
): PanelFeedbackState {
  const summary = summariseDebrief(
    details.stages.map((s) => s.kind),
    slots.map((s) => ({
      slotId: s.slot.id,
      stageKind: s.stageKind,
      startsAt: s.slot.starts_at,
      // Owed feedback: not from someone who said they cannot make the slot.
      interviewerIds: activeInterviewers(s),
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
  // candidate still ahead must not read the others' feedback before it. A slot they said they
  // cannot make is not theirs to write about.
  const isOn = (s: (typeof state.slots)[number], declined: boolean) =>
    s.interviewers.some((i) => i.userId === userId && (i.declinedAt !== null) === declined);
  const mySlots = state.slots.filter((s) => isOn(s, false));
  const onlyDeclined = mySlots.length === 0 && state.slots.some((s) => isOn(s, true));
  const mine = state.feedback.filter((f) => f.interviewer_id === userId && f.state === 'submitted');
  return feedbackAccess(viewerOf(state.details, userId), {
    sealed: state.details.panel.sealed,
    allSubmitted: state.summary.complete,
    deadlinePassed: state.details.panel.decision_deadline <= now,
    viewerHasSubmitted:
      mySlots.length > 0 ? mySlots.every((s) => mine.some((f) => f.slot_id === s.slot.id)) : mine.length > 0,
    nothingToWrite: mySlots.length === 0 || onlyDeclined || state.details.panel.state !== 'open',
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
      /** Every interviewer of every booked slot has now submitted. */
      complete: boolean;
      /** The debrief must be posted or brought up to date (the announcement job does it). */
      debriefDue: boolean;
      /** Nudge rows created or moved by the re-plan, to queue for delivery. */
      nudgesToQueue: { id: string; team_id: string; deliver_at: Date }[];
      /** The interviewer has opened the Home tab, so theirs is worth refreshing. */
      homeVisitor: boolean;
    }
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'duplicate' }
  | { kind: 'refused'; message: string };

/** `submitFeedbackForm` with content already checked (the demo and tests use it). */
export function submitFeedback(
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
  const { content, ...rest } = request;
  return submitFeedbackForm(db, { ...rest, parse: () => ({ ok: true, content }) });
}

/**
 * Stores a submitted feedback and a new version of it, in one transaction of four statements
 * after `begin`: the panel's lock, one read of everything the rules and the nudge plan need, and
 * one write of every change (feedback, version, revision, audit, nudges), then `commit`. The form
 * is checked against the slot's scorecard inside it (`parse`); a form with errors stores nothing.
 * The same modal view submitted twice (a double click, a retried request) stores one version;
 * edits after submission are new versions, allowed until the decision is recorded. The panel's
 * nudges are re-planned from what was read, with this submission counted.
 */
export async function submitFeedbackForm(
  db: Kysely<Database>,
  request: {
    teamId: string;
    slotId: string;
    userId: string;
    viewId: string;
    parse: (stageKind: StageKind) => FeedbackFormResult;
    now: Date;
  },
): Promise<SubmitResult> {
  const { teamId, slotId, userId, viewId, now } = request;
  return db.transaction().execute(async (trx): Promise<SubmitResult> => {
    const cancelledSlot = {
      kind: 'refused',
      message: 'That slot was cancelled, so there is no feedback to give.',
    } as const;
    const panelId = await lockPanelOfSlot(trx, teamId, slotId);
    if (panelId === undefined) return cancelledSlot;
    const context = await loadSubmissionContext(trx, { teamId, panelId, slotId, userId, viewId });
    const slot = context?.slots.find((s) => s.slot.id === slotId);
    if (context === undefined || slot === undefined || slot.slot.state !== 'booked') return cancelledSlot;
    const form = request.parse(slot.stageKind);
    if (!form.ok) return { kind: 'invalid', errors: form.errors };
    const { content } = form;
    const recommendation = content.recommendation;
    if (recommendation === null) return { kind: 'refused', message: 'Choose a recommendation.' };
    if (!slot.interviewers.some((i) => i.userId === userId)) {
      return { kind: 'refused', message: 'You were not an interviewer in that slot.' };
    }
    const { panel } = context;
    if (panel.state === 'cancelled') {
      return { kind: 'refused', message: 'This panel was cancelled, so its feedback is closed.' };
    }
    if (panel.state !== 'open') {
      return {
        kind: 'refused',
        message: 'The decision on this panel is recorded, so its feedback is now read-only.',
      };
    }
    if (slot.slot.ends_at > now) return { kind: 'refused', message: 'Feedback opens when the slot ends.' };
    if (context.duplicate) return { kind: 'duplicate' };

    const existing = context.feedback.find((f) => f.slot_id === slotId && f.interviewer_id === userId);
    const first = existing?.state !== 'submitted';
    // The panel's submitted feedback as it stands once this one is stored.
    const submitted = [
      ...context.feedback.filter((f) => f.state === 'submitted' && f !== existing),
      { slot_id: slotId, interviewer_id: userId, submitted_at: existing?.submitted_at ?? now },
    ];
    const booked = context.slots.filter((s) => s.slot.state === 'booked');
    const plan = planNudges(buildPlanInput(context, booked, submitted, context.nudgeSettings, now));
    const done = new Set(submitted.map((f) => `${f.slot_id}|${f.interviewer_id}`));
    const complete = booked.every((s) => activeInterviewers(s).every((id) => done.has(`${s.slot.id}|${id}`)));
    const saved = await saveSubmission(trx, {
      teamId,
      panelId,
      slotId,
      userId,
      viewId,
      content,
      recommendation,
      version: context.nextVersion,
      action: first ? 'feedback.submitted' : 'feedback.edited',
      now,
      nudges: diffNudges(context.nudges, plan, now),
    });
    return {
      kind: 'submitted',
      version: context.nextVersion,
      first,
      panelId,
      revision: saved.revision,
      complete,
      debriefDue: complete || panel.debrief_ts !== null,
      nudgesToQueue: saved.queue,
      homeVisitor: context.homeVisitor,
    };
  });
}
