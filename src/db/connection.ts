import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

// Hand DATE columns back as 'YYYY-MM-DD' strings: a calendar date has no time zone, and turning
// it into a JS Date at local midnight would shift it for readers east or west of the server.
const PG_DATE_OID = 1082;
pg.types.setTypeParser(PG_DATE_OID, (value) => value);

export interface DatabaseOptions {
  connectionString: string;
  /** Pool size; the web process and each worker get their own pool. */
  max?: number;
}

/** Opens a Kysely handle over a `pg` pool. Call `destroy()` to close the pool. */
export function createDatabase({ connectionString, max = 10 }: DatabaseOptions): Kysely<Database> {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
