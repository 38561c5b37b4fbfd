import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNEL_POST_INTERVAL_MS, reserveChannelSlot, takeChannelSlot } from '../jobs/channel-rate.js';
import { deleteRedisPrefix, TEST_REDIS_URL } from './support/test-env.js';

// Real: Redis. The limiter every worker shares before posting to a channel.
const redis = new Redis(TEST_REDIS_URL);
const prefix = `trate${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  await deleteRedisPrefix(prefix);
  redis.disconnect();
});

describe('one post a second per channel', () => {
  it('lets the first post go, makes the next wait out the second, and keeps channels apart', async () => {
    expect(CHANNEL_POST_INTERVAL_MS).toBe(1_000);
    expect(await takeChannelSlot(redis, prefix, 'C1')).toBe(0);
    const wait = await takeChannelSlot(redis, prefix, 'C1');
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(1_000);
    expect(await takeChannelSlot(redis, prefix, 'C2')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, wait + 20));
    expect(await takeChannelSlot(redis, prefix, 'C1')).toBe(0);
  });

  it('books each waiting post its own moment, one interval apart, which a plain take respects', async () => {
    const waits = [];
    for (let i = 0; i < 4; i++) waits.push(await reserveChannelSlot(redis, prefix, 'C3', 200));
    expect(waits[0]).toBe(0);
    for (const [n, wait] of waits.entries()) {
      if (n === 0) continue;
      expect(wait).toBeGreaterThan(n * 200 - 50);
      expect(wait).toBeLessThanOrEqual(n * 200);
    }
    // A post that only takes a free channel must wait for every booked moment to pass.
    const take = await takeChannelSlot(redis, prefix, 'C3', 200);
    expect(take).toBeGreaterThan(3 * 200 - 50);
    expect(take).toBeLessThanOrEqual(4 * 200);
    await new Promise((resolve) => setTimeout(resolve, take + 20));
    expect(await takeChannelSlot(redis, prefix, 'C3', 200)).toBe(0);
  });
});
