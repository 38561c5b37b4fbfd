import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Queue names; BullMQ keys are `<prefix>:<name>:…`. */
export const QUEUE_NAMES = {
  announcements: 'announcements',
  maintenance: 'maintenance',
} as const;

/** Bring a panel's hiring-channel announcement up to the panel's current revision. */
export interface AnnouncementJob {
  teamId: string;
  panelId: string;
  revision: number;
}

/** Periodic upkeep; `reconcile` re-enqueues whatever Postgres says is still owed. */
export interface MaintenanceJob {
  task: 'reconcile';
}

export interface Queues {
  announcements: Queue<AnnouncementJob>;
  maintenance: Queue<MaintenanceJob>;
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
    maintenance: new Queue<MaintenanceJob>(QUEUE_NAMES.maintenance, { connection, prefix }),
  };
}

/** Queues an announcement sync. Throws when Redis is unreachable; the reconciler then catches up. */
export async function enqueueAnnouncement(queues: Queues, job: AnnouncementJob): Promise<void> {
  await queues.announcements.add('announce', job, {
    ...ANNOUNCEMENT_JOB_OPTIONS,
    jobId: announcementJobId(job),
  });
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((queue: Queue) => queue.close()));
}
