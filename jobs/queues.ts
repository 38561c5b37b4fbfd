import { ErrorCode, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Queue names; BullMQ keys are `<prefix>:<name>:…`. */
export const QUEUE_NAMES = {
  announcements: 'announcements',
  nudges: 'nudges',
  homes: 'homes',
  maintenance: 'maintenance',
  effects: 'effects',
} as const;

/** Deliver a nudge row (and whatever else is due for its recipient). */
export interface NudgeJob {
  teamId: string;
  nudgeId: string;
}

/** Bring a panel's hiring-channel announcement up to the panel's current revision. */
export interface AnnouncementJob {
  teamId: string;
  panelId: string;
  revision: number;
  /** Set by the worker once it has booked a moment to post in the channel (ms since the epoch). */
  channelSlotAt?: number;
  /**
   * The job's `attemptsMade` when it booked that moment. Only the run that comes back from that
   * wait may use it: a retry after a failure (which counts an attempt) books a new moment.
   */
  channelSlotAttempt?: number;
}

/**
 * Upkeep. `reconcile` (periodic) re-enqueues whatever Postgres says is still owed; `time-zone`
 * moves a person's time zone, after Slack said it changed, wherever Panelist keeps a copy, and
 * re-plans their open panels' nudges (src/services/user-changes.ts).
 */
export type MaintenanceJob =
  | { task: 'reconcile' }
  | {
      task: 'time-zone';
      teamId: string;
      userId: string;
      /** The zone Slack sent; the stored profile wins if it is newer. */
      timeZone: string;
    };

/** Publish one user's App Home. */
export interface HomeJob {
  teamId: string;
  userId: string;
  /** Their time zone as of their last open of the Home tab (older jobs may lack it). */
  timeZone?: string;
}

/**
 * What follows a committed schedule change, done by a worker after the modal has been answered:
 * the interviewers' DMs, the announcement, the nudges' jobs and App Home refreshes. The payload
 * is built by src/services/schedule-effects.ts, which also reads it back.
 */
export interface ScheduleEffectsJob {
  teamId: string;
  panelId: string;
  revision: number;
  /** Serialised notices (slots as JSON, dates as ISO strings). */
  notices: unknown[];
  /** Nudge rows the change created or moved. */
  nudges: { id: string; deliverAt: string }[];
  /** DMs already sent by an earlier attempt of this job (written before it retries). */
  sentDms?: string[];
  /** Queued again by the reconciler from `schedule_follow_up`: runs only while that row stands. */
  requeued?: true;
}

export interface Queues {
  announcements: Queue<AnnouncementJob>;
  nudges: Queue<NudgeJob>;
  homes: Queue<HomeJob>;
  maintenance: Queue<MaintenanceJob>;
  effects: Queue<ScheduleEffectsJob>;
}

/**
 * The job id of an announcement sync: derived from the row and its revision, so adding the same
 * job twice is harmless. BullMQ ids must not contain `:`.
 */
export function announcementJobId({ teamId, panelId, revision }: AnnouncementJob): string {
  return `announce-${teamId}-${panelId}-r${revision}`;
}

const ANNOUNCEMENT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export function createQueues(connection: Redis, prefix: string): Queues {
  return {
    announcements: new Queue<AnnouncementJob>(QUEUE_NAMES.announcements, { connection, prefix }),
    nudges: new Queue<NudgeJob>(QUEUE_NAMES.nudges, { connection, prefix }),
    homes: new Queue<HomeJob>(QUEUE_NAMES.homes, { connection, prefix }),
    maintenance: new Queue<MaintenanceJob>(QUEUE_NAMES.maintenance, { connection, prefix }),
    effects: new Queue<ScheduleEffectsJob>(QUEUE_NAMES.effects, { connection, prefix }),
  };
}

/** Queues an announcement sync. Throws when Redis is unreachable; the reconciler then catches up. */
export async function enqueueAnnouncement(queues: Queues, job: AnnouncementJob): Promise<void> {
  const jobId = announcementJobId(job);
  const existing = await queues.announcements.getJob(jobId);
  // A job whose retries ran out while the announcement is still behind (the reconciler asks
  // again): try it again rather than leave the channel showing an old panel.
  if (existing !== undefined && (await existing.isFailed())) return void (await existing.retry('failed'));
  await queues.announcements.add('announce', job, { ...ANNOUNCEMENT_JOB_OPTIONS, jobId });
}

/** A schedule change's effects job id: the panel and its revision after the change. */
function effectsJobId(job: Pick<ScheduleEffectsJob, 'teamId' | 'panelId' | 'revision'>): string {
  return `effects-${job.teamId}-${job.panelId}-r${job.revision}`;
}

const EFFECTS_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600 },
};

/**
 * Queues the follow-ups of a schedule change. The id is the panel's revision, so a retried add is
 * harmless. Throws when Redis is unreachable (the caller then does the work itself).
 */
export async function enqueueScheduleEffects(queues: Queues, job: ScheduleEffectsJob): Promise<void> {
  await queues.effects.add('schedule', job, { ...EFFECTS_JOB_OPTIONS, jobId: effectsJobId(job) });
}

/**
 * The reconciler's side: follow-ups Postgres still keeps (`schedule_follow_up`) whose job is gone
 * are queued again; one whose retries ran out (Slack down for a while) is tried again. A job still
 * waiting or running is left alone.
 */
export async function requeueScheduleEffects(
  queues: Queues,
  jobs: readonly ScheduleEffectsJob[],
): Promise<void> {
  for (const job of jobs) {
    const existing = await queues.effects.getJob(effectsJobId(job));
    // Marked: the original may have finished (and its row gone) since the row was read; the
    // copy then finds no row and does nothing (see runScheduleEffects).
    if (existing === undefined) await enqueueScheduleEffects(queues, { ...job, requeued: true });
    else if (await existing.isFailed()) await existing.retry('failed').catch(unlessLeftState);
  }
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue: Queue) => queue.close()));
}

/**
 * A nudge's job id: the row and the moment it may be delivered. Enqueuing the same row for the
 * same moment twice is harmless; a row moved to a new moment gets a new job, and the old job finds
 * the row not yet due and does nothing.
 */
export function nudgeJobId(nudgeId: string, deliverAt: Date): string {
  return `nudge-${nudgeId}-${deliverAt.getTime()}`;
}

const NUDGE_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Pending nudges due within this horizon are queued; later ones are queued by the reconciler. */
export const NUDGE_QUEUE_HORIZON_MS = 24 * 3600 * 1000;

/**
 * Queues delivery of nudge rows after a change, each delayed until it may be delivered, in one
 * round trip. `msUntil` comes from the clock, so a compressed clock (tests, the demo) compresses
 * the delays too. Adding a job id that is already queued is a no-op, so unchanged rows cost
 * nothing; rows due beyond the horizon wait for the reconciler.
 */
export async function enqueueNudges(
  queues: Queues,
  rows: readonly { id: string; team_id: string; deliver_at: Date }[],
  msUntil: (at: Date) => number,
): Promise<void> {
  const jobs = rows
    .map((row) => ({ row, delay: Math.max(0, Math.round(msUntil(row.deliver_at))) }))
    .filter(({ delay }) => delay <= NUDGE_QUEUE_HORIZON_MS)
    .map(({ row, delay }) => ({
      name: 'nudge',
      data: { teamId: row.team_id, nudgeId: row.id },
      opts: { ...NUDGE_JOB_OPTIONS, jobId: nudgeJobId(row.id, row.deliver_at), delay },
    }));
  if (jobs.length > 0) await queues.nudges.addBulk(jobs);
}

/**
 * The reconciler's careful version: for each row, add its job if missing, retry it if its
 * attempts ran out (the row is still owed), and promote it if it is due but still waiting in the
 * delayed set (a clock moved forward).
 */
export async function requeueNudges(
  queues: Queues,
  rows: readonly { id: string; team_id: string; deliver_at: Date }[],
  msUntil: (at: Date) => number,
): Promise<void> {
  for (const row of rows) {
    const jobId = nudgeJobId(row.id, row.deliver_at);
    const delay = Math.max(0, Math.round(msUntil(row.deliver_at)));
    const existing = await queues.nudges.getJob(jobId);
    if (existing === undefined) {
      await queues.nudges.add(
        'nudge',
        { teamId: row.team_id, nudgeId: row.id },
        { ...NUDGE_JOB_OPTIONS, jobId, delay },
      );
    } else if (await existing.isFailed()) {
      // Its retries ran out (Slack down for a while), yet the row is still owed: try again.
      await existing.retry('failed').catch(unlessLeftState);
    } else if (delay === 0 && (await existing.isDelayed())) {
      await existing.promote().catch(unlessLeftState);
    }
  }
}

/**
 * A job the reconciler found failed or delayed may have left that state before it is retried or
 * promoted (its delay ended, a worker took it, it was removed): then there is nothing to do.
 */
function unlessLeftState(error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === ErrorCode.JobNotInState || code === ErrorCode.JobNotExist) return;
  throw error;
}

/**
 * How long a Home refresh waits, so that a burst of changes publishes each Home once: a busy
 * coordinator's Home is rebuilt (four queries and a views.publish) at most about every 2 seconds,
 * not after every booking on their panels.
 */
export const HOME_REFRESH_DELAY_MS = 2_000;

/**
 * Queues App Home refreshes, one per user at a time (BullMQ deduplication by user): while a user's
 * refresh is waiting, asking again is a no-op, so a burst of changes publishes their Home once;
 * asked while it is running (it may have read the panels already), one more refresh follows it.
 */
export async function enqueueHomeRefresh(
  queues: Queues,
  teamId: string,
  users: readonly { userId: string; timeZone: string }[],
): Promise<void> {
  if (users.length === 0) return;
  await queues.homes.addBulk(
    users.map(({ userId, timeZone }) => ({
      name: 'home',
      data: { teamId, userId, timeZone },
      opts: {
        deduplication: { id: `home-${teamId}-${userId}`, keepLastIfActive: true },
        delay: HOME_REFRESH_DELAY_MS,
        attempts: 3,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: true,
        removeOnFail: { age: 3600 },
      },
    })),
  );
}

const TIME_ZONE_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Queues the move of a person's time zone: at once, and once more after `againAfterMs` (when
 * every process's remembered copy of their old profile has expired, so whatever another process
 * wrote with the old zone meanwhile is put right). One of each per person is waiting at a time:
 * a later change replaces the data of the first and pushes the second back.
 */
export async function enqueueTimeZoneChange(
  queues: Queues,
  change: { teamId: string; userId: string; timeZone: string },
  againAfterMs: number,
): Promise<void> {
  const data: MaintenanceJob = { task: 'time-zone', ...change };
  const id = `${change.teamId}-${change.userId}`;
  await queues.maintenance.addBulk([
    {
      name: 'time-zone',
      data,
      opts: { ...TIME_ZONE_JOB_OPTIONS, deduplication: { id: `time-zone-${id}`, keepLastIfActive: true } },
    },
    {
      name: 'time-zone',
      data,
      opts: {
        ...TIME_ZONE_JOB_OPTIONS,
        delay: againAfterMs,
        deduplication: { id: `time-zone-again-${id}`, ttl: againAfterMs, extend: true, replace: true },
      },
    },
  ]);
}
