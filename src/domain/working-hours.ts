import { DateTime } from 'luxon';
import { WORKING_HOURS } from './slot-rules.js';

/**
 * Remembers the answers of a pure function of a few strings. Every change to a panel re-plans its
 * nudges from mostly the same instants (slot ends, the deadline, the promised date), and each
 * answer in a named time zone costs luxon several `Intl` offset look-ups; remembered, the plan
 * costs a fraction. Bounded: it starts afresh once it holds `limit` answers.
 */
function remembered<A extends string[], R>(compute: (...args: A) => R, limit = 10_000): (...args: A) => R {
  const answers = new Map<string, R>();
  return (...args: A) => {
    const key = args.join('|');
    const known = answers.get(key);
    if (known !== undefined) return known;
    if (answers.size >= limit) answers.clear();
    const answer = compute(...args);
    answers.set(key, answer);
    return answer;
  };
}

const nextWorkingMs = remembered((atMs: string, timeZone: string) =>
  computeNextWorkingMoment(new Date(Number(atMs)), timeZone).getTime(),
);

/**
 * The first moment at or after `at` inside someone's working hours (09:00–18:00, Monday to Friday,
 * in their own time zone).
 */
export function nextWorkingMoment(at: Date, timeZone: string): Date {
  return new Date(nextWorkingMs(String(at.getTime()), timeZone));
}

function computeNextWorkingMoment(at: Date, timeZone: string): Date {
  let local = DateTime.fromJSDate(at, { zone: timeZone });
  for (let i = 0; i < 8; i++) {
    const start = local.set({ hour: WORKING_HOURS.startHour, minute: 0, second: 0, millisecond: 0 });
    const end = local.set({ hour: WORKING_HOURS.endHour, minute: 0, second: 0, millisecond: 0 });
    if (local.weekday <= 5 && local < end) return DateTime.max(local, start).toJSDate();
    local = start.plus({ days: 1 });
  }
  return at;
}

/** 09:00 on the next working day after `at`, in `timeZone`. */
export function nextMorning(at: Date, timeZone: string): Date {
  const tomorrow = DateTime.fromJSDate(at, { zone: timeZone }).plus({ days: 1 }).startOf('day');
  return nextWorkingMoment(tomorrow.toJSDate(), timeZone);
}

const localTimeMs = remembered((date: string, time: string, timeZone: string) =>
  DateTime.fromISO(`${date}T${time}`, { zone: timeZone }).toMillis(),
);

/** `HH:mm` on a calendar date in a zone, as an instant. */
export function localTime(date: string, time: string, timeZone: string): Date {
  return new Date(localTimeMs(date, time, timeZone));
}

/** The working day before a calendar date (Friday before a Monday). */
export const previousWorkingDay = remembered((date: string): string => {
  let day = DateTime.fromISO(date, { zone: 'UTC' }).minus({ days: 1 });
  while (day.weekday > 5) day = day.minus({ days: 1 });
  return day.toISODate() ?? date;
});

/** Working days (Mon–Fri) after `fromDate` up to and including `toDate`, as YYYY-MM-DD. */
export function workingDaysBetween(fromDate: string, toDate: string): string[] {
  const days: string[] = [];
  let day = DateTime.fromISO(fromDate, { zone: 'UTC' }).plus({ days: 1 });
  const last = DateTime.fromISO(toDate, { zone: 'UTC' });
  while (day <= last && days.length < 60) {
    if (day.weekday <= 5) days.push(day.toISODate() ?? '');
    day = day.plus({ days: 1 });
  }
  return days;
}
