import type { StageKind } from '../db/database.js';

/** A competency an interviewer rates on a stage's scorecard. */
export interface Competency {
  /** Stable key stored with ratings; never renamed once shipped. */
  key: string;
  label: string;
}

/** What one kind of second-round stage is for, who usually runs it, and what it probes. */
export interface StageDefinition {
  kind: StageKind;
  label: string;
  /** Who typically runs the stage. */
  runBy: string;
  /** One sentence an interviewer reads before the stage. */
  focus: string;
  competencies: readonly Competency[];
  /** Suggested behavioural ("Tell me about a time…") and situational questions. */
  questions: readonly string[];
}

/** Competencies every stage assesses, whatever its kind. */
export const SHARED_COMPETENCIES: readonly Competency[] = [
  { key: 'motivation', label: 'Motivation and interest in the role' },
  { key: 'self_awareness', label: 'Self-awareness (e.g. a failure and what was learnt)' },
];

/**
 * The default stages of a second round, from the article Panelist grew from: the hiring
 * manager's deeper dive, peers on culture and collaboration, an executive on vision, and an
 * optional practical test. Ordered as a loop usually runs.
 */
export const STAGES: readonly StageDefinition[] = [
  {
    kind: 'manager',
    label: 'Hiring-manager deep dive',
    runBy: 'the hiring manager',
    focus:
      'A deeper dive into technical competency for the role, how the candidate handles the complexity of the day-to-day work, and whether their work style fits the team’s needs.',
    competencies: [
      { key: 'technical_depth', label: 'Technical depth for the role' },
      { key: 'day_to_day_complexity', label: 'Handling day-to-day complexity' },
      { key: 'work_style_fit', label: 'Work style fit with the team' },
      { key: 'ownership', label: 'Ownership of results' },
    ],
    questions: [
      'Tell me about the most complex piece of work you owned end to end. What made it hard, and what was the result?',
      'Walk me through how you would approach the first month of this role’s responsibilities.',
      'Tell me about a time priorities changed under you mid-project. What did you do?',
    ],
  },
  {
    kind: 'peer',
    label: 'Peer / team interview',
    runBy: 'future peers and team members',
    focus:
      'Interpersonal dynamics and culture fit: teamwork, collaboration, and how the candidate handles conflict or differing opinions. Would their presence enhance the team?',
    competencies: [
      { key: 'collaboration', label: 'Collaboration' },
      { key: 'conflict_handling', label: 'Handling conflict and differing opinions' },
      { key: 'communication', label: 'Communication' },
      { key: 'adds_to_team', label: 'Adds to the team' },
    ],
    questions: [
      'Tell me about a time you disagreed with a teammate. How was it resolved?',
      'How would you handle a disagreement with a peer about the approach to a shared project?',
      'Tell me about a time you helped a colleague succeed.',
    ],
  },
  {
    kind: 'executive',
    label: 'Executive conversation',
    runBy: 'a senior executive or a panel of decision makers',
    focus:
      'Strategic thinking and alignment with the company’s mission and values: the candidate’s grasp of the big picture, industry trends and their long-term potential.',
    competencies: [
      { key: 'strategic_thinking', label: 'Strategic thinking' },
      { key: 'mission_alignment', label: 'Alignment with mission and values' },
      { key: 'industry_awareness', label: 'Industry awareness' },
      { key: 'long_term_potential', label: 'Long-term potential' },
    ],
    questions: [
      'Which shift in our industry matters most for this role over the next two years, and why?',
      'What would you change about how we work today, from what you have seen so far?',
      'Tell me about a time you failed at something important. What did you learn?',
    ],
  },
  {
    kind: 'practical',
    label: 'Practical assessment / presentation',
    runBy: 'the interviewers who set the exercise',
    focus:
      'A direct test of applying skills to a realistic problem: tangible evidence of capability, beyond theoretical discussion.',
    competencies: [
      { key: 'applies_skills', label: 'Applies skills to a realistic problem' },
      { key: 'result_quality', label: 'Quality of the result' },
      { key: 'clarity', label: 'Clarity of explanation' },
      { key: 'handles_questions', label: 'Response to questions' },
    ],
    questions: [
      'Walk us through your approach and the trade-offs you chose.',
      'What would you do differently with another week?',
      'How would you explain this result to a non-specialist stakeholder?',
    ],
  },
];

/** The stages a new panel starts with: all but the optional practical assessment. */
export const DEFAULT_STAGE_KINDS: readonly StageKind[] = ['manager', 'peer', 'executive'];

const BY_KIND = new Map(STAGES.map((stage) => [stage.kind, stage]));

/** The definition of a stage kind. */
export function stageDefinition(kind: StageKind): StageDefinition {
  const definition = BY_KIND.get(kind);
  if (definition === undefined) throw new Error(`Unknown stage kind: ${kind}`);
  return definition;
}

/** Narrows a string from a payload to a stage kind. */
export function isStageKind(value: string): value is StageKind {
  return BY_KIND.has(value as StageKind);
}

/** Stage kinds in loop order. */
export function sortStageKinds(kinds: Iterable<StageKind>): StageKind[] {
  const order = STAGES.map((stage) => stage.kind);
  return [...new Set(kinds)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/**
 * A stage's scorecard: its own four competencies, then the ones every stage assesses. This is the
 * one place scorecards are defined, so a workspace's own scorecards can later replace it.
 */
export function scorecardFor(kind: StageKind): readonly Competency[] {
  return [...stageDefinition(kind).competencies, ...SHARED_COMPETENCIES];
}
