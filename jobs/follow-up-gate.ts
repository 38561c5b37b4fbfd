import { performance } from 'node:perf_hooks';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/logger.js';

/**
 * Follow-ups yield to Slack's answers. A web process must answer each Slack request within 3
 * seconds; the follow-ups of a change (DMs, the announcement, App Home) can wait a few seconds.
 * Both share Postgres, and on a small host the CPU too, so during a burst of requests the web
 * processes say so in Redis and the workers hold those queues until the burst is over (at most
 * `maxHoldMs` at a time, then they run for `runMs` whatever the web says, so they never starve).
 * Nudges are not held: each is due at its own time.
 */

/** The key a busy web process keeps alive (it expires on its own once nobody renews it). */
export function webBusyKey(prefix: string): string {
  return `${prefix}:web-busy`;
}

export interface BusySignalOptions {
  redis: Redis;
  prefix: string;
  /** Share of its time (0–1) the web process's event loop must be busy to count as a burst. */
  threshold: number;
  logger: Logger;
  /** How often the web process looks at itself. */
  sampleMs?: number;
  /** How long one busy sample holds the follow-ups (renewed by each busy sample). */
  holdMs?: number;
  /** The event loop's busy share since the previous call; the process's own by default. */
  utilization?: () => number;
}

/** The share of time the event loop was busy since the previous call. */
export function eventLoopSampler(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}

/**
 * Run by a web process: while its event loop is busier than `threshold`, keeps the busy key set.
 * A threshold of 0 turns it off. Redis errors are logged (once a minute) and otherwise ignored: the
 * follow-ups then simply run.
 */
export function startBusySignal(options: BusySignalOptions): { stop(): void } {
  const { redis, prefix, threshold, logger, sampleMs = 100, holdMs = 1_000 } = options;
  if (threshold <= 0) return { stop() {} };
  const utilization = options.utilization ?? eventLoopSampler();
  const key = webBusyKey(prefix);
  let lastWarned = 0;
  const timer = setInterval(() => {
    if (utilization() < threshold) return;
    redis.set(key, String(process.pid), 'PX', holdMs).catch((error: unknown) => {
      if (Date.now() - lastWarned < 60_000) return;
      lastWarned = Date.now();
      logger.warn({ err: error }, 'web busy signal not set; follow-ups are not held');
    });
  }, sampleMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}

export interface FollowUpGateOptions {
  /** How often a worker looks for the busy key. */
  pollMs?: number;
  /** The longest the follow-ups are held at a time. */
  maxHoldMs?: number;
  /** After a hold that ran out, how long they run before they may be held again. */
  runMs?: number;
}

export interface FollowUpGate {
  /** Whether the follow-up workers are held right now. */
  holding(): boolean;
  /** Stops watching (the workers are left as they are: they are about to close). */
  close(): void;
}

/**
 * Run by a worker process: pauses these workers while a web process is busy (jobs already running
 * finish, and a worker that was idle takes at most the one job it was already waiting for), and
 * resumes them when it is not, or when the hold has lasted `maxHoldMs`; after a hold that ran out
 * they run for `runMs` whatever the web says. Under a load that never lets up, the follow-ups so
 * get `runMs` of every `maxHoldMs + runMs`.
 */
export function gateFollowUps(
  redis: Redis,
  prefix: string,
  workers: readonly Worker[],
  logger: Logger,
  options: FollowUpGateOptions = {},
): FollowUpGate {
  const { pollMs = 100, maxHoldMs = 10_000, runMs = 2_000 } = options;
  const key = webBusyKey(prefix);
  let heldSince: number | undefined;
  let runUntil = 0;
  let checking = false;
  let closed = false;

  const hold = async (now: number) => {
    heldSince = now;
    // Without waiting for the jobs running (a slow Slack call must not stretch the hold) and
    // without BullMQ's drop of the blocking connection (which never completes if Redis is
    // reconnecting at that moment): a worker idle now is already waiting for its next job, and
    // takes that one job; nothing more until it is resumed.
    await Promise.all(workers.map((worker) => worker.pause(true)));
  };
  const release = async (now: number, ranOut: boolean) => {
    const heldMs = now - (heldSince ?? now);
    heldSince = undefined;
    if (ranOut) runUntil = now + runMs;
    // A hold that ran out means a load that does not let up: worth an operator's attention (more
    // cores, or workers on other hosts); an ordinary burst is not.
    if (ranOut) {
      logger.info(
        { heldMs, runMs },
        'follow-ups held as long as they may while the web stays busy; running them now',
      );
    } else logger.debug({ heldMs }, 'follow-ups held while the web was busy');
    await Promise.all(workers.map((worker) => worker.resume()));
  };

  const check = async () => {
    if (checking || closed) return;
    checking = true;
    try {
      // The workers' connection waits out a Redis restart (it never rejects a command): a hold in
      // place then lasts until Redis is back, when BullMQ could not hand out jobs anyway.
      const busy = (await redis.exists(key)) === 1;
      if (closed) return;
      const now = Date.now();
      if (heldSince === undefined) {
        if (busy && now >= runUntil) await hold(now);
      } else if (!busy) {
        await release(now, false);
      } else if (now - heldSince >= maxHoldMs) {
        await release(now, true);
      }
    } catch (error) {
      logger.warn({ err: error }, 'follow-up gate check failed');
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), pollMs);
  timer.unref();
  return {
    holding: () => heldSince !== undefined,
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
