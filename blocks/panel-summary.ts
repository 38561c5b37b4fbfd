import type { KnownBlock, SectionBlock } from '@slack/types';
import type { Decision, MemberRole, PanelState } from '../src/db/database.js';
import type { PanelDetails } from '../src/db/panels.js';
import type { SlotWithPeople } from '../src/db/slots.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { DECISION_LABELS } from '../src/domain/ratings.js';
import { stageDefinition } from '../src/domain/stages.js';
import { calendarDate, escapeMrkdwn, mentionUser, slackDate } from '../src/slack/mrkdwn.js';
import { ACTION_IDS } from './ids.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { scheduleLines } from './schedule-modal.js';
import { slotTime } from './slot-messages.js';

const STATE_LABELS: Record<PanelState, string> = {
  open: ':large_green_circle: Open',
  decided: ':white_check_mark: Decided',
  cancelled: ':no_entry: Cancelled',
};

function usersWithRole(details: PanelDetails, role: MemberRole): string {
  const ids = details.members.filter((m) => m.role === role).map((m) => mentionUser(m.user_id));
  return ids.length > 0 ? ids.join(', ') : '_nobody yet_';
}

function peopleAndDates(details: PanelDetails): SectionBlock {
  const { panel } = details;
  return {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: `*Hiring manager*\n${usersWithRole(details, 'hiring_manager')}` },
      { type: 'mrkdwn', text: `*Recruiter*\n${usersWithRole(details, 'recruiter')}` },
      {
        type: 'mrkdwn',
        text: truncate(
          `*Decision makers*\n${usersWithRole(details, 'decision_maker')}`,
          SLACK_LIMITS.sectionFieldText,
        ),
      },
      { type: 'mrkdwn', text: `*Decision due*\n${slackDate(panel.decision_deadline)}` },
      { type: 'mrkdwn', text: `*Candidate hears by*\n${calendarDate(panel.answer_promised_on)}` },
      { type: 'mrkdwn', text: `*State*\n${STATE_LABELS[panel.state]}` },
    ],
  };
}

function stagesSection(details: PanelDetails): SectionBlock {
  const lines = details.stages.map((stage, index) => {
    const definition = stageDefinition(stage.kind);
    return `${index + 1}. *${definition.label}*: ${definition.focus}`;
  });
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(`*Stages*\n${lines.join('\n')}`, SLACK_LIMITS.sectionText) },
  };
}

function scheduleSection(slots: readonly SlotWithPeople[]): SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(`*Schedule*\n${scheduleLines(slots)}`, SLACK_LIMITS.sectionText) },
  };
}

function title(details: PanelDetails): string {
  const { panel } = details;
  return `*${formatPanelReference(panel.number)} · ${escapeMrkdwn(panel.candidate_name)}* for *${escapeMrkdwn(panel.role_title)}*`;
}

/**
 * The hiring-channel announcement of a panel, kept up to date in place with `chat.update`.
 * It holds no first-interview notes: a channel may have readers outside the panel's team.
 */
export function getPanelAnnouncement(
  details: PanelDetails,
  slots: readonly SlotWithPeople[] = [],
  decision?: Pick<Decision, 'outcome' | 'decided_by' | 'decided_at' | 'candidate_told_on'>,
): { text: string; blocks: KnownBlock[] } {
  const { panel } = details;
  const reference = formatPanelReference(panel.number);
  const headline =
    panel.state === 'cancelled'
      ? `:no_entry: ${title(details)}: this panel was cancelled.`
      : `:busts_in_silhouette: Second-round panel ${title(details)}`;
  // The outcome, not the reason: the reason is in the debrief, for those who follow it.
  const decided: KnownBlock[] =
    decision === undefined
      ? []
      : [
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `*Decision: ${DECISION_LABELS[decision.outcome]}*, recorded by ${mentionUser(decision.decided_by)} ${slackDate(decision.decided_at, '{date_short_pretty}')}. Candidate told by ${calendarDate(decision.candidate_told_on)}.`,
            },
          },
        ];
  return {
    text: truncate(
      `${reference}: second-round panel for ${escapeMrkdwn(panel.candidate_name)} (${escapeMrkdwn(panel.role_title)})`,
      SLACK_LIMITS.messageText,
    ),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncate(headline, SLACK_LIMITS.sectionText) } },
      ...decided,
      peopleAndDates(details),
      stagesSection(details),
      scheduleSection(slots),
      ...(panel.state === 'open'
        ? [
            {
              type: 'actions' as const,
              block_id: 'announcement_actions',
              elements: [
                {
                  type: 'button' as const,
                  action_id: ACTION_IDS.openSchedule,
                  value: panel.id,
                  text: { type: 'plain_text' as const, text: 'Schedule' },
                },
              ],
            },
          ]
        : []),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Opened by ${mentionUser(panel.created_by)} · \`/panel status ${reference}\` for details`,
          },
        ],
      },
    ],
  };
}

/** One panel as its team sees it on demand (ephemeral), including the first-interview notes. */
export function getPanelStatusBlocks(
  details: PanelDetails,
  slots: readonly SlotWithPeople[] = [],
  { canCoordinate = false }: { canCoordinate?: boolean } = {},
): { text: string; blocks: KnownBlock[] } {
  const { panel } = details;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(title(details), SLACK_LIMITS.sectionText) } },
    peopleAndDates(details),
    stagesSection(details),
  ];
  if (canCoordinate && panel.state === 'open') {
    // One section a slot, with its own Reschedule and Cancel buttons, up to Slack's block limit.
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: slots.length === 0 ? '*Schedule*\n_Nothing booked yet._' : '*Schedule*' },
    });
    for (const slot of slots.slice(0, 15)) {
      blocks.push(
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: truncate(scheduleLines([slot]).replace(/^• /, ''), SLACK_LIMITS.sectionText),
          },
        },
        {
          type: 'actions',
          block_id: `slot_${slot.slot.id}_manage`,
          elements: [
            {
              type: 'button',
              action_id: ACTION_IDS.rescheduleSlot,
              value: slot.slot.id,
              text: { type: 'plain_text', text: 'Reschedule' },
            },
            {
              type: 'button',
              action_id: ACTION_IDS.cancelSlot,
              value: slot.slot.id,
              style: 'danger',
              text: { type: 'plain_text', text: 'Cancel slot' },
              confirm: {
                title: { type: 'plain_text', text: 'Cancel this slot?' },
                text: {
                  type: 'mrkdwn',
                  text: truncate(`${slotTime(slot.slot)}: its interviewers will be told and freed.`, 300),
                },
                confirm: { type: 'plain_text', text: 'Cancel slot' },
                deny: { type: 'plain_text', text: 'Keep it' },
              },
            },
          ],
        },
      );
    }
    blocks.push({
      type: 'actions',
      block_id: 'status_schedule',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.openSchedule,
          value: panel.id,
          text: { type: 'plain_text', text: 'Add slots' },
        },
      ],
    });
  } else {
    blocks.push(scheduleSection(slots));
  }
  if (panel.first_interview_notes !== null) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*Notes from the first interview*\n${escapeMrkdwn(panel.first_interview_notes)}`,
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
        text: `Opened by ${mentionUser(panel.created_by)} on ${slackDate(panel.created_at, '{date_short_pretty}')}`,
      },
    ],
  });
  return { text: `${formatPanelReference(panel.number)}: ${escapeMrkdwn(panel.candidate_name)}`, blocks };
}
