import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { DateTime } from 'luxon';
import type { Nudge } from '../src/db/database.js';
import type { SlotWithPeople } from '../src/db/slots.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { stageDefinition } from '../src/domain/stages.js';
import type { PanelFeedbackState } from '../src/services/feedback.js';
import { calendarDate, escapeMrkdwn, mentionUser, slackDate } from '../src/slack/mrkdwn.js';
import { tally } from './debrief.js';
import { ACTION_IDS } from './ids.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { locationText, slotTime } from './slot-messages.js';

export const SNOOZE = { oneHour: '1h', tomorrow: 'tomorrow' } as const;

/** One nudge with what its message needs. */
export interface NudgeToSend {
  nudge: Nudge;
  state: PanelFeedbackState;
  slot: SlotWithPeople | undefined;
  /** The recipient's time zone, for fallback times. */
  zone: string;
  /** When it goes out (time left to a deadline is counted from here). */
  now?: Date;
  /**
   * Whether the recipient may see recommendation counts (not on a sealed panel, nor a decision
   * maker who has yet to write their own interview's feedback).
   */
  mayReadCounts?: boolean;
}

/** "in 2 days", "in 5 hours": the time left from when a countdown goes out to the deadline. */
function timeLeft(ms: number): string {
  const hours = Math.max(1, Math.round(ms / 3_600_000));
  if (hours >= 36) return `in ${Math.round(hours / 24)} days`;
  return hours === 1 ? 'in about an hour' : `in ${hours} hours`;
}

const button = (actionId: string, text: string, value: string, primary = false): Button => ({
  type: 'button',
  action_id: actionId,
  value,
  text: { type: 'plain_text', text },
  ...(primary ? { style: 'primary' as const } : {}),
});

function headline({ state }: NudgeToSend): string {
  const { panel } = state.details;
  return `*${formatPanelReference(panel.number)} · ${escapeMrkdwn(panel.candidate_name)}*, ${escapeMrkdwn(panel.role_title)}`;
}

/** The briefing: what the stage probes, questions to ask, what earlier stages covered, notes, link. */
function briefing(item: NudgeToSend): { text: string; buttons: Button[] } {
  const { slot, state, zone } = item;
  if (slot === undefined) return { text: headline(item), buttons: [] };
  const stage = stageDefinition(slot.stageKind);
  const earlier = state.slots
    .filter((s) => s.slot.starts_at < slot.slot.starts_at && s.slot.id !== slot.slot.id)
    .map(
      (s) =>
        `${stageDefinition(s.stageKind).label} (${stageDefinition(s.stageKind).focus.split(':')[0]?.split('.')[0]})`,
    );
  const notes = state.details.panel.first_interview_notes;
  const lines = [
    `:mag: *Briefing* for ${headline(item)}: your *${stage.label}* is ${slotTime(slot.slot, zone)} at ${locationText(slot.slot.location)}.`,
    `*What this stage probes:* ${stage.focus}`,
    `*Questions to ask:*\n${stage.questions.map((q) => `• ${q}`).join('\n')}`,
    `*Earlier stages already covered:* ${earlier.length === 0 ? '_nothing yet: this is the first_' : earlier.join('; ')}`,
    notes === null ? '' : `*From the first interview (don’t repeat it):* ${escapeMrkdwn(notes)}`,
    slot.slot.note === null ? '' : `*Coordinator’s note:* ${escapeMrkdwn(slot.slot.note)}`,
  ].filter((line) => line !== '');
  return {
    text: lines.join('\n'),
    buttons: [button(ACTION_IDS.declineSlot, 'I can’t make it', slot.slot.id)],
  };
}

function section(item: NudgeToSend): { text: string; buttons: Button[] } {
  const { nudge, slot, state, zone } = item;
  const { panel } = state.details;
  switch (nudge.kind) {
    case 'briefing':
      return briefing(item);
    case 'feedback_due':
    case 'feedback_reminder': {
      const when =
        slot === undefined ? '' : ` (${stageDefinition(slot.stageKind).label}, ${slotTime(slot.slot, zone)})`;
      const text =
        nudge.kind === 'feedback_due'
          ? `:memo: Your interview for ${headline(item)}${when} is over: please give your feedback while it is fresh.`
          : `:memo: *Reminder:* your feedback for ${headline(item)}${when} is still missing. The debrief waits for it.`;
      return {
        text,
        buttons:
          slot === undefined ? [] : [button(ACTION_IDS.giveFeedback, 'Give feedback', slot.slot.id, true)],
      };
    }
    case 'feedback_escalation': {
      const late = state.summary.missing
        .filter((m) => m.slotId === nudge.subject)
        .map((m) => mentionUser(m.interviewerId));
      return {
        text: `:rotating_light: Feedback for ${headline(item)} is late from ${late.join(', ') || 'nobody any more'}${slot === undefined ? '' : ` (${stageDefinition(slot.stageKind).label}, ${slotTime(slot.slot, zone)})`}. Please chase them.`,
        buttons: [button(ACTION_IDS.viewPanel, 'Open panel', panel.id)],
      };
    }
    case 'decision_countdown': {
      const due = slackDate(panel.decision_deadline, '{date_short_pretty} at {time}', zone);
      const counts =
        item.mayReadCounts === false ? ':lock: _not shown yet_' : tally(state.summary.recommendations);
      const sentAt = Math.max(nudge.deliver_at.getTime(), item.now?.getTime() ?? 0);
      const left = panel.decision_deadline.getTime() - sentAt;
      // A 48h or 24h countdown that goes out late (a backlog, a revived row) tells it as it is.
      const text =
        nudge.occurrence.startsWith('overdue') || (nudge.occurrence !== 'due' && left <= 0)
          ? `:alarm_clock: The decision on ${headline(item)} is *overdue* (it was due ${due}). Recommendations so far: ${counts}.`
          : nudge.occurrence === 'due'
            ? `:alarm_clock: The decision on ${headline(item)} is due *now* (${due}). Recommendations: ${counts}.`
            : `:hourglass: The decision on ${headline(item)} is due ${due} (${timeLeft(left)}). Feedback in: ${state.summary.submitted}/${state.summary.expected}.`;
      return { text, buttons: [button(ACTION_IDS.recordDecision, 'Record decision', panel.id, true)] };
    }
    case 'candidate_update': {
      const when = nudge.occurrence === 'day-of' ? 'today' : 'tomorrow';
      return {
        text: `:speech_balloon: ${escapeMrkdwn(panel.candidate_name)} was promised an answer ${when} (${calendarDate(panel.answer_promised_on)}) and no decision on ${headline(item)} is recorded yet. Let the candidate know where things stand.`,
        buttons: [button(ACTION_IDS.candidateUpdated, 'I’ve updated the candidate', panel.id, true)],
      };
    }
    case 'debrief_ready':
      return {
        text: `:clipboard: The debrief of ${headline(item)} is ready: ${tally(state.summary.recommendations)}. The decision is due ${slackDate(panel.decision_deadline, '{date_short_pretty} at {time}', zone)}.`,
        buttons: [
          button(ACTION_IDS.viewFeedback, 'View feedback', panel.id),
          button(ACTION_IDS.recordDecision, 'Record decision', panel.id, true),
        ],
      };
    case 'channel_digest':
      return { text: digestText(item), buttons: [] };
  }
}

function digestText(item: NudgeToSend): string {
  const { state, nudge } = item;
  const { panel } = state.details;
  const day = nudge.occurrence;
  // The digest's day is a date in its own time zone: compare the interviews' dates there too.
  const today = state.slots.filter(
    (s) => DateTime.fromJSDate(s.slot.starts_at, { zone: item.zone }).toISODate() === day,
  );
  const late = [
    ...new Set(
      state.summary.missing
        .filter((m) => state.slots.find((s) => s.slot.id === m.slotId && s.slot.ends_at < nudge.deliver_at))
        .map((m) => mentionUser(m.interviewerId)),
    ),
  ];
  const days = Math.ceil(
    (panel.decision_deadline.getTime() - nudge.deliver_at.getTime()) / (24 * 3600 * 1000),
  );
  return [
    `:sunrise: *Today on ${formatPanelReference(panel.number)}* · ${escapeMrkdwn(panel.candidate_name)}, ${escapeMrkdwn(panel.role_title)}`,
    today.length === 0
      ? 'No interviews today.'
      : `Interviews today:\n${today.map((s) => `• ${stageDefinition(s.stageKind).label} ${slotTime(s.slot)}`).join('\n')}`,
    late.length === 0 ? 'No feedback is late.' : `Feedback late from: ${late.join(', ')}`,
    `Decision due ${slackDate(panel.decision_deadline, '{date_short_pretty}')}: ${days <= 0 ? 'today or overdue' : `${days} day${days === 1 ? '' : 's'} left`}.`,
  ].join('\n');
}

/**
 * One message for everything due to one recipient now: a section per nudge with the button that
 * resolves it, and for DMs a Snooze menu (1 hour, or tomorrow morning in their working hours).
 */
export function getNudgeMessage(
  items: readonly NudgeToSend[],
  { isChannel }: { isChannel: boolean },
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [];
  for (const item of items.slice(0, 15)) {
    const { text, buttons } = section(item);
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) },
    });
    if (buttons.length > 0) {
      const actions: ActionsBlock = {
        type: 'actions',
        block_id: `nudge_${item.nudge.id}`,
        elements: buttons,
      };
      blocks.push(actions);
    }
  }
  if (!isChannel) {
    blocks.push({
      type: 'actions',
      block_id: 'nudge_snooze',
      elements: [
        {
          type: 'static_select',
          action_id: ACTION_IDS.snoozeNudge,
          placeholder: { type: 'plain_text', text: 'Snooze' },
          options: [
            { text: { type: 'plain_text', text: 'For 1 hour' }, value: SNOOZE.oneHour },
            { text: { type: 'plain_text', text: 'Until tomorrow morning' }, value: SNOOZE.tomorrow },
          ],
        },
      ],
    });
  }
  const first = items[0];
  const summary =
    items.length === 1 && first !== undefined
      ? `Panelist: ${first.nudge.kind.replaceAll('_', ' ')} for ${formatPanelReference(first.state.details.panel.number)}`
      : `Panelist: ${items.length} reminders`;
  return { text: summary, blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}
