import { DateTime } from 'luxon';

/**
 * Escapes user text for Slack mrkdwn: `&`, `<` and `>` become entities, so text such as
 * `<!channel>` or `<@U123>` shows literally instead of notifying anyone.
 * https://docs.slack.dev/messaging/formatting-message-text#escaping
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A user mention: every reader sees the person's current display name. */
export function mentionUser(userId: string): string {
  return `<@${userId}>`;
}

/** A channel mention. */
export function mentionChannel(channelId: string): string {
  return `<#${channelId}>`;
}

/**
 * A time shown in each reader's own time zone (Slack's `<!date^…>`). The fallback text, for
 * clients that cannot render it, is written in `fallbackZone` (the recipient's zone in a DM).
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 * @param format Slack date tokens, e.g. `{date_short_pretty} at {time}`.
 */
export function slackDate(at: Date, format = '{date_short_pretty} at {time}', fallbackZone = 'UTC'): string {
  const seconds = Math.floor(at.getTime() / 1000);
  return `<!date^${seconds}^${format}|${fallbackText(at, fallbackZone)}>`;
}

/** Written fallbacks by instant and zone: the same slot times recur in every message about them. */
const fallbacks = new Map<string, string>();
const FALLBACKS_KEPT = 2_000;

/** The instant written in a zone, e.g. `Tue 1 Dec 2026 10:00 UTC` (Luxon's formatting is slow). */
function fallbackText(at: Date, zone: string): string {
  const key = `${at.getTime()}|${zone}`;
  let text = fallbacks.get(key);
  if (text === undefined) {
    text = DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL yyyy HH:mm ZZZZ', { locale: 'en-GB' });
    if (fallbacks.size >= FALLBACKS_KEPT) fallbacks.clear();
    fallbacks.set(key, text);
  }
  return text;
}

/** A calendar date (YYYY-MM-DD), which has no time zone, shown as e.g. `Mon 30 Nov 2026`. */
export function calendarDate(isoDate: string): string {
  const date = DateTime.fromISO(isoDate, { zone: 'UTC' });
  return date.isValid ? date.toFormat('ccc d LLL yyyy', { locale: 'en-GB' }) : isoDate;
}
