import { type Kysely, sql } from 'kysely';

/**
 * One row per "I can't make it" (an interviewer's decline of a slot, by the moment they declined):
 * whether the panel's recruiters and hiring managers were told, and who. A press claims the row
 * (`claimed_at`), sends outside any transaction, then writes `told`; a press while another is
 * sending finds the claim, one after Slack reached nobody (`told` empty) or after a claim left
 * by a process that died sends again, and one after someone was told says who.
 * Declines from before this table count as told to the panel's coordinators.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('decline_notice')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('panel_id', 'bigint', (col) => col.notNull())
    .addColumn('slot_id', 'bigint', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('declined_at', 'timestamptz', (col) => col.notNull())
    .addColumn('claimed_at', 'timestamptz', (col) => col.notNull().defaultTo(db.fn('now')))
    .addColumn('told', sql`text[]`)
    .addPrimaryKeyConstraint('decline_notice_pkey', ['team_id', 'slot_id', 'user_id', 'declined_at'])
    .addForeignKeyConstraint(
      'decline_notice_slot_fkey',
      ['team_id', 'slot_id'],
      'slot',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'decline_notice_panel_fkey',
      ['team_id', 'panel_id'],
      'panel',
      ['team_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await sql`
    insert into decline_notice (team_id, panel_id, slot_id, user_id, declined_at, claimed_at, told)
    -- Keyed to the millisecond, as a press reads a decline's moment (a JavaScript Date), or a
    -- second press would not find the row and would tell the coordinators again.
    select si.team_id, s.panel_id, si.slot_id, si.user_id,
      date_trunc('milliseconds', si.declined_at), si.declined_at,
      array(
        select distinct m.user_id from panel_member m
        where m.team_id = s.team_id and m.panel_id = s.panel_id and m.role in ('recruiter', 'hiring_manager')
      )
    from slot_interviewer si
    join slot s on s.team_id = si.team_id and s.id = si.slot_id
    where si.declined_at is not null
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('decline_notice').execute();
}
