import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { Panel } from '../src/db/database.js';
import type { SlotWithPeople } from '../src/db/slots.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { stageDefinition } from '../src/domain/stages.js';
import { googleCalendarLink, outlookCalendarLink } from '../src/slack/calendar-link.js';
import { escapeMrkdwn, mentionUser, slackDate } from '../src/slack/mrkdwn.js';
import { ACTION_IDS } from './ids.js';
import { SLACK_LIMITS, truncate } from './limits.js';

export type SlotMessage = { text: string; blocks: KnownBlock[] };

const TIME_FORMAT = '{date_long_pretty} at {time}';

/** "Mon 29 Mar at 09:00–10:00" in each reader's zone, with a fallback in `zone`. */
export function slotTime(slot: SlotWithPeople['slot'], zone = 'UTC'): string {
  return `${slackDate(slot.starts_at, TIME_FORMAT, zone)}–${slackDate(slot.ends_at, '{time}', zone)}`;
}

/** A location that is a link is shown as one; anything else is shown as text. */
export function locationText(location: string | null): string {
  if (location === null) return '_no location yet_';
  if (/^https?:\/\/\S+$/i.test(location))
    return `<${location.replaceAll('|', '%7C').replaceAll('>', '%3E')}|${escapeMrkdwn(truncate(location, 80))}>`;
  return escapeMrkdwn(location);
}

function headline(panel: Panel): string {
  return `*${formatPanelReference(panel.number)} · ${escapeMrkdwn(panel.candidate_name)}* for *${escapeMrkdwn(panel.role_title)}*`;
}

function slotDetails(panel: Panel, slot: SlotWithPeople, zone: string): KnownBlock[] {
  const stage = stageDefinition(slot.stageKind);
  const others = slot.interviewers.map((i) => mentionUser(i.userId)).join(', ');
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Stage*\n${stage.label}` },
        { type: 'mrkdwn', text: `*When*\n${slotTime(slot.slot, zone)}` },
        { type: 'mrkdwn', text: `*Where*\n${locationText(slot.slot.location)}` },
        { type: 'mrkdwn', text: truncate(`*Interviewers*\n${others}`, SLACK_LIMITS.sectionFieldText) },
      ],
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*What this stage probes*\n${stage.focus}`, SLACK_LIMITS.sectionText),
      },
    },
  ];
  if (slot.slot.note !== null) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*Note from the coordinator*\n${escapeMrkdwn(slot.slot.note)}`,
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
        text: `Decision due ${slackDate(panel.decision_deadline, '{date_short_pretty}', zone)} · \`/panel status ${formatPanelReference(panel.number)}\``,
      },
    ],
  });
  return blocks;
}

function calendarButtons(panel: Panel, slot: SlotWithPeople): Button[] {
  const stage = stageDefinition(slot.stageKind);
  const event = {
    title: `${stage.label}: ${panel.candidate_name} (${formatPanelReference(panel.number)})`,
    startsAt: slot.slot.starts_at,
    endsAt: slot.slot.ends_at,
    details: `${panel.role_title}. ${stage.focus}`,
    location: slot.slot.location,
  };
  return [
    {
      type: 'button',
      action_id: ACTION_IDS.openLink,
      text: { type: 'plain_text', text: 'Add to Google Calendar' },
      url: googleCalendarLink(event),
    },
    {
      type: 'button',
      action_id: `${ACTION_IDS.openLink}_outlook`,
      text: { type: 'plain_text', text: 'Add to Outlook' },
      url: outlookCalendarLink(event),
    },
  ];
}

/** The DM an interviewer gets when booked onto a slot. `zone` is theirs, for the fallback text. */
export function getSlotBookedMessage(panel: Panel, slot: SlotWithPeople, zone: string): SlotMessage {
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: `slot_${slot.slot.id}_actions`,
    elements: [
      ...calendarButtons(panel, slot),
      {
        type: 'button',
        action_id: ACTION_IDS.giveFeedback,
        value: slot.slot.id,
        text: { type: 'plain_text', text: 'Give feedback' },
      },
      {
        type: 'button',
        action_id: ACTION_IDS.declineSlot,
        value: slot.slot.id,
        text: { type: 'plain_text', text: 'I can’t make it' },
        confirm: {
          title: { type: 'plain_text', text: 'Can’t make it?' },
          text: {
            type: 'mrkdwn',
            text: 'The recruiter and hiring manager will be asked to find a replacement.',
          },
          confirm: { type: 'plain_text', text: 'Tell them' },
          deny: { type: 'plain_text', text: 'Keep it' },
        },
      },
    ],
  };
  return {
    text: `You're interviewing for ${formatPanelReference(panel.number)}: ${escapeMrkdwn(panel.candidate_name)}, ${slackDate(slot.slot.starts_at, TIME_FORMAT, zone)}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `:calendar: You’re interviewing in ${headline(panel)}.` },
      },
      ...slotDetails(panel, slot, zone),
      actions,
    ],
  };
}

/** The DM an interviewer gets when their slot moves. */
export function getSlotMovedMessage(
  panel: Panel,
  before: SlotWithPeople,
  after: SlotWithPeople,
  zone: string,
): SlotMessage {
  const booked = getSlotBookedMessage(panel, after, zone);
  return {
    text: `Moved: your interview for ${formatPanelReference(panel.number)} is now ${slackDate(after.slot.starts_at, TIME_FORMAT, zone)}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:arrows_counterclockwise: Your interview in ${headline(panel)} has changed. It was ${slotTime(before.slot, zone)}; here it is now (if it is in your calendar, replace that event: the buttons below add this one):`,
        },
      },
      ...booked.blocks.slice(1),
    ],
  };
}

/** The DM an interviewer gets when taken off a slot (slot cancelled or people changed). */
export function getSlotRemovedMessage(
  panel: Panel,
  slot: SlotWithPeople,
  zone: string,
  reason: 'cancelled' | 'removed',
): SlotMessage {
  const what = reason === 'cancelled' ? 'was cancelled' : 'no longer needs you';
  const text = `:wastebasket: Your ${stageDefinition(slot.stageKind).label.toLowerCase()} slot in ${headline(panel)} on ${slotTime(slot.slot, zone)} ${what}. Your time is free again; remove it from your calendar.`;
  return {
    text: `${formatPanelReference(panel.number)}: your interview ${what}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

/** The DM to the recruiter and hiring manager when an interviewer cannot make a slot. */
export function getDeclinedNoticeMessage(
  panel: Panel,
  slot: SlotWithPeople,
  userId: string,
  zone: string,
): SlotMessage {
  const text = `:warning: ${mentionUser(userId)} can’t make the ${stageDefinition(slot.stageKind).label.toLowerCase()} slot in ${headline(panel)} on ${slotTime(slot.slot, zone)}.`;
  return {
    text: `${formatPanelReference(panel.number)}: an interviewer can't make it`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            style: 'primary',
            action_id: ACTION_IDS.replaceInterviewer,
            value: `${slot.slot.id}:${userId}`,
            text: { type: 'plain_text', text: 'Pick a replacement' },
          },
        ],
      },
    ],
  };
}
