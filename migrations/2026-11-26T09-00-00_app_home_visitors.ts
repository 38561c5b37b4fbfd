import { type Kysely, sql } from 'kysely';

/**
 * Who has ever opened Panelist's Home tab. A Home is only worth publishing ahead of time for
 * them: anyone else gets it rendered fresh the first time they open it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('app_home_visitor')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('first_opened_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('app_home_visitor_pkey', ['team_id', 'user_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('app_home_visitor').execute();
}
