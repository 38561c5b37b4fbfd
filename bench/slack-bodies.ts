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

/** View state values, as block id → action id → value. */
export type ViewStateValues = Record<string, Record<string, Record<string, unknown>>>;

export interface ViewSubmissionOptions {
  teamId: string;
  userId: string;
  /** Unique per opened modal; Panelist keys idempotency on it. */
  viewId: string;
}

/**
 * A form-encoded `view_submission` of `view` (as the app built it) with `values` filled in, shaped
 * as tests/support/slack-requests.ts sends it.
 */
export function viewSubmissionBody(
  view: { type: string; callback_id?: string; private_metadata?: string; blocks: unknown[]; title?: unknown },
  values: ViewStateValues,
  { teamId, userId, viewId }: ViewSubmissionOptions,
): string {
  const payload = {
    type: 'view_submission',
    team: { id: teamId, domain: 'double' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: teamId },
    api_app_id: 'APANELIST',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${randomUUID()}`,
    view: {
      id: viewId,
      team_id: teamId,
      type: view.type,
      blocks: view.blocks,
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      state: { values },
      hash: '1700000000.abc',
      title: view.title ?? { type: 'plain_text', text: '' },
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      previous_view_id: null,
      root_view_id: viewId,
      app_id: 'APANELIST',
      external_id: '',
      app_installed_team_id: teamId,
      bot_id: 'BPANELIST',
    },
    response_urls: [],
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** What Panelist answered to a view submission: `update` (with the new view's title), `errors`, or other. */
export interface ViewAnswer {
  action: 'update' | 'errors' | 'none' | 'unparsable';
  title?: string;
  errors?: Record<string, string>;
}

export function parseViewAnswer(body: string | undefined): ViewAnswer {
  if (body === undefined || body.trim() === '') return { action: 'none' };
  try {
    const json = JSON.parse(body) as {
      response_action?: string;
      view?: { title?: { text?: string } };
      errors?: Record<string, string>;
    };
    if (json.response_action === 'update') {
      return json.view?.title?.text === undefined
        ? { action: 'update' }
        : { action: 'update', title: json.view.title.text };
    }
    if (json.response_action === 'errors') return { action: 'errors', errors: json.errors ?? {} };
    return { action: 'none' };
  } catch {
    return { action: 'unparsable' };
  }
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
