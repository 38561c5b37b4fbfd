import { DateTime } from 'luxon';
import { NEW_PANEL_BLOCKS, NEW_PANEL_INPUT, type NewPanelBlockId } from '../../blocks/ids.js';
import type { StageKind } from '../db/database.js';
import { isStageKind, sortStageKinds } from './stages.js';

/** Length limits of the new-panel form's text fields, shared by the modal and validation. */
export const NEW_PANEL_LIMITS = {
  candidate: 100,
  role: 150,
  notes: 3000,
  decisionMakers: 10,
} as const;

/** What a valid new-panel form describes. */
export interface NewPanelInput {
  candidateName: string;
  roleTitle: string;
  hiringManagerId: string;
  recruiterId: string;
  decisionMakerIds: string[];
  channelId: string;
  decisionDeadline: Date;
  /** YYYY-MM-DD */
  answerPromisedOn: string;
  stageKinds: StageKind[];
  firstInterviewNotes: string | null;
  /** Nobody reads feedback content until every interviewer has submitted or the deadline passes. */
  sealed: boolean;
}

/** One input's state as Slack sends it in `view.state.values`. */
export interface FormValue {
  value?: string | null;
  selected_user?: string | null;
  selected_users?: string[];
  selected_conversation?: string | null;
  selected_date?: string | null;
  selected_date_time?: number | null;
  selected_options?: { value: string }[];
  selected_option?: { value: string } | null;
}

export type FormValues = Record<string, Record<string, FormValue>>;
export type FieldErrors = Partial<Record<NewPanelBlockId, string>>;

export type FormResult = { ok: true; input: NewPanelInput } | { ok: false; errors: FieldErrors };

export interface FormContext {
  now: Date;
  /** The submitter's IANA time zone, for "today" and for showing dates back to them. */
  timeZone: string;
}

/**
 * Validates a submitted new-panel modal. Pure: the hiring channel's reachability is checked
 * separately, since it needs Slack.
 * @returns the panel to create, or one error per invalid field keyed by block id.
 */
export function parseNewPanelForm(values: FormValues, { now, timeZone }: FormContext): FormResult {
  const errors: FieldErrors = {};
  const field = (blockId: NewPanelBlockId): FormValue => values[blockId]?.[NEW_PANEL_INPUT] ?? {};

  const text = (blockId: NewPanelBlockId, label: string, max: number, required: boolean): string | null => {
    const value = (field(blockId).value ?? '').trim();
    if (value === '') {
      if (required) errors[blockId] = `Enter the ${label}.`;
      return null;
    }
    if (value.length > max) {
      errors[blockId] = `Keep the ${label} to ${max} characters (it has ${value.length}).`;
      return null;
    }
    return value;
  };

  const candidateName = text(
    NEW_PANEL_BLOCKS.candidate,
    'candidate’s name',
    NEW_PANEL_LIMITS.candidate,
    true,
  );
  const roleTitle = text(NEW_PANEL_BLOCKS.role, 'role', NEW_PANEL_LIMITS.role, true);
  const firstInterviewNotes = text(
    NEW_PANEL_BLOCKS.notes,
    'first-interview notes',
    NEW_PANEL_LIMITS.notes,
    false,
  );

  const user = (blockId: NewPanelBlockId, label: string): string | null => {
    const id = field(blockId).selected_user ?? null;
    if (id === null) errors[blockId] = `Choose the ${label}.`;
    return id;
  };
  const hiringManagerId = user(NEW_PANEL_BLOCKS.hiringManager, 'hiring manager');
  const recruiterId = user(NEW_PANEL_BLOCKS.recruiter, 'recruiter');

  const decisionMakerIds = [...new Set(field(NEW_PANEL_BLOCKS.decisionMakers).selected_users ?? [])];
  if (decisionMakerIds.length === 0) {
    errors[NEW_PANEL_BLOCKS.decisionMakers] = 'Choose at least one decision maker.';
  } else if (decisionMakerIds.length > NEW_PANEL_LIMITS.decisionMakers) {
    errors[NEW_PANEL_BLOCKS.decisionMakers] =
      `Choose at most ${NEW_PANEL_LIMITS.decisionMakers} decision makers (you chose ${decisionMakerIds.length}).`;
  }

  const channelId = field(NEW_PANEL_BLOCKS.channel).selected_conversation ?? null;
  if (channelId === null) errors[NEW_PANEL_BLOCKS.channel] = 'Choose the hiring channel.';

  const deadlineSeconds = field(NEW_PANEL_BLOCKS.deadline).selected_date_time ?? null;
  let decisionDeadline: Date | null = null;
  if (deadlineSeconds === null) {
    errors[NEW_PANEL_BLOCKS.deadline] = 'Choose the date and time the decision is due.';
  } else if (deadlineSeconds * 1000 <= now.getTime()) {
    errors[NEW_PANEL_BLOCKS.deadline] = 'The decision deadline is in the past: choose a later date and time.';
  } else {
    decisionDeadline = new Date(deadlineSeconds * 1000);
  }

  const promised = field(NEW_PANEL_BLOCKS.answerPromisedOn).selected_date ?? null;
  const today = DateTime.fromJSDate(now, { zone: timeZone }).toISODate();
  let answerPromisedOn: string | null = null;
  if (promised === null) {
    errors[NEW_PANEL_BLOCKS.answerPromisedOn] = 'Choose the date the candidate was promised an answer.';
  } else if (!DateTime.fromISO(promised).isValid) {
    errors[NEW_PANEL_BLOCKS.answerPromisedOn] = 'Choose a date from the calendar.';
  } else if (today !== null && promised < today) {
    errors[NEW_PANEL_BLOCKS.answerPromisedOn] =
      'That date has passed: choose today or a later date (and let the candidate know the new date).';
  } else if (
    decisionDeadline !== null &&
    promised < (DateTime.fromJSDate(decisionDeadline, { zone: timeZone }).toISODate() ?? promised)
  ) {
    errors[NEW_PANEL_BLOCKS.answerPromisedOn] =
      'The candidate was promised an answer before the decision is due: move the decision deadline earlier or choose a later date.';
  } else {
    answerPromisedOn = promised;
  }

  const chosenStages = (field(NEW_PANEL_BLOCKS.stages).selected_options ?? [])
    .map((option) => option.value)
    .filter(isStageKind);
  if (chosenStages.length === 0) errors[NEW_PANEL_BLOCKS.stages] = 'Choose at least one stage for the loop.';

  if (
    Object.keys(errors).length > 0 ||
    candidateName === null ||
    roleTitle === null ||
    hiringManagerId === null ||
    recruiterId === null ||
    channelId === null ||
    decisionDeadline === null ||
    answerPromisedOn === null
  ) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    input: {
      candidateName,
      roleTitle,
      hiringManagerId,
      recruiterId,
      decisionMakerIds,
      channelId,
      decisionDeadline,
      answerPromisedOn,
      stageKinds: sortStageKinds(chosenStages),
      firstInterviewNotes,
      sealed: (field(NEW_PANEL_BLOCKS.sealed).selected_options ?? []).some(
        (option) => option.value === 'sealed',
      ),
    },
  };
}
