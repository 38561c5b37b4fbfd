import { WebClient } from '@slack/web-api';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { UserDirectory } from '../src/slack/user-directory.js';
import { SlackDouble } from './support/slack-double.js';
import { openMigratedTestDatabase } from './support/test-env.js';

// Real: Postgres, and users.info over HTTP from the Slack double.
const TEAM = 'T0USERS';
let slack: SlackDouble;
let db: Kysely<Database>;
let closeDatabase: () => Promise<void> = async () => {};
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  slack = await new SlackDouble({ teamId: TEAM }).start();
  ({ db, close: closeDatabase } = await openMigratedTestDatabase());
  slack.addUser('UBERLIN', { tz: 'Europe/Berlin', real_name: 'Berta' });
  slack.addUser('UTOKYO', { tz: 'Asia/Tokyo', real_name: 'Taro' });
});
afterAll(async () => {
  await closeDatabase();
  await slack.close();
});

/** A directory as a freshly started process has it: nothing in memory. */
const freshDirectory = () =>
  new UserDirectory(new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl }), logger, 60_000, db);
const lookups = (userId: string) => slack.callsTo('users.info', (c) => c.args.user === userId).length;

describe('Slack profiles kept in Postgres', () => {
  it('asks Slack once for people it does not know, and stores them for every process', async () => {
    const first = freshDirectory();
    const profiles = await first.getMany(TEAM, ['UBERLIN', 'UTOKYO', 'UBERLIN']);
    expect(profiles.get('UBERLIN')).toMatchObject({ name: 'Berta', timeZone: 'Europe/Berlin' });
    expect(lookups('UBERLIN')).toBe(1);
    await expect
      .poll(() => db.selectFrom('slack_user').select(['user_id', 'time_zone']).orderBy('user_id').execute())
      .toEqual([
        { user_id: 'UBERLIN', time_zone: 'Europe/Berlin' },
        { user_id: 'UTOKYO', time_zone: 'Asia/Tokyo' },
      ]);

    // Another process (or this one after a restart) reads them without calling Slack.
    const second = freshDirectory();
    expect((await second.get(TEAM, 'UTOKYO')).timeZone).toBe('Asia/Tokyo');
    expect(lookups('UTOKYO')).toBe(1);
  });

  it('uses a day-old profile at once and refreshes it from Slack behind the scenes', async () => {
    await db
      .updateTable('slack_user')
      .set({ fetched_at: new Date(Date.now() - 2 * 24 * 3600 * 1000) })
      .where('user_id', '=', 'UBERLIN')
      .execute();
    slack.addUser('UBERLIN', { tz: 'America/New_York', real_name: 'Berta' });
    const directory = freshDirectory();
    // The stored zone answers now; Slack's new one is stored for next time.
    expect((await directory.get(TEAM, 'UBERLIN')).timeZone).toBe('Europe/Berlin');
    await expect
      .poll(
        async () =>
          (
            await db
              .selectFrom('slack_user')
              .select('time_zone')
              .where('user_id', '=', 'UBERLIN')
              .executeTakeFirstOrThrow()
          ).time_zone,
      )
      .toBe('America/New_York');
    expect((await freshDirectory().get(TEAM, 'UBERLIN')).timeZone).toBe('America/New_York');
  });

  it('keeps workspaces apart', async () => {
    const directory = freshDirectory();
    await directory.get('T0OTHER', 'UTOKYO');
    expect(lookups('UTOKYO')).toBe(2);
  });
});

describe('lookups in memory', () => {
  it('answers people asking for the same user at once with one users.info call, then from its cache', async () => {
    slack.addUser('UZONED', { tz: 'Asia/Tokyo' });
    const users = new UserDirectory(new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl }), logger);
    const profiles = await Promise.all([
      users.get(TEAM, 'UZONED'),
      users.get(TEAM, 'UZONED'),
      users.getMany(TEAM, ['UZONED']),
    ]);
    expect(profiles[0].timeZone).toBe('Asia/Tokyo');
    expect(profiles[1]).toEqual(profiles[0]);
    expect(profiles[2].get('UZONED')).toEqual(profiles[0]);
    expect(lookups('UZONED')).toBe(1);

    await users.get(TEAM, 'UZONED');
    expect(lookups('UZONED')).toBe(1);
  });

  it('a failed look-up falls back to UTC and is tried again next time', async () => {
    slack.addUser('UFLAKY', { tz: 'Europe/Paris' });
    slack.injectFault('users.info', { kind: 'slack_error', error: 'user_not_found' });
    const users = new UserDirectory(new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl }), logger);
    const [first, second] = await Promise.all([users.get(TEAM, 'UFLAKY'), users.get(TEAM, 'UFLAKY')]);
    expect(first.timeZone).toBe('UTC');
    expect(second.timeZone).toBe('UTC');
    expect((await users.get(TEAM, 'UFLAKY')).timeZone).toBe('Europe/Paris');
  });
});
