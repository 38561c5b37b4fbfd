import { describe, expect, it } from 'vitest';
import { SendSlots } from '../../jobs/send-slots.js';

describe('send slots', () => {
  it('hands out as many as there are, then one per slot given back, in the order asked', async () => {
    const slots = new SendSlots(2);
    const first = await slots.take();
    const second = await slots.take();
    const order: string[] = [];
    const third = slots.take().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = slots.take().then((release) => {
      order.push('fourth');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first?.();
    first?.(); // giving the same slot back twice frees one, not two
    await third;
    await Promise.resolve();
    expect(order).toEqual(['third']);
    second?.();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });

  it('a waiter that gives up gets nothing and loses its place; the slot goes to the next one', async () => {
    const slots = new SendSlots(1);
    const held = await slots.take();
    const giveUp = new AbortController();
    const abandoned = slots.take(giveUp.signal);
    const next = slots.take();
    giveUp.abort();
    expect(await abandoned).toBeUndefined();
    held?.();
    expect(await next).toEqual(expect.any(Function));
  });

  it('a signal already aborted gets nothing, even with a slot free', async () => {
    const slots = new SendSlots(1);
    const stopped = new AbortController();
    stopped.abort();
    expect(await slots.take(stopped.signal)).toBeUndefined();
    // The free slot is still there.
    expect(await slots.take()).toEqual(expect.any(Function));
  });
});
