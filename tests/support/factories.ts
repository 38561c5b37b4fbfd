import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { NEW_PANEL_BLOCKS, NEW_PANEL_INPUT } from '../../blocks/ids.js';
import type { Database, StageKind } from '../../src/db/database.js';
import { findPanelById } from '../../src/db/panels.js';
import type { NewPanelInput } from '../../src/domain/new-panel-form.js';
import { createPanel } from '../../src/services/panels.js';
import { bookSlots } from '../../src/services/scheduling.js';
import type { ViewValues } from './slack-requests.js';

/** The people of a typical panel. */
export const PEOPLE = {
  recruiter: 'URECRUITER',
  hiringManager: 'UMANAGER',
  decisionMaker: 'UDECIDER',
  outsider: 'UOUTSIDER',
} as const;

export const HIRING_CHANNEL = 'CHIRING';

export interface NewPanelFields {
  candidate: string | null;
  role: string | null;
  hiringManager: string | null;
  recruiter: string | null;
  decisionMakers: string[];
  channel: string | null;
  /** Seconds since the epoch. */
  deadline: number | null;
  promised: string | null;
  stages: StageKind[];
  notes: string | null;
  sealed?: boolean;
}

/** A valid form relative to `now`: deadline in 7 days, answer promised in 9. */
export function validNewPanelFields(now: Date, overrides: Partial<NewPanelFields> = {}): NewPanelFields {
  const deadline = new Date(now.getTime() + 7 * 24 * 3600 * 1000);
  const promised = new Date(now.getTime() + 9 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  return {
    candidate: 'Ada Lovelace',
    role: 'Staff Engineer',
    hiringManager: PEOPLE.hiringManager,
    recruiter: PEOPLE.recruiter,
    decisionMakers: [PEOPLE.decisionMaker],
    channel: HIRING_CHANNEL,
    deadline: Math.floor(deadline.getTime() / 1000),
    promised,
    stages: ['manager', 'peer', 'executive'],
    notes: 'Strong on systems design; probe people leadership.',
    ...overrides,
  };
}

/** The new-panel modal's state values, as Slack sends them on submission. */
export function newPanelValues(fields: NewPanelFields): ViewValues {
  const v = (value: Record<string, unknown>) => ({ [NEW_PANEL_INPUT]: value });
  return {
    [NEW_PANEL_BLOCKS.candidate]: v({ type: 'plain_text_input', value: fields.candidate }),
    [NEW_PANEL_BLOCKS.role]: v({ type: 'plain_text_input', value: fields.role }),
    [NEW_PANEL_BLOCKS.hiringManager]: v({ type: 'users_select', selected_user: fields.hiringManager }),
    [NEW_PANEL_BLOCKS.recruiter]: v({ type: 'users_select', selected_user: fields.recruiter }),
    [NEW_PANEL_BLOCKS.decisionMakers]: v({
      type: 'multi_users_select',
      selected_users: fields.decisionMakers,
    }),
    [NEW_PANEL_BLOCKS.channel]: v({ type: 'conversations_select', selected_conversation: fields.channel }),
    [NEW_PANEL_BLOCKS.deadline]: v({ type: 'datetimepicker', selected_date_time: fields.deadline }),
    [NEW_PANEL_BLOCKS.answerPromisedOn]: v({ type: 'datepicker', selected_date: fields.promised }),
    [NEW_PANEL_BLOCKS.stages]: v({
      type: 'checkboxes',
      selected_options: fields.stages.map((kind) => ({
        value: kind,
        text: { type: 'plain_text', text: kind },
      })),
    }),
    [NEW_PANEL_BLOCKS.notes]: v({ type: 'plain_text_input', value: fields.notes }),
    [NEW_PANEL_BLOCKS.sealed]: v({
      type: 'checkboxes',
      selected_options: fields.sealed ? [{ value: 'sealed' }] : [],
    }),
  };
}

/** Creates a panel through the same service the modal uses, for tests about what follows. */
export async function givenPanel(
  db: Kysely<Database>,
  now: Date,
  overrides: Partial<NewPanelInput> & {
    teamId?: string;
    creatorId?: string;
    timeZones?: Record<string, string>;
  } = {},
) {
  const { teamId = 'T0PANEL', creatorId = PEOPLE.recruiter, timeZones = {}, ...input } = overrides;
  const { panel } = await createPanel(db, {
    now,
    timeZones: new Map(Object.entries(timeZones)),
    teamId,
    creatorId,
    viewId: `V${randomUUID()}`,
    input: {
      candidateName: 'Ada Lovelace',
      roleTitle: 'Staff Engineer',
      hiringManagerId: PEOPLE.hiringManager,
      recruiterId: PEOPLE.recruiter,
      decisionMakerIds: [PEOPLE.decisionMaker],
      channelId: HIRING_CHANNEL,
      decisionDeadline: new Date(now.getTime() + 7 * 24 * 3600 * 1000),
      answerPromisedOn: new Date(now.getTime() + 9 * 24 * 3600 * 1000).toISOString().slice(0, 10),
      stageKinds: ['manager', 'peer', 'executive'],
      firstInterviewNotes: 'Strong on systems design.',
      sealed: false,
      ...input,
    },
  });
  return panel;
}

export interface SlotFields {
  stageId: string;
  /** Seconds since the epoch, or null for an empty group. */
  start: number | null;
  duration?: number | string;
  interviewers?: string[];
  location?: string | null;
  note?: string | null;
}

/** The scheduling modal's state values for the given slot groups, in order. */
export function scheduleValues(groups: SlotFields[]): ViewValues {
  const values: ViewValues = {};
  groups.forEach((group, index) => {
    const v = (value: Record<string, unknown>) => ({ input: value });
    values[`slot_${index}_stage`] = v({
      type: 'static_select',
      selected_option: { value: group.stageId, text: { type: 'plain_text', text: 'stage' } },
    });
    values[`slot_${index}_start`] = v({ type: 'datetimepicker', selected_date_time: group.start });
    values[`slot_${index}_duration`] = v({ type: 'number_input', value: String(group.duration ?? 60) });
    values[`slot_${index}_interviewers`] = v({
      type: 'multi_users_select',
      selected_users: group.interviewers ?? [],
    });
    values[`slot_${index}_location`] = v({ type: 'plain_text_input', value: group.location ?? null });
    values[`slot_${index}_note`] = v({ type: 'plain_text_input', value: group.note ?? null });
  });
  return values;
}

/** Seconds since the epoch of an ISO time, for date-time pickers. */
export function at(iso: string): number {
  return Date.parse(iso) / 1000;
}

/** Books slots straight through the scheduling service (times in UTC, people in UTC). */
export async function givenSlots(
  db: Kysely<Database>,
  panelId: string,
  now: Date,
  slots: { kind: StageKind; start: string; minutes?: number; interviewers: string[] }[],
  teamId = 'T0PANEL',
  zones: Record<string, string> = {},
) {
  const details = await findPanelById(db, teamId, panelId);
  if (details === undefined) throw new Error('no such panel');
  const interviewers = new Map(
    slots
      .flatMap((s) => s.interviewers)
      .map((id) => [
        id,
        { id, name: id, timeZone: zones[id] ?? 'UTC', isBot: false, deleted: false, isAdmin: false },
      ]),
  );
  const outcome = await bookSlots(db, {
    teamId,
    panelId,
    actorId: details.panel.created_by,
    now,
    viewId: `VFACTORY${randomUUID()}`,
    people: { interviewers, coordinatorTimeZone: 'UTC' },
    drafts: slots.map((s, index) => {
      const startsAt = new Date(s.start);
      return {
        key: String(index),
        stageId: details.stages.find((stage) => stage.kind === s.kind)?.id ?? '',
        startsAt,
        endsAt: new Date(startsAt.getTime() + (s.minutes ?? 60) * 60_000),
        durationMinutes: s.minutes ?? 60,
        interviewerIds: s.interviewers,
        location: null,
        note: null,
      };
    }),
  });
  if (outcome.kind !== 'done') throw new Error(`booking failed: ${JSON.stringify(outcome)}`);
  return outcome.result.booked;
}

/**
 * Marks an interviewer as having said they cannot make a slot (every interviewer of it when
 * `userId` is left out), as the "I can't make it" button records it.
 */
export async function givenDeclined(db: Kysely<Database>, slotId: string, userId?: string, at = new Date()) {
  let query = db.updateTable('slot_interviewer').set({ declined_at: at }).where('slot_id', '=', slotId);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  await query.execute();
}

/** The decision modal's state values. */
export function decisionValues(
  outcome: 'hire' | 'no_hire' | 'hold',
  reason: string,
  toldOn: string,
): ViewValues {
  return {
    outcome: { input: { type: 'radio_buttons', selected_option: { value: outcome } } },
    reason: { input: { type: 'plain_text_input', value: reason } },
    candidate_told_on: { input: { type: 'datepicker', selected_date: toldOn } },
  };
}
