import type { NudgeKind } from '../db/database.js';

/** Every nudge kind, in the order settings show them. */
export const NUDGE_KINDS: readonly NudgeKind[] = [
  'briefing',
  'feedback_due',
  'feedback_reminder',
  'feedback_escalation',
  'decision_countdown',
  'candidate_update',
  'debrief_ready',
  'channel_digest',
];

export const NUDGE_LABELS: Record<NudgeKind, string> = {
  briefing: 'Briefing before each interview',
  feedback_due: 'Feedback due when a slot ends',
  feedback_reminder: 'Feedback reminder',
  feedback_escalation: 'Late feedback escalation to recruiter and hiring manager',
  decision_countdown: 'Decision deadline countdown',
  candidate_update: 'Reminder to update the candidate',
  debrief_ready: 'Debrief ready (decision makers)',
  channel_digest: 'Daily channel digest',
};

/** A workspace's nudge switches and offsets. */
export interface NudgeSettings {
  enabled: Record<NudgeKind, boolean>;
  briefingHoursBefore: number;
  reminderHoursAfter: number;
  escalationHoursAfter: number;
  /** Hours before the deadline for the two early countdown nudges. */
  countdownHoursBefore: [number, number];
  /** Local time of the channel digest, HH:mm. */
  digestTime: string;
  /** The time zone the digest time is read in. */
  digestTimeZone: string;
}

export const DEFAULT_NUDGE_SETTINGS: NudgeSettings = {
  enabled: Object.fromEntries(NUDGE_KINDS.map((kind) => [kind, true])) as Record<NudgeKind, boolean>,
  briefingHoursBefore: 24,
  reminderHoursAfter: 24,
  escalationHoursAfter: 48,
  countdownHoursBefore: [48, 24],
  digestTime: '09:30',
  digestTimeZone: 'UTC',
};

/** Stored settings over the defaults; unknown or missing keys take the default. */
export function resolveNudgeSettings(stored: Partial<NudgeSettings> | null | undefined): NudgeSettings {
  return {
    ...DEFAULT_NUDGE_SETTINGS,
    ...(stored ?? {}),
    enabled: { ...DEFAULT_NUDGE_SETTINGS.enabled, ...(stored?.enabled ?? {}) },
  };
}
