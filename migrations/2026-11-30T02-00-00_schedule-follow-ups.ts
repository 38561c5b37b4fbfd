import { type Kysely, sql } from 'kysely';

/**
 * The follow-ups of a schedule change (the interviewers' DMs, the announcement, the App Homes),
 * written in the change's own transaction and deleted once a worker has done them. They are queued
 * in Redis after the commit; a process that dies in between, or a Redis that loses the job before
 * a worker ran it, would otherwise leave the interviewers untold. The reconciler queues again any
 * row older than a couple of minutes (the job's id is derived from the row, so never twice). Its
 * age is the database's time, not the app's clock: what it measures is how long a job can take to
 * be picked up, whatever moment the panel's business is at. (`clock_timestamp()`, not `now()`: a
 * change that waited long for its locks must not commit a row that already looks old.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedule_follow_up')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    // The panel's revision after the change: with the panel, it names the effects job.
    .addColumn('revision', 'integer', (col) => col.notNull())
    .addColumn('job', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`clock_timestamp()`))
    .addPrimaryKeyConstraint('schedule_follow_up_pkey', ['team_id', 'panel_id', 'revision'])
    .addForeignKeyConstraint(
      'schedule_follow_up_panel_fkey',
      ['team_id', 'panel_id'],
      'panel',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await sql`create index schedule_follow_up_created_idx on schedule_follow_up (created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('schedule_follow_up').execute();
}
