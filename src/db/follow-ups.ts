import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** `ageMs` before now, by the database's clock. */
const agoBy = (ageMs: number) => sql<Date>`now() - make_interval(secs => ${ageMs / 1000})`;

/**
 * Keeps a schedule change's follow-ups (its effects job, `ScheduleEffectsJob` in jobs/queues.ts),
 * in the change's own transaction.
 */
export async function recordScheduleFollowUp<J extends FollowUpKey>(
  trx: Transaction<Database>,
  job: J,
): Promise<void> {
  await trx
    .insertInto('schedule_follow_up')
    .values({ team_id: job.teamId, panel_id: job.panelId, revision: job.revision, job: JSON.stringify(job) })
    // One change per revision; a repeat of the same one keeps the first.
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** A schedule change's follow-ups are named by the panel's revision after the change. */
interface FollowUpKey {
  teamId: string;
  panelId: string;
  revision: number;
}

const keyOf = (job: FollowUpKey) => ({ team_id: job.teamId, panel_id: job.panelId, revision: job.revision });

/** Whether a schedule change's follow-ups are still kept (not done, nor given up). */
export async function isScheduleFollowUpKept(db: Db, job: FollowUpKey): Promise<boolean> {
  const row = await db
    .selectFrom('schedule_follow_up')
    .select('revision')
    .where((eb) => eb.and(keyOf(job)))
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Writes down in a kept follow-up the DMs already sent (`sentDms`, as in the job), so a copy the
 * reconciler queues later sends only the rest.
 */
export async function recordScheduleFollowUpSent(
  db: Db,
  job: FollowUpKey,
  sentDms: readonly string[],
): Promise<void> {
  await db
    .updateTable('schedule_follow_up')
    .set({ job: sql`jsonb_set(job, '{sentDms}', ${JSON.stringify(sentDms)}::jsonb)` })
    .where((eb) => eb.and(keyOf(job)))
    .execute();
}

/** Forgets a schedule change's follow-ups once they are done. */
export async function forgetScheduleFollowUp(db: Db, job: FollowUpKey): Promise<void> {
  await db
    .deleteFrom('schedule_follow_up')
    .where((eb) => eb.and(keyOf(job)))
    .execute();
}

/**
 * Follow-ups kept for longer than `ageMs` (by the database's clock) and not done yet, oldest first,
 * across workspaces (each job carries its team id).
 */
export async function listStaleScheduleFollowUps<J>(db: Db, ageMs: number, limit: number): Promise<J[]> {
  const rows = await db
    .selectFrom('schedule_follow_up')
    .select('job')
    .where('created_at', '<', agoBy(ageMs))
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.job as J);
}

/** Gives up the follow-ups kept for longer than `ageMs` (their job kept failing). */
export async function forgetScheduleFollowUpsOlderThan(db: Db, ageMs: number): Promise<void> {
  await db.deleteFrom('schedule_follow_up').where('created_at', '<', agoBy(ageMs)).execute();
}
