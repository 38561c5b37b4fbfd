import { type Kysely, sql } from 'kysely';

/**
 * A delivery looks for its own workspace's due nudges, the most recently due first. The only index
 * on due nudges was by time across every workspace, so each delivery stepped over every other
 * workspace's pending rows (in the benchmark, thousands a claim: half of Postgres's time per
 * nudge). This one starts with the workspace, as the claim does, and is in the claim's order (latest due
 * first, then by id), so a claim can start below where the previous one stopped. The reconciler still reads due
 * nudges across workspaces by `nudge_pending_idx`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index nudge_team_due_idx on nudge (team_id, deliver_at, id) where state = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('nudge_team_due_idx').execute();
}
