import type { DecisionOutcome, Rating } from '../db/database.js';

/** The four-point scale, weakest first. There is no neutral option. */
export const RATINGS: readonly Rating[] = ['strong_no', 'no', 'yes', 'strong_yes'];

export const RATING_LABELS: Record<Rating, string> = {
  strong_no: 'Strong no',
  no: 'No',
  yes: 'Yes',
  strong_yes: 'Strong yes',
};

export const RATING_EMOJI: Record<Rating, string> = {
  strong_no: ':red_circle:',
  no: ':large_orange_circle:',
  yes: ':large_green_circle:',
  strong_yes: ':star:',
};

/** The option value for a competency the interviewer did not assess. */
export const NOT_ASSESSED = 'not_assessed';

export function isRating(value: string | undefined | null): value is Rating {
  return RATINGS.includes(value as Rating);
}

export function isExtreme(rating: Rating): boolean {
  return rating === 'strong_no' || rating === 'strong_yes';
}

export const DECISION_LABELS: Record<DecisionOutcome, string> = {
  hire: ':tada: Hire',
  no_hire: ':no_entry_sign: No hire',
  hold: ':pause_button: Hold',
};

export function isDecisionOutcome(value: string | undefined | null): value is DecisionOutcome {
  return value === 'hire' || value === 'no_hire' || value === 'hold';
}
