/**
 * A count of permits, taken in the order asked for: the nudge worker's send slots, one per message
 * it has out (from its post until its receipt is committed; see `messagesInFlight` in
 * jobs/nudge-delivery.ts). A waiter can give up (an aborted signal), so a batch that is to send no
 * more never waits on a slot, least of all on one it holds itself.
 */
export class SendSlots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(slots: number) {
    this.#free = Math.max(1, slots);
  }
  /**
   * Resolves with the function that gives the slot back once one is free, or with `undefined` if
   * `signal` is aborted first (the caller no longer wants it: nothing to give back).
   */
  take(signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted === true) return Promise.resolve(undefined);
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve(this.#giveBack());
    }
    return new Promise((resolve) => {
      const granted = () => {
        signal?.removeEventListener('abort', abandon);
        resolve(this.#giveBack());
      };
      const abandon = () => {
        const at = this.#waiting.indexOf(granted);
        if (at >= 0) this.#waiting.splice(at, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.#waiting.push(granted);
    });
  }
  #giveBack(): () => void {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.#waiting.shift();
      if (next === undefined) this.#free += 1;
      else next();
    };
  }
}
