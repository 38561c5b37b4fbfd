import type { WebClient } from '@slack/web-api';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';

/** What Panelist needs to know of a Slack user. */
export interface SlackUserProfile {
  id: string;
  /** What people call them in Slack: display name, else real name, else the id. */
  name: string;
  /** IANA time zone, e.g. `Europe/Berlin`; `UTC` when Slack does not say. */
  timeZone: string;
  isBot: boolean;
  deleted: boolean;
  /** A workspace admin or owner. */
  isAdmin: boolean;
}

/** Stored profiles younger than this are used as they are; older ones are used and refreshed. */
const STORED_FRESH_MS = 24 * 3600 * 1000;

/**
 * Looks users up with `users.info`, keeping each profile in memory for a while and, given a
 * database, in the `slack_user` table, shared by every process and kept across restarts: time
 * zones change rarely, and a modal submission must stay far inside Slack's 3-second window. A
 * stored profile older than a day is still used, and refreshed from Slack in the background.
 */
export class UserDirectory {
  readonly #cache = new Map<string, { profile: SlackUserProfile; expires: number }>();
  readonly #inFlight = new Map<string, Promise<SlackUserProfile>>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 10 * 60 * 1000,
    private readonly db?: Kysely<Database>,
  ) {}

  /** Profiles of several users at once, keyed by id: memory, then one query, then Slack. */
  async getMany(teamId: string, userIds: Iterable<string>): Promise<Map<string, SlackUserProfile>> {
    const ids = [...new Set(userIds)];
    const found = new Map<string, SlackUserProfile>();
    const now = Date.now();
    let missing: string[] = [];
    for (const id of ids) {
      const cached = this.#cache.get(`${teamId}/${id}`);
      if (cached !== undefined && cached.expires > now) found.set(id, cached.profile);
      else missing.push(id);
    }
    if (missing.length > 0 && this.db !== undefined) {
      const stored = await this.#readStored(teamId, missing);
      for (const [id, { profile, fetchedAt }] of stored) {
        found.set(id, profile);
        this.#remember(teamId, profile);
        if (now - fetchedAt.getTime() > STORED_FRESH_MS) void this.#lookUp(teamId, id);
      }
      missing = missing.filter((id) => !stored.has(id));
    }
    const looked = await Promise.all(missing.map((id) => this.#lookUp(teamId, id)));
    for (const profile of looked) found.set(profile.id, profile);
    return new Map(ids.map((id) => [id, found.get(id) ?? fallback(id)]));
  }

  async get(teamId: string, userId: string): Promise<SlackUserProfile> {
    return (await this.getMany(teamId, [userId])).get(userId) ?? fallback(userId);
  }

  /**
   * The profile as Slack has it now, for decisions that grant rights (is this person an admin?):
   * a remembered profile could be a day old, and a demoted admin must lose their rights at once.
   * Undefined when Slack cannot be asked just now: the caller must not guess.
   */
  async getFresh(teamId: string, userId: string): Promise<SlackUserProfile | undefined> {
    try {
      return await this.#request(teamId, userId);
    } catch (error) {
      this.logger.warn({ err: error, teamId, userId }, 'users.info failed');
      return undefined;
    }
  }

  async #readStored(
    teamId: string,
    userIds: string[],
  ): Promise<Map<string, { profile: SlackUserProfile; fetchedAt: Date }>> {
    try {
      const rows = await (this.db as Kysely<Database>)
        .selectFrom('slack_user')
        .selectAll()
        .where('team_id', '=', teamId)
        .where('user_id', 'in', userIds)
        .execute();
      return new Map(
        rows.map((row) => [
          row.user_id,
          {
            profile: {
              id: row.user_id,
              name: row.name,
              timeZone: row.time_zone,
              isBot: row.is_bot,
              deleted: row.deleted,
              isAdmin: row.is_admin,
            },
            fetchedAt: row.fetched_at,
          },
        ]),
      );
    } catch (error) {
      this.logger.warn({ err: error, teamId }, 'stored Slack profiles unreadable; asking Slack');
      return new Map();
    }
  }

  #remember(teamId: string, profile: SlackUserProfile): void {
    this.#cache.set(`${teamId}/${profile.id}`, { profile, expires: Date.now() + this.ttlMs });
  }

  /** One users.info per person at a time: concurrent asks (a burst of bookings) share it. */
  #lookUp(teamId: string, userId: string): Promise<SlackUserProfile> {
    const key = `${teamId}/${userId}`;
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const lookup = this.#fetch(teamId, userId).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, lookup);
    return lookup;
  }

  async #fetch(teamId: string, userId: string): Promise<SlackUserProfile> {
    try {
      return await this.#request(teamId, userId);
    } catch (error) {
      // A lookup failure must not block the person: fall back to UTC and try again next time.
      this.logger.warn({ err: error, teamId, userId }, 'users.info failed; assuming UTC');
      return fallback(userId);
    }
  }

  /** One `users.info`, remembered and stored. Throws what the Web API client throws. */
  async #request(teamId: string, userId: string): Promise<SlackUserProfile> {
    const { user } = await this.client.users.info({ user: userId });
    const profile = profileOf(userId, user);
    this.#remember(teamId, profile);
    void this.#store(teamId, profile);
    return profile;
  }

  /**
   * A profile Slack pushed (the `user_change` event) replaces the one remembered in this process,
   * if any (other processes' copies expire within `ttlMs`). Storing it is the caller's business.
   */
  replaceRemembered(teamId: string, profile: SlackUserProfile): void {
    if (this.#cache.has(`${teamId}/${profile.id}`)) this.#remember(teamId, profile);
  }

  /** How long a process may use a remembered profile without looking again. */
  get rememberMs(): number {
    return this.ttlMs;
  }

  /** Saves a profile for every process; not awaited (the caller has what it needs). */
  async #store(teamId: string, profile: SlackUserProfile): Promise<void> {
    if (this.db === undefined) return;
    const row = {
      name: profile.name,
      time_zone: profile.timeZone,
      is_bot: profile.isBot,
      deleted: profile.deleted,
      is_admin: profile.isAdmin,
      fetched_at: new Date(),
    };
    await this.db
      .insertInto('slack_user')
      .values({ team_id: teamId, user_id: profile.id, ...row })
      .onConflict((oc) => oc.columns(['team_id', 'user_id']).doUpdateSet(row))
      // A copy of what Slack holds: committed without waiting for the disk (a crash loses at most
      // the last fraction of a second of copies, fetched again when next needed), so these writes
      // never hold up the flushes that the bookings' own commits wait for.
      .returning(sql<string>`set_config('synchronous_commit', 'off', true)`.as('commit_mode'))
      .execute()
      .catch((error: unknown) =>
        this.logger.warn({ err: error, teamId, userId: profile.id }, 'Slack profile not stored'),
      );
  }
}

/** The fields Panelist reads of a Slack user object (from `users.info` or a `user_change` event). */
export interface SlackUserObject {
  name?: string;
  real_name?: string;
  tz?: string;
  is_bot?: boolean;
  deleted?: boolean;
  is_admin?: boolean;
  is_owner?: boolean;
  profile?: { display_name?: string };
}

/** A Slack user object as Panelist keeps it. */
export function profileOf(userId: string, user: SlackUserObject | undefined): SlackUserProfile {
  return {
    id: userId,
    name: user?.profile?.display_name || user?.real_name || user?.name || userId,
    timeZone: user?.tz || 'UTC',
    isBot: user?.is_bot ?? false,
    deleted: user?.deleted ?? false,
    isAdmin: (user?.is_admin ?? false) || (user?.is_owner ?? false),
  };
}

function fallback(userId: string): SlackUserProfile {
  return { id: userId, name: userId, timeZone: 'UTC', isBot: false, deleted: false, isAdmin: false };
}
