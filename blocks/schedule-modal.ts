import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { PanelDetails } from '../src/db/panels.js';
import type { SlotWithPeople } from '../src/db/slots.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { MAX_SLOT_GROUPS, SLOT_TEXT_LIMITS } from '../src/domain/schedule-form.js';
import { SLOT_DURATION, type WorkingHoursWarning } from '../src/domain/slot-rules.js';
import { stageDefinition } from '../src/domain/stages.js';
import { escapeMrkdwn, mentionUser, slackDate } from '../src/slack/mrkdwn.js';
import { ACTION_IDS, SLOT_INPUT, slotBlockIds, VIEW_IDS } from './ids.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { slotTime } from './slot-messages.js';
import { plain } from './text.js';

/** What the scheduling modals carry between Slack and us. */
export interface ScheduleMetadata {
  panelId: string;
  groups: number;
  /** The panel's stages when the modal was built (stages never change after creation). */
  stageIds?: string[];
}
export interface RescheduleMetadata {
  panelId: string;
  slotId: string;
}

function stageOptions(details: PanelDetails): PlainTextOption[] {
  return details.stages.map((stage) => ({ text: plain(stageDefinition(stage.kind).label), value: stage.id }));
}

interface GroupDefaults {
  stageId?: string;
  startsAt?: Date;
  durationMinutes?: number;
  interviewerIds?: string[];
  location?: string | null;
  note?: string | null;
}

function slotGroup(
  details: PanelDetails,
  index: number,
  title: string,
  defaults: GroupDefaults,
): KnownBlock[] {
  const ids = slotBlockIds(index);
  const options = stageOptions(details);
  const initialStage =
    options.find((o) => o.value === defaults.stageId) ?? options[index % Math.max(1, options.length)];
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } },
    {
      type: 'input',
      block_id: ids.stage,
      label: plain('Stage'),
      element: {
        type: 'static_select',
        action_id: SLOT_INPUT,
        options,
        ...(initialStage === undefined ? {} : { initial_option: initialStage }),
      },
    },
    {
      type: 'input',
      block_id: ids.start,
      optional: true,
      label: plain('Starts'),
      element: {
        type: 'datetimepicker',
        action_id: SLOT_INPUT,
        ...(defaults.startsAt === undefined
          ? {}
          : { initial_date_time: Math.floor(defaults.startsAt.getTime() / 1000) }),
      },
    },
    {
      type: 'input',
      block_id: ids.duration,
      label: plain('Length (minutes)'),
      element: {
        type: 'number_input',
        action_id: SLOT_INPUT,
        is_decimal_allowed: false,
        min_value: String(SLOT_DURATION.min),
        max_value: String(SLOT_DURATION.max),
        initial_value: String(defaults.durationMinutes ?? 60),
      },
    },
    {
      type: 'input',
      block_id: ids.interviewers,
      optional: true,
      label: plain('Interviewers'),
      element: {
        type: 'multi_users_select',
        action_id: SLOT_INPUT,
        placeholder: plain('Who interviews in this slot'),
        ...(defaults.interviewerIds === undefined || defaults.interviewerIds.length === 0
          ? {}
          : { initial_users: defaults.interviewerIds }),
      },
    },
    {
      type: 'input',
      block_id: ids.location,
      optional: true,
      label: plain('Room or video link'),
      element: {
        type: 'plain_text_input',
        action_id: SLOT_INPUT,
        max_length: SLOT_TEXT_LIMITS.location,
        placeholder: plain('e.g. https://meet.example.com/abc or Room 4B'),
        ...(defaults.location ? { initial_value: defaults.location } : {}),
      },
    },
    {
      type: 'input',
      block_id: ids.note,
      optional: true,
      label: plain('Note to the interviewers'),
      element: {
        type: 'plain_text_input',
        action_id: SLOT_INPUT,
        multiline: true,
        max_length: SLOT_TEXT_LIMITS.note,
        ...(defaults.note ? { initial_value: defaults.note } : {}),
      },
    },
  ];
}

/** The schedule as it stands, one line a slot. */
export function scheduleLines(slots: readonly SlotWithPeople[]): string {
  if (slots.length === 0) return '_Nothing booked yet._';
  return slots
    .map((s) => {
      const people = s.interviewers
        .map((i) => `${mentionUser(i.userId)}${i.declinedAt === null ? '' : ' (can’t make it)'}`)
        .join(', ');
      return `• *${stageDefinition(s.stageKind).label}*: ${slotTime(s.slot)} with ${people}`;
    })
    .join('\n');
}

function panelHeader(details: PanelDetails, slots: readonly SlotWithPeople[]): KnownBlock[] {
  const { panel } = details;
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${formatPanelReference(panel.number)} · ${escapeMrkdwn(panel.candidate_name)}*, ${escapeMrkdwn(panel.role_title)}\nDecision due ${slackDate(panel.decision_deadline)}. Every slot must end before then.`,
          SLACK_LIMITS.sectionText,
        ),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*Booked so far*\n${scheduleLines(slots)}`, SLACK_LIMITS.sectionText),
      },
    },
    { type: 'divider' },
  ];
}

/**
 * The scheduling modal: the schedule so far, then `groups` slot forms (by default one per stage
 * with nothing booked yet), and a button to add another. Empty forms are ignored on submit.
 */
export function getScheduleModal(
  details: PanelDetails,
  slots: readonly SlotWithPeople[],
  groups: number,
): ModalView {
  const count = Math.min(Math.max(groups, 1), MAX_SLOT_GROUPS);
  const blocks: KnownBlock[] = [...panelHeader(details, slots)];
  const unbooked = details.stages.filter((stage) => !slots.some((s) => s.slot.stage_id === stage.id));
  for (let index = 0; index < count; index++) {
    const stage = unbooked[index] ?? details.stages[index % details.stages.length];
    blocks.push(
      ...slotGroup(details, index, `Slot ${index + 1}`, stage === undefined ? {} : { stageId: stage.id }),
    );
  }
  if (count < MAX_SLOT_GROUPS) {
    blocks.push({
      type: 'actions',
      block_id: 'schedule_more',
      elements: [{ type: 'button', action_id: ACTION_IDS.addSlot, text: plain('Add another slot') }],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: 'Leave a slot empty to skip it. Times are in your Slack time zone. Each interviewer gets a DM.',
      },
    ],
  });
  const metadata: ScheduleMetadata = {
    panelId: details.panel.id,
    groups: count,
    stageIds: details.stages.map((stage) => stage.id),
  };
  return {
    type: 'modal',
    callback_id: VIEW_IDS.schedule,
    private_metadata: JSON.stringify(metadata),
    title: plain(truncate(`Schedule ${formatPanelReference(details.panel.number)}`, SLACK_LIMITS.modalTitle)),
    submit: plain('Book slots'),
    close: plain('Cancel'),
    blocks,
  };
}

/** Reschedule one slot, or (with `withoutUserId`) replace an interviewer who cannot make it. */
export function getRescheduleModal(
  details: PanelDetails,
  slot: SlotWithPeople,
  options: { withoutUserId?: string } = {},
): ModalView {
  // Whoever said they cannot make it is left out: saving the form must not quietly put them back.
  const declined = slot.interviewers.filter((i) => i.declinedAt !== null).map((i) => i.userId);
  const interviewerIds = slot.interviewers
    .filter((i) => i.declinedAt === null && i.userId !== options.withoutUserId)
    .map((i) => i.userId);
  const cannot =
    declined.length === 0
      ? ''
      : ` ${declined.map(mentionUser).join(', ')} can’t make it and ${declined.length === 1 ? 'is' : 'are'} left out.`;
  const intro =
    options.withoutUserId === undefined
      ? `Change the ${stageDefinition(slot.stageKind).label.toLowerCase()} slot of ${slotTime(slot.slot)}.${cannot}`
      : `${mentionUser(options.withoutUserId)} can’t make the ${stageDefinition(slot.stageKind).label.toLowerCase()} slot of ${slotTime(slot.slot)}. Add a replacement (or move the slot).`;
  const metadata: RescheduleMetadata = { panelId: details.panel.id, slotId: slot.slot.id };
  return {
    type: 'modal',
    callback_id: options.withoutUserId === undefined ? VIEW_IDS.reschedule : VIEW_IDS.replaceInterviewer,
    private_metadata: JSON.stringify(metadata),
    title: plain(options.withoutUserId === undefined ? 'Reschedule slot' : 'Replace interviewer'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      ...slotGroup(details, 0, 'Slot', {
        stageId: slot.slot.stage_id,
        startsAt: slot.slot.starts_at,
        durationMinutes: Math.round((slot.slot.ends_at.getTime() - slot.slot.starts_at.getTime()) / 60_000),
        interviewerIds,
        location: slot.slot.location,
        note: slot.slot.note,
      }),
    ],
  };
}

/** Shown in place of the modal once slots are saved, with any working-hours warnings. */
export function getScheduleSavedModal(
  details: PanelDetails,
  saved: readonly SlotWithPeople[],
  warnings: readonly WorkingHoursWarning[],
  verb: 'Booked' | 'Saved',
  /** The slot was saved as it already stood: nobody was messaged. */
  unchanged = false,
): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `:white_check_mark: *${verb}* for ${formatPanelReference(details.panel.number)}:\n${scheduleLines(saved)}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    },
  ];
  if (warnings.length > 0) {
    const lines = warnings.map(
      (w) =>
        `• ${mentionUser(w.userId)}: ${w.localTime} is ${w.reason === 'weekend' ? 'on their weekend' : 'outside their working hours (09:00–18:00)'}`,
    );
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `:warning: *Kept, but check with them*\n${lines.join('\n')}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: unchanged
          ? 'Nothing changed, so nobody was messaged.'
          : 'Each interviewer has been sent a DM, and the channel announcement shows the new schedule.',
      },
    ],
  });
  return { type: 'modal', title: plain('Schedule saved'), close: plain('Done'), blocks };
}

/** A modal that only explains why the person cannot go on. */
export function getNoticeModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: plain(truncate(title, SLACK_LIMITS.modalTitle)),
    close: plain('OK'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}
