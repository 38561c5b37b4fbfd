import type { ModalView } from '@slack/types';
import { type SchedulingSettings, SETTING_BOUNDS } from '../src/domain/workspace-settings.js';
import { SETTINGS_BLOCKS, VIEW_IDS } from './ids.js';

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });

/** `/panel settings`: the workspace's scheduling rules. */
export function getSettingsModal(settings: SchedulingSettings): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW_IDS.settings,
    title: plain('Panelist settings'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*Scheduling rules* for every panel in this workspace.' },
      },
      {
        type: 'input',
        block_id: SETTINGS_BLOCKS.bufferMinutes,
        label: plain('Minutes free between two interviews'),
        hint: plain('An interviewer cannot be booked into slots closer together than this.'),
        element: {
          type: 'number_input',
          action_id: 'input',
          is_decimal_allowed: false,
          min_value: String(SETTING_BOUNDS.bufferMinutes.min),
          max_value: String(SETTING_BOUNDS.bufferMinutes.max),
          initial_value: String(settings.bufferMinutes),
        },
      },
      {
        type: 'input',
        block_id: SETTINGS_BLOCKS.weeklyLimit,
        label: plain('Interviews per person per week'),
        hint: plain('Weeks run Monday to Sunday in each interviewer’s time zone.'),
        element: {
          type: 'number_input',
          action_id: 'input',
          is_decimal_allowed: false,
          min_value: String(SETTING_BOUNDS.weeklyLimit.min),
          max_value: String(SETTING_BOUNDS.weeklyLimit.max),
          initial_value: String(settings.weeklyLimit),
        },
      },
    ],
  };
}
