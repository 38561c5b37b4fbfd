import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call the app made, with its arguments decoded. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** Milliseconds since the epoch when the double received it. */
  at: number;
  token: string | undefined;
  /** What the double answered, once it has (a held or delayed call has no answer yet). */
  answer?: Record<string, unknown>;
}

/** A fault to answer instead of the usual response. */
export type Fault =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'server_error'; status?: number }
  | { kind: 'slack_error'; error: string };

export interface DoubleUser {
  tz: string;
  is_bot?: boolean;
  deleted?: boolean;
  real_name?: string;
  is_admin?: boolean;
}

export interface DoubleChannel {
  name: string;
  is_private?: boolean;
  is_member?: boolean;
  is_archived?: boolean;
}

type Handler = (args: Record<string, unknown>, call: RecordedCall) => Record<string, unknown>;

function decodeArgs(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // The SDK form-encodes nested values (blocks, view) as JSON strings.
    const looksJson = value.startsWith('{') || value.startsWith('[');
    try {
      args[key] = looksJson ? JSON.parse(value) : value;
    } catch {
      args[key] = value;
    }
  }
  return args;
}

/**
 * A stand-in for Slack's Web API over real HTTP: answers the methods Panelist calls with
 * Slack-shaped responses, records every call, and can inject 429s, 5xx and `ok:false` errors.
 * Point the app's `SLACK_API_URL` at {@link SlackDouble.apiUrl}.
 */
export class SlackDouble {
  readonly calls: RecordedCall[] = [];
  readonly users = new Map<string, DoubleUser>();
  readonly channels = new Map<string, DoubleChannel>();
  readonly #faults = new Map<string, { fault: Fault; when: (args: Record<string, unknown>) => boolean }[]>();
  readonly #waiters = new Set<() => void>();
  readonly #holds: { method: string; matches: (call: RecordedCall) => boolean; released: Promise<void> }[] =
    [];
  readonly #delays: { method: string; ms: number }[] = [];
  #server: Server | undefined;
  #tsCounter = 0;
  #viewCounter = 0;
  readonly teamId: string;
  readonly botUserId = 'UPANELIST';

  constructor({ teamId = 'T0DOUBLE' }: { teamId?: string } = {}) {
    this.teamId = teamId;
  }

  readonly #handlers: Record<string, Handler> = {
    'auth.test': () => ({
      url: 'https://double.slack.test/',
      team: 'Double',
      user: 'panelist',
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: 'BPANELIST',
    }),
    'chat.postMessage': (args) => {
      const channel = String(args.channel);
      const ts = this.#nextTs();
      // Posting to a user id opens the app's DM with them, as Slack does.
      const resolved = channel.startsWith('U') || channel.startsWith('W') ? `D${channel}` : channel;
      return {
        channel: resolved,
        ts,
        message: { ts, text: args.text, blocks: args.blocks, bot_id: 'BPANELIST' },
      };
    },
    'chat.postEphemeral': () => ({ message_ts: this.#nextTs() }),
    'chat.update': (args) => ({ channel: args.channel, ts: args.ts, text: args.text }),
    'chat.delete': (args) => ({ channel: args.channel, ts: args.ts }),
    'views.open': (args) => ({ view: this.#viewResponse(args.view) }),
    'views.push': (args) => ({ view: this.#viewResponse(args.view) }),
    'views.update': (args) => ({ view: this.#viewResponse(args.view) }),
    'views.publish': (args) => ({ view: this.#viewResponse(args.view) }),
    'users.info': (args) => {
      const id = String(args.user);
      const user = this.users.get(id) ?? { tz: 'UTC' };
      return {
        user: {
          id,
          team_id: this.teamId,
          name: id.toLowerCase(),
          real_name: user.real_name ?? id,
          profile: { display_name: user.real_name ?? '', real_name: user.real_name ?? id },
          tz: user.tz,
          is_bot: user.is_bot ?? false,
          is_admin: user.is_admin ?? false,
          deleted: user.deleted ?? false,
        },
      };
    },
    'conversations.info': (args) => {
      const id = String(args.channel);
      const channel = this.channels.get(id);
      if (channel === undefined) return { ok: false, error: 'channel_not_found' };
      return {
        channel: {
          id,
          name: channel.name,
          is_channel: !channel.is_private,
          is_group: channel.is_private ?? false,
          is_im: false,
          is_mpim: false,
          is_private: channel.is_private ?? false,
          is_archived: channel.is_archived ?? false,
          is_member: channel.is_member ?? false,
        },
      };
    },
  };

  /** The base URL to give the app as SLACK_API_URL. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  get baseUrl(): string {
    const address = this.#server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('SlackDouble is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers the next `times` calls to `method` (those whose arguments match `when`) with `fault`. */
  injectFault(
    method: string,
    fault: Fault,
    times = 1,
    when: (args: Record<string, unknown>) => boolean = () => true,
  ): void {
    const queue = this.#faults.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push({ fault, when });
    this.#faults.set(method, queue);
  }

  /** Drops the faults still waiting for `method`: Slack is back. */
  clearFaults(method: string): void {
    this.#faults.delete(method);
  }

  /**
   * A slow Slack: calls to `method` matching `predicate` are recorded at once, but answered only
   * once the returned function is called (every call held so far, and any later one, goes on).
   */
  holdCalls(method: string, predicate: (call: RecordedCall) => boolean): () => void {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hold = { method, matches: predicate, released };
    this.#holds.push(hold);
    return () => {
      // Safe to call twice: a second call must not remove another hold.
      const index = this.#holds.indexOf(hold);
      if (index >= 0) this.#holds.splice(index, 1);
      release();
    };
  }

  /**
   * A Slack that takes `ms` to answer each call to `method` (real Slack takes 150–300 ms for a
   * `chat.postMessage`), until the returned function is called.
   */
  delayCalls(method: string, ms: number): () => void {
    const delay = { method, ms };
    this.#delays.push(delay);
    return () => {
      const index = this.#delays.indexOf(delay);
      if (index >= 0) this.#delays.splice(index, 1);
    };
  }

  /** Registers a channel the app may be asked about. */
  addChannel(id: string, channel: DoubleChannel): void {
    this.channels.set(id, channel);
  }

  addUser(id: string, user: DoubleUser): void {
    this.users.set(id, user);
  }

  callsTo(method: string, predicate: (call: RecordedCall) => boolean = () => true): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && predicate(call));
  }

  /** Waits until a call to `method` matching `predicate` has been recorded. */
  async waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<RecordedCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.callsTo(method, predicate)[0];
      if (found !== undefined) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const seen = this.calls.map((c) => c.method).join(', ') || 'none';
        throw new Error(`No ${method} call arrived within ${timeoutMs} ms (calls seen: ${seen})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(remaining, 250));
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  #nextTs(): string {
    this.#tsCounter += 1;
    return `${1_800_000_000 + this.#tsCounter}.${String(this.#tsCounter).padStart(6, '0')}`;
  }

  #viewResponse(view: unknown): Record<string, unknown> {
    this.#viewCounter += 1;
    const body = typeof view === 'object' && view !== null ? view : {};
    return { id: `V${String(this.#viewCounter).padStart(8, '0')}`, team_id: this.teamId, ...body };
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://double');
    const method = url.pathname.replace(/^\/api\//, '');
    const call: RecordedCall = {
      method: url.pathname.startsWith('/api/') ? method : `response_url${url.pathname}`,
      args: decodeArgs(req.headers['content-type'], raw),
      at: Date.now(),
      token: req.headers.authorization?.replace(/^Bearer /, ''),
    };
    const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };

    const queue = this.#faults.get(call.method) ?? [];
    const index = queue.findIndex((f) => f.when(call.args));
    const fault = index < 0 ? undefined : queue.splice(index, 1)[0]?.fault;
    if (fault !== undefined) {
      this.#record({ ...call, method: `${call.method}#fault` });
      if (fault.kind === 'rate_limited') {
        return send(
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(fault.retryAfterSeconds) },
        );
      }
      if (fault.kind === 'server_error')
        return send(fault.status ?? 500, { ok: false, error: 'internal_error' });
      return send(200, { ok: false, error: fault.error });
    }

    this.#record(call);
    for (const hold of [...this.#holds]) {
      if (hold.method === call.method && hold.matches(call)) await hold.released;
    }
    for (const delay of [...this.#delays]) {
      if (delay.method === call.method) await new Promise((resolve) => setTimeout(resolve, delay.ms));
    }
    if (!url.pathname.startsWith('/api/')) return send(200, { ok: true });
    const handler = this.#handlers[method];
    if (handler === undefined) return send(200, { ok: false, error: 'unknown_method' });
    const result = handler(call.args, call);
    call.answer = { ok: true, ...result };
    send(200, call.answer);
  }

  #record(call: RecordedCall): void {
    this.calls.push(call);
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}
