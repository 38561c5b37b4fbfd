/**
 * Bodies Slack would POST to `/slack/events`, built as tests/support/slack-requests.ts builds
 * them, and signed once per phase (a signature stays valid for five minutes).
 */
import { randomUUID } from 'node:crypto';
import { signRequest } from '../tests/support/slack-requests.js';
import type { PreparedRequest } from './http-load.js';

export const EVENTS_PATH = '/slack/events';

export interface SlashCommandOptions {
  teamId: string;
  userId: string;
  /** Where response_url points (the Slack double's base URL). */
  responseBaseUrl: string;
  channelId?: string;
}

/** A form-encoded `/panel <text>` slash command, as Slack sends it. */
export function slashCommandBody(text: string, options: SlashCommandOptions): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: options.teamId,
    team_domain: 'double',
    channel_id: options.channelId ?? 'CGENERAL',
    channel_name: 'general',
    user_id: options.userId,
    user_name: options.userId.toLowerCase(),
    command: '/panel',
    text,
    api_app_id: 'APANELIST',
    is_enterprise_install: 'false',
    response_url: `${options.responseBaseUrl}/commands/${randomUUID()}`,
    trigger_id: `trigger-${randomUUID()}`,
  }).toString();
}

/** `body` as a POST to /slack/events, signed with `secret` at `timestamp` (default now). */
export function signedEventsRequest(
  secret: string,
  body: string,
  contentType = 'application/x-www-form-urlencoded',
  timestamp = Math.floor(Date.now() / 1000),
): PreparedRequest {
  return {
    method: 'POST',
    path: EVENTS_PATH,
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signRequest(secret, timestamp, body),
    },
    body: Buffer.from(body, 'utf8'),
  };
}
