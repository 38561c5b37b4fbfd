import { createDatabase } from './db/connection.js';
import { migrateToLatest } from './db/migrate.js';

// Without DATABASE_URL the embedded PGlite database (PGLITE_DIR) is migrated, as the app would.
const db = createDatabase({
  connectionString: process.env.DATABASE_URL,
  pgliteDir: process.env.PGLITE_DIR || '.pglite/data',
  max: 1,
});
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
