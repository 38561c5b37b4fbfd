import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { FeedbackContent, Panel, Rating } from '../src/db/database.js';
import type { SlotWithPeople } from '../src/db/slots.js';
import { FEEDBACK_TEXT_LIMIT } from '../src/domain/feedback-form.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { NOT_ASSESSED, RATING_LABELS, RATINGS } from '../src/domain/ratings.js';
import { scorecardFor, stageDefinition } from '../src/domain/stages.js';
import { escapeMrkdwn } from '../src/slack/mrkdwn.js';
import { ACTION_IDS, FEEDBACK_BLOCKS, VIEW_IDS } from './ids.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { slotTime } from './slot-messages.js';
import { plain } from './text.js';

export interface FeedbackMetadata {
  slotId: string;
}

const ratingOption = (rating: Rating): PlainTextOption => ({
  text: plain(RATING_LABELS[rating]),
  value: rating,
});
const NOT_ASSESSED_OPTION: PlainTextOption = { text: plain('Not assessed'), value: NOT_ASSESSED };

function textInput(blockId: string, label: string, initial: string, hint?: string): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    optional: true,
    label: plain(label),
    ...(hint === undefined ? {} : { hint: plain(hint) }),
    element: {
      type: 'plain_text_input',
      action_id: 'input',
      multiline: true,
      max_length: FEEDBACK_TEXT_LIMIT,
      ...(initial === '' ? {} : { initial_value: initial }),
    },
  };
}

/**
 * The feedback modal for one interviewer and slot, built from the stage's scorecard: a rating per
 * competency (or "not assessed") with its evidence, STAR evidence, strengths, concerns, the
 * questions asked, and a recommendation with no neutral option. `content` pre-fills it (a draft,
 * or the submitted feedback being edited).
 */
export function getFeedbackModal({
  panel,
  slot,
  content,
  submitted,
}: {
  panel: Panel;
  slot: SlotWithPeople;
  content: FeedbackContent;
  submitted: boolean;
}): ModalView {
  const stage = stageDefinition(slot.stageKind);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${formatPanelReference(panel.number)} · ${escapeMrkdwn(panel.candidate_name)}*, ${escapeMrkdwn(panel.role_title)}\n*${stage.label}*, ${slotTime(slot.slot)}\n_${stage.focus}_`,
          SLACK_LIMITS.sectionText,
        ),
      },
    },
    { type: 'header', text: plain('Scorecard') },
  ];
  for (const competency of scorecardFor(slot.stageKind)) {
    const current = content.ratings[competency.key];
    blocks.push(
      {
        type: 'input',
        block_id: FEEDBACK_BLOCKS.rating(competency.key),
        label: plain(competency.label),
        element: {
          type: 'static_select',
          action_id: 'input',
          options: [...RATINGS.map(ratingOption), NOT_ASSESSED_OPTION],
          initial_option: current === undefined ? NOT_ASSESSED_OPTION : ratingOption(current),
        },
      },
      textInput(
        FEEDBACK_BLOCKS.evidence(competency.key),
        'Evidence',
        content.evidence[competency.key] ?? '',
        'Required for a strong yes or strong no.',
      ),
    );
  }
  blocks.push(
    { type: 'header', text: plain('Strongest example (STAR)') },
    textInput(FEEDBACK_BLOCKS.starSituation, 'Situation', content.star.situation),
    textInput(FEEDBACK_BLOCKS.starTask, 'Task', content.star.task),
    textInput(FEEDBACK_BLOCKS.starAction, 'Action: what the candidate did', content.star.action),
    textInput(FEEDBACK_BLOCKS.starResult, 'Result: what came of it', content.star.result),
    { type: 'header', text: plain('Overall') },
    textInput(FEEDBACK_BLOCKS.strengths, 'Strengths', content.strengths),
    textInput(FEEDBACK_BLOCKS.concerns, 'Concerns', content.concerns),
    textInput(FEEDBACK_BLOCKS.questions, 'Questions you asked', content.questions),
    {
      type: 'input',
      block_id: FEEDBACK_BLOCKS.recommendation,
      label: plain('Recommendation'),
      element: {
        type: 'radio_buttons',
        action_id: 'input',
        options: RATINGS.map(ratingOption),
        ...(content.recommendation === null ? {} : { initial_option: ratingOption(content.recommendation) }),
      },
    },
  );
  if (!submitted) {
    blocks.push({
      type: 'actions',
      block_id: 'feedback_draft',
      elements: [{ type: 'button', action_id: ACTION_IDS.saveDraft, text: plain('Save draft') }],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: submitted
          ? 'You are editing submitted feedback; the earlier version is kept. Edits close when the decision is recorded.'
          : 'Nobody sees your feedback until you submit it, and you see the others’ only after submitting yours.',
      },
    ],
  });
  const metadata: FeedbackMetadata = { slotId: slot.slot.id };
  return {
    type: 'modal',
    callback_id: VIEW_IDS.feedback,
    private_metadata: JSON.stringify(metadata),
    title: plain(truncate(`Feedback ${formatPanelReference(panel.number)}`, SLACK_LIMITS.modalTitle)),
    submit: plain(submitted ? 'Update feedback' : 'Submit feedback'),
    close: plain('Close'),
    blocks,
  };
}
