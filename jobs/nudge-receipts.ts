import type { Kysely } from 'kysely';
import type { Database } from '../src/db/database.js';
import { type SentNudgeReceipt, writeNudgeReceipts } from '../src/db/nudges.js';
import { pgErrorCode } from '../src/db/pg-errors.js';

interface Waiting {
  receipts: readonly SentNudgeReceipt[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The receipts of every nudge delivery in a worker process, committed together (group commit).
 * A message holds its send slot until its receipt is committed, so a worker killed mid-batch sends
 * again at most one message per slot, as many as it runs deliveries at once (see
 * jobs/nudge-delivery.ts); that wait is what makes receipts the largest part of a nudge's cost
 * when each is a statement and a commit of its own. Here one write is in flight at a time, and
 * every receipt that arrives meanwhile goes into the next write: with ten deliveries sending at
 * once, a write carries several of them. A write started from idle waits for the end of the event
 * loop's turn in which its first receipt arrived (`setImmediate`), so the Slack answers read in
 * that turn go in one write rather than the first alone and the rest a round trip later.
 *
 * A write that Postgres refuses for its data (a value it cannot take: SQLSTATE classes 22 and 23)
 * is tried again one delivery's receipts at a time, so that receipt fails its
 * own delivery only; any other failure (Postgres unreachable, the statement timed out) fails every
 * receipt the write carried at once, rather than each after its own wait. A delivery whose receipt
 * failed stops sending (see nudge-delivery.ts).
 */
export class NudgeReceiptWriter {
  readonly #db: Kysely<Database>;
  #waiting: Waiting[] = [];
  #writing = false;

  constructor(receiptsDb: Kysely<Database>) {
    this.#db = receiptsDb;
  }

  /** Resolves once `receipts` are committed; rejects if the write that carried them failed. */
  record(receipts: readonly SentNudgeReceipt[]): Promise<void> {
    if (receipts.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ receipts, resolve, reject });
      if (this.#writing) return;
      this.#writing = true;
      setImmediate(() => void this.#writeAll());
    });
  }

  async #writeAll(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting;
        this.#waiting = [];
        try {
          await writeNudgeReceipts(
            this.#db,
            batch.flatMap((w) => w.receipts),
          );
          for (const w of batch) w.resolve();
        } catch (error) {
          if (batch.length === 1 || !refusedForItsData(error)) for (const w of batch) w.reject(error);
          else
            for (const w of batch) await writeNudgeReceipts(this.#db, w.receipts).then(w.resolve, w.reject);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}

/** Postgres refused the statement for the values it carried (data exception or constraint violation). */
function refusedForItsData(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}
