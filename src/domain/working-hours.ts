import { WORKING_HOURS } from './slot-rules.js';
import {
  addDays,
  dateToLocalMs,
  fromLocalMs,
  isoDateOf,
  isoWeekday,
  LOCAL_DAY_MS,
  startOfLocalDay,
  toLocalMs,
} from './zoned-time.js';

const HOUR = 3600_000;

/**
 * The first moment at or after `at` inside someone's working hours (09:00–18:00, Monday to Friday,
 * in their own time zone).
 */
export function nextWorkingMoment(at: Date, timeZone: string): Date {
  let instant = at.getTime();
  for (let i = 0; i < 8; i++) {
    const day = startOfLocalDay(toLocalMs(instant, timeZone));
    const start = fromLocalMs(day + WORKING_HOURS.startHour * HOUR, timeZone);
    const end = fromLocalMs(day + WORKING_HOURS.endHour * HOUR, timeZone);
    if (isoWeekday(day) <= 5 && instant < end) return new Date(Math.max(instant, start));
    instant = fromLocalMs(day + LOCAL_DAY_MS + WORKING_HOURS.startHour * HOUR, timeZone);
  }
  return at;
}

/** 09:00 on the next working day after `at`, in `timeZone`. */
export function nextMorning(at: Date, timeZone: string): Date {
  const tomorrow = startOfLocalDay(toLocalMs(at.getTime(), timeZone)) + LOCAL_DAY_MS;
  return nextWorkingMoment(new Date(fromLocalMs(tomorrow, timeZone)), timeZone);
}

/** `HH:mm` on a calendar date in a zone, as an instant. */
export function localTime(date: string, time: string, timeZone: string): Date {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return new Date(fromLocalMs(dateToLocalMs(date) + hours * HOUR + minutes * 60_000, timeZone));
}

/** The working day before a calendar date (Friday before a Monday). */
export function previousWorkingDay(date: string): string {
  let day = addDays(date, -1);
  while (isoWeekday(dateToLocalMs(day)) > 5) day = addDays(day, -1);
  return day;
}

/** Working days (Mon–Fri) after `fromDate` up to and including `toDate`, as YYYY-MM-DD. */
export function workingDaysBetween(fromDate: string, toDate: string): string[] {
  const days: string[] = [];
  const last = dateToLocalMs(toDate);
  for (
    let day = dateToLocalMs(fromDate) + LOCAL_DAY_MS;
    day <= last && days.length < 60;
    day += LOCAL_DAY_MS
  ) {
    if (isoWeekday(day) <= 5) days.push(isoDateOf(day));
  }
  return days;
}
