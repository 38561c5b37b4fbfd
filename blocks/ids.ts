/**
 * Every callback, block and action id that Block Kit builders and listeners share. Builders set
 * them, listeners match on them; keeping them in one module keeps the two sides in step.
 */
export const VIEW_IDS = {
  newPanel: 'panel_new',
  schedule: 'panel_schedule',
  reschedule: 'slot_reschedule',
  replaceInterviewer: 'slot_replace',
  settings: 'workspace_settings',
  feedback: 'feedback_submit',
  decision: 'decision_record',
} as const;

/** Block ids of the feedback modal. */
export const FEEDBACK_BLOCKS = {
  rating: (competency: string) => `rating_${competency}`,
  evidence: (competency: string) => `evidence_${competency}`,
  starSituation: 'star_situation',
  starTask: 'star_task',
  starAction: 'star_action',
  starResult: 'star_result',
  strengths: 'strengths',
  concerns: 'concerns',
  questions: 'questions',
  recommendation: 'recommendation',
} as const;

/** Block ids of the decision modal. */
export const DECISION_BLOCKS = {
  outcome: 'outcome',
  reason: 'reason',
  candidateToldOn: 'candidate_told_on',
} as const;

/** Block ids of the workspace settings modal. */
export const SETTINGS_BLOCKS = {
  bufferMinutes: 'buffer_minutes',
  weeklyLimit: 'weekly_limit',
  enabled: 'nudges_enabled',
  briefingHours: 'briefing_hours',
  reminderHours: 'reminder_hours',
  escalationHours: 'escalation_hours',
  countdownFirst: 'countdown_first',
  countdownSecond: 'countdown_second',
  digestTime: 'digest_time',
  digestTimeZone: 'digest_time_zone',
} as const;

/** Block ids of the new-panel modal; errors from validation are keyed by these. */
export const NEW_PANEL_BLOCKS = {
  sealed: 'sealed',
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
  /** Announcement button: open the scheduling modal (value: panel id). */
  openSchedule: 'panel_schedule_open',
  /** Scheduling modal button: one more slot group. */
  addSlot: 'schedule_add_slot',
  /** Status view buttons (value: slot id). */
  rescheduleSlot: 'slot_reschedule_open',
  cancelSlot: 'slot_cancel',
  /** Interviewer's DM button (value: slot id). */
  declineSlot: 'slot_decline',
  /** Coordinator's DM button (value: `<slot id>:<user id>`). */
  replaceInterviewer: 'slot_replace_open',
  /** Open the feedback modal (value: slot id). */
  giveFeedback: 'feedback_open',
  /** Inside the feedback modal: keep what was typed. */
  saveDraft: 'feedback_save_draft',
  /** Debrief button: the full feedback in a modal (value: panel id). */
  viewFeedback: 'feedback_view',
  /** In the feedback modal: one person's whole feedback (value: feedback id). */
  readFeedback: 'feedback_read',
  /** Debrief button: record the decision (value: panel id). */
  recordDecision: 'decision_open',
  /** Nudge DM menu: snooze everything in that message. */
  snoozeNudge: 'nudge_snooze',
  /** Candidate-update nudge: the recruiter has told the candidate (value: panel id). */
  candidateUpdated: 'candidate_updated',
  /** Open a panel's status in a modal (value: panel id). */
  viewPanel: 'panel_view',
} as const;

/** Block ids of one slot group in the scheduling modals; `index` is the group's position. */
export function slotBlockIds(index: number) {
  return {
    stage: `slot_${index}_stage`,
    start: `slot_${index}_start`,
    duration: `slot_${index}_duration`,
    interviewers: `slot_${index}_interviewers`,
    location: `slot_${index}_location`,
    note: `slot_${index}_note`,
  } as const;
}

/** The single input inside each scheduling block. */
export const SLOT_INPUT = 'input';
