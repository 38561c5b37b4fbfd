import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from './database.js';

// Hand DATE columns back as 'YYYY-MM-DD' strings: a calendar date has no time zone, and turning
// it into a JS Date at local midnight would shift it for readers east or west of the server.
// Postgres bigint ids stay strings (pg's default), so both drivers hand back the same shapes.
const PG_DATE_OID = 1082;
pg.types.setTypeParser(PG_DATE_OID, (value) => value);

export interface DatabaseOptions {
  /** A PostgreSQL URL; without one, an embedded PGlite database in `pgliteDir` is used. */
  connectionString?: string | undefined;
  /** Folder of the embedded database (created if missing); `memory://` keeps it in memory. */
  pgliteDir?: string;
  /** Pool size; the web process and each worker get their own pool. */
  max?: number;
}

/**
 * Opens a Kysely handle: over a `pg` pool when a PostgreSQL URL is given, otherwise over an
 * embedded PGlite (the same migrations, with `btree_gist` loaded). PGlite is one connection in
 * this process, so only one process may open a given folder. Call `destroy()` to close.
 */
export function createDatabase({
  connectionString,
  pgliteDir = '.pglite/data',
  max = 10,
}: DatabaseOptions): Kysely<Database> {
  if (connectionString !== undefined && connectionString !== '') {
    const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  if (!pgliteDir.startsWith('memory://')) mkdirSync(pgliteDir, { recursive: true });
  const pglite = new PGlite(pgliteDir, {
    extensions: { btree_gist },
    parsers: {
      [pgliteTypes.INT8]: (value: string) => value,
      [pgliteTypes.DATE]: (value: string) => value,
    },
  });
  return new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
}
