import type { Kysely } from 'kysely';

/**
 * Who has opened Panelist's Home tab. A Home is published again after a change only for them:
 * anyone else sees a fresh one the first time they open it, and views.publish calls nobody will
 * read would only use up Slack's rate limit.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('home_viewer')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('first_opened_at', 'timestamptz', (col) => col.notNull())
    // Their Slack time zone as of their last open, so a refresh needs no users.info call.
    .addColumn('time_zone', 'text', (col) => col.notNull().defaultTo('UTC'))
    .addPrimaryKeyConstraint('home_viewer_pkey', ['team_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('home_viewer').execute();
}
