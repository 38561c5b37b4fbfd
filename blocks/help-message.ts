import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn } from '../src/slack/mrkdwn.js';

/** Every `/panel` subcommand with an example, as the help message lists them. */
export const PANEL_SUBCOMMANDS = [
  {
    usage: '/panel new',
    example: '/panel new',
    does: 'Start a second-round panel for a candidate (opens a form).',
  },
  { usage: '/panel list', example: '/panel list', does: 'The panels you take part in, newest first.' },
  { usage: '/panel status <panel>', example: '/panel status P-12', does: 'Where one panel stands.' },
  {
    usage: '/panel cancel <panel>',
    example: '/panel cancel P-12',
    does: 'Cancel a panel (recruiter or hiring manager).',
  },
  {
    usage: '/panel settings',
    example: '/panel settings',
    does: 'Workspace rules: buffer between interviews, weekly load (admins and recruiters).',
  },
  {
    usage: '/panel digest-zone [zone]',
    example: '/panel digest-zone Europe/Berlin',
    does: 'Typed in a hiring channel: the time zone of its daily digest (admins and recruiters).',
  },
  { usage: '/panel help', example: '/panel help', does: 'This message.' },
] as const;

/** The ephemeral help message; `unknown` is the subcommand the user typed that we did not understand. */
export function getHelpBlocks(unknown?: string): { text: string; blocks: KnownBlock[] } {
  const intro =
    unknown === undefined
      ? '*Panelist* runs the second round of hiring in Slack: schedule the panel, brief interviewers, collect blind structured feedback, debrief and decide on time.'
      : `I don’t know \`${escapeMrkdwn(unknown.replaceAll('`', 'ˋ').slice(0, 40))}\`. Here is what \`/panel\` can do:`;
  const lines = PANEL_SUBCOMMANDS.map((c) => `• \`${c.usage}\`: ${c.does} _e.g._ \`${c.example}\``);
  return {
    text: 'Panelist commands',
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: intro } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Panels are referred to by their number, such as `P-12`.' }],
      },
    ],
  };
}
