import type { PanelViewer } from './permissions.js';

/** Where a panel's feedback stands, as visibility rules need it. */
export interface FeedbackProgress {
  sealed: boolean;
  /** Every interviewer of every booked slot has submitted. */
  allSubmitted: boolean;
  deadlinePassed: boolean;
  /** The viewer has submitted for every ended slot they interview on (and at least one). */
  viewerHasSubmitted: boolean;
  /**
   * Nothing is left for the viewer to write: every slot of theirs they declined or was cancelled,
   * or the panel is decided. A reviewer is then no longer held back by the interviewer rule.
   */
  nothingToWrite?: boolean;
}

export type FeedbackAccess =
  | { allowed: true }
  | { allowed: false; reason: 'not_on_team' | 'sealed' | 'submit_first' | 'not_reviewer' };

/**
 * Who may read feedback content on a panel. The recruiter, hiring manager and decision makers
 * may, and an interviewer once they have submitted their own; someone who is both (a hiring
 * manager running the manager stage) is an interviewer first, so they too write theirs before
 * reading the others'. On a sealed panel nobody may until every interviewer has submitted or the
 * decision deadline has passed.
 */
export function feedbackAccess(viewer: PanelViewer, progress: FeedbackProgress): FeedbackAccess {
  const reviewer =
    viewer.roles.has('recruiter') || viewer.roles.has('hiring_manager') || viewer.roles.has('decision_maker');
  const interviewer = viewer.roles.has('interviewer');
  if (!reviewer && !interviewer)
    return { allowed: false, reason: viewer.isCreator ? 'not_reviewer' : 'not_on_team' };
  if (progress.sealed && !progress.allSubmitted && !progress.deadlinePassed)
    return { allowed: false, reason: 'sealed' };
  if (interviewer && !progress.viewerHasSubmitted && !(reviewer && progress.nothingToWrite === true))
    return { allowed: false, reason: 'submit_first' };
  return { allowed: true };
}

/** Words for a refusal, by reason. */
export function feedbackRefusal(
  reason: Exclude<FeedbackAccess, { allowed: true }>['reason'],
  reference: string,
): string {
  switch (reason) {
    case 'not_on_team':
      return `:lock: Feedback on ${reference} is visible only to its team.`;
    case 'not_reviewer':
      return `:lock: Feedback on ${reference} is visible to its recruiter, hiring manager and decision makers.`;
    case 'sealed':
      return `:lock: ${reference} is sealed: nobody sees feedback until every interviewer has submitted or the decision deadline passes. This keeps early opinions from anchoring the others.`;
    case 'submit_first':
      return `:lock: Submit your own feedback on ${reference} first; then you can read the others’. This keeps everyone’s assessment independent.`;
  }
}
