import type { InputBlock, ModalView } from '@slack/types';
import { NUDGE_KINDS, NUDGE_LABELS } from '../src/domain/nudge-settings.js';
import { SETTING_BOUNDS, type WorkspaceSettings } from '../src/domain/workspace-settings.js';
import { SETTINGS_BLOCKS, VIEW_IDS } from './ids.js';
import { plain } from './text.js';

function numberInput(
  blockId: string,
  label: string,
  value: number,
  bounds: { min: number; max: number },
  hint?: string,
): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    ...(hint === undefined ? {} : { hint: plain(hint) }),
    element: {
      type: 'number_input',
      action_id: 'input',
      is_decimal_allowed: false,
      min_value: String(bounds.min),
      max_value: String(bounds.max),
      initial_value: String(value),
    },
  };
}

/** `/panel settings`: the workspace's scheduling rules and nudges. */
export function getSettingsModal({ scheduling, nudges }: WorkspaceSettings): ModalView {
  const options = NUDGE_KINDS.map((kind) => ({ text: plain(NUDGE_LABELS[kind]), value: kind }));
  const initial = options.filter((o) => nudges.enabled[o.value]);
  return {
    type: 'modal',
    callback_id: VIEW_IDS.settings,
    title: plain('Panelist settings'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      { type: 'header', text: plain('Scheduling rules') },
      numberInput(
        SETTINGS_BLOCKS.bufferMinutes,
        'Minutes free between two interviews',
        scheduling.bufferMinutes,
        SETTING_BOUNDS.bufferMinutes,
        'An interviewer cannot be booked into slots closer together than this.',
      ),
      numberInput(
        SETTINGS_BLOCKS.weeklyLimit,
        'Interviews per person per week',
        scheduling.weeklyLimit,
        SETTING_BOUNDS.weeklyLimit,
        'Weeks run Monday to Sunday in each interviewer’s time zone.',
      ),
      { type: 'header', text: plain('Nudges') },
      {
        type: 'input',
        block_id: SETTINGS_BLOCKS.enabled,
        optional: true,
        label: plain('Send these nudges'),
        element: {
          type: 'checkboxes',
          action_id: 'input',
          options,
          ...(initial.length === 0 ? {} : { initial_options: initial }),
        },
      },
      numberInput(
        SETTINGS_BLOCKS.briefingHours,
        'Briefing: hours before the interview',
        nudges.briefingHoursBefore,
        SETTING_BOUNDS.briefingHoursBefore,
      ),
      numberInput(
        SETTINGS_BLOCKS.reminderHours,
        'Feedback reminder: hours after the slot',
        nudges.reminderHoursAfter,
        SETTING_BOUNDS.reminderHoursAfter,
      ),
      numberInput(
        SETTINGS_BLOCKS.escalationHours,
        'Escalation: hours after the slot',
        nudges.escalationHoursAfter,
        SETTING_BOUNDS.escalationHoursAfter,
      ),
      numberInput(
        SETTINGS_BLOCKS.countdownFirst,
        'Decision countdown: first, hours before',
        nudges.countdownHoursBefore[0],
        SETTING_BOUNDS.countdownHoursBefore,
      ),
      numberInput(
        SETTINGS_BLOCKS.countdownSecond,
        'Decision countdown: second, hours before',
        nudges.countdownHoursBefore[1],
        SETTING_BOUNDS.countdownHoursBefore,
      ),
      {
        type: 'input',
        block_id: SETTINGS_BLOCKS.digestTime,
        label: plain('Channel digest time (working days)'),
        element: { type: 'timepicker', action_id: 'input', initial_time: nudges.digestTime },
      },
      {
        type: 'input',
        block_id: SETTINGS_BLOCKS.digestTimeZone,
        label: plain('Channel digest time zone'),
        element: {
          type: 'plain_text_input',
          action_id: 'input',
          initial_value: nudges.digestTimeZone,
          max_length: 64,
        },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: 'Direct messages wait for each person’s working hours (09:00–18:00, Mon–Fri, their time zone), except on deadline day.',
          },
        ],
      },
    ],
  };
}
