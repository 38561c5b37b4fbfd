import { describe, expect, it } from 'vitest';
import type { SlotWithPeople } from '../../src/db/slots.js';
import { noticesForChange, type ScheduleNotice, stillCurrent } from '../../src/services/schedule-effects.js';

function slot(id: string, startIso: string, people: string[], declined: string[] = []): SlotWithPeople {
  const starts = new Date(startIso);
  return {
    slot: {
      id,
      team_id: 'T1',
      panel_id: '1',
      stage_id: '1',
      starts_at: starts,
      ends_at: new Date(starts.getTime() + 3_600_000),
      location: null,
      note: null,
      state: 'booked',
      created_by: 'UREC',
      created_at: starts,
      updated_at: starts,
    },
    stageKind: 'peer',
    interviewers: [
      ...people.map((userId) => ({ userId, declinedAt: null })),
      ...declined.map((userId) => ({ userId, declinedAt: starts })),
    ],
  };
}

const NINE = '2026-12-07T09:00:00Z';
const ONE = '2026-12-07T13:00:00Z';
const FOUR = '2026-12-07T16:00:00Z';

describe('which schedule notices still hold when their job runs', () => {
  it('keeps every notice when nothing changed since', () => {
    const booked: ScheduleNotice = { kind: 'booked', slot: slot('1', NINE, ['UA']), userIds: ['UA'] };
    expect(stillCurrent([booked], [slot('1', NINE, ['UA'])])).toEqual([booked]);
  });

  it('drops a booking whose slot was cancelled since, and tells a booking at the slot’s current time', () => {
    const booked: ScheduleNotice = {
      kind: 'booked',
      slot: slot('1', NINE, ['UA', 'UB']),
      userIds: ['UA', 'UB'],
    };
    expect(stillCurrent([booked], [])).toEqual([]);
    const [told] = stillCurrent([booked], [slot('1', ONE, ['UA'])]);
    expect(told?.userIds).toEqual(['UA']);
    expect(told?.kind === 'booked' && told.slot.slot.starts_at.toISOString()).toBe(
      '2026-12-07T13:00:00.000Z',
    );
  });

  it('drops a move a later move overtook, and skips whoever declined', () => {
    const change = {
      before: slot('1', NINE, ['UA', 'UB']),
      after: slot('1', ONE, ['UA', 'UB']),
      added: [],
      removed: [],
      kept: ['UA', 'UB'],
    };
    expect(stillCurrent(noticesForChange(change), [slot('1', FOUR, ['UA', 'UB'])])).toEqual([]);
    const now = stillCurrent(noticesForChange(change), [slot('1', ONE, ['UA'], ['UB'])]);
    expect(now.map((n) => [n.kind, n.userIds])).toEqual([['moved', ['UA']]]);
  });

  it('drops a removal when the person is back on the slot, keeps it otherwise', () => {
    const removed: ScheduleNotice = {
      kind: 'removed',
      slot: slot('1', NINE, ['UA', 'UB']),
      userIds: ['UA', 'UB'],
      reason: 'removed',
    };
    expect(stillCurrent([removed], [slot('1', NINE, ['UA'])]).map((n) => n.userIds)).toEqual([['UB']]);
    expect(stillCurrent([{ ...removed, reason: 'cancelled' }], []).map((n) => n.userIds)).toEqual([
      ['UA', 'UB'],
    ]);
  });
});
