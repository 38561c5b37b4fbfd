import { type Kysely, sql } from 'kysely';

/**
 * Nudges: each is a row, the truth of what is owed to whom and when. BullMQ only delivers them.
 * The unique key makes planning idempotent: planning the same nudge twice creates nothing new.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('nudge')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('kind', 'text', (col) => col.notNull())
    // What the nudge is about: a slot id, or 'panel'.
    .addColumn('subject', 'text', (col) => col.notNull())
    // A user id (a DM) or a channel id.
    .addColumn('recipient', 'text', (col) => col.notNull())
    // Which of a series this is, e.g. '48h', 'due', '2026-12-09'.
    .addColumn('occurrence', 'text', (col) => col.notNull())
    // When its reason falls due, and when it may be delivered (working hours, snooze).
    .addColumn('due_at', 'timestamptz', (col) => col.notNull())
    .addColumn('deliver_at', 'timestamptz', (col) => col.notNull())
    .addColumn('state', 'text', (col) =>
      col.notNull().defaultTo('pending').check(sql`state in ('pending', 'sent', 'cancelled', 'failed')`),
    )
    // A snooze holds delivery back at least until then, whatever re-planning says.
    .addColumn('snoozed_until', 'timestamptz')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('slack_channel', 'text')
    .addColumn('slack_ts', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('nudge_identity_key', [
      'team_id',
      'panel_id',
      'kind',
      'subject',
      'recipient',
      'occurrence',
    ])
    .addForeignKeyConstraint('nudge_panel_fkey', ['team_id', 'panel_id'], 'panel', ['team_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await sql`create index nudge_pending_idx on nudge (deliver_at) where state = 'pending'`.execute(db);
  await db.schema
    .createIndex('nudge_recipient_idx')
    .on('nudge')
    .columns(['team_id', 'recipient', 'state'])
    .execute();
  await db.schema
    .createIndex('nudge_panel_idx')
    .on('nudge')
    .columns(['team_id', 'panel_id', 'state'])
    .execute();

  await db.schema
    .alterTable('workspace')
    // Per-kind switches and offsets; absent keys take the defaults in src/domain/nudge-settings.ts.
    .addColumn('nudge_settings', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.alterTable('panel').addColumn('candidate_updated_at', 'timestamptz').execute();
  // Each member's Slack time zone when they joined the panel, so nudges can be planned inside
  // the transaction that changes the panel, without calling Slack.
  await db.schema
    .alterTable('panel_member')
    .addColumn('time_zone', 'text', (col) => col.notNull().defaultTo('UTC'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('panel_member').dropColumn('time_zone').execute();
  await db.schema.alterTable('panel').dropColumn('candidate_updated_at').execute();
  await db.schema.alterTable('workspace').dropColumn('nudge_settings').execute();
  await db.schema.dropTable('nudge').execute();
}
