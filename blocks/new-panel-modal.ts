import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { StageKind } from '../src/db/database.js';
import { NEW_PANEL_LIMITS } from '../src/domain/new-panel-form.js';
import { DEFAULT_STAGE_KINDS, STAGES } from '../src/domain/stages.js';
import { escapeMrkdwn, mentionChannel } from '../src/slack/mrkdwn.js';
import { NEW_PANEL_BLOCKS, NEW_PANEL_INPUT, VIEW_IDS } from './ids.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { plain } from './text.js';

function stageOption(kind: StageKind): PlainTextOption {
  const stage = STAGES.find((s) => s.kind === kind);
  const label = stage?.label ?? kind;
  return {
    text: plain(label),
    value: kind,
    description: plain(truncate(`Run by ${stage?.runBy ?? 'the panel'}`, SLACK_LIMITS.optionText)),
  };
}

/**
 * The `/panel new` modal. `initialUserId` pre-fills the recruiter with the person who opened it
 * (the usual case), which they can change.
 */
export function getNewPanelModal({ initialUserId }: { initialUserId?: string } = {}): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.candidate,
      label: plain('Candidate'),
      element: {
        type: 'plain_text_input',
        action_id: NEW_PANEL_INPUT,
        max_length: NEW_PANEL_LIMITS.candidate,
        placeholder: plain('Full name'),
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.role,
      label: plain('Role'),
      element: {
        type: 'plain_text_input',
        action_id: NEW_PANEL_INPUT,
        max_length: NEW_PANEL_LIMITS.role,
        placeholder: plain('e.g. Senior Backend Engineer'),
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.hiringManager,
      label: plain('Hiring manager'),
      element: {
        type: 'users_select',
        action_id: NEW_PANEL_INPUT,
        placeholder: plain('Who the role reports to'),
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.recruiter,
      label: plain('Recruiter'),
      element: {
        type: 'users_select',
        action_id: NEW_PANEL_INPUT,
        placeholder: plain('Who coordinates with the candidate'),
        ...(initialUserId === undefined ? {} : { initial_user: initialUserId }),
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.decisionMakers,
      label: plain('Decision maker(s)'),
      element: {
        type: 'multi_users_select',
        action_id: NEW_PANEL_INPUT,
        max_selected_items: NEW_PANEL_LIMITS.decisionMakers,
        placeholder: plain('Who records hire / no hire'),
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.channel,
      label: plain('Hiring channel'),
      hint: plain(
        'The announcement, schedule and debrief are posted here. Private channels need /invite @Panelist.',
      ),
      element: {
        type: 'conversations_select',
        action_id: NEW_PANEL_INPUT,
        placeholder: plain('Choose a channel'),
        filter: { include: ['public', 'private'], exclude_bot_users: true },
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.deadline,
      label: plain('Decision deadline'),
      hint: plain('When hire / no hire must be decided. Shown to each person in their own time zone.'),
      element: { type: 'datetimepicker', action_id: NEW_PANEL_INPUT },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.answerPromisedOn,
      label: plain('Candidate was promised an answer by'),
      element: { type: 'datepicker', action_id: NEW_PANEL_INPUT, placeholder: plain('Choose a date') },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.stages,
      label: plain('Stages of the loop'),
      element: {
        type: 'checkboxes',
        action_id: NEW_PANEL_INPUT,
        options: STAGES.map((stage) => stageOption(stage.kind)),
        initial_options: DEFAULT_STAGE_KINDS.map(stageOption),
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.sealed,
      optional: true,
      label: plain('Blind debrief'),
      element: {
        type: 'checkboxes',
        action_id: NEW_PANEL_INPUT,
        options: [
          {
            text: plain('Seal feedback'),
            value: 'sealed',
            description: plain(
              'Nobody, coordinators included, reads feedback until all is in or the deadline passes',
            ),
          },
        ],
      },
    },
    {
      type: 'input',
      block_id: NEW_PANEL_BLOCKS.notes,
      optional: true,
      label: plain('Notes from the first interview'),
      hint: plain(
        'Shared with interviewers in their briefing so the second round does not repeat the first.',
      ),
      element: {
        type: 'plain_text_input',
        action_id: NEW_PANEL_INPUT,
        multiline: true,
        max_length: NEW_PANEL_LIMITS.notes,
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEW_IDS.newPanel,
    title: plain('New panel'),
    submit: plain('Create panel'),
    close: plain('Cancel'),
    blocks,
  };
}

/** Replaces the modal once the panel exists, so the creator sees its reference at once. */
export function getPanelCreatedModal({
  reference,
  candidateName,
  channelId,
}: {
  reference: string;
  candidateName: string;
  channelId: string;
}): ModalView {
  return {
    type: 'modal',
    title: plain('Panel created'),
    close: plain('Done'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:white_check_mark: *${reference}* is open for *${escapeMrkdwn(candidateName)}*. It is being announced in ${mentionChannel(channelId)}.`,
        },
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `See where it stands any time with \`/panel status ${reference}\`.` },
        ],
      },
    ],
  };
}
