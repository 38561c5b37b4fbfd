import { SETTINGS_BLOCKS } from '../../blocks/ids.js';
import type { NudgeKind } from '../db/database.js';
import type { FormValue, FormValues } from './new-panel-form.js';
import { NUDGE_KINDS, type NudgeSettings } from './nudge-settings.js';

/** Bounds of each setting (the database checks the scheduling ones too). */
export const SETTING_BOUNDS = {
  bufferMinutes: { min: 0, max: 120 },
  weeklyLimit: { min: 1, max: 40 },
  briefingHoursBefore: { min: 1, max: 168 },
  reminderHoursAfter: { min: 1, max: 168 },
  escalationHoursAfter: { min: 1, max: 336 },
  countdownHoursBefore: { min: 1, max: 336 },
} as const;

export interface SchedulingSettings {
  bufferMinutes: number;
  weeklyLimit: number;
}

export interface WorkspaceSettings {
  scheduling: SchedulingSettings;
  nudges: NudgeSettings;
}

/**
 * The IANA name of a time zone as this runtime spells it ("europe/berlin" → "Europe/Berlin"), or
 * undefined when it is not a zone name Intl knows: every time in Panelist goes through Intl, and
 * an offset such as "UTC+2" (which some libraries accept) would silently mean UTC.
 */
export function canonicalTimeZone(zone: string): string | undefined {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Whether `zone` is an IANA zone name this runtime knows (or UTC). */
export function isKnownTimeZone(zone: string): boolean {
  return canonicalTimeZone(zone) !== undefined;
}

/** Reads the settings modal; each bad value gets an error beside its field. */
export function parseSettingsForm(
  values: FormValues,
): { ok: true; settings: WorkspaceSettings } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const field = (blockId: string): FormValue & { selected_time?: string | null } =>
    values[blockId]?.input ?? {};
  const read = (blockId: string, bounds: { min: number; max: number }, label: string): number => {
    const value = Number((field(blockId).value ?? '').trim());
    if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
      errors[blockId] = `Enter ${label} as a whole number from ${bounds.min} to ${bounds.max}.`;
    }
    return value;
  };
  const bufferMinutes = read(SETTINGS_BLOCKS.bufferMinutes, SETTING_BOUNDS.bufferMinutes, 'the buffer');
  const weeklyLimit = read(SETTINGS_BLOCKS.weeklyLimit, SETTING_BOUNDS.weeklyLimit, 'the weekly limit');
  const briefingHoursBefore = read(
    SETTINGS_BLOCKS.briefingHours,
    SETTING_BOUNDS.briefingHoursBefore,
    'the hours',
  );
  const reminderHoursAfter = read(
    SETTINGS_BLOCKS.reminderHours,
    SETTING_BOUNDS.reminderHoursAfter,
    'the hours',
  );
  const escalationHoursAfter = read(
    SETTINGS_BLOCKS.escalationHours,
    SETTING_BOUNDS.escalationHoursAfter,
    'the hours',
  );
  const firstCountdown = read(
    SETTINGS_BLOCKS.countdownFirst,
    SETTING_BOUNDS.countdownHoursBefore,
    'the hours',
  );
  const secondCountdown = read(
    SETTINGS_BLOCKS.countdownSecond,
    SETTING_BOUNDS.countdownHoursBefore,
    'the hours',
  );
  if (errors[SETTINGS_BLOCKS.escalationHours] === undefined && escalationHoursAfter <= reminderHoursAfter) {
    errors[SETTINGS_BLOCKS.escalationHours] =
      'Escalate later than the reminder, so the interviewer hears first.';
  }
  const digestTime = field(SETTINGS_BLOCKS.digestTime).selected_time ?? '09:30';
  const digestTimeZone = (field(SETTINGS_BLOCKS.digestTimeZone).value ?? '').trim() || 'UTC';
  // A zone Intl knows by name (what every time in Panelist goes through): "UTC+2" is not one,
  // though some libraries accept it, and would silently become UTC.
  if (!isKnownTimeZone(digestTimeZone)) {
    errors[SETTINGS_BLOCKS.digestTimeZone] =
      'Enter a time zone name such as Europe/Berlin or America/New_York.';
  }
  const chosen = new Set((field(SETTINGS_BLOCKS.enabled).selected_options ?? []).map((o) => o.value));
  const enabled = Object.fromEntries(NUDGE_KINDS.map((kind) => [kind, chosen.has(kind)])) as Record<
    NudgeKind,
    boolean
  >;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: {
      scheduling: { bufferMinutes, weeklyLimit },
      nudges: {
        enabled,
        briefingHoursBefore,
        reminderHoursAfter,
        escalationHoursAfter,
        countdownHoursBefore: [
          Math.max(firstCountdown, secondCountdown),
          Math.min(firstCountdown, secondCountdown),
        ],
        digestTime,
        digestTimeZone,
      },
    },
  };
}
