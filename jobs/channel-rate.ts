import type { Redis } from 'ioredis';

/** At most one post per channel in this many milliseconds, across every worker. */
export const CHANNEL_POST_INTERVAL_MS = 1_000;

/**
 * The per-channel timeline shared by every worker: the key holds the next moment (ms, Redis
 * clock) a post to the channel may go. `reserve` = 1 books the next free moment for the caller
 * (each caller gets its own, one interval apart); 0 only takes the channel if it is free now.
 * Returns 0 when the caller may post now, otherwise how many ms to wait.
 */
const CHANNEL_SLOT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
if nextFree <= now then
  redis.call('SET', KEYS[1], now + interval, 'PX', interval)
  return 0
end
if ARGV[2] ~= '1' then return nextFree - now end
redis.call('SET', KEYS[1], nextFree + interval, 'PX', nextFree + interval - now)
return nextFree - now
`;

async function channelSlot(
  redis: Redis,
  prefix: string,
  channel: string,
  intervalMs: number,
  reserve: boolean,
): Promise<number> {
  if (intervalMs <= 0) return 0;
  const wait = await redis.eval(
    CHANNEL_SLOT_SCRIPT,
    1,
    `${prefix}:channel-rate:${channel}`,
    String(intervalMs),
    reserve ? '1' : '0',
  );
  return Math.max(0, Number(wait));
}

/**
 * Slack allows about one message a second per channel. Before posting to a channel, a worker
 * takes the channel for one interval across every worker process; if another post has it, the
 * caller waits the returned number of milliseconds and asks again.
 * @returns 0 when the post may go now, otherwise how long to wait.
 */
export async function takeChannelSlot(
  redis: Redis,
  prefix: string,
  channel: string,
  intervalMs = CHANNEL_POST_INTERVAL_MS,
): Promise<number> {
  return channelSlot(redis, prefix, channel, intervalMs, false);
}

/**
 * Like `takeChannelSlot`, but books the channel's next free moment for the caller, who then
 * posts at that moment without asking again: many posts waiting for one channel are spread one
 * interval apart, instead of all waking each second to compete for it.
 * @returns 0 when the post may go now, otherwise how long until the booked moment.
 */
export async function reserveChannelSlot(
  redis: Redis,
  prefix: string,
  channel: string,
  intervalMs = CHANNEL_POST_INTERVAL_MS,
): Promise<number> {
  return channelSlot(redis, prefix, channel, intervalMs, true);
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
