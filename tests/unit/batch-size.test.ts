import { describe, expect, it } from 'vitest';
import { BatchSize } from '../../jobs/batch-size.js';

const BUDGET = 500;
const quick = (claimed: number, sent = claimed) => ({
  claimed,
  sent,
  budgetSpent: false,
  elapsedMs: 100,
  budgetMs: BUDGET,
});

describe('BatchSize', () => {
  it('starts where it is told, within its bounds', () => {
    expect(new BatchSize({ min: 10, max: 100, start: 25 }).current).toBe(25);
    expect(new BatchSize({ min: 10, max: 100, start: 500 }).current).toBe(100);
    expect(new BatchSize({ min: 10, max: 100, start: 2 }).current).toBe(10);
    expect(new BatchSize({ min: 0, max: 0, start: 0 }).current).toBe(1);
  });

  it('grows by half after a full batch sent within half its budget, up to its maximum', () => {
    const size = new BatchSize({ min: 10, max: 100, start: 25 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      size.record(quick(size.current));
      seen.push(size.current);
    }
    expect(seen).toEqual([38, 57, 86, 100, 100]);
  });

  it('does not grow after a batch that found fewer people than it could take, or took more than half its budget', () => {
    const size = new BatchSize({ min: 10, max: 100, start: 25 });
    size.record(quick(12));
    expect(size.current).toBe(25);
    size.record({ ...quick(25), elapsedMs: 300 });
    expect(size.current).toBe(25);
  });

  it('after a batch that spent its budget, takes as many as it sent, never fewer than its minimum nor more than before', () => {
    const size = new BatchSize({ min: 10, max: 100, start: 86 });
    size.record({ claimed: 86, sent: 19, budgetSpent: true, elapsedMs: 620, budgetMs: BUDGET });
    expect(size.current).toBe(19);
    size.record({ claimed: 19, sent: 3, budgetSpent: true, elapsedMs: 900, budgetMs: BUDGET });
    expect(size.current).toBe(10);
    size.record({ claimed: 10, sent: 40, budgetSpent: true, elapsedMs: 600, budgetMs: BUDGET });
    expect(size.current).toBe(10);
  });

  it('stays put when its bounds are one number (a fixed size)', () => {
    const size = new BatchSize({ min: 25, max: 25, start: 25 });
    size.record(quick(25));
    size.record({ claimed: 25, sent: 2, budgetSpent: true, elapsedMs: 600, budgetMs: BUDGET });
    expect(size.current).toBe(25);
  });
});
