/**
 * A small HTTP load generator on node:http: a closed loop (N connections, each sending its next
 * request as soon as the last one is answered) for throughput, and an open loop (sends on a
 * fixed schedule, whatever the responses do) for latency at a steady rate.
 */
import { Agent, type OutgoingHttpHeaders, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request, ready to send as often as needed (already signed). */
export interface PreparedRequest {
  method: 'POST' | 'GET';
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

export interface Outcome {
  /** HTTP status, or 0 when no response arrived (connection error, timeout). */
  status: number;
  /** Milliseconds from handing the request to node:http until the response ended. */
  latencyMs: number;
  error?: string;
  /** The response body, only when the sender asked for it (`collectBody`). */
  body?: string;
}

/** What a phase saw; `latenciesMs` is sorted ascending and covers only the measured window. */
export interface LoadStats {
  /** Requests sent, warm-up included. */
  sent: number;
  /** Responses with HTTP 200, warm-up included. */
  ok: number;
  /** Non-200 responses and failed requests, warm-up included. */
  errors: number;
  /** Count of each status seen (0 = no response). */
  statuses: Record<string, number>;
  /** Up to five distinct error descriptions, for the report. */
  errorSamples: string[];
  /** HTTP 200 responses counted in the measured window. */
  measured: number;
  measuredMs: number;
  latenciesMs: number[];
}

export interface ClosedLoopResult extends LoadStats {
  requestsPerSecond: number;
}

export interface OpenLoopResult extends LoadStats {
  targetRate: number;
  /** Rate actually sent during the measured window. */
  sentRate: number;
  /** How late the generator fired each measured send versus its schedule (its own event-loop delay), ascending. */
  scheduleLagsMs: number[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] ?? Number.NaN;
}

/**
 * Sends one request over `agent` and resolves when the response has fully arrived (never rejects).
 * With `collectBody` the outcome carries the response body (for checking what the app answered).
 */
export function send(
  agent: Agent,
  port: number,
  prepared: PreparedRequest,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  collectBody = false,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    let body: string | undefined;
    const finish = (status: number, error?: string) => {
      if (settled) return;
      settled = true;
      const latencyMs = performance.now() - started;
      const outcome: Outcome = error === undefined ? { status, latencyMs } : { status, latencyMs, error };
      if (body !== undefined) outcome.body = body;
      resolve(outcome);
    };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: prepared.method,
        path: prepared.path,
        agent,
        headers: { ...prepared.headers, 'content-length': prepared.body.length },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', (error) => finish(0, error.message));
        res.on('end', () => finish(status, status === 200 ? undefined : `HTTP ${status}`));
        if (collectBody) {
          body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
        } else {
          res.resume();
        }
      },
    );
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', (error) => finish(0, error.message));
    req.end(prepared.body);
  });
}

class StatsCollector {
  sent = 0;
  ok = 0;
  errors = 0;
  readonly statuses: Record<string, number> = {};
  readonly errorSamples: string[] = [];
  readonly latencies: number[] = [];

  /** Counts `outcome`; only HTTP 200s inside the measured window count toward throughput and latency. */
  record(outcome: Outcome, measured: boolean): void {
    const key = String(outcome.status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    if (outcome.status === 200) {
      this.ok += 1;
      if (measured) this.latencies.push(outcome.latencyMs);
      return;
    }
    this.errors += 1;
    const description = outcome.error ?? `HTTP ${outcome.status}`;
    if (this.errorSamples.length < 5 && !this.errorSamples.includes(description)) {
      this.errorSamples.push(description);
    }
  }

  stats(measuredMs: number): LoadStats {
    const latenciesMs = [...this.latencies].sort((a, b) => a - b);
    return {
      sent: this.sent,
      ok: this.ok,
      errors: this.errors,
      statuses: this.statuses,
      errorSamples: this.errorSamples,
      measured: latenciesMs.length,
      measuredMs,
      latenciesMs,
    };
  }
}

export interface ClosedLoopOptions {
  port: number;
  request: PreparedRequest;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  timeoutMs?: number;
}

/**
 * `concurrency` keep-alive connections, each sending again as soon as it is answered, for
 * `warmupMs` (not counted) then `durationMs`. Throughput and latency count the responses that
 * completed within the measured window.
 */
export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const collector = new StatsCollector();
  const measureFrom = performance.now() + options.warmupMs;
  const measureUntil = measureFrom + options.durationMs;
  const worker = async () => {
    while (performance.now() < measureUntil) {
      collector.sent += 1;
      const outcome = await send(agent, options.port, options.request, options.timeoutMs);
      const doneAt = performance.now();
      collector.record(outcome, doneAt >= measureFrom && doneAt <= measureUntil);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const stats = collector.stats(options.durationMs);
  return { ...stats, requestsPerSecond: (stats.measured / options.durationMs) * 1000 };
}

export interface OpenLoopOptions {
  port: number;
  /** The request to send every time, or the request to send as the `index`-th (warm-up included). */
  request: PreparedRequest | ((index: number) => PreparedRequest);
  ratePerSecond: number;
  warmupMs: number;
  durationMs: number;
  /** Sockets the generator may open; high enough that the app, not the pool, sets the pace. */
  maxSockets?: number;
  timeoutMs?: number;
  /**
   * Called with each response (body included) as it arrives: `index` as in `request`, `measured`
   * false for warm-up requests. Setting it makes the generator keep response bodies.
   */
  onOutcome?: (index: number, outcome: Outcome, measured: boolean) => void;
}

/**
 * Sends at a fixed rate (request i is due at start + i / rate, whether or not earlier ones were
 * answered) for `warmupMs` then `durationMs`, and reports the latency of those sent in the
 * measured window. Latency runs from the actual send, so generator lag is reported separately.
 */
export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  // A kept-alive connection idle for 2 s is closed here, well before the app closes it (Node's
  // 5 s keep-alive timeout). Left to the agent, it is closed only a second before the app does, and
  // a stall of this process longer than that (it also hosts the Slack double) can let the
  // generator send on a connection the app has already closed: `ECONNRESET`, one or two feedback
  // submissions in 1,600 in two of four full runs on machine K.
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256, timeout: 2_000 });
  const collector = new StatsCollector();
  const intervalMs = 1000 / options.ratePerSecond;
  const warmupCount = Math.round((options.warmupMs / 1000) * options.ratePerSecond);
  const total = warmupCount + Math.round((options.durationMs / 1000) * options.ratePerSecond);
  const lags: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();

  const { request: requestOption, onOutcome } = options;
  const requestFor = typeof requestOption === 'function' ? requestOption : () => requestOption;
  const fire = (index: number, lagMs: number) => {
    const measured = index >= warmupCount;
    if (measured) lags.push(lagMs);
    collector.sent += 1;
    const prepared = requestFor(index);
    const pending = send(agent, options.port, prepared, options.timeoutMs, onOutcome !== undefined).then(
      (outcome) => {
        collector.record(outcome, measured);
        onOutcome?.(index, outcome, measured);
        inFlight.delete(pending);
      },
    );
    inFlight.add(pending);
  };

  try {
    await new Promise<void>((resolve) => {
      let next = 0;
      const tick = () => {
        const now = performance.now();
        while (next < total && start + next * intervalMs <= now) {
          fire(next, now - (start + next * intervalMs));
          next += 1;
        }
        if (next >= total) {
          resolve();
          return;
        }
        setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
      };
      tick();
    });
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
  }
  lags.sort((a, b) => a - b);
  const stats = collector.stats(options.durationMs);
  return {
    ...stats,
    targetRate: options.ratePerSecond,
    sentRate: (lags.length / options.durationMs) * 1000,
    scheduleLagsMs: lags,
  };
}

const ascending = (a: number, b: number) => a - b;

/** Combines the stats of several slices of one phase (e.g. interleaved runs against one app). */
export function mergeStats(parts: readonly LoadStats[]): LoadStats {
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  for (const part of parts) {
    for (const [status, count] of Object.entries(part.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + count;
    }
    for (const sample of part.errorSamples) {
      if (errorSamples.length < 5 && !errorSamples.includes(sample)) errorSamples.push(sample);
    }
  }
  const sum = (pick: (part: LoadStats) => number) => parts.reduce((total, part) => total + pick(part), 0);
  return {
    sent: sum((p) => p.sent),
    ok: sum((p) => p.ok),
    errors: sum((p) => p.errors),
    statuses,
    errorSamples,
    measured: sum((p) => p.measured),
    measuredMs: sum((p) => p.measuredMs),
    latenciesMs: parts.flatMap((p) => p.latenciesMs).sort(ascending),
  };
}

export function mergeClosedLoop(parts: readonly ClosedLoopResult[]): ClosedLoopResult {
  const stats = mergeStats(parts);
  return {
    ...stats,
    requestsPerSecond: stats.measuredMs > 0 ? (stats.measured / stats.measuredMs) * 1000 : 0,
  };
}

export function mergeOpenLoop(parts: readonly OpenLoopResult[]): OpenLoopResult {
  const stats = mergeStats(parts);
  const lags = parts.flatMap((p) => p.scheduleLagsMs).sort(ascending);
  return {
    ...stats,
    targetRate: parts[0]?.targetRate ?? Number.NaN,
    sentRate: stats.measuredMs > 0 ? (lags.length / stats.measuredMs) * 1000 : 0,
    scheduleLagsMs: lags,
  };
}

/**
 * The order in which to run slices against two targets so that a slow drift in the machine's
 * speed (other processes, thermal, GC) hits both alike: A B B A A B B A ... for `rounds` pairs.
 */
export function abbaOrder<T>(a: T, b: T, rounds: number): T[] {
  const order: T[] = [];
  for (let round = 0; round < rounds; round += 1) order.push(...(round % 2 === 0 ? [a, b] : [b, a]));
  return order;
}
