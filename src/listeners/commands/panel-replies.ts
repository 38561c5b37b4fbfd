import type { RespondArguments } from '@slack/bolt';
import { formatPanelReference } from '../../domain/panel-reference.js';
import { mentionUser } from '../../slack/mrkdwn.js';

/** Short ephemeral answers to `/panel`, worded so the person knows what to do next. */
export function ephemeral(text: string): RespondArguments {
  return { response_type: 'ephemeral', text };
}

export function missingReference(subcommand: string): RespondArguments {
  return ephemeral(
    `Which panel? Add its number, for example \`/panel ${subcommand} P-12\`. \`/panel list\` shows yours.`,
  );
}

export function unknownPanel(number: number): RespondArguments {
  return ephemeral(
    `There is no panel ${formatPanelReference(number)} in this workspace. \`/panel list\` shows the panels you are on.`,
  );
}

export function notOnTeam(number: number, recruiterId: string | undefined): RespondArguments {
  const ask = recruiterId === undefined ? '' : ` Ask ${mentionUser(recruiterId)} if you should be.`;
  return ephemeral(
    `:lock: ${formatPanelReference(number)} is visible only to its team (recruiter, hiring manager, decision makers and interviewers), and you are not on it.${ask}`,
  );
}

export const somethingWentWrong = ephemeral(
  ':warning: Panelist could not do that just now. Nothing was changed; try again in a minute.',
);
