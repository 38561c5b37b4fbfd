import { createDatabase } from './db/connection.js';
import { migrateToLatest } from './db/migrate.js';

const url = process.env.DATABASE_URL;
if (url === undefined || url === '') {
  console.error('DATABASE_URL: required: a PostgreSQL URL such as postgres://user:pass@host:5432/panelist');
  process.exit(78);
}
const db = createDatabase({ connectionString: url, max: 1 });
try {
  const applied = await migrateToLatest(db);
  console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await db.destroy();
}
