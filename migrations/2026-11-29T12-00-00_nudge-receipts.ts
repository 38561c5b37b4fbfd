import type { Kysely } from 'kysely';

/**
 * A receipt per nudge row for each message Slack accepted, written (and committed) right after
 * the `chat.postMessage`, on a connection of its own, while the delivery's transaction still holds
 * the row. A worker that dies before that transaction commits leaves its rows pending, but their
 * receipts say they went out: the next delivery or the reconciler settles them as sent rather
 * than sending them again. A receipt is for the occurrence its row was due at (`deliver_at`): a
 * change that moves the pending row to another moment after a crash leaves it standing for
 * nothing. The statement that settles a row deletes its receipt; the reconciler deletes receipts
 * that no longer match their row (moved, or cancelled by a change).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('nudge_receipt')
    .addColumn('team_id', 'text', (col) => col.notNull())
    .addColumn('nudge_id', 'bigint', (col) => col.notNull().references('nudge.id').onDelete('cascade'))
    .addColumn('deliver_at', 'timestamptz', (col) => col.notNull())
    .addColumn('slack_channel', 'text')
    .addColumn('slack_ts', 'text')
    .addColumn('sent_at', 'timestamptz', (col) => col.notNull())
    .addPrimaryKeyConstraint('nudge_receipt_pkey', ['team_id', 'nudge_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('nudge_receipt').execute();
}
