import type { Redis } from 'ioredis';

/** At most one post per channel in this many milliseconds, across every worker. */
export const CHANNEL_POST_INTERVAL_MS = 1_000;

/**
 * Slack allows about one message a second per channel. Before posting to a channel, a worker
 * takes this per-channel token for one second across every worker process; if another post has
 * it, the caller waits the returned number of milliseconds.
 * @returns 0 when the post may go now, otherwise how long to wait.
 */
export async function takeChannelSlot(
  redis: Redis,
  prefix: string,
  channel: string,
  intervalMs = CHANNEL_POST_INTERVAL_MS,
): Promise<number> {
  if (intervalMs <= 0) return 0;
  const key = `${prefix}:channel-rate:${channel}`;
  const taken = await redis.set(key, '1', 'PX', intervalMs, 'NX');
  if (taken === 'OK') return 0;
  const ttl = await redis.pttl(key);
  return ttl > 0 ? ttl : 50;
}

/** Channels and users: Slack ids of conversations start with C or G; users with U or W. */
export function isChannelId(id: string): boolean {
  return id.startsWith('C') || id.startsWith('G');
}

/**
 * After Slack answers 429 for a conversation, every worker holds back posts to it until its
 * Retry-After has passed, so a batch job for the same person cannot jump the queue.
 */
export async function holdConversation(
  redis: Redis,
  prefix: string,
  conversation: string,
  ms: number,
): Promise<void> {
  await redis.set(`${prefix}:slack-hold:${conversation}`, '1', 'PX', Math.max(1, Math.round(ms)));
}

/** Milliseconds left before posts to `conversation` may resume (0 when they may go now). */
export async function conversationHold(redis: Redis, prefix: string, conversation: string): Promise<number> {
  const ttl = await redis.pttl(`${prefix}:slack-hold:${conversation}`);
  return Math.max(ttl, 0);
}

/**
 * {@link conversationHold} for several conversations in one round trip.
 * @returns the conversations still held, with the milliseconds left.
 */
export async function conversationHolds(
  redis: Redis,
  prefix: string,
  conversations: readonly string[],
): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  if (conversations.length === 0) return held;
  const replies = await redis
    .pipeline(conversations.map((c) => ['pttl', `${prefix}:slack-hold:${c}`]))
    .exec();
  conversations.forEach((conversation, i) => {
    const [error, ttl] = replies?.[i] ?? [null, 0];
    if (error !== null) throw error;
    if (typeof ttl === 'number' && ttl > 0) held.set(conversation, ttl);
  });
  return held;
}
