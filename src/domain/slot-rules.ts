import { DateTime } from 'luxon';
import {
  fromLocalMs,
  isoDateOf,
  isoWeekday,
  LOCAL_DAY_MS,
  startOfLocalDay,
  toLocalMs,
} from './zoned-time.js';

const HOUR_MS = 3600_000;

/** Bounds of a slot's length, in minutes. */
export const SLOT_DURATION = { min: 15, max: 240 } as const;

/** Working hours in each interviewer's own time zone, Monday to Friday. */
export const WORKING_HOURS = { startHour: 9, endHour: 18 } as const;

export interface TimeRange {
  startsAt: Date;
  endsAt: Date;
}

/** A slot as a coordinator proposes it; `key` identifies it in the form (for field errors). */
export interface ProposedSlot extends TimeRange {
  key: string;
  interviewerIds: string[];
}

/** An interview someone already has. */
export interface ExistingInterview extends TimeRange {
  slotId: string;
  userId: string;
  panelNumber: number;
}

export interface InterviewerConflict {
  key: string;
  userId: string;
  /** The booking it clashes with: an existing interview, or another slot of the same form. */
  with: TimeRange & { panelNumber?: number; otherKey?: string };
}

const MINUTE = 60_000;

/** Two ranges closer than `bufferMinutes` (or overlapping) clash. */
export function tooClose(a: TimeRange, b: TimeRange, bufferMinutes: number): boolean {
  const buffer = bufferMinutes * MINUTE;
  return (
    a.startsAt.getTime() < b.endsAt.getTime() + buffer && b.startsAt.getTime() < a.endsAt.getTime() + buffer
  );
}

/**
 * Interviewers booked twice: against their existing interviews (any panel of the workspace),
 * or in two slots of the same submission, with `bufferMinutes` free between interviews.
 */
export function findInterviewerConflicts(
  proposed: readonly ProposedSlot[],
  existing: readonly ExistingInterview[],
  bufferMinutes: number,
): InterviewerConflict[] {
  const conflicts: InterviewerConflict[] = [];
  proposed.forEach((slot, index) => {
    for (const userId of slot.interviewerIds) {
      const clash = existing.find((e) => e.userId === userId && tooClose(slot, e, bufferMinutes));
      if (clash !== undefined) {
        conflicts.push({ key: slot.key, userId, with: clash });
        continue;
      }
      const sibling = proposed
        .slice(0, index)
        .find((other) => other.interviewerIds.includes(userId) && tooClose(slot, other, bufferMinutes));
      if (sibling !== undefined)
        conflicts.push({ key: slot.key, userId, with: { ...sibling, otherKey: sibling.key } });
    }
  });
  return conflicts;
}

/** The candidate cannot be in two places: slots of one panel may not overlap (no buffer). */
export function findCandidateOverlaps(
  proposed: readonly ProposedSlot[],
  existingPanelSlots: readonly TimeRange[],
): { key: string; with: TimeRange }[] {
  const overlaps: { key: string; with: TimeRange }[] = [];
  proposed.forEach((slot, index) => {
    const clash =
      existingPanelSlots.find((e) => tooClose(slot, e, 0)) ??
      proposed.slice(0, index).find((other) => tooClose(slot, other, 0));
    if (clash !== undefined)
      overlaps.push({ key: slot.key, with: { startsAt: clash.startsAt, endsAt: clash.endsAt } });
  });
  return overlaps;
}

/** Monday of the week `at` falls in, in `timeZone`, as YYYY-MM-DD. */
export function weekOf(at: Date, timeZone: string): string {
  const day = startOfLocalDay(toLocalMs(at.getTime(), timeZone));
  return isoDateOf(day - (isoWeekday(day) - 1) * LOCAL_DAY_MS);
}

export interface LoadOverage {
  key: string;
  userId: string;
  /** Monday of the week, YYYY-MM-DD, in the interviewer's time zone. */
  week: string;
  total: number;
  limit: number;
  over: number;
}

/**
 * Interviewers who would have more than `limit` interviews in one week (Monday to Sunday in their
 * own time zone) once the proposed slots are booked.
 */
export function findWeeklyOverloads(
  proposed: readonly ProposedSlot[],
  existing: readonly { userId: string; startsAt: Date }[],
  limit: number,
  timeZoneOf: (userId: string) => string,
): LoadOverage[] {
  const counts = new Map<string, number>();
  const countKey = (userId: string, week: string) => `${userId}|${week}`;
  for (const e of existing) {
    const key = countKey(e.userId, weekOf(e.startsAt, timeZoneOf(e.userId)));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const firstKeyFor = new Map<string, string>();
  for (const slot of proposed) {
    for (const userId of slot.interviewerIds) {
      const key = countKey(userId, weekOf(slot.startsAt, timeZoneOf(userId)));
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (!firstKeyFor.has(key)) firstKeyFor.set(key, slot.key);
    }
  }
  const overages: LoadOverage[] = [];
  for (const [key, formKey] of firstKeyFor) {
    const total = counts.get(key) ?? 0;
    if (total <= limit) continue;
    const [userId = '', week = ''] = key.split('|');
    overages.push({ key: formKey, userId, week, total, limit, over: total - limit });
  }
  return overages;
}

export interface WorkingHoursWarning {
  key: string;
  userId: string;
  reason: 'weekend' | 'outside_hours';
  /** The slot's start in the interviewer's zone, e.g. `Sat 5 Dec 08:00 (Europe/Berlin)`. */
  localTime: string;
}

/** Slots on an interviewer's weekend or outside 09:00–18:00 in their own time zone. */
export function findWorkingHoursWarnings(
  proposed: readonly ProposedSlot[],
  timeZoneOf: (userId: string) => string,
): WorkingHoursWarning[] {
  const warnings: WorkingHoursWarning[] = [];
  for (const slot of proposed) {
    for (const userId of slot.interviewerIds) {
      const zone = timeZoneOf(userId);
      const start = slot.startsAt.getTime();
      const day = startOfLocalDay(toLocalMs(start, zone));
      const localTime = () => `${formatLocal(slot.startsAt, zone)} (${zone})`;
      if (isoWeekday(day) > 5) {
        warnings.push({ key: slot.key, userId, reason: 'weekend', localTime: localTime() });
        continue;
      }
      const dayStart = fromLocalMs(day + WORKING_HOURS.startHour * HOUR_MS, zone);
      const dayEnd = fromLocalMs(day + WORKING_HOURS.endHour * HOUR_MS, zone);
      if (start < dayStart || slot.endsAt.getTime() > dayEnd)
        warnings.push({ key: slot.key, userId, reason: 'outside_hours', localTime: localTime() });
    }
  }
  return warnings;
}

/** A range as a person in `zone` reads it: `Mon 29 Mar 2027 09:00–10:00 CEST`. */
export function formatLocalRange(startsAt: Date, endsAt: Date, zone: string): string {
  const start = DateTime.fromJSDate(startsAt, { zone });
  const end = DateTime.fromJSDate(endsAt, { zone });
  const sameDay = start.hasSame(end, 'day');
  return `${start.toFormat('ccc d LLL yyyy HH:mm', { locale: 'en-GB' })}–${end.toFormat(sameDay ? 'HH:mm ZZZZ' : 'ccc d LLL HH:mm ZZZZ', { locale: 'en-GB' })}`;
}

/** A time as a person in `zone` reads it: `Mon 29 Mar 2027 09:00 CEST`. */
export function formatLocal(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL yyyy HH:mm ZZZZ', { locale: 'en-GB' });
}

/** Problems with a slot's own times, before looking at anyone's calendar. */
export function checkSlotTimes(slot: TimeRange, now: Date, decisionDeadline: Date): string | undefined {
  if (slot.startsAt.getTime() < now.getTime()) return 'This start time is in the past: choose a later one.';
  if (slot.endsAt.getTime() > decisionDeadline.getTime()) {
    return 'This slot would end after the decision deadline: choose an earlier time or move the deadline.';
  }
  return undefined;
}
