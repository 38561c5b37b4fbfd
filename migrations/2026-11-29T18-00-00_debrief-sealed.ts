import type { Kysely } from 'kysely';

/**
 * Whether the debrief in the channel was posted sealed (a decision came before every feedback on a
 * sealed panel): once the decision deadline passes the seal lifts, and the reconciler brings that
 * debrief up to date, which nothing else would (no change to the panel is due then).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('panel')
    .addColumn('debrief_sealed', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('panel').dropColumn('debrief_sealed').execute();
}
