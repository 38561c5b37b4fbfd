import type { NudgeKind, NudgeState, PanelState } from '../db/database.js';
import type { NudgeSettings } from './nudge-settings.js';
import { localTime, nextWorkingMoment, previousWorkingDay, workingDaysBetween } from './working-hours.js';
import { addDays, dateToLocalMs, isoWeekday, localDate } from './zoned-time.js';

/** What the planner needs to know about a panel; all of it read in one transaction. */
export interface PlanInput {
  panel: {
    id: string;
    state: PanelState;
    channelId: string;
    decisionDeadline: Date;
    answerPromisedOn: string;
    candidateUpdatedAt: Date | null;
    createdAt: Date;
    /** Its hiring channel's digest zone, if the channel chose one (else the workspace's). */
    digestTimeZone?: string | null;
  };
  /** Members by role, with each person's time zone. */
  recruiters: string[];
  hiringManagers: string[];
  decisionMakers: string[];
  timeZoneOf: (userId: string) => string;
  slots: { id: string; startsAt: Date; endsAt: Date; interviewerIds: string[] }[];
  /** `<slot id>|<user id>` of every submitted feedback. */
  submitted: ReadonlySet<string>;
  /** When the last feedback came in, if all has. */
  allSubmittedAt: Date | null;
  settings: NudgeSettings;
  now: Date;
}

/** A nudge as the plan wants it; its identity is (kind, subject, recipient, occurrence). */
export interface PlannedNudge {
  kind: NudgeKind;
  subject: string;
  recipient: string;
  occurrence: string;
  dueAt: Date;
  deliverAt: Date;
  /**
   * A DM kept to its recipient's working hours (`zone`); `until`, if set, is the moment after which
   * holding it is of no use (the interview, the decision deadline). Null for what goes at its
   * moment whatever the hour (deadline-day nudges, channel posts).
   */
  workingHours: { zone: string; until: Date | null } | null;
}

const HOUR = 3600_000;

/**
 * When a DM the plan still wants, found due at `now`, is to go instead of now: its recipient's next
 * working moment, when it is kept to working hours and `now` is outside them (its delivery came
 * late: a worker or Redis outage, retries) and that moment is still of use. Undefined: send now.
 */
export function heldUntil(planned: PlannedNudge, now: Date): Date | undefined {
  const hours = planned.workingHours;
  if (hours === null) return undefined;
  const next = nextWorkingMoment(now, hours.zone);
  if (next.getTime() <= now.getTime() + 1_000) return undefined;
  if (hours.until !== null && next >= hours.until) return undefined;
  return next;
}

export function nudgeIdentity(
  n: Pick<PlannedNudge, 'kind' | 'subject' | 'recipient' | 'occurrence'>,
): string {
  return `${n.kind}|${n.subject}|${n.recipient}|${n.occurrence}`;
}

/**
 * Every nudge a panel should have, given its state now: the pure heart of "nudges stop or move
 * when their reason changes". Rows the plan no longer contains are cancelled; new ones are
 * created; a DM waits for the recipient's working hours, except the deadline-day ones.
 */
export function planNudges(input: PlanInput): PlannedNudge[] {
  const { panel, settings, now, timeZoneOf } = input;
  if (panel.state !== 'open') return [];
  const plan: PlannedNudge[] = [];
  const on = (kind: NudgeKind) => settings.enabled[kind];
  const dm = (
    kind: NudgeKind,
    subject: string,
    recipient: string,
    occurrence: string,
    dueAt: Date,
    urgent = false,
    until: Date | null = null,
  ) => {
    const zone = timeZoneOf(recipient);
    const deliverAt = urgent ? dueAt : nextWorkingMoment(dueAt, zone);
    const workingHours = urgent ? null : { zone, until };
    plan.push({ kind, subject, recipient, occurrence, dueAt, deliverAt, workingHours });
  };
  const coordinators = [...new Set([...input.recruiters, ...input.hiringManagers])];

  for (const slot of input.slots) {
    const slotKey = slot.startsAt.toISOString();
    const endKey = slot.endsAt.toISOString();
    const missing = slot.interviewerIds.filter((id) => !input.submitted.has(`${slot.id}|${id}`));
    for (const interviewer of slot.interviewerIds) {
      if (on('briefing') && slot.startsAt > now) {
        const wanted = new Date(slot.startsAt.getTime() - settings.briefingHoursBefore * HOUR);
        const dueAt = wanted < now ? now : wanted;
        const zone = timeZoneOf(interviewer);
        const deliverAt = nextWorkingMoment(dueAt, zone);
        // A briefing that working hours would push past the interview goes out at once.
        const tooLate = deliverAt >= slot.startsAt;
        plan.push({
          kind: 'briefing',
          subject: slot.id,
          recipient: interviewer,
          occurrence: slotKey,
          dueAt,
          deliverAt: tooLate ? dueAt : deliverAt,
          workingHours: tooLate ? null : { zone, until: slot.startsAt },
        });
      }
    }
    for (const interviewer of missing) {
      if (on('feedback_due')) dm('feedback_due', slot.id, interviewer, endKey, slot.endsAt);
      if (on('feedback_reminder')) {
        dm(
          'feedback_reminder',
          slot.id,
          interviewer,
          endKey,
          new Date(slot.endsAt.getTime() + settings.reminderHoursAfter * HOUR),
        );
      }
    }
    if (on('feedback_escalation') && missing.length > 0) {
      for (const coordinator of coordinators) {
        dm(
          'feedback_escalation',
          slot.id,
          coordinator,
          endKey,
          new Date(slot.endsAt.getTime() + settings.escalationHoursAfter * HOUR),
        );
      }
    }
  }

  if (on('decision_countdown')) {
    for (const decider of input.decisionMakers) {
      const zone = timeZoneOf(decider);
      const [early, late] = settings.countdownHoursBefore;
      for (const hours of [early, late]) {
        const dueAt = new Date(panel.decisionDeadline.getTime() - hours * HOUR);
        // Not for a panel opened after that moment had already passed.
        if (dueAt < panel.createdAt) continue;
        // A warning held for working hours must still come before the deadline (a Monday 08:00
        // deadline): then it goes at its own moment, outside working hours, rather than too late.
        const urgent = nextWorkingMoment(dueAt, zone) >= panel.decisionDeadline;
        dm('decision_countdown', 'panel', decider, `${hours}h`, dueAt, urgent, panel.decisionDeadline);
      }
      dm('decision_countdown', 'panel', decider, 'due', panel.decisionDeadline, true);
      if (panel.decisionDeadline <= now) {
        const deadlineDay = localDate(panel.decisionDeadline, zone);
        const horizon = localDate(new Date(now.getTime() + 36 * HOUR), zone);
        const days = workingDaysBetween(deadlineDay, horizon).map((day) => ({
          day,
          at: localTime(day, '09:00', zone),
        }));
        // The latest overdue reminder already due, and the next one: never a backlog at once.
        const past = days.filter((d) => d.at <= now).slice(-1);
        const next = days.filter((d) => d.at > now).slice(0, 1);
        for (const { day, at } of [...past, ...next])
          dm('decision_countdown', 'panel', decider, `overdue-${day}`, at, true);
      }
    }
  }

  if (on('candidate_update') && panel.candidateUpdatedAt === null) {
    for (const recruiter of input.recruiters) {
      const zone = timeZoneOf(recruiter);
      const dayBefore = localTime(previousWorkingDay(panel.answerPromisedOn), '09:00', zone);
      const onTheDay = localTime(panel.answerPromisedOn, '09:00', zone);
      // Not held into the promised day: that day has a reminder of its own.
      if (dayBefore >= panel.createdAt)
        dm('candidate_update', 'panel', recruiter, 'day-before', dayBefore, false, onTheDay);
      dm('candidate_update', 'panel', recruiter, 'day-of', onTheDay, true);
    }
  }

  if (on('debrief_ready') && input.allSubmittedAt !== null) {
    for (const decider of input.decisionMakers)
      dm('debrief_ready', 'panel', decider, 'ready', input.allSubmittedAt);
  }

  if (on('channel_digest')) {
    // Today's digest (even once its time has passed, so a late worker still sends it) and the next
    // working day's; none before the panel existed.
    const zone = panel.digestTimeZone ?? settings.digestTimeZone;
    const today = localDate(now, zone);
    let planned = 0;
    for (let offset = 0; offset < 5 && planned < 2; offset++) {
      const date = addDays(today, offset);
      if (isoWeekday(dateToLocalMs(date)) > 5) continue;
      const at = localTime(date, settings.digestTime, zone);
      // While the panel is open, an overdue one included: that is when the channel most needs it.
      if (at < panel.createdAt) continue;
      plan.push({
        kind: 'channel_digest',
        subject: 'panel',
        recipient: panel.channelId,
        occurrence: date,
        dueAt: at,
        deliverAt: at,
        workingHours: null,
      });
      planned += 1;
    }
  }
  return plan;
}

/** What the planner compares against: a nudge row as stored. */
export interface StoredNudge {
  id: string;
  kind: NudgeKind;
  subject: string;
  recipient: string;
  occurrence: string;
  state: NudgeState;
  due_at: Date;
  deliver_at: Date;
  snoozed_until: Date | null;
}

/** The changes that bring a panel's nudge rows in line with its plan. */
export interface NudgeChanges {
  /** Pending rows whose reason is gone. */
  cancel: string[];
  /** Planned nudges with no row yet (of any state: a sent one is history and not planned again). */
  create: PlannedNudge[];
  /** Pending rows whose time moved; a snooze still holds delivery back. */
  move: { id: string; dueAt: Date; deliverAt: Date }[];
  /**
   * Cancelled rows whose reason is back (a kind switched off and on again, a slot moved away and
   * back, a slot booked after all feedback was in and then its feedback too): pending again, at
   * the planned time, without an old snooze.
   */
  revive: { id: string; dueAt: Date; deliverAt: Date }[];
}

/**
 * Compares the plan with the rows a panel has: creates what is newly owed, moves what moved,
 * cancels every pending nudge whose reason is gone and revives a cancelled one whose reason is
 * back. Sent and failed rows are history and stay.
 * A pending row that is already due and planned for a moment also past (`now`) stays as it is:
 * the planner puts a nudge whose moment has passed at `now` (a briefing booked at short notice),
 * and moving it on every re-plan would void the receipt of a message sent just before a crash
 * (receipts count only for the moment they were sent for), sending it twice.
 */
export function diffNudges(
  existing: readonly StoredNudge[],
  plan: readonly PlannedNudge[],
  now: Date,
): NudgeChanges {
  const byIdentity = new Map(existing.map((row) => [nudgeIdentity(row), row]));
  const wanted = new Set(plan.map(nudgeIdentity));
  const cancel = existing
    .filter((row) => row.state === 'pending' && !wanted.has(nudgeIdentity(row)))
    .map((row) => row.id);
  const create = plan.filter((n) => !byIdentity.has(nudgeIdentity(n)));
  const move: NudgeChanges['move'] = [];
  const revive: NudgeChanges['revive'] = [];
  for (const n of plan) {
    const row = byIdentity.get(nudgeIdentity(n));
    if (row?.state === 'cancelled') revive.push({ id: row.id, dueAt: n.dueAt, deliverAt: n.deliverAt });
    if (row === undefined || row.state !== 'pending') continue;
    const deliverAt =
      row.snoozed_until !== null && row.snoozed_until > n.deliverAt ? row.snoozed_until : n.deliverAt;
    if (row.due_at.getTime() === n.dueAt.getTime() && row.deliver_at.getTime() === deliverAt.getTime())
      continue;
    if (row.deliver_at <= now && deliverAt <= now) continue;
    move.push({ id: row.id, dueAt: n.dueAt, deliverAt });
  }
  return { cancel, create, move, revive };
}
