import type { FeedbackContent, Rating, StageKind } from '../db/database.js';
import { RATINGS } from './ratings.js';
import { type Competency, scorecardFor } from './stages.js';

export interface DebriefSlot {
  slotId: string;
  stageKind: StageKind;
  startsAt: Date;
  interviewerIds: string[];
}

export interface SubmittedFeedback {
  slotId: string;
  interviewerId: string;
  content: FeedbackContent;
  recommendation: Rating;
}

export type RatingCounts = Record<Rating, number>;

export interface CompetencySummary {
  competency: Competency;
  counts: RatingCounts;
  assessedBy: number;
}

export interface StageSummary {
  stageKind: StageKind;
  competencies: CompetencySummary[];
  /** Competencies no submitted feedback of this stage assessed. */
  unassessed: Competency[];
  recommendations: RatingCounts;
  submitted: number;
  expected: number;
}

export interface DebriefSummary {
  stages: StageSummary[];
  recommendations: RatingCounts;
  /** Interviewers (per slot) who have not submitted. */
  missing: { slotId: string; stageKind: StageKind; interviewerId: string }[];
  submitted: number;
  expected: number;
  complete: boolean;
}

const zero = (): RatingCounts => ({ strong_no: 0, no: 0, yes: 0, strong_yes: 0 });

/**
 * Aggregates a panel's submitted feedback per stage and competency: rating counts, what nobody
 * assessed, the recommendation tally, and who is missing. Pure; text is not copied into it.
 */
export function summariseDebrief(
  stageKinds: readonly StageKind[],
  slots: readonly DebriefSlot[],
  feedback: readonly SubmittedFeedback[],
): DebriefSummary {
  const byKey = new Map(feedback.map((f) => [`${f.slotId}|${f.interviewerId}`, f]));
  const missing: DebriefSummary['missing'] = [];
  const recommendations = zero();
  const stages: StageSummary[] = stageKinds.map((stageKind) => {
    const scorecard = scorecardFor(stageKind);
    const stageSlots = slots.filter((s) => s.stageKind === stageKind);
    const counts = new Map(scorecard.map((c) => [c.key, zero()]));
    const stageRecommendations = zero();
    let submitted = 0;
    let expected = 0;
    for (const slot of stageSlots) {
      for (const interviewerId of slot.interviewerIds) {
        expected += 1;
        const entry = byKey.get(`${slot.slotId}|${interviewerId}`);
        if (entry === undefined) {
          missing.push({ slotId: slot.slotId, stageKind, interviewerId });
          continue;
        }
        submitted += 1;
        stageRecommendations[entry.recommendation] += 1;
        recommendations[entry.recommendation] += 1;
        for (const [key, rating] of Object.entries(entry.content.ratings)) {
          const tally = counts.get(key);
          if (tally !== undefined && RATINGS.includes(rating)) tally[rating] += 1;
        }
      }
    }
    const competencies = scorecard.map((competency) => {
      const tally = counts.get(competency.key) ?? zero();
      return { competency, counts: tally, assessedBy: RATINGS.reduce((sum, r) => sum + tally[r], 0) };
    });
    return {
      stageKind,
      competencies,
      unassessed:
        submitted === 0 ? [] : competencies.filter((c) => c.assessedBy === 0).map((c) => c.competency),
      recommendations: stageRecommendations,
      submitted,
      expected,
    };
  });
  const expected = stages.reduce((sum, s) => sum + s.expected, 0);
  const submitted = stages.reduce((sum, s) => sum + s.submitted, 0);
  return {
    stages,
    recommendations,
    missing,
    submitted,
    expected,
    complete: expected > 0 && submitted === expected,
  };
}
