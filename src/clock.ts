/** The source of "now". Services take one so tests can fix or move time. */
export interface Clock {
  now(): Date;
  /** Real milliseconds until the clock reads `at` (what a queue delay must be). */
  msUntil(at: Date): number;
}

export const systemClock: Clock = { now: () => new Date(), msUntil: (at) => at.getTime() - Date.now() };

/** The system clock moved by `offsetMs` (`CLOCK_OFFSET_MS`); it runs at the real pace. */
export function offsetClock(offsetMs: number): Clock {
  if (offsetMs === 0) return systemClock;
  return {
    now: () => new Date(Date.now() + offsetMs),
    msUntil: (at) => at.getTime() - (Date.now() + offsetMs),
  };
}

/** A clock that stands still until moved; for tests and the demo. */
export class ManualClock implements Clock {
  #now: Date;
  constructor(start: Date) {
    this.#now = new Date(start);
  }
  now(): Date {
    return new Date(this.#now);
  }
  set(at: Date): void {
    this.#now = new Date(at);
  }
  advance(ms: number): void {
    this.#now = new Date(this.#now.getTime() + ms);
  }
  /** A stopped clock only moves when told; queued work waits until then (the reconciler promotes it). */
  msUntil(at: Date): number {
    return at.getTime() - this.#now.getTime();
  }
}
