import type { Kysely } from 'kysely';

/**
 * The panels a person created, found by index: App Home reads them (with the panels they are a
 * member of) on every publish, and a workspace's panel table only grows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('panel_creator_idx').on('panel').columns(['team_id', 'created_by']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('panel_creator_idx').execute();
}
