import type { HomeView, KnownBlock } from '@slack/types';
import type { Panel } from '../src/db/database.js';
import { SLACK_LIMITS, truncate } from './limits.js';
import { panelLine } from './panel-list.js';

/** The App Home tab: the user's open panels and how to start one. */
export function getAppHome({ panels }: { panels: Panel[] }): HomeView {
  const open = panels.filter((panel) => panel.state === 'open');
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Your panels' } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text:
          open.length === 0
            ? 'No open panels. Start one with `/panel new`.'
            : truncate(open.slice(0, 20).map(panelLine).join('\n'), SLACK_LIMITS.sectionText),
      },
    },
    { type: 'divider' },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Type `/panel help` anywhere to see every command.' }],
    },
  ];
  return { type: 'home', blocks };
}
