import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { weekOf } from '../../src/domain/slot-rules.js';
import {
  localTime,
  nextMorning,
  nextWorkingMoment,
  previousWorkingDay,
  workingDaysBetween,
} from '../../src/domain/working-hours.js';
import { fromLocalMs, localDate } from '../../src/domain/zoned-time.js';

// The fast zone arithmetic must give Luxon's answers. The reference implementations below are the
// Luxon versions the app used before (src/domain/working-hours.ts at the time), kept as the oracle.
const reference = {
  nextWorkingMoment(at: Date, zone: string): Date {
    let local = DateTime.fromJSDate(at, { zone });
    for (let i = 0; i < 8; i++) {
      const start = local.set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
      const end = local.set({ hour: 18, minute: 0, second: 0, millisecond: 0 });
      if (local.weekday <= 5 && local < end) return DateTime.max(local, start).toJSDate();
      local = start.plus({ days: 1 });
    }
    return at;
  },
  nextMorning(at: Date, zone: string): Date {
    const tomorrow = DateTime.fromJSDate(at, { zone }).plus({ days: 1 }).startOf('day');
    return reference.nextWorkingMoment(tomorrow.toJSDate(), zone);
  },
  localTime: (date: string, time: string, zone: string) =>
    DateTime.fromISO(`${date}T${time}`, { zone }).toJSDate(),
  weekOf: (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).startOf('week').toISODate(),
  localDate: (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISODate(),
};

// Zones with whole-hour, half-hour and 45-minute offsets, both hemispheres' daylight saving, a
// 30-minute DST shift (Lord Howe), a midnight transition (Santiago) and none at all.
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'America/St_Johns',
  'America/Santiago',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Kiritimati',
];

/** A deterministic spread of instants over 2026–2028, plus every quarter hour around DST changes. */
function instants(): Date[] {
  const out: Date[] = [];
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const from = Date.parse('2026-01-01T00:00:00Z');
  const to = Date.parse('2029-01-01T00:00:00Z');
  for (let i = 0; i < 400; i++) out.push(new Date(from + Math.floor(random() * (to - from))));
  for (const around of [
    '2027-03-28T01:00:00Z',
    '2027-10-31T01:00:00Z',
    '2027-03-14T07:00:00Z',
    '2027-04-04T15:00:00Z',
  ]) {
    for (let q = -16; q <= 16; q++) out.push(new Date(Date.parse(around) + q * 15 * 60_000));
  }
  return out;
}

describe('zone arithmetic agrees with Luxon', () => {
  const ats = instants();

  it.each(ZONES)('nextWorkingMoment and nextMorning in %s', (zone) => {
    for (const at of ats) {
      expect(nextWorkingMoment(at, zone).toISOString(), `${at.toISOString()} ${zone}`).toBe(
        reference.nextWorkingMoment(at, zone).toISOString(),
      );
      expect(nextMorning(at, zone).toISOString(), `${at.toISOString()} ${zone}`).toBe(
        reference.nextMorning(at, zone).toISOString(),
      );
    }
  });

  it.each(ZONES)('weeks and local dates in %s', (zone) => {
    for (const at of ats) {
      expect(weekOf(at, zone), `${at.toISOString()} ${zone}`).toBe(reference.weekOf(at, zone));
      expect(localDate(at, zone), `${at.toISOString()} ${zone}`).toBe(reference.localDate(at, zone));
    }
  });

  it.each(ZONES)('wall-clock times to instants in %s, the skipped hour included', (zone) => {
    for (const date of ['2027-03-28', '2027-03-14', '2027-10-31', '2027-04-04', '2027-09-26', '2026-12-24']) {
      for (const time of [
        '00:00',
        '00:30',
        '01:30',
        '02:00',
        '02:30',
        '03:00',
        '09:00',
        '09:30',
        '18:00',
        '23:45',
      ]) {
        const ours = localTime(date, time, zone);
        const luxon = reference.localTime(date, time, zone);
        if (ours.getTime() === luxon.getTime()) continue;
        // Only in the hour the clocks repeat may we differ: Luxon's pick there depends on today's
        // date; ours is always the first of the two instants showing that time.
        const shows = (at: Date) => DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm');
        expect(shows(ours), `${date} ${time} ${zone}`).toBe(`${date} ${time}`);
        expect(shows(luxon), `${date} ${time} ${zone}`).toBe(`${date} ${time}`);
        expect(ours.getTime(), `${date} ${time} ${zone}`).toBeLessThan(luxon.getTime());
      }
    }
  });

  it('calendar-day helpers', () => {
    expect(previousWorkingDay('2026-12-07')).toBe('2026-12-04');
    expect(previousWorkingDay('2026-12-09')).toBe('2026-12-08');
    expect(workingDaysBetween('2026-12-04', '2026-12-09')).toEqual([
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
    ]);
    const berlin = (wall: string) =>
      new Date(fromLocalMs(Date.parse(`${wall}Z`), 'Europe/Berlin')).toISOString();
    // Skipped on the spring-forward night: read with winter time, so it is 03:30 summer time.
    expect(berlin('2027-03-28T02:30:00')).toBe('2027-03-28T01:30:00.000Z');
    // Shown twice on the fall-back night: the first time (still summer time).
    expect(berlin('2027-10-31T02:30:00')).toBe('2027-10-31T00:30:00.000Z');
  });
});
