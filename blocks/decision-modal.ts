import type { ModalView } from '@slack/types';
import type { Panel } from '../src/db/database.js';
import type { DebriefSummary } from '../src/domain/debrief.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { escapeMrkdwn } from '../src/slack/mrkdwn.js';
import { tally } from './debrief.js';
import { DECISION_BLOCKS, VIEW_IDS } from './ids.js';
import { plain } from './text.js';

export interface DecisionMetadata {
  panelId: string;
}

/** The decision modal: hire / no hire / hold, a reason, and when the candidate will be told. */
export function getDecisionModal(
  panel: Panel,
  summary: DebriefSummary,
  { showTally = true }: { showTally?: boolean } = {},
): ModalView {
  const metadata: DecisionMetadata = { panelId: panel.id };
  const waiting = summary.complete
    ? ''
    : `\n:warning: ${summary.expected - summary.submitted} of ${summary.expected} feedback still missing.`;
  // Counts are feedback too: a sealed panel, or a decision maker who has yet to write their own
  // interview's feedback, sees none here either.
  const recommendations = showTally ? tally(summary.recommendations) : ':lock: _not shown yet_';
  return {
    type: 'modal',
    callback_id: VIEW_IDS.decision,
    private_metadata: JSON.stringify(metadata),
    title: plain(`Decide ${formatPanelReference(panel.number)}`),
    submit: plain('Record decision'),
    close: plain('Cancel'),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*${escapeMrkdwn(panel.candidate_name)}*, ${escapeMrkdwn(panel.role_title)}\nRecommendations: ${recommendations}${waiting}`,
        },
      },
      {
        type: 'input',
        block_id: DECISION_BLOCKS.outcome,
        label: plain('Decision'),
        element: {
          type: 'radio_buttons',
          action_id: 'input',
          options: [
            { text: plain('Hire'), value: 'hire' },
            { text: plain('No hire'), value: 'no_hire' },
            { text: plain('Hold'), value: 'hold' },
          ],
        },
      },
      {
        type: 'input',
        block_id: DECISION_BLOCKS.reason,
        label: plain('Reason'),
        hint: plain('Shown in the hiring channel with the decision.'),
        element: { type: 'plain_text_input', action_id: 'input', multiline: true, max_length: 3000 },
      },
      {
        type: 'input',
        block_id: DECISION_BLOCKS.candidateToldOn,
        label: plain('The candidate will be told on'),
        element: { type: 'datepicker', action_id: 'input', initial_date: panel.answer_promised_on },
      },
    ],
  };
}
