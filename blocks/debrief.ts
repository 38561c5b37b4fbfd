import type { KnownBlock, ModalView, SectionBlock } from '@slack/types';
import type { Decision, Feedback, Panel, Rating } from '../src/db/database.js';
import type { FeedbackWithHistory } from '../src/db/feedback.js';
import type { SlotWithPeople } from '../src/db/slots.js';
import type { DebriefSummary, RatingCounts } from '../src/domain/debrief.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { DECISION_LABELS, RATING_EMOJI, RATING_LABELS, RATINGS } from '../src/domain/ratings.js';
import { scorecardFor, stageDefinition } from '../src/domain/stages.js';
import { calendarDate, escapeMrkdwn, mentionUser, slackDate } from '../src/slack/mrkdwn.js';
import { ACTION_IDS } from './ids.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { plain } from './text.js';

/** `:star: 2 · :large_green_circle: 1`, strongest first; `none` when empty. */
export function tally(counts: RatingCounts): string {
  const parts = [...RATINGS]
    .reverse()
    .filter((r) => counts[r] > 0)
    .map((r) => `${RATING_EMOJI[r]} ${RATING_LABELS[r].toLowerCase()} ×${counts[r]}`);
  return parts.length === 0 ? '_none_' : parts.join(' · ');
}

/**
 * The debrief summary: per stage and competency the ratings, what nobody assessed, the
 * recommendations, and who is missing. Counts and names only, never feedback text, so it can go
 * to a channel.
 */
export function getDebriefSummaryBlocks(summary: DebriefSummary): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Recommendations* (${summary.submitted} of ${summary.expected} submitted): ${tally(summary.recommendations)}`,
      },
    },
  ];
  for (const stage of summary.stages) {
    if (stage.expected === 0) {
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: `*${stageDefinition(stage.stageKind).label}*: _no slot booked_` },
      });
      continue;
    }
    const lines = stage.competencies.map((c) => `• ${c.competency.label}: ${tally(c.counts)}`);
    if (stage.unassessed.length > 0) {
      lines.push(`:grey_question: _Nobody assessed:_ ${stage.unassessed.map((c) => c.label).join(', ')}`);
    }
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${stageDefinition(stage.stageKind).label}* (${stage.submitted}/${stage.expected}) · ${tally(stage.recommendations)}\n${lines.join('\n')}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    });
  }
  if (summary.missing.length > 0) {
    const who = summary.missing.map(
      (m) => `${mentionUser(m.interviewerId)} (${stageDefinition(m.stageKind).label})`,
    );
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`:hourglass_flowing_sand: *Waiting for* ${who.join(', ')}`, SLACK_LIMITS.sectionText),
      },
    });
  }
  return blocks;
}

export function decisionLine(decision: Decision): string {
  return `${DECISION_LABELS[decision.outcome]}, recorded by ${mentionUser(decision.decided_by)} ${slackDate(decision.decided_at, '{date_short_pretty}')}. Candidate told by ${calendarDate(decision.candidate_told_on)}.\n>${escapeMrkdwn(truncate(decision.reason, 2500)).replaceAll('\n', '\n>')}`;
}

/** The hiring-channel debrief: the summary, the decision once recorded, and the two buttons. */
export function getDebriefMessage(
  panel: Panel,
  summary: DebriefSummary,
  decision: Decision | undefined,
  { sealed = false }: { sealed?: boolean } = {},
): { text: string; blocks: KnownBlock[] } {
  const reference = formatPanelReference(panel.number);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:clipboard: *Debrief ${reference} · ${escapeMrkdwn(panel.candidate_name)}* for *${escapeMrkdwn(panel.role_title)}*${summary.complete ? '' : ' _(incomplete)_'}`,
      },
    },
    ...(sealed
      ? [
          {
            type: 'section' as const,
            text: {
              type: 'mrkdwn' as const,
              text: `:lock: *Sealed*: ratings and recommendations stay hidden until every interviewer has submitted or the decision deadline passes (${summary.submitted} of ${summary.expected} submitted).`,
            },
          },
        ]
      : getDebriefSummaryBlocks(summary)),
  ];
  if (decision !== undefined) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*Decision*: ${decisionLine(decision)}`, SLACK_LIMITS.sectionText),
      },
    });
  }
  blocks.push({
    type: 'actions',
    block_id: 'debrief_actions',
    elements: [
      { type: 'button', action_id: ACTION_IDS.viewFeedback, value: panel.id, text: plain('View feedback') },
      ...(decision === undefined && panel.state === 'open'
        ? [
            {
              type: 'button' as const,
              action_id: ACTION_IDS.recordDecision,
              value: panel.id,
              style: 'primary' as const,
              text: plain('Record decision'),
            },
          ]
        : []),
    ],
  });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: 'Feedback text is shown only to the people allowed to read it, with *View feedback*.',
      },
    ],
  });
  return { text: `Debrief ${reference}: ${escapeMrkdwn(panel.candidate_name)}`, blocks };
}

function feedbackBlocks(feedback: FeedbackWithHistory, slot: SlotWithPeople | undefined): KnownBlock[] {
  const c = feedback.content;
  const kind = slot?.stageKind;
  const ratingLines = (kind === undefined ? [] : scorecardFor(kind))
    .filter((competency) => c.ratings[competency.key] !== undefined)
    .map((competency) => {
      const rating = c.ratings[competency.key] as Rating;
      const evidence = c.evidence[competency.key];
      return `• ${competency.label}: *${RATING_LABELS[rating]}*${evidence === undefined ? '' : ` — ${escapeMrkdwn(evidence)}`}`;
    });
  const star = [
    ['Situation', c.star.situation],
    ['Task', c.star.task],
    ['Action', c.star.action],
    ['Result', c.star.result],
  ]
    .filter(([, text]) => text !== '')
    .map(([label, text]) => `*${label}:* ${escapeMrkdwn(text ?? '')}`);
  const rest = [
    ['Strengths', c.strengths],
    ['Concerns', c.concerns],
    ['Questions asked', c.questions],
  ]
    .filter(([, text]) => text !== '')
    .map(([label, text]) => `*${label}:* ${escapeMrkdwn(text ?? '')}`);
  return [
    { type: 'divider' },
    ...packLines([feedbackHeader(feedback, slot), ...ratingLines, ...star, ...rest]),
  ];
}

function feedbackHeader(feedback: FeedbackWithHistory, slot: SlotWithPeople | undefined): string {
  const c = feedback.content;
  const stage = slot === undefined ? '' : stageDefinition(slot.stageKind).label;
  // Edits stay visible: feedback rewritten after reading the others' shows as such.
  const versions = feedback.versions ?? 1;
  const edited =
    versions > 1 && feedback.last_version_at != null
      ? ` · _edited: ${versions} versions, the last ${slackDate(feedback.last_version_at, '{date_short_pretty} at {time}')}_`
      : '';
  return `${mentionUser(feedback.interviewer_id)} · ${stage} · *${c.recommendation === null ? 'no recommendation' : RATING_LABELS[c.recommendation]}*${edited}`;
}

/** Cuts escaped text without splitting an entity such as `&amp;`. */
function truncateEscaped(text: string, max: number): string {
  const cut = truncate(text, max);
  return cut.length < text.length ? cut.replace(/&[a-z]{0,4}…$/, '…') : cut;
}

/** Lines into as few sections as Slack's 3,000 characters allow; each line keeps its own room. */
function packLines(lines: readonly string[]): SectionBlock[] {
  const sections: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncateEscaped(raw, SLACK_LIMITS.sectionText - 10);
    if (current !== '' && current.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      sections.push(current);
      current = line;
    } else {
      current = current === '' ? line : `${current}\n${line}`;
    }
  }
  if (current !== '') sections.push(current);
  return sections.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

/** One person's whole feedback, for the modal pushed by **Read**. */
export function getSingleFeedbackModal(
  panel: Panel,
  feedback: Feedback,
  slot: SlotWithPeople | undefined,
): ModalView {
  return {
    type: 'modal',
    title: plain(truncate(`Feedback ${formatPanelReference(panel.number)}`, SLACK_LIMITS.modalTitle)),
    close: plain('Back'),
    blocks: feedbackBlocks(feedback, slot).slice(0, SLACK_LIMITS.blocksPerModal),
  };
}

/** The full feedback of a panel in a modal, for someone allowed to read it. */
export function getFeedbackViewModal(
  panel: Panel,
  summary: DebriefSummary,
  feedback: readonly FeedbackWithHistory[],
  slots: readonly SlotWithPeople[],
): ModalView {
  const submitted = feedback.filter((f) => f.state === 'submitted');
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${formatPanelReference(panel.number)} · ${escapeMrkdwn(panel.candidate_name)}*, ${escapeMrkdwn(panel.role_title)}`,
      },
    },
    ...getDebriefSummaryBlocks(summary),
  ];
  let inline = true;
  for (const entry of submitted) {
    const slot = slots.find((s) => s.slot.id === entry.slot_id);
    const more = feedbackBlocks(entry, slot);
    // Whole feedback while it fits; after that, a line each with a Read button for the rest.
    if (inline && blocks.length + more.length <= SLACK_LIMITS.blocksPerModal - 20) {
      blocks.push(...more);
      continue;
    }
    inline = false;
    if (blocks.length >= SLACK_LIMITS.blocksPerModal - 1) break;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(feedbackHeader(entry, slot), SLACK_LIMITS.sectionText) },
      accessory: { type: 'button', action_id: ACTION_IDS.readFeedback, value: entry.id, text: plain('Read') },
    });
  }
  if (submitted.length === 0)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '_No feedback submitted yet._' } });
  return {
    type: 'modal',
    title: plain(truncate(`Feedback ${formatPanelReference(panel.number)}`, SLACK_LIMITS.modalTitle)),
    close: plain('Close'),
    blocks,
  };
}

/**
 * The feedback part of `/panel status`: the full summary for someone allowed to see it (marked
 * incomplete while feedback is missing), otherwise only who has and has not submitted.
 */
export function getStatusFeedbackBlocks(
  summary: DebriefSummary,
  submittedBy: readonly string[],
  options: { showRatings: boolean; decision: Decision | undefined },
): KnownBlock[] {
  if (summary.expected === 0) return [];
  const heading = `*Feedback* ${summary.submitted}/${summary.expected}${summary.complete ? ' (complete)' : ' _(incomplete)_'}`;
  const blocks: KnownBlock[] = [
    { type: 'divider' },
    { type: 'section', text: { type: 'mrkdwn', text: heading } },
  ];
  if (options.showRatings) {
    blocks.push(...getDebriefSummaryBlocks(summary));
  } else {
    const done = [...new Set(submittedBy)].map(mentionUser).join(', ') || '_nobody yet_';
    const waiting =
      [...new Set(summary.missing.map((m) => m.interviewerId))].map(mentionUser).join(', ') || '_nobody_';
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`Submitted: ${done}\nWaiting for: ${waiting}`, SLACK_LIMITS.sectionText),
      },
    });
  }
  if (options.decision !== undefined) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(`*Decision*: ${decisionLine(options.decision)}`, SLACK_LIMITS.sectionText),
      },
    });
  }
  return blocks;
}
