/**
 * How many other people a worker process's nudge deliveries take along (see `NUDGE_BATCH_*` in
 * jobs/nudge-delivery.ts): as many as its batches lately managed to send within their send budget.
 *
 * A larger batch spreads its Postgres work (the claim, the panels' read and re-plan, the settle and
 * the commit) over more messages. With the Slack double in the benchmark, 100 people a batch
 * delivered 3,126–3,194 nudges a second against 2,746–2,945 with 25 (README, machine I). With real
 * Slack at 150–300 ms a message, a batch sends only a score or so before its budget is spent, and
 * the people it claimed beyond those were read, re-planned and locked for nothing, their panels'
 * changes waiting on the batch all the same. So the size follows what the batches achieve:
 * - a batch that had to leave people for later because its budget was spent: the next batches take
 *   as many as it managed to send (never fewer than `min`);
 * - a batch that got as many people as it asked for and sent everyone's message (none left for
 *   later, for any reason) within half its budget: the next take half as many again (never more
 *   than `max`);
 * - otherwise it stays as it is.
 */
export class BatchSize {
  readonly #min: number;
  readonly #max: number;
  #current: number;

  constructor({ min, max, start }: { min: number; max: number; start: number }) {
    this.#min = Math.max(0, Math.min(min, max));
    this.#max = Math.max(this.#min, max);
    this.#current = Math.min(this.#max, Math.max(this.#min, start));
  }

  /** Other people the next delivery takes along. */
  get current(): number {
    return this.#current;
  }

  /** What one delivery did with the other people it claimed. */
  record(batch: {
    /** Other people it asked the claim for (this size, when it started). */
    asked: number;
    /** Other people it claimed (their rows, not counting the job's own person). */
    claimed: number;
    /** Other people's messages it sent or tried to (each took a send slot and Slack's time). */
    sent: number;
    /** People it left pending for later, for whatever reason. */
    left: number;
    /** It left people for later because its send budget was spent (not because it was stopping). */
    budgetSpent: boolean;
    /** From its claim until its last message was through, against its budget. */
    elapsedMs: number;
    budgetMs: number;
  }): void {
    if (batch.budgetSpent) {
      this.#current = Math.max(this.#min, Math.min(this.#current, batch.sent));
    } else if (batch.left === 0 && batch.claimed >= batch.asked && batch.elapsedMs <= batch.budgetMs / 2) {
      this.#current = Math.min(this.#max, Math.ceil(this.#current * 1.5));
    }
  }
}
