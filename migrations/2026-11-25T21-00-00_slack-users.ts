import type { Kysely } from 'kysely';

/**
 * What Panelist last learned of each Slack user from users.info (name, time zone, bot or
 * deactivated, admin), shared by every process and kept across restarts: a scheduling submission
 * then needs no Slack call for the people it already knows. Rows older than a day are refreshed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('slack_user')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('time_zone', 'text', (col) => col.notNull())
    .addColumn('is_bot', 'boolean', (col) => col.notNull())
    .addColumn('deleted', 'boolean', (col) => col.notNull())
    .addColumn('is_admin', 'boolean', (col) => col.notNull())
    .addColumn('fetched_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('slack_user_pkey', ['team_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('slack_user').execute();
}
