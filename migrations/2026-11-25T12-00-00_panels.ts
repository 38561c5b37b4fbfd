import { type Kysely, sql } from 'kysely';

/**
 * The foundation: workspaces, panels with their people and stages, and the audit log.
 * Every table carries the Slack team id, and every reference to a panel goes through
 * (team_id, panel_id) so that a row can never point at another workspace's panel.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspace')
    .addColumn('team_id', 'text', (col) => col.primaryKey())
    .addColumn('panels_created', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('panel')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'text', (col) => col.notNull().references('workspace.team_id'))
    .addColumn('number', 'integer', (col) => col.notNull())
    .addColumn('candidate_name', 'text', (col) => col.notNull())
    .addColumn('role_title', 'text', (col) => col.notNull())
    .addColumn('channel_id', 'text', (col) => col.notNull())
    .addColumn('decision_deadline', 'timestamptz', (col) => col.notNull())
    .addColumn('answer_promised_on', 'date', (col) => col.notNull())
    .addColumn('first_interview_notes', 'text')
    .addColumn('sealed', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('state', 'text', (col) =>
      col.notNull().defaultTo('open').check(sql`state in ('open', 'decided', 'cancelled')`),
    )
    .addColumn('revision', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('announced_revision', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('announcement_ts', 'text')
    .addColumn('created_by', 'text', (col) => col.notNull())
    // The modal view that created the panel: a retried submission finds the panel instead of making a twin.
    .addColumn('created_from_view', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('panel_team_number_key', ['team_id', 'number'])
    .addUniqueConstraint('panel_team_id_key', ['team_id', 'id'])
    .addUniqueConstraint('panel_team_view_key', ['team_id', 'created_from_view'])
    .execute();

  await db.schema
    .createTable('panel_member')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('role', 'text', (col) =>
      col.notNull().check(sql`role in ('recruiter', 'hiring_manager', 'decision_maker', 'interviewer')`),
    )
    .addColumn('added_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('panel_member_pkey', ['panel_id', 'user_id', 'role'])
    .addForeignKeyConstraint(
      'panel_member_panel_fkey',
      ['team_id', 'panel_id'],
      'panel',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('panel_member_user_idx')
    .on('panel_member')
    .columns(['team_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('stage')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('kind', 'text', (col) =>
      col.notNull().check(sql`kind in ('manager', 'peer', 'executive', 'practical')`),
    )
    .addColumn('position', 'integer', (col) => col.notNull())
    .addUniqueConstraint('stage_panel_kind_key', ['panel_id', 'kind'])
    .addUniqueConstraint('stage_team_id_key', ['team_id', 'id'])
    .addForeignKeyConstraint('stage_panel_fkey', ['team_id', 'panel_id'], 'panel', ['team_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('audit_event')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint')
    .addColumn('actor_user_id', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('detail', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('occurred_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint('audit_event_panel_fkey', ['team_id', 'panel_id'], 'panel', ['team_id', 'id'])
    .execute();
  await db.schema
    .createIndex('audit_event_panel_idx')
    .on('audit_event')
    .columns(['team_id', 'panel_id', 'occurred_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_event', 'stage', 'panel_member', 'panel', 'workspace']) {
    await db.schema.dropTable(table).execute();
  }
}
