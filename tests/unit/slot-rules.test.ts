import { describe, expect, it } from 'vitest';
import {
  checkSlotTimes,
  findCandidateOverlaps,
  findInterviewerConflicts,
  findWeeklyOverloads,
  findWorkingHoursWarnings,
  tooClose,
  weekOf,
} from '../../src/domain/slot-rules.js';

const range = (start: string, end: string) => ({ startsAt: new Date(start), endsAt: new Date(end) });
const slot = (key: string, start: string, end: string, interviewerIds: string[]) => ({
  key,
  interviewerIds,
  ...range(start, end),
});

describe('buffer between interviews', () => {
  const first = range('2026-12-03T09:00:00Z', '2026-12-03T10:00:00Z');
  it.each([
    ['overlapping', '2026-12-03T09:30:00Z', true],
    ['back to back', '2026-12-03T10:00:00Z', true],
    ['9 minutes after', '2026-12-03T10:09:00Z', true],
    ['exactly the buffer after', '2026-12-03T10:10:00Z', false],
    ['well after', '2026-12-03T12:00:00Z', false],
  ])('a slot starting %s clashes: %s', (_name, start, clashes) => {
    const second = range(start, new Date(Date.parse(start) + 3600_000).toISOString());
    expect(tooClose(first, second, 10)).toBe(clashes);
    expect(tooClose(second, first, 10)).toBe(clashes);
  });
  it('with no buffer, back to back is fine', () => {
    expect(tooClose(first, range('2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z'), 0)).toBe(false);
  });
});

describe('interviewer conflicts', () => {
  const existing = [
    { slotId: '1', userId: 'UA', panelNumber: 4, ...range('2026-12-03T09:00:00Z', '2026-12-03T10:00:00Z') },
  ];
  it('finds a clash with an existing interview on another panel, for that person only', () => {
    const conflicts = findInterviewerConflicts(
      [slot('0', '2026-12-03T09:30:00Z', '2026-12-03T10:30:00Z', ['UA', 'UB'])],
      existing,
      10,
    );
    expect(conflicts).toEqual([{ key: '0', userId: 'UA', with: existing[0] }]);
  });
  it('finds a clash between two slots of the same form', () => {
    const conflicts = findInterviewerConflicts(
      [
        slot('0', '2026-12-04T09:00:00Z', '2026-12-04T10:00:00Z', ['UB']),
        slot('1', '2026-12-04T10:05:00Z', '2026-12-04T11:00:00Z', ['UB']),
      ],
      [],
      10,
    );
    expect(conflicts.map((c) => [c.key, c.userId, c.with.otherKey])).toEqual([['1', 'UB', '0']]);
  });
});

describe('candidate overlaps', () => {
  it('the candidate may go back to back but not overlap', () => {
    const existing = [range('2026-12-03T09:00:00Z', '2026-12-03T10:00:00Z')];
    expect(
      findCandidateOverlaps([slot('0', '2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z', ['UA'])], existing),
    ).toEqual([]);
    expect(
      findCandidateOverlaps([slot('0', '2026-12-03T09:59:00Z', '2026-12-03T11:00:00Z', ['UA'])], existing),
    ).toHaveLength(1);
  });
});

describe('weekly load', () => {
  it('weeks start on Monday in the interviewer’s own zone', () => {
    // Sunday 23:30 UTC is already Monday in Berlin.
    expect(weekOf(new Date('2026-12-06T23:30:00Z'), 'UTC')).toBe('2026-11-30');
    expect(weekOf(new Date('2026-12-06T23:30:00Z'), 'Europe/Berlin')).toBe('2026-12-07');
  });
  it('counts existing and proposed interviews and reports how far over', () => {
    const existing = ['07', '08', '09', '10'].map((d) => ({
      userId: 'UA',
      startsAt: new Date(`2026-12-${d}T09:00:00Z`),
    }));
    const proposed = [
      slot('0', '2026-12-11T09:00:00Z', '2026-12-11T10:00:00Z', ['UA']),
      slot('1', '2026-12-11T14:00:00Z', '2026-12-11T15:00:00Z', ['UA']),
    ];
    expect(findWeeklyOverloads(proposed, existing, 5, () => 'UTC')).toEqual([
      { key: '0', userId: 'UA', week: '2026-12-07', total: 6, limit: 5, over: 1 },
    ]);
    expect(findWeeklyOverloads(proposed.slice(0, 1), existing, 5, () => 'UTC')).toEqual([]);
  });
});

describe('working hours', () => {
  it('warns outside 09:00–18:00 and at weekends in the interviewer’s zone', () => {
    const warnings = findWorkingHoursWarnings(
      [
        slot('0', '2026-12-03T08:00:00Z', '2026-12-03T09:00:00Z', ['UBERLIN', 'UNY']), // 09:00 Berlin, 03:00 New York
        slot('1', '2026-12-05T12:00:00Z', '2026-12-05T13:00:00Z', ['UBERLIN']), // Saturday
        slot('2', '2026-12-03T16:30:00Z', '2026-12-03T17:30:00Z', ['UBERLIN']), // ends 18:30 Berlin
      ],
      (id) => (id === 'UNY' ? 'America/New_York' : 'Europe/Berlin'),
    );
    expect(warnings.map((w) => [w.key, w.userId, w.reason])).toEqual([
      ['0', 'UNY', 'outside_hours'],
      ['1', 'UBERLIN', 'weekend'],
      ['2', 'UBERLIN', 'outside_hours'],
    ]);
  });
});

describe('slot times', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const deadline = new Date('2026-12-08T10:00:00Z');
  it('refuses the past and anything ending after the deadline', () => {
    expect(checkSlotTimes(range('2026-12-01T09:59:00Z', '2026-12-01T11:00:00Z'), now, deadline)).toMatch(
      /past/,
    );
    expect(checkSlotTimes(range('2026-12-08T09:30:00Z', '2026-12-08T10:30:00Z'), now, deadline)).toMatch(
      /deadline/,
    );
    expect(
      checkSlotTimes(range('2026-12-08T09:00:00Z', '2026-12-08T10:00:00Z'), now, deadline),
    ).toBeUndefined();
  });
});
