import { ErrorCode, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { DelayedError, type Job } from 'bullmq';

/**
 * Slack errors that retrying cannot fix: a message to that conversation, or that message, will
 * never go out (the person or channel is gone or closed to Panelist, or Slack refuses the content).
 */
const PERMANENT_SLACK_ERRORS: ReadonlySet<string> = new Set([
  'channel_not_found',
  'user_not_found',
  'account_inactive',
  'not_in_channel',
  'is_archived',
  'cannot_dm_bot',
  'user_disabled',
  'restricted_action',
  'msg_too_long',
  'invalid_blocks',
]);

/** The Slack error code when `error` is one retrying cannot fix ({@link PERMANENT_SLACK_ERRORS}). */
export function permanentSlackError(error: unknown): string | undefined {
  const code = platformErrorCode(error);
  return code !== undefined && PERMANENT_SLACK_ERRORS.has(code) ? code : undefined;
}

/** Why a message will never go out, in words a coordinator can act on, for a permanent error. */
const PLAIN_WORDS: Readonly<Record<string, string>> = {
  channel_not_found: 'the channel is gone, or private without Panelist in it',
  not_in_channel: 'Panelist is not in that channel (add it with `/invite @Panelist`)',
  is_archived: 'the channel is archived',
  user_not_found: 'their Slack account is gone',
  account_inactive: 'their Slack account is deactivated',
  user_disabled: 'their Slack account is deactivated',
  cannot_dm_bot: 'it is a bot, which cannot receive direct messages',
  restricted_action: 'the workspace does not let Panelist post there',
  msg_too_long: 'Slack refused the message itself',
  invalid_blocks: 'Slack refused the message itself',
};

/** A permanent Slack error explained for a person, with Slack's own code kept for support. */
export function explainSlackError(code: string): string {
  const words = PLAIN_WORDS[code];
  return words === undefined ? `Slack said \`${code}\`` : `${words} (Slack: \`${code}\`)`;
}

/** Slack answered 429: the call may be made again after its `Retry-After`. */
export function isRateLimited(error: unknown): error is WebAPIRateLimitedError {
  return (error as { code?: unknown })?.code === ErrorCode.RateLimitedError;
}

/** The `error` of an `ok: false` Slack answer, if that is what `error` is. */
export function platformErrorCode(error: unknown): string | undefined {
  if ((error as { code?: unknown })?.code !== ErrorCode.PlatformError) return undefined;
  return (error as WebAPIPlatformError).data.error;
}

/**
 * Workers' Slack client rejects 429s instead of sleeping inside a database transaction; this
 * hands the wait to BullMQ: the job goes back to the delayed set until Slack's Retry-After has
 * passed, and nothing else is held meanwhile.
 * @throws DelayedError when the job was delayed (BullMQ's way to end a job without failing it).
 */
export async function delayIfRateLimited(
  error: unknown,
  job: Job,
  token: string | undefined,
  onRateLimited?: (waitMs: number) => Promise<void>,
): Promise<void> {
  if (!isRateLimited(error) || token === undefined) return;
  const waitMs = Math.max(1, error.retryAfter) * 1_000;
  await onRateLimited?.(waitMs);
  await job.moveToDelayed(Date.now() + waitMs, token);
  throw new DelayedError();
}
