import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Notes that this person has opened the Home tab (once is enough; later opens change nothing). */
export async function recordHomeVisit(db: Db, teamId: string, userId: string): Promise<void> {
  await db
    .insertInto('app_home_visitor')
    .values({ team_id: teamId, user_id: userId })
    .onConflict((oc) => oc.doNothing())
    .execute();
}
