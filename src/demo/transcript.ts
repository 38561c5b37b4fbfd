import { DateTime } from 'luxon';

/** Who is who in the demo, to turn ids into names and times into each reader's zone. */
export interface Directory {
  userName(id: string): string;
  userZone(id: string): string;
  channelName(id: string): string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Slack mrkdwn as a reader would see it: names, channels, dates in their zone, links, entities. */
export function renderMrkdwn(text: string, directory: Directory, readerZone: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)>/g, (_, id: string) => `@${directory.userName(id)}`)
    .replace(/<#([CG][A-Z0-9]+)(\|[^>]*)?>/g, (_, id: string) => `#${directory.channelName(id)}`)
    .replace(/<!date\^(\d+)\^([^|>]*)\|[^>]*>/g, (_, seconds: string, tokens: string) => {
      const hasDate = tokens.includes('{date');
      const hasTime = tokens.includes('{time');
      const format = hasDate && hasTime ? 'ccc d LLL HH:mm ZZZZ' : hasDate ? 'ccc d LLL' : 'HH:mm ZZZZ';
      return DateTime.fromSeconds(Number(seconds), { zone: readerZone }).toFormat(format, {
        locale: 'en-GB',
      });
    })
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, (_, url: string, label: string) =>
      label === url ? url : `${label} (${url.length > 60 ? `${url.slice(0, 57)}…` : url})`,
    )
    .replace(/<!(channel|here|everyone)>/g, '@$1')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function elementLabel(element: Json): string {
  const text = isObject(element.text) ? str(element.text.text) : '';
  const placeholder = isObject(element.placeholder) ? str(element.placeholder.text) : '';
  switch (element.type) {
    case 'button':
      return `[${text}]`;
    case 'static_select':
    case 'overflow':
      return `[${placeholder || 'Choose'} ▾]`;
    default:
      return `[${text || placeholder || String(element.type)}]`;
  }
}

/** Block Kit as plain text lines: headers, sections, fields, buttons, inputs, context. */
export function renderBlocks(blocks: unknown, directory: Directory, readerZone: string): string[] {
  if (!Array.isArray(blocks)) return [];
  const lines: string[] = [];
  const md = (text: unknown) => renderMrkdwn(str(text), directory, readerZone);
  for (const block of blocks) {
    if (!isObject(block)) continue;
    switch (block.type) {
      case 'header':
        lines.push(`  == ${isObject(block.text) ? str(block.text.text) : ''} ==`);
        break;
      case 'section': {
        if (isObject(block.text))
          lines.push(
            ...md(block.text.text)
              .split('\n')
              .map((l) => `  ${l}`),
          );
        if (Array.isArray(block.fields)) {
          for (const field of block.fields)
            if (isObject(field)) lines.push(`    ${md(field.text).replace(/\n/g, ': ')}`);
        }
        if (isObject(block.accessory)) lines.push(`    ${elementLabel(block.accessory)}`);
        break;
      }
      case 'actions':
        if (Array.isArray(block.elements)) {
          lines.push(`  ${block.elements.filter(isObject).map(elementLabel).join(' ')}`);
        }
        break;
      case 'context':
        if (Array.isArray(block.elements)) {
          lines.push(
            `  (${block.elements
              .filter(isObject)
              .map((e) => md(e.text))
              .join(' ')})`,
          );
        }
        break;
      case 'input': {
        const label = isObject(block.label) ? str(block.label.text) : '';
        lines.push(`  ▢ ${label}${block.optional ? ' (optional)' : ''}`);
        break;
      }
      case 'divider':
        lines.push('  ────');
        break;
      default:
        break;
    }
  }
  return lines;
}
