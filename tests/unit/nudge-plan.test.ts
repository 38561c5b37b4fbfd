import { describe, expect, it } from 'vitest';
import { nextClaimPlace } from '../../src/db/nudges.js';
import {
  diffNudges,
  heldUntil,
  type PlanInput,
  type PlannedNudge,
  planNudges,
  type StoredNudge,
} from '../../src/domain/nudge-plan.js';
import { DEFAULT_NUDGE_SETTINGS } from '../../src/domain/nudge-settings.js';
import { nextMorning, nextWorkingMoment, previousWorkingDay } from '../../src/domain/working-hours.js';

const base = (overrides: Partial<PlanInput> = {}): PlanInput => ({
  panel: {
    id: '1',
    state: 'open',
    channelId: 'CHIRING',
    decisionDeadline: new Date('2026-12-08T10:00:00Z'),
    answerPromisedOn: '2026-12-10',
    candidateUpdatedAt: null,
    createdAt: new Date('2026-12-01T10:00:00Z'),
  },
  recruiters: ['UREC'],
  hiringManagers: ['UHM'],
  decisionMakers: ['UDM'],
  timeZoneOf: () => 'UTC',
  slots: [
    {
      id: 's1',
      startsAt: new Date('2026-12-03T14:00:00Z'),
      endsAt: new Date('2026-12-03T15:00:00Z'),
      interviewerIds: ['UA'],
    },
  ],
  submitted: new Set(),
  allSubmittedAt: null,
  settings: DEFAULT_NUDGE_SETTINGS,
  now: new Date('2026-12-01T10:00:00Z'),
  ...overrides,
});

const summary = (input: PlanInput) =>
  planNudges(input).map((n) => `${n.kind}:${n.recipient}:${n.occurrence}:${n.deliverAt.toISOString()}`);

describe('planNudges', () => {
  it('plans every kind for an open panel with one slot', () => {
    expect(summary(base())).toEqual([
      'briefing:UA:2026-12-03T14:00:00.000Z:2026-12-02T14:00:00.000Z',
      'feedback_due:UA:2026-12-03T15:00:00.000Z:2026-12-03T15:00:00.000Z',
      'feedback_reminder:UA:2026-12-03T15:00:00.000Z:2026-12-04T15:00:00.000Z',
      'feedback_escalation:UREC:2026-12-03T15:00:00.000Z:2026-12-07T09:00:00.000Z', // Saturday → Monday morning
      'feedback_escalation:UHM:2026-12-03T15:00:00.000Z:2026-12-07T09:00:00.000Z',
      'decision_countdown:UDM:48h:2026-12-07T09:00:00.000Z', // Sunday 10:00 → Monday
      'decision_countdown:UDM:24h:2026-12-07T10:00:00.000Z',
      'decision_countdown:UDM:due:2026-12-08T10:00:00.000Z',
      'candidate_update:UREC:day-before:2026-12-09T09:00:00.000Z',
      'candidate_update:UREC:day-of:2026-12-10T09:00:00.000Z',
      'channel_digest:CHIRING:2026-12-02:2026-12-02T09:30:00.000Z',
      'channel_digest:CHIRING:2026-12-03:2026-12-03T09:30:00.000Z',
    ]);
  });

  it('sends a countdown outside working hours rather than after the deadline it warns of', () => {
    // Deadline Monday 08:00: the 48-hour warning (Saturday 08:00) and the 24-hour one (Sunday
    // 08:00) would wait for Monday 09:00, after the deadline; they go at their own moments.
    const input = base({ panel: { ...base().panel, decisionDeadline: new Date('2026-12-07T08:00:00Z') } });
    const countdown = summary(input).filter((n) => n.startsWith('decision_countdown'));
    expect(countdown).toEqual([
      'decision_countdown:UDM:48h:2026-12-05T08:00:00.000Z',
      'decision_countdown:UDM:24h:2026-12-06T08:00:00.000Z',
      'decision_countdown:UDM:due:2026-12-07T08:00:00.000Z',
    ]);
  });

  it('keeps the channel digest going while an open panel is overdue', () => {
    const overdue = base({ now: new Date('2026-12-09T08:00:00Z') }); // Wednesday, deadline was Tuesday
    expect(summary(overdue).filter((n) => n.startsWith('channel_digest'))).toEqual([
      'channel_digest:CHIRING:2026-12-09:2026-12-09T09:30:00.000Z',
      'channel_digest:CHIRING:2026-12-10:2026-12-10T09:30:00.000Z',
    ]);
  });

  it('plans nothing for a decided or cancelled panel', () => {
    expect(planNudges(base({ panel: { ...base().panel, state: 'decided' } }))).toEqual([]);
    expect(planNudges(base({ panel: { ...base().panel, state: 'cancelled' } }))).toEqual([]);
  });

  it('drops feedback nudges once submitted, and adds the debrief once all is in', () => {
    const done = base({ submitted: new Set(['s1|UA']), allSubmittedAt: new Date('2026-12-03T16:00:00Z') });
    const kinds = planNudges(done).map((n) => n.kind);
    expect(kinds).not.toContain('feedback_due');
    expect(kinds).not.toContain('feedback_escalation');
    expect(kinds).toContain('debrief_ready');
  });

  it('honours switches and offsets', () => {
    const settings = {
      ...DEFAULT_NUDGE_SETTINGS,
      enabled: { ...DEFAULT_NUDGE_SETTINGS.enabled, channel_digest: false },
      briefingHoursBefore: 2,
    };
    const plan = planNudges(base({ settings }));
    expect(plan.some((n) => n.kind === 'channel_digest')).toBe(false);
    expect(plan.find((n) => n.kind === 'briefing')?.dueAt.toISOString()).toBe('2026-12-03T12:00:00.000Z');
  });

  it('skips countdowns that were already past when the panel was opened', () => {
    const late = base({
      panel: { ...base().panel, createdAt: new Date('2026-12-07T12:00:00Z') },
      now: new Date('2026-12-07T12:00:00Z'),
    });
    expect(
      planNudges(late)
        .filter((n) => n.kind === 'decision_countdown')
        .map((n) => n.occurrence),
    ).toEqual(['due']);
  });
});

describe('diffNudges', () => {
  it('leaves a due briefing where it is when a re-plan puts its past moment at a later now', () => {
    // Booked at 10:00 for 14:00: the briefing's moment (24 h before) had passed, so it was due at
    // once; a second later another change re-plans the panel.
    const first = planNudges(base({ now: new Date('2026-12-03T10:00:00Z') }));
    const briefing = first.find((n) => n.kind === 'briefing');
    if (briefing === undefined) throw new Error('no briefing planned');
    expect(briefing.deliverAt.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    const stored: StoredNudge = {
      id: '7',
      ...briefing,
      state: 'pending',
      due_at: briefing.dueAt,
      deliver_at: briefing.deliverAt,
      snoozed_until: null,
    };
    const later = new Date('2026-12-03T10:00:20Z');
    const replan = planNudges(base({ now: later }));
    expect(replan.find((n) => n.kind === 'briefing')?.deliverAt.toISOString()).toBe(
      '2026-12-03T10:00:20.000Z',
    );
    expect(diffNudges([stored], replan, later).move).toEqual([]);
    // A real move (the workspace now briefs 2 hours before) still moves it.
    const moved = planNudges(
      base({ now: later, settings: { ...DEFAULT_NUDGE_SETTINGS, briefingHoursBefore: 2 } }),
    );
    expect(diffNudges([stored], moved, later).move.map((m) => m.deliverAt.toISOString())).toEqual([
      '2026-12-03T12:00:00.000Z',
    ]);
  });
});

describe('working hours', () => {
  it('moves a moment outside 09:00–18:00 Mon–Fri to the next window in the person’s zone', () => {
    expect(nextWorkingMoment(new Date('2026-12-04T17:59:00Z'), 'UTC').toISOString()).toBe(
      '2026-12-04T17:59:00.000Z',
    );
    expect(nextWorkingMoment(new Date('2026-12-04T18:00:00Z'), 'UTC').toISOString()).toBe(
      '2026-12-07T09:00:00.000Z',
    );
    // 02:00 UTC is 18:00 on Tuesday in Los Angeles: closed, so 09:00 there on Wednesday.
    expect(nextWorkingMoment(new Date('2026-12-02T02:00:00Z'), 'America/Los_Angeles').toISOString()).toBe(
      '2026-12-02T17:00:00.000Z',
    );
  });
  it('knows tomorrow morning and the working day before a date', () => {
    expect(nextMorning(new Date('2026-12-04T10:00:00Z'), 'Europe/Berlin').toISOString()).toBe(
      '2026-12-07T08:00:00.000Z',
    );
    expect(previousWorkingDay('2026-12-07')).toBe('2026-12-04');
  });
});

describe('a DM found due late', () => {
  const at = (iso: string) => new Date(iso);
  const nudge = (workingHours: PlannedNudge['workingHours']): PlannedNudge => ({
    kind: 'feedback_due',
    subject: '1',
    recipient: 'UA',
    occurrence: 'x',
    dueAt: at('2026-12-02T17:00:00Z'),
    deliverAt: at('2026-12-02T17:00:00Z'),
    workingHours,
  });

  it('waits for the next working moment when kept to working hours, else goes now', () => {
    const late = at('2026-12-02T22:30:00Z'); // a Wednesday evening in London
    expect(heldUntil(nudge({ zone: 'Europe/London', until: null }), late)?.toISOString()).toBe(
      '2026-12-03T09:00:00.000Z',
    );
    // Friday evening waits for Monday.
    expect(
      heldUntil(nudge({ zone: 'Europe/London', until: null }), at('2026-12-04T19:00:00Z'))?.toISOString(),
    ).toBe('2026-12-07T09:00:00.000Z');
    // Inside working hours, or not kept to them (deadline-day nudges, channel posts): now.
    expect(
      heldUntil(nudge({ zone: 'Europe/London', until: null }), at('2026-12-02T17:30:00Z')),
    ).toBeUndefined();
    expect(heldUntil(nudge(null), late)).toBeUndefined();
    // Not held past the moment it is for (the interview, the decision deadline).
    expect(
      heldUntil(nudge({ zone: 'Europe/London', until: at('2026-12-03T08:00:00Z') }), late),
    ).toBeUndefined();
  });

  it('is planned kept to working hours except for the deadline-day nudges and channel posts', () => {
    const plan = planNudges(base());
    const keptTo = (kind: string, occurrence?: string) =>
      plan.find((n) => n.kind === kind && (occurrence === undefined || n.occurrence === occurrence))
        ?.workingHours;
    expect(keptTo('decision_countdown', 'due')).toBeNull();
    expect(keptTo('channel_digest')).toBeNull();
    expect(keptTo('candidate_update', 'day-of')).toBeNull();
    expect(keptTo('feedback_reminder')).toMatchObject({ until: null });
    expect(keptTo('decision_countdown', '24h')).toMatchObject({ until: base().panel.decisionDeadline });
  });
});

describe('where a worker process’s next delivery takes other people from', () => {
  const at = (hhmm: string, id: string) => ({ deliverAt: new Date(`2026-12-01T${hhmm}:00Z`), id });
  const p940 = at('09:40', '5');
  const p920 = at('09:20', '3');
  const p950 = at('09:50', '6');

  it('goes on below where its delivery stopped, and back to the top when nothing was left', () => {
    expect(nextClaimPlace(undefined, undefined, p940)).toBe(p940);
    expect(nextClaimPlace(p940, p940, p920)).toBe(p920);
    expect(nextClaimPlace(p920, p920, null)).toBeUndefined();
  });

  it('follows a delivery that wrapped to the top, when nobody moved the place meanwhile', () => {
    expect(nextClaimPlace(p920, p920, p950)).toBe(p950);
  });

  it('keeps whichever is further down when another delivery moved the place meanwhile', () => {
    // Started at 09:40; another delivery moved it to 09:20 meanwhile.
    expect(nextClaimPlace(p920, p940, p950)).toBe(p920);
    expect(nextClaimPlace(p940, undefined, p920)).toBe(p920);
    expect(nextClaimPlace(p920, p940, null)).toBe(p920);
    // Another delivery found nothing left and sent the place to the top: this one's stands.
    expect(nextClaimPlace(undefined, p940, p920)).toBe(p920);
    // Same moment, lower id is further down.
    expect(nextClaimPlace(at('09:40', '9'), p950, at('09:40', '4'))).toEqual(at('09:40', '4'));
  });
});
