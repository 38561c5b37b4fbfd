import { type Kysely, sql } from 'kysely';

/**
 * Nudge receipts lose their foreign key to `nudge`. A receipt is written, on a connection of its
 * own, for a row that the delivery's transaction holds locked (`FOR NO KEY UPDATE`); the key's
 * check takes a key-share lock on that row, so every receipt turned the row's lock into a
 * MultiXact (a second locker), dirtying its page and logging the lock, and the settling update
 * then had to resolve it. In the nudges benchmark that was about 7% of delivery throughput and
 * 0.015–0.02 ms of Postgres CPU a nudge. What the key guarded holds anyway: a receipt is only
 * written for a row its delivery has claimed in that workspace (it exists, and cannot go while
 * locked), nudge rows are never deleted, and the reconciler deletes receipts that stand for
 * nothing, now including any whose row is gone (`applyNudgeReceipts`). The key was also not
 * scoped by workspace (it named `nudge.id` alone).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table nudge_receipt drop constraint if exists nudge_receipt_nudge_id_fkey`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Receipts whose row is gone stand for nothing (the reconciler would delete them), and the key
  // could not be added over them.
  await sql`delete from nudge_receipt r where not exists (select 1 from nudge n where n.id = r.nudge_id)`.execute(
    db,
  );
  await sql`
    alter table nudge_receipt add constraint nudge_receipt_nudge_id_fkey
      foreign key (nudge_id) references nudge (id) on delete cascade
  `.execute(db);
}
