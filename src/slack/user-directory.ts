import type { WebClient } from '@slack/web-api';
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

/**
 * Looks users up with `users.info`, caching each for a while: time zones change rarely, and
 * a modal submission must stay far inside Slack's 3-second window.
 */
export class UserDirectory {
  readonly #cache = new Map<string, { profile: SlackUserProfile; expires: number }>();
  /** Look-ups under way: asking for someone already being looked up waits for that answer. */
  readonly #inFlight = new Map<string, Promise<SlackUserProfile>>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 10 * 60 * 1000,
  ) {}

  /** Profiles of several users at once, keyed by id. */
  async getMany(teamId: string, userIds: Iterable<string>): Promise<Map<string, SlackUserProfile>> {
    const ids = [...new Set(userIds)];
    const profiles = await Promise.all(ids.map((id) => this.get(teamId, id)));
    return new Map(profiles.map((profile) => [profile.id, profile]));
  }

  async get(teamId: string, userId: string): Promise<SlackUserProfile> {
    const key = `${teamId}/${userId}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expires > Date.now()) return cached.profile;
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const lookup = this.#lookUp(teamId, userId, key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, lookup);
    return lookup;
  }

  async #lookUp(teamId: string, userId: string, key: string): Promise<SlackUserProfile> {
    try {
      const { user } = await this.client.users.info({ user: userId });
      const profile: SlackUserProfile = {
        id: userId,
        name: user?.profile?.display_name || user?.real_name || user?.name || userId,
        timeZone: user?.tz ?? 'UTC',
        isBot: user?.is_bot ?? false,
        deleted: user?.deleted ?? false,
        isAdmin: (user?.is_admin ?? false) || (user?.is_owner ?? false),
      };
      this.#cache.set(key, { profile, expires: Date.now() + this.ttlMs });
      return profile;
    } catch (error) {
      // A lookup failure must not block the person: fall back to UTC and try again next time.
      this.logger.warn({ err: error, teamId, userId }, 'users.info failed; assuming UTC');
      return { id: userId, name: userId, timeZone: 'UTC', isBot: false, deleted: false, isAdmin: false };
    }
  }
}
