import { type Kysely, sql } from 'kysely';

/**
 * Failed nudges (Slack refused them for good) are few; the reconciler looks for those whose
 * coordinators have not been told yet on every pass, so it gets an index of its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index nudge_failed_idx on nudge (team_id, panel_id, recipient) where state = 'failed'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index nudge_failed_idx`.execute(db);
}
