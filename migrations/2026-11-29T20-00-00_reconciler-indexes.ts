import { type Kysely, sql } from 'kysely';

/**
 * What the reconciler looks for every few minutes, found by index rather than by reading whole
 * tables: debriefs posted sealed (by their decision deadline), and scheduling submissions old
 * enough to forget (by when they came).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index panel_debrief_sealed_idx on panel (decision_deadline) where debrief_sealed`.execute(
    db,
  );
  await db.schema
    .createIndex('schedule_submission_submitted_idx')
    .on('schedule_submission')
    .column('submitted_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('schedule_submission_submitted_idx').execute();
  await db.schema.dropIndex('panel_debrief_sealed_idx').execute();
}
