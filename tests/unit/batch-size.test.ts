import { describe, expect, it } from 'vitest';
import { BatchSize } from '../../jobs/batch-size.js';

const BUDGET = 500;
/** A batch that got everyone it asked for and sent them all well within its budget. */
const quick = (asked: number) => ({
  asked,
  claimed: asked,
  sent: asked,
  left: 0,
  budgetSpent: false,
  elapsedMs: 100,
  budgetMs: BUDGET,
});
/** A batch that spent its budget after sending `sent` of the `asked` it claimed. */
const spent = (asked: number, sent: number) => ({
  asked,
  claimed: asked,
  sent,
  left: asked - sent,
  budgetSpent: true,
  elapsedMs: 620,
  budgetMs: BUDGET,
});

describe('BatchSize', () => {
  it('starts where it is told, within its bounds', () => {
    expect(new BatchSize({ min: 10, max: 100, start: 25 }).current).toBe(25);
    expect(new BatchSize({ min: 10, max: 100, start: 500 }).current).toBe(100);
    expect(new BatchSize({ min: 10, max: 100, start: 2 }).current).toBe(10);
    expect(new BatchSize({ min: 0, max: 0, start: 0 }).current).toBe(0);
  });

  it('grows by half after a batch that got everyone it asked for and sent them within half its budget, up to its maximum', () => {
    const size = new BatchSize({ min: 10, max: 100, start: 25 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      size.record(quick(size.current));
      seen.push(size.current);
    }
    expect(seen).toEqual([38, 57, 86, 100, 100]);
  });

  it('does not grow after a batch that found fewer people than it asked for, took more than half its budget, or left anyone for later', () => {
    const size = new BatchSize({ min: 10, max: 100, start: 25 });
    size.record({ ...quick(25), claimed: 12, sent: 12 });
    expect(size.current).toBe(25);
    size.record({ ...quick(25), elapsedMs: 300 });
    expect(size.current).toBe(25);
    // Stopped early (its receipts failed, or the worker is stopping): not the budget, not quick.
    size.record({ ...quick(25), sent: 10, left: 15 });
    expect(size.current).toBe(25);
  });

  it('after a batch that spent its budget, takes as many as it sent, never fewer than its minimum nor more than before', () => {
    const size = new BatchSize({ min: 10, max: 100, start: 86 });
    size.record(spent(86, 19));
    expect(size.current).toBe(19);
    size.record(spent(19, 3));
    expect(size.current).toBe(10);
    size.record({ ...spent(10, 40), left: 1 });
    expect(size.current).toBe(10);
  });

  it('judges a batch by the size it asked for, not by the size now', () => {
    const size = new BatchSize({ min: 10, max: 100, start: 25 });
    size.record(quick(25));
    expect(size.current).toBe(38);
    // Started before the growth, with 25: full for what it asked, so the size grows again.
    size.record(quick(25));
    expect(size.current).toBe(57);
    // Asked for 57 but found 30 people: no growth.
    size.record({ ...quick(57), claimed: 30, sent: 30 });
    expect(size.current).toBe(57);
  });

  it('stays put when its bounds are one number (a fixed size)', () => {
    const size = new BatchSize({ min: 25, max: 25, start: 25 });
    size.record(quick(25));
    size.record(spent(25, 2));
    expect(size.current).toBe(25);
  });
});
