import type { PlainTextElement } from '@slack/types';

/** A plain-text object (labels, titles, button text), emoji shortcodes allowed. */
export function plain(text: string): PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}
