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

/**
 * A statement whose SQL starts with this comment (`/* prepared:<name> *\/`) is run as a named
 * prepared statement: Postgres parses and plans it once per connection instead of on every run.
 * Meant for large statements on hot paths, whose text never varies (values are parameters, lists
 * are arrays); each name must always carry the same text. The embedded PGlite ignores the comment.
 */
const PREPARED_MARK = /^\/\* prepared:([a-z0-9_]+) \*\//;

/** Makes every client of `pool` honour the `prepared:` mark. */
function prepareMarkedStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const preparing = (config: unknown, ...rest: unknown[]) => {
      const name = typeof config === 'string' ? PREPARED_MARK.exec(config)?.[1] : undefined;
      if (name === undefined) return query(config, ...rest);
      const [values, ...callback] = rest;
      return query({ name, text: config, values }, ...callback);
    };
    client.query = preparing as typeof client.query;
  });
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; without one, an embedded PGlite database in `pgliteDir` is used. */
  connectionString?: string | undefined;
  /** Folder of the embedded database (created if missing); `memory://` keeps it in memory. */
  pgliteDir?: string;
  /** Pool size; the web process and each worker get their own pool. */
  max?: number;
  /**
   * Told about an error on an idle pooled connection (Postgres restarted, the connection killed).
   * The pool drops that client and opens a new one when next needed; without a listener, `pg`'s
   * 'error' event would crash the process. Defaults to a line on stderr.
   */
  onIdleClientError?: (error: Error) => void;
  /** Postgres cancels a statement of this pool that runs longer than this (default: no limit). */
  statementTimeoutMs?: number;
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
  onIdleClientError = (error) => console.error('idle Postgres connection failed:', error.message),
  statementTimeoutMs,
}: DatabaseOptions): Kysely<Database> {
  if (connectionString !== undefined && connectionString !== '') {
    const pool = new pg.Pool({
      connectionString,
      max,
      connectionTimeoutMillis: 5_000,
      ...(statementTimeoutMs === undefined ? {} : { statement_timeout: statementTimeoutMs }),
    });
    pool.on('error', (error) => onIdleClientError(error));
    prepareMarkedStatements(pool);
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
