import { type Kysely, sql } from 'kysely';

/**
 * Structured feedback (a draft or submitted row per interviewer and slot, with every submitted
 * version kept), the panel's decision, and where the debrief message lives.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('feedback')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('slot_id', 'bigint', (col) => col.notNull())
    .addColumn('interviewer_id', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull().check(sql`state in ('draft', 'submitted')`))
    .addColumn('content', 'jsonb', (col) => col.notNull())
    .addColumn('recommendation', 'text', (col) =>
      col.check(sql`recommendation in ('strong_no', 'no', 'yes', 'strong_yes')`),
    )
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('feedback_slot_interviewer_key', ['team_id', 'slot_id', 'interviewer_id'])
    .addUniqueConstraint('feedback_team_id_key', ['team_id', 'id'])
    .addCheckConstraint(
      'feedback_submitted_has_recommendation',
      sql`state = 'draft' or (recommendation is not null and submitted_at is not null)`,
    )
    .addForeignKeyConstraint(
      'feedback_panel_fkey',
      ['team_id', 'panel_id'],
      'panel',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('feedback_slot_fkey', ['team_id', 'slot_id'], 'slot', ['team_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('feedback_panel_idx').on('feedback').columns(['team_id', 'panel_id']).execute();

  await db.schema
    .createTable('feedback_version')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('feedback_id', 'bigint', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('content', 'jsonb', (col) => col.notNull())
    .addColumn('recommendation', 'text', (col) => col.notNull())
    // The modal view a version came from: a submission delivered twice stores one version.
    .addColumn('view_id', 'text', (col) => col.notNull())
    .addColumn('submitted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('feedback_version_number_key', ['feedback_id', 'version'])
    .addUniqueConstraint('feedback_version_view_key', ['feedback_id', 'view_id'])
    .addForeignKeyConstraint(
      'feedback_version_feedback_fkey',
      ['team_id', 'feedback_id'],
      'feedback',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('decision')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('outcome', 'text', (col) => col.notNull().check(sql`outcome in ('hire', 'no_hire', 'hold')`))
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('decided_by', 'text', (col) => col.notNull())
    .addColumn('decided_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('candidate_told_on', 'date', (col) => col.notNull())
    .addPrimaryKeyConstraint('decision_pkey', ['team_id', 'panel_id'])
    .addForeignKeyConstraint(
      'decision_panel_fkey',
      ['team_id', 'panel_id'],
      'panel',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .alterTable('panel')
    .addColumn('debrief_ts', 'text')
    .addColumn('debriefed_revision', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('panel').dropColumn('debrief_ts').dropColumn('debriefed_revision').execute();
  await db.schema.dropTable('decision').execute();
  await db.schema.dropTable('feedback_version').execute();
  await db.schema.dropTable('feedback').execute();
}
