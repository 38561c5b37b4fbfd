import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../migrations/index.js';
import type { Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { openMigratedTestDatabase, TEAM_ID } from './support/test-env.js';

let db: Kysely<Database>;
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  ({ db, close } = await openMigratedTestDatabase({ max: 1 }));
});
afterAll(async () => close());

const migrator = () =>
  new Migrator({
    db,
    provider: { getMigrations: async (): Promise<Record<string, Migration>> => MIGRATIONS },
  });

async function receiptKeys(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select conname as name from pg_constraint
    where conrelid = 'nudge_receipt'::regclass and contype = 'f'
  `.execute(db);
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  it('undoing "receipts without foreign key" deletes the receipts whose row is gone, then brings the key back; redoing it drops the key again', async () => {
    // A receipt left for a row that does not exist (the table has had no key since).
    await db
      .insertInto('nudge_receipt')
      .values({
        team_id: TEAM_ID,
        nudge_id: '987654321',
        deliver_at: new Date('2026-12-01T12:00:00Z'),
        slack_channel: 'DORPHAN',
        slack_ts: '1799999999.000001',
        sent_at: new Date('2026-12-01T12:00:01Z'),
      })
      .execute();
    expect(await receiptKeys()).toEqual([]);

    // Back to the migration before it (undoing any that came after it too).
    const down = await migrator().migrateTo('2026-11-30T02-00-00_schedule-follow-ups');
    expect(down.error).toBeUndefined();
    expect(down.results?.at(-1)).toMatchObject({
      migrationName: '2026-11-30T03-00-00_receipts-without-foreign-key',
      direction: 'Down',
      status: 'Success',
    });
    expect(await receiptKeys()).toEqual(['nudge_receipt_nudge_id_fkey']);
    expect(await db.selectFrom('nudge_receipt').selectAll().execute()).toEqual([]);

    expect(await migrateToLatest(db)).toContain('2026-11-30T03-00-00_receipts-without-foreign-key');
    expect(await receiptKeys()).toEqual([]);
  });
});
