/** What every benchmark section gets from bench/run.ts, and the shape of a section. */
import type { SlackDouble } from '../tests/support/slack-double.js';
import type { ChildApp } from './children.js';
import type { SectionResult } from './report.js';

export interface BenchSettings {
  /** Measured time per app and phase, split over the interleaved slices. */
  durationMs: number;
  /** Unmeasured load per app before a request type's first phase. */
  warmupMs: number;
  /** Interleaved A-B / B-A pairs each phase is split into (see abbaOrder). */
  rounds: number;
  /** Unmeasured load at the start of each slice (connections, steady state). */
  sliceWarmupMs: number;
  /** Connections in the closed-loop throughput phase. */
  concurrency: number;
  /** Requests per second in the open-loop latency phase. */
  latencyRate: number;
  /** Idle time after each slice (and its follow-up calls), so one slice's backlog is not the next one's. */
  settleMs: number;
}

export interface BenchContext {
  /** The Slack Web API double both apps call; lives in the bench process. */
  double: SlackDouble;
  signingSecret: string;
  teamId: string;
  /** The real Panelist web process (HTTP, Postgres, Redis; RUN_WORKER=false) in a child process. */
  panelist: ChildApp;
  /** The real Panelist worker process (`npm run worker`) for the web child's jobs, in a child process. */
  worker: ChildApp;
  /** The Postgres database Panelist uses (migrated once it has started), for seeding and checks. */
  databaseUrl: string;
  /** A bare Bolt app whose `/panel` only acks, in a child process: the baseline. */
  bare: ChildApp;
  settings: BenchSettings;
  /** Progress lines (stderr), so stdout holds only the report. */
  progress(message: string): void;
}

/** One part of the benchmark (acks today; scheduling, feedback, nudges later). */
export interface BenchSection {
  id: string;
  title: string;
  run(context: BenchContext): Promise<SectionResult>;
}
