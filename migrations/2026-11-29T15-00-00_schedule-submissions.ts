import type { Kysely } from 'kysely';

/**
 * One row per scheduling-modal submission that booked slots, keyed by the Slack view it came
 * from. Slack shows the coordinator an error when an answer takes longer than 3 seconds, though
 * the booking may have been committed meanwhile, and a double click or a retried request sends
 * the same view again: the repeat finds its row and gets the same confirmation, with nothing
 * booked twice and nobody told twice. The primary key settles two copies arriving at once.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedule_submission')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('view_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('slot_ids', 'jsonb', (col) => col.notNull())
    .addColumn('submitted_by', 'text', (col) => col.notNull())
    .addColumn('submitted_at', 'timestamptz', (col) => col.notNull().defaultTo(db.fn('now')))
    .addPrimaryKeyConstraint('schedule_submission_pkey', ['team_id', 'view_id'])
    .addForeignKeyConstraint(
      'schedule_submission_panel_fkey',
      ['team_id', 'panel_id'],
      'panel',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('schedule_submission').execute();
}
