/**
 * Every callback, block and action id that Block Kit builders and listeners share. Builders set
 * them, listeners match on them; keeping them in one module keeps the two sides in step.
 */
export const VIEW_IDS = {
  newPanel: 'panel_new',
} as const;

/** Block ids of the new-panel modal; errors from validation are keyed by these. */
export const NEW_PANEL_BLOCKS = {
  candidate: 'candidate',
  role: 'role',
  hiringManager: 'hiring_manager',
  recruiter: 'recruiter',
  decisionMakers: 'decision_makers',
  channel: 'channel',
  deadline: 'deadline',
  answerPromisedOn: 'answer_promised_on',
  stages: 'stages',
  notes: 'notes',
} as const;

export type NewPanelBlockId = (typeof NEW_PANEL_BLOCKS)[keyof typeof NEW_PANEL_BLOCKS];

/** The single input element inside each new-panel block. */
export const NEW_PANEL_INPUT = 'input';

export const ACTION_IDS = {
  /** Buttons that only open a URL still send an action; this id is acknowledged and ignored. */
  openLink: 'open_link',
  viewStatus: 'panel_view_status',
} as const;
