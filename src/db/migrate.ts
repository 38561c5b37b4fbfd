import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.js';

export class MigrationError extends Error {
  readonly code = 'panelist_migration_failed';
  constructor(
    readonly migrationName: string | undefined,
    options: { cause: unknown },
  ) {
    super(`Database migration ${migrationName ?? '(unknown)'} failed`, options);
    this.name = 'MigrationError';
  }
}

const provider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => MIGRATIONS,
};

/**
 * Applies every pending migration. Kysely holds Postgres's advisory migration lock meanwhile,
 * so several processes starting at once apply each migration exactly once.
 * @returns the names of the migrations applied by this call.
 */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(failed?.migrationName, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
