import { type Kysely, sql } from 'kysely';

/**
 * A hiring channel's own time zone for its daily digest (`/panel digest-zone Europe/Berlin`, typed
 * in the channel): teams in several regions get the digest at 09:30 their time. Each panel keeps
 * the zone of its channel (copied when the panel is created or the channel's zone changes), so the
 * nudge planner reads it with the panel; without one, the workspace's digest zone applies.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('hiring_channel')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('channel_id', 'text', (col) => col.notNull())
    .addColumn('digest_time_zone', 'text', (col) => col.notNull())
    .addColumn('updated_by', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('hiring_channel_pkey', ['team_id', 'channel_id'])
    .execute();
  await db.schema.alterTable('panel').addColumn('digest_time_zone', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('panel').dropColumn('digest_time_zone').execute();
  await db.schema.dropTable('hiring_channel').execute();
}
