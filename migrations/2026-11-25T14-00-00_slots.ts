import { type Kysely, sql } from 'kysely';

/**
 * Slots of a panel's stages and who interviews in each. Postgres itself forbids double-booking:
 * an exclusion constraint on each interviewer's busy range (the slot plus the workspace's buffer)
 * across the whole workspace, and another on the candidate's slots within a panel.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists btree_gist`.execute(db);

  await db.schema
    .alterTable('workspace')
    .addColumn('slot_buffer_minutes', 'integer', (col) =>
      col.notNull().defaultTo(10).check(sql`slot_buffer_minutes between 0 and 120`),
    )
    .addColumn('weekly_interview_limit', 'integer', (col) =>
      col.notNull().defaultTo(5).check(sql`weekly_interview_limit between 1 and 40`),
    )
    .execute();

  await db.schema
    .createTable('slot')
    .addColumn('id', 'bigint', (col) => col.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('stage_id', 'bigint', (col) => col.notNull())
    .addColumn('starts_at', 'timestamptz', (col) => col.notNull())
    .addColumn('ends_at', 'timestamptz', (col) => col.notNull())
    .addColumn('location', 'text')
    .addColumn('note', 'text')
    .addColumn('state', 'text', (col) =>
      col.notNull().defaultTo('booked').check(sql`state in ('booked', 'cancelled')`),
    )
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('slot_ends_after_start', sql`ends_at > starts_at`)
    .addUniqueConstraint('slot_team_id_key', ['team_id', 'id'])
    .addForeignKeyConstraint('slot_panel_fkey', ['team_id', 'panel_id'], 'panel', ['team_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('slot_stage_fkey', ['team_id', 'stage_id'], 'stage', ['team_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await sql`
    alter table slot add constraint slot_candidate_no_overlap
    exclude using gist (team_id with =, panel_id with =, tstzrange(starts_at, ends_at) with &&)
    where (state = 'booked')
  `.execute(db);
  await db.schema
    .createIndex('slot_panel_idx')
    .on('slot')
    .columns(['team_id', 'panel_id', 'starts_at'])
    .execute();

  await db.schema
    .createTable('slot_interviewer')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('slot_id', 'bigint', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    // The slot's time plus the workspace's buffer after it: two busy ranges that overlap are
    // two interviews closer together than the buffer allows.
    .addColumn('busy', sql`tstzrange`, (col) => col.notNull())
    .addColumn('declined_at', 'timestamptz')
    .addPrimaryKeyConstraint('slot_interviewer_pkey', ['slot_id', 'user_id'])
    .addForeignKeyConstraint(
      'slot_interviewer_slot_fkey',
      ['team_id', 'slot_id'],
      'slot',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await sql`
    alter table slot_interviewer add constraint slot_interviewer_no_double_booking
    exclude using gist (team_id with =, user_id with =, busy with &&)
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('slot_interviewer').execute();
  await db.schema.dropTable('slot').execute();
  await db.schema
    .alterTable('workspace')
    .dropColumn('slot_buffer_minutes')
    .dropColumn('weekly_interview_limit')
    .execute();
}
