import type { Redis } from 'ioredis';

/**
 * Slack allows about one message a second per channel. Before posting to a channel, a worker
 * takes this per-channel token for one second across every worker process; if another post has
 * it, the caller waits the returned number of milliseconds.
 * @returns 0 when the post may go now, otherwise how long to wait.
 */
export async function takeChannelSlot(redis: Redis, prefix: string, channel: string): Promise<number> {
  const key = `${prefix}:channel-rate:${channel}`;
  const taken = await redis.set(key, '1', 'PX', 1_000, 'NX');
  if (taken === 'OK') return 0;
  const ttl = await redis.pttl(key);
  return ttl > 0 ? ttl : 50;
}

/** Channels and users: Slack ids of conversations start with C or G; users with U or W. */
export function isChannelId(id: string): boolean {
  return id.startsWith('C') || id.startsWith('G');
}
