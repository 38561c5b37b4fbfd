import type { Kysely } from 'kysely';

/**
 * A panel's members, stages and each slot's interviewers are read by (team, panel) and (team,
 * slot) on every snapshot of a panel: every booking, follow-up and announcement. Their keys began
 * with the panel or slot alone, so Postgres's generic plans (the prepared statements') combined
 * them with a team-wide index, scanning every member, stage or booking of the workspace (10,000
 * bookings: 8 ms a snapshot instead of well under 1). These indexes match the reads exactly.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('panel_member_panel_idx')
    .on('panel_member')
    .columns(['team_id', 'panel_id'])
    .execute();
  await db.schema.createIndex('stage_panel_idx').on('stage').columns(['team_id', 'panel_id']).execute();
  await db.schema
    .createIndex('slot_interviewer_slot_idx')
    .on('slot_interviewer')
    .columns(['team_id', 'slot_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('slot_interviewer_slot_idx').execute();
  await db.schema.dropIndex('stage_panel_idx').execute();
  await db.schema.dropIndex('panel_member_panel_idx').execute();
}
