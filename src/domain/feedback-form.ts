import { FEEDBACK_BLOCKS } from '../../blocks/ids.js';
import type { FeedbackContent, Rating } from '../db/database.js';
import type { FormValue, FormValues } from './new-panel-form.js';
import { isExtreme, isRating, RATING_LABELS } from './ratings.js';
import type { Competency } from './stages.js';

/** Slack's limit on a plain-text input, which every feedback text respects. */
export const FEEDBACK_TEXT_LIMIT = 3000;

export type FeedbackFormResult =
  | { ok: true; content: FeedbackContent }
  | { ok: false; errors: Record<string, string> };

/**
 * Reads the feedback modal. A draft keeps whatever was typed (only lengths are checked); a
 * submission must also carry a recommendation, at least one rated competency, and written
 * evidence behind every strong rating.
 */
export function parseFeedbackForm(
  values: FormValues,
  scorecard: readonly Competency[],
  mode: 'draft' | 'submit',
): FeedbackFormResult {
  const errors: Record<string, string> = {};
  const field = (blockId: string): FormValue => values[blockId]?.input ?? {};
  const text = (blockId: string, label: string): string => {
    const value = (field(blockId).value ?? '').trim();
    if (value.length > FEEDBACK_TEXT_LIMIT) {
      errors[blockId] = `Keep the ${label} to ${FEEDBACK_TEXT_LIMIT} characters (it has ${value.length}).`;
    }
    return value;
  };

  const ratings: Record<string, Rating> = {};
  const evidence: Record<string, string> = {};
  for (const competency of scorecard) {
    const rating = field(FEEDBACK_BLOCKS.rating(competency.key)).selected_option?.value;
    if (isRating(rating)) ratings[competency.key] = rating;
    const written = text(FEEDBACK_BLOCKS.evidence(competency.key), 'evidence');
    if (written !== '') evidence[competency.key] = written;
  }
  const star = {
    situation: text(FEEDBACK_BLOCKS.starSituation, 'situation'),
    task: text(FEEDBACK_BLOCKS.starTask, 'task'),
    action: text(FEEDBACK_BLOCKS.starAction, 'action'),
    result: text(FEEDBACK_BLOCKS.starResult, 'result'),
  };
  const strengths = text(FEEDBACK_BLOCKS.strengths, 'strengths');
  const concerns = text(FEEDBACK_BLOCKS.concerns, 'concerns');
  const questions = text(FEEDBACK_BLOCKS.questions, 'questions');
  const chosen = field(FEEDBACK_BLOCKS.recommendation).selected_option?.value;
  const recommendation = isRating(chosen) ? chosen : null;

  if (mode === 'submit') {
    if (recommendation === null) {
      errors[FEEDBACK_BLOCKS.recommendation] =
        'Choose your overall recommendation: strong no, no, yes or strong yes.';
    } else if (isExtreme(recommendation) && (star.action === '' || star.result === '')) {
      const missing = star.action === '' ? FEEDBACK_BLOCKS.starAction : FEEDBACK_BLOCKS.starResult;
      errors[missing] ??=
        `A “${RATING_LABELS[recommendation].toLowerCase()}” recommendation needs the evidence behind it: what the candidate did and what came of it.`;
    }
    const first = scorecard[0];
    if (Object.keys(ratings).length === 0 && first !== undefined) {
      errors[FEEDBACK_BLOCKS.rating(first.key)] =
        'Rate at least one competency (the others may stay “not assessed”).';
    }
    for (const competency of scorecard) {
      const rating = ratings[competency.key];
      if (rating !== undefined && isExtreme(rating) && evidence[competency.key] === undefined) {
        errors[FEEDBACK_BLOCKS.evidence(competency.key)] ??=
          `“${RATING_LABELS[rating]}” needs written evidence: what did you see or hear?`;
      }
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, content: { ratings, evidence, star, strengths, concerns, questions, recommendation } };
}

/** An empty feedback, for a first open with no draft. */
export function emptyFeedback(): FeedbackContent {
  return {
    ratings: {},
    evidence: {},
    star: { situation: '', task: '', action: '', result: '' },
    strengths: '',
    concerns: '',
    questions: '',
    recommendation: null,
  };
}
