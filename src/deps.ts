import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Queues } from '../jobs/queues.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Logger } from './logger.js';
import type { UserDirectory } from './slack/user-directory.js';

/** What listeners and services are given; tests pass real ones pointed at their own data. */
export interface AppDeps {
  config: Config;
  db: Kysely<Database>;
  queues: Queues;
  /** The producer connection (offline queue off), also used by the health check. */
  redis: Redis;
  clock: Clock;
  logger: Logger;
  users: UserDirectory;
  /** A Web API client with the bot token, for work done after a listener has returned. */
  client: WebClient;
}
