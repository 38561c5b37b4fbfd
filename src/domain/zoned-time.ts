/**
 * Fast wall-clock arithmetic in IANA time zones, for the rules that run on every change and every
 * nudge (working hours, weeks, local dates). Luxon gets the same answers but builds a DateTime,
 * with an Intl call, for each step: planning one panel's nudges took about 1.5 ms that way. Here
 * a zone's UTC offset is read from Intl once per quarter hour of time and remembered, and the rest
 * is integer arithmetic on "local milliseconds" (the wall-clock time written as if it were UTC).
 * Formatting for people stays with Luxon (src/slack/mrkdwn.ts, formatLocal in slot-rules.ts).
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Offsets only change at transitions, which fall on quarter hours in every zone there is. */
const BUCKET = 15 * MINUTE;
const MAX_CACHED_OFFSETS = 50_000;

const formatters = new Map<string, Intl.DateTimeFormat | null>();
const offsets = new Map<string, number>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      // Not a zone Intl knows: treat it as UTC, as the rest of the app does for unknown zones.
      formatter = null;
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}

function readOffset(zone: string, atMs: number): number {
  const formatter = formatterFor(zone);
  if (formatter === null) return 0;
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(atMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const local = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return local - (atMs - (((atMs % 1000) + 1000) % 1000));
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(zone: string, atMs: number): number {
  if (zone === 'UTC') return 0;
  const key = `${zone}|${Math.floor(atMs / BUCKET)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = readOffset(zone, atMs);
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** Wall-clock time in `zone` at an instant, as local ms (read it with the getUTC… methods). */
export function toLocalMs(atMs: number, zone: string): number {
  return atMs + offsetAt(zone, atMs);
}

/**
 * The instant a wall-clock time in `zone` names. A time the clock shows twice (the hour repeated
 * when clocks go back) is its first occurrence; a time it skips is read with the offset from
 * before the change, so 02:30 on a spring-forward night is 03:30 (as Luxon reads it).
 */
export function fromLocalMs(localMs: number, zone: string): number {
  const before = offsetAt(zone, localMs - DAY);
  const after = offsetAt(zone, localMs + DAY);
  const early = localMs - Math.max(before, after);
  const late = localMs - Math.min(before, after);
  if (toLocalMs(early, zone) === localMs) return early;
  if (toLocalMs(late, zone) === localMs) return late;
  return late;
}

/** Midnight (local ms) of the local day that `localMs` falls in. */
export function startOfLocalDay(localMs: number): number {
  return Math.floor(localMs / DAY) * DAY;
}

/** ISO weekday of a local time: 1 = Monday … 7 = Sunday. */
export function isoWeekday(localMs: number): number {
  const day = new Date(localMs).getUTCDay();
  return day === 0 ? 7 : day;
}

/** A local time's calendar date, YYYY-MM-DD. */
export function isoDateOf(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 10);
}

/** The calendar date an instant falls on in `zone`, YYYY-MM-DD. */
export function localDate(at: Date, zone: string): string {
  return isoDateOf(toLocalMs(at.getTime(), zone));
}

/** Local ms of midnight starting a YYYY-MM-DD date. */
export function dateToLocalMs(isoDate: string): number {
  return Date.parse(`${isoDate}T00:00:00Z`);
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(isoDate: string, days: number): string {
  return isoDateOf(dateToLocalMs(isoDate) + days * DAY);
}

export const LOCAL_DAY_MS = DAY;
