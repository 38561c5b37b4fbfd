import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserDirectory } from '../src/slack/user-directory.js';
import { SlackDouble } from './support/slack-double.js';

// Real: the Web API client over HTTP. Faked: Slack (the double).
let slack: SlackDouble;
beforeAll(async () => {
  slack = await new SlackDouble({ teamId: 'T0USERS' }).start();
});
afterAll(async () => slack?.close());

describe('the user directory', () => {
  it('answers people asking for the same user at once with one users.info call, then from its cache', async () => {
    slack.addUser('UZONED', { tz: 'Asia/Tokyo' });
    const users = new UserDirectory(
      new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl }),
      pino({ level: 'silent' }),
    );
    const profiles = await Promise.all([
      users.get('T0USERS', 'UZONED'),
      users.get('T0USERS', 'UZONED'),
      users.getMany('T0USERS', ['UZONED']),
    ]);
    expect(profiles[0].timeZone).toBe('Asia/Tokyo');
    expect(profiles[1]).toEqual(profiles[0]);
    expect(profiles[2].get('UZONED')).toEqual(profiles[0]);
    expect(slack.callsTo('users.info', (c) => c.args.user === 'UZONED')).toHaveLength(1);

    await users.get('T0USERS', 'UZONED');
    expect(slack.callsTo('users.info', (c) => c.args.user === 'UZONED')).toHaveLength(1);
  });

  it('a failed look-up falls back to UTC and is tried again next time', async () => {
    slack.addUser('UFLAKY', { tz: 'Europe/Paris' });
    slack.injectFault('users.info', { kind: 'slack_error', error: 'user_not_found' });
    const users = new UserDirectory(
      new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl }),
      pino({ level: 'silent' }),
    );
    const [first, second] = await Promise.all([
      users.get('T0USERS', 'UFLAKY'),
      users.get('T0USERS', 'UFLAKY'),
    ]);
    expect(first.timeZone).toBe('UTC');
    expect(second.timeZone).toBe('UTC');
    expect((await users.get('T0USERS', 'UFLAKY')).timeZone).toBe('Europe/Paris');
  });
});
