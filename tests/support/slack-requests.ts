import { createHmac, randomUUID } from 'node:crypto';
import type { View } from '@slack/types';

/** What the app answered to a request. */
export interface AppResponse {
  status: number;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

export interface SignOptions {
  /** Seconds since the epoch to sign with; defaults to now. */
  timestamp?: number;
  /** Sign with another secret (a forged request). */
  secret?: string;
  /** Send no signature headers at all. */
  unsigned?: boolean;
}

/** Slack's request signature: `v0=` + HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function signRequest(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** View state values, as block id → action id → value. */
export type ViewValues = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Sends what Slack would send to the app's `/slack/events`: slash commands, block actions,
 * view submissions and events, each correctly signed with the app's signing secret.
 */
export class SlackRequests {
  constructor(
    private readonly appUrl: string,
    private readonly signingSecret: string,
    private readonly teamId: string,
    /** Where response_url points (the Slack double's base URL). */
    private readonly responseBaseUrl: string,
  ) {}

  async post(body: string, contentType: string, options: SignOptions = {}): Promise<AppResponse> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'content-type': contentType };
    if (!options.unsigned) {
      headers['x-slack-request-timestamp'] = String(timestamp);
      headers['x-slack-signature'] = signRequest(options.secret ?? this.signingSecret, timestamp, body);
    }
    const res = await fetch(`${this.appUrl}/slack/events`, { method: 'POST', headers, body });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json };
  }

  /** `/panel <text>` typed by `userId` in `channelId`. */
  command(
    userId: string,
    text: string,
    options: SignOptions & { channelId?: string; command?: string } = {},
  ) {
    const body = new URLSearchParams({
      token: 'legacy-verification-token',
      team_id: this.teamId,
      team_domain: 'double',
      channel_id: options.channelId ?? 'CGENERAL',
      channel_name: 'general',
      user_id: userId,
      user_name: userId.toLowerCase(),
      command: options.command ?? '/panel',
      text,
      api_app_id: 'APANELIST',
      is_enterprise_install: 'false',
      response_url: `${this.responseBaseUrl}/commands/${randomUUID()}`,
      trigger_id: `trigger-${randomUUID()}`,
    }).toString();
    return this.post(body, 'application/x-www-form-urlencoded', options);
  }

  /** A modal submission of `view` (as the app opened it) with `values` filled in. */
  viewSubmission(
    userId: string,
    view: View & { id?: string },
    values: ViewValues,
    options: SignOptions = {},
  ) {
    const payload = {
      type: 'view_submission',
      team: { id: this.teamId, domain: 'double' },
      user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: this.teamId },
      api_app_id: 'APANELIST',
      token: 'legacy-verification-token',
      trigger_id: `trigger-${randomUUID()}`,
      view: {
        id: view.id ?? `V${randomUUID().slice(0, 8).toUpperCase()}`,
        team_id: this.teamId,
        type: view.type,
        blocks: view.blocks,
        private_metadata: 'private_metadata' in view ? (view.private_metadata ?? '') : '',
        callback_id: 'callback_id' in view ? (view.callback_id ?? '') : '',
        state: { values },
        hash: '1700000000.abc',
        title: 'title' in view ? view.title : { type: 'plain_text', text: '' },
        clear_on_close: false,
        notify_on_close: false,
        close: null,
        submit: null,
        previous_view_id: null,
        root_view_id: view.id ?? null,
        app_id: 'APANELIST',
        external_id: '',
        app_installed_team_id: this.teamId,
        bot_id: 'BPANELIST',
      },
      response_urls: [],
      is_enterprise_install: false,
    };
    return this.interactive(payload, options);
  }

  /** A button press (or other block action) by `userId`. */
  blockAction(
    userId: string,
    action: { action_id: string; block_id?: string; value?: string },
    context: { channelId?: string; messageTs?: string; view?: Record<string, unknown> } = {},
    options: SignOptions = {},
  ) {
    const payload = {
      type: 'block_actions',
      team: { id: this.teamId, domain: 'double' },
      user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: this.teamId },
      api_app_id: 'APANELIST',
      token: 'legacy-verification-token',
      trigger_id: `trigger-${randomUUID()}`,
      response_url: `${this.responseBaseUrl}/actions/${randomUUID()}`,
      container:
        context.view === undefined
          ? {
              type: 'message',
              message_ts: context.messageTs ?? '1.0',
              channel_id: context.channelId ?? 'CGENERAL',
            }
          : { type: 'view', view_id: context.view.id },
      ...(context.channelId === undefined ? {} : { channel: { id: context.channelId, name: 'channel' } }),
      ...(context.messageTs === undefined ? {} : { message: { ts: context.messageTs, text: '' } }),
      ...(context.view === undefined ? {} : { view: context.view }),
      actions: [
        {
          type: 'button',
          action_id: action.action_id,
          block_id: action.block_id ?? 'block',
          value: action.value,
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
    return this.interactive(payload, options);
  }

  /** A choice in a static select menu (such as Snooze) on a message, by `userId`. */
  selectAction(
    userId: string,
    action: { action_id: string; value: string; block_id?: string },
    context: { channelId: string; messageTs: string },
    options: SignOptions = {},
  ) {
    const payload = {
      type: 'block_actions',
      team: { id: this.teamId, domain: 'double' },
      user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: this.teamId },
      api_app_id: 'APANELIST',
      token: 'legacy-verification-token',
      trigger_id: `trigger-${randomUUID()}`,
      response_url: `${this.responseBaseUrl}/actions/${randomUUID()}`,
      container: { type: 'message', message_ts: context.messageTs, channel_id: context.channelId },
      channel: { id: context.channelId, name: 'directmessage' },
      message: { ts: context.messageTs, text: '' },
      actions: [
        {
          type: 'static_select',
          action_id: action.action_id,
          block_id: action.block_id ?? 'nudge_snooze',
          selected_option: { text: { type: 'plain_text', text: action.value }, value: action.value },
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
    return this.interactive(payload, options);
  }

  /** An Events API delivery of `event`. */
  event(event: Record<string, unknown>, options: SignOptions = {}) {
    const body = JSON.stringify({
      token: 'legacy-verification-token',
      team_id: this.teamId,
      api_app_id: 'APANELIST',
      type: 'event_callback',
      event_id: `Ev${randomUUID().slice(0, 10)}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: this.teamId, user_id: 'UPANELIST', is_bot: true }],
      event,
    });
    return this.post(body, 'application/json', options);
  }

  private interactive(payload: Record<string, unknown>, options: SignOptions) {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(body, 'application/x-www-form-urlencoded', options);
  }
}
