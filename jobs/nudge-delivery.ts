import type { WebClient } from '@slack/web-api';
import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { getNudgeMessage, type NudgeToSend } from '../blocks/nudge-messages.js';
import type { Clock } from '../src/clock.js';
import { recordAudit } from '../src/db/audit.js';
import type { Database, Nudge } from '../src/db/database.js';
import {
  buildPlanInput,
  type ClaimedNudge,
  claimDueNudges,
  type NudgePosition,
  type NudgeSettlement,
  nextClaimPlace,
  settleNudgeOutcomes,
  sharePanels,
} from '../src/db/nudges.js';
import { heldUntil, nudgeIdentity, type PlannedNudge, planNudges } from '../src/domain/nudge-plan.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import { COORDINATOR_ROLES } from '../src/domain/permissions.js';
import type { Logger } from '../src/logger.js';
import { accessFor, loadFeedbackStates, type PanelFeedbackState } from '../src/services/feedback.js';
import type { MessagePoster } from '../src/slack/message-poster.js';
import { mentionUser } from '../src/slack/mrkdwn.js';
import {
  delayIfRateLimited,
  explainSlackError,
  isRateLimited,
  permanentSlackError,
} from '../src/slack/slack-errors.js';
import { BatchSize } from './batch-size.js';
import { conversationHolds, holdConversation, isChannelId, takeChannelSlot } from './channel-rate.js';
import type { NudgeReceiptWriter } from './nudge-receipts.js';
import { enqueueNudges, type NudgeJob, nudgeJobId, type Queues } from './queues.js';
import { SendSlots } from './send-slots.js';
import { WorkerStoppingError } from './worker-stop.js';

/** How many due nudges for one recipient go out as one message. */
const BATCH_LIMIT = 15;
/** Nudges due within this much of each other for one person are sent together. */
const BATCH_WINDOW_MS = 60_000;
/**
 * How many other people's due nudges one delivery takes along with its own row's recipient, at
 * first: a process then takes as many as its batches manage to send within their send budget,
 * between {@link NUDGE_BATCH_RECIPIENTS_MIN} and {@link NUDGE_BATCH_RECIPIENTS_MAX} (see
 * jobs/batch-size.ts). They are claimed, re-checked and settled in the same transaction, so a
 * burst of due nudges costs a handful of Postgres round trips per batch, not per nudge. Each
 * message's receipt is committed right after it is sent, and a process has at most as many
 * messages under way as it runs deliveries at once, so a worker killed mid-batch sends at most
 * that many messages twice, whatever the batches' size (none is lost).
 */
export const NUDGE_BATCH_RECIPIENTS = 25;
/** The fewest other people a delivery takes along, however slow Slack is. */
export const NUDGE_BATCH_RECIPIENTS_MIN = 10;
/** The most other people a delivery takes along, however fast Slack is. */
export const NUDGE_BATCH_RECIPIENTS_MAX = 100;
/**
 * How long a batch goes on sending other people's messages. It holds a share lock on every panel
 * it claimed until it commits, so a booking, a submission, a decision or a snooze on one of them
 * waits for it: with real Slack at 150–300 ms a message, 26 of them would take seconds, past the
 * 3 s Slack gives a modal. The job's own person is always sent; once this much has passed since
 * the claim, the batch sends no more and leaves the rest pending for their own jobs (or the next
 * batch), so a change waits at most about this plus one Slack call.
 */
export const NUDGE_BATCH_SEND_BUDGET_MS = 500;
/** When a job's row is held by another transaction, look again after this. */
const RECHECK_MS = 250;
/** Deliveries a job tries in a row while its panel is being changed, before it looks again later. */
const PANEL_BUSY_TRIES = 3;
/** Rows this process settled, remembered so their own jobs finish without a query. */
const REMEMBERED_IDS = 50_000;

export interface NudgeDeliveryDeps {
  db: Kysely<Database>;
  /**
   * Writes receipts on a pool other than `db`'s (see {@link NudgeReceiptWriter}); without it (the
   * embedded PGlite), a worker killed mid-batch may send the batch's messages again.
   */
  receipts?: NudgeReceiptWriter | undefined;
  /** Other Slack calls (the notice to coordinators about an unreachable recipient). */
  client: WebClient;
  /** Posts the nudge messages themselves (see src/slack/message-poster.ts). */
  poster: MessagePoster;
  logger: Logger;
  clock: Clock;
  redis: Redis;
  prefix: string;
  channelPostIntervalMs?: number;
  /**
   * Other recipients every delivery takes along, fixed (by default a process starts at
   * {@link NUDGE_BATCH_RECIPIENTS} and follows what its batches manage: see jobs/batch-size.ts).
   */
  batchRecipients?: number;
  /** How long a batch goes on sending other people's messages (default {@link NUDGE_BATCH_SEND_BUDGET_MS}). */
  sendBudgetMs?: number;
  /**
   * Messages this process has under way at most, each counted from its post until its receipt is
   * committed (default 1): the worker passes its concurrency, so a worker killed mid-burst has sent
   * at most that many messages without a receipt, however its deliveries share them.
   */
  messagesInFlight?: number;
  /** Queues the rows a delivery held for working hours (without it, the reconciler does). */
  queues?: Queues;
  /**
   * Aborted when the worker is told to stop: a delivery sends no further message (not even its own
   * row's), commits what it sent, and the job goes back to the queue for what it left.
   */
  stopping?: AbortSignal;
}

export type NudgeOutcome = 'sent' | 'failed' | 'stale' | 'early' | 'taken';

/**
 * Rows that reached a final state (sent, failed, cancelled) in this process, by job id: a job for
 * one of them has nothing to do. The job id names the row and the moment it was due, which
 * matters: snoozing puts a sent row back to pending, but always at a later moment, with a job of
 * its own. Two generations keep the memory bounded.
 */
class SettledJobs {
  #current = new Set<string>();
  #previous = new Set<string>();
  has(jobId: string | undefined): boolean {
    return jobId !== undefined && (this.#current.has(jobId) || this.#previous.has(jobId));
  }
  add(row: Pick<Nudge, 'id' | 'deliver_at'>): void {
    if (this.#current.size >= REMEMBERED_IDS / 2) {
      this.#previous = this.#current;
      this.#current = new Set();
    }
    this.#current.add(nudgeJobId(row.id, row.deliver_at));
  }
}

/** At most `ms` of waiting for `promise` (which goes on regardless); its failure is handed to `onError`. */
async function waitAtMost(promise: Promise<unknown>, ms: number, onError: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(onError),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** One recipient's message, built before the batch's first goes out. */
type NudgeMessage = ReturnType<typeof getNudgeMessage>;

/** An error as `nudge.last_error` keeps it. */
function errorText(error: unknown): string {
  return String((error as Error)?.message ?? error).slice(0, 500);
}

/** How one recipient's message went. */
type SendResult =
  | { kind: 'sent'; ts: string | null; channel: string }
  | { kind: 'failed'; code: string }
  | { kind: 'rate_limited'; error: unknown; waitMs: number }
  | { kind: 'transient'; error: unknown };

/** What one delivery transaction did, as far as the job that ran it needs to know. */
interface BatchReport {
  /** The job's own row: settled how, or why it was left pending. */
  head:
    | { kind: 'settled'; outcome: 'sent' | 'failed' | 'stale' | 'early' }
    | { kind: 'not_claimed' }
    | { kind: 'panel_busy'; panelIds: string[] }
    | { kind: 'held'; waitMs: number }
    | { kind: 'stopping' }
    | { kind: 'rate_limited'; error: unknown }
    | { kind: 'transient'; error: unknown };
  failures: { code: string; rows: Nudge[] }[];
}

/**
 * Delivers due nudges: the job's own row, together with everything due for the same recipient
 * (one message), and in the same transaction the due nudges of up to
 * {@link NUDGE_BATCH_RECIPIENTS} other people (one message each). Postgres decides: their panels
 * are share-locked and then the rows claimed, both with `SKIP LOCKED` (`claimDueNudges`: a person
 * with a nudge on a panel being changed is left out, a change that starts later waits for the
 * send), each row is re-checked with the planner against its panel as it now stands (a nudge
 * whose reason is gone is cancelled, not sent), the messages are sent inside the transaction, the
 * job's own person's first, side by side as the process's send slots allow (one per delivery it
 * runs at once), each followed by its receipt committed on another connection before its slot is
 * free again, until {@link NUDGE_BATCH_SEND_BUDGET_MS} has passed (the rest stay pending
 * for their own jobs), and every row sent or given up is settled, sent with its Slack ts, in one
 * statement before it commits. A crash before commit
 * leaves the rows pending, and their receipts: the next attempt or the reconciler settles the
 * receipted ones as sent and sends only the rest.
 *
 * The jobs of rows a batch delivered find them settled and finish without touching Postgres when
 * it was this process, or with one read when it was another; while this process's last claim
 * says more people may be due, such a job first runs a batch for them (`takeAlongLeftBehind`).
 */
export function createNudgeProcessor(deps: NudgeDeliveryDeps) {
  const { db, clock } = deps;
  const settled = new SettledJobs();
  /** Rows claimed by a delivery in flight in this process: their jobs wait for it, not for Postgres. */
  const inFlight = new Map<string, Promise<void>>();
  /** Per workspace, where this process's last delivery stopped taking other people. */
  const claimCursors = new Map<string, NudgePosition>();
  /**
   * Workspaces where this process's last delivery took as many other people as it asked for and
   * sent some of them, or left some for later when its send budget ran out: people may be due whom
   * no delivery has taken (see `takeAlongLeftBehind`).
   */
  const moreDue = new Set<string>();
  const sendSlots = new SendSlots(deps.messagesInFlight ?? 1);
  const batchSize =
    deps.batchRecipients === undefined
      ? new BatchSize({
          min: NUDGE_BATCH_RECIPIENTS_MIN,
          max: NUDGE_BATCH_RECIPIENTS_MAX,
          start: NUDGE_BATCH_RECIPIENTS,
        })
      : new BatchSize({ min: deps.batchRecipients, max: deps.batchRecipients, start: deps.batchRecipients });

  const memory = { settled, inFlight, claimCursors, moreDue, sendSlots, batchSize };

  /**
   * The job of a row a delivery already sent has nothing of its own to do, but in a burst it may
   * stand in front of people nobody has taken yet. Deliveries take other people latest due first,
   * whose jobs are furthest back in the queue, so the queue's front and the deliveries meet in the
   * middle; what is left then (people a full claim did not reach, or left for later at the end of
   * a send budget) would wait behind thousands of jobs whose rows are already sent. So while the
   * last delivery here said more may be due, such a job runs a delivery of its own for other
   * people, as many side by side as jobs run at once (its own row is settled; its person is taken
   * only if something else of theirs is due, as a batch takes anyone); the first claim that finds
   * fewer people than it asked for, or sends none of them, ends it. Anything it cannot do stays
   * pending for its people's own jobs.
   */
  const takeAlongLeftBehind = async (teamId: string, nudgeId: string): Promise<'taken'> => {
    if (!moreDue.has(teamId) || deps.stopping?.aborted === true) return 'taken';
    try {
      const report = await deliverBatch(deps, memory, teamId, nudgeId, clock.now(), []);
      for (const failure of report.failures)
        await tellRecruiterOnce(deps, teamId, failure.rows, failure.code);
    } catch (error) {
      moreDue.delete(teamId);
      deps.logger.warn(
        { err: error, teamId },
        'due nudges left behind not taken along; their own jobs will deliver them',
      );
    }
    return 'taken';
  };

  return async (job: Job<NudgeJob>, token?: string): Promise<NudgeOutcome> => {
    const { teamId, nudgeId } = job.data;
    const later = async (ms: number): Promise<never> => {
      if (token === undefined) throw new Error(`nudge ${nudgeId} cannot go yet`);
      await job.moveToDelayed(Date.now() + Math.max(1, Math.round(ms)), token);
      throw new DelayedError();
    };
    if (settled.has(job.id)) return takeAlongLeftBehind(teamId, nudgeId);
    let waitForPanels: readonly string[] = [];
    const delivering = inFlight.get(nudgeId);
    if (delivering !== undefined) {
      await delivering;
      if (settled.has(job.id)) return takeAlongLeftBehind(teamId, nudgeId);
    }

    let now = clock.now();
    let report: BatchReport;
    for (let tries = 1; ; tries++) {
      try {
        report = await deliverBatch(deps, memory, teamId, nudgeId, now, waitForPanels);
      } catch (error) {
        // Postgres or Redis failed mid-delivery: nothing was committed. Count the attempt and let
        // BullMQ retry with backoff.
        await db
          .updateTable('nudge')
          .set({
            attempts: sql<number>`attempts + 1`,
            last_error: errorText(error),
          })
          .where('team_id', '=', teamId)
          .where('id', '=', nudgeId)
          .execute()
          .catch(() => undefined);
        throw error;
      }
      for (const failure of report.failures)
        await tellRecruiterOnce(deps, teamId, failure.rows, failure.code);
      // Its panel was being changed (a booking, a submission, an announcement being posted): try
      // again at once, this time waiting for the panel's lock before claiming anything, as the
      // change may have cancelled or moved the row.
      if (report.head.kind !== 'panel_busy' || tries >= PANEL_BUSY_TRIES) break;
      waitForPanels = report.head.panelIds;
      now = clock.now();
    }
    const { head } = report;
    switch (head.kind) {
      case 'settled':
        return head.outcome;
      case 'held':
        return later(head.waitMs);
      case 'stopping':
        // Back to the queue, for whichever worker runs next (jobs/worker-stop.ts).
        throw new WorkerStoppingError();
      case 'panel_busy':
        return later(RECHECK_MS);
      case 'rate_limited':
        // Slack asked us to wait: the rows stay pending and the job comes back after Retry-After.
        await delayIfRateLimited(head.error, job, token);
        throw head.error;
      case 'transient':
        throw head.error;
      case 'not_claimed': {
        // Most often another delivery of this process has it: wait for that one to commit.
        const deliveredHere = async () => {
          const other = inFlight.get(nudgeId);
          if (other !== undefined) await other;
          return settled.has(job.id);
        };
        if (await deliveredHere()) return 'taken';
        const row = await db
          .selectFrom('nudge')
          .select(['state', 'deliver_at'])
          .where('team_id', '=', teamId)
          .where('id', '=', nudgeId)
          .executeTakeFirst();
        if (row === undefined || row.state !== 'pending') return 'taken';
        if (row.deliver_at.getTime() > now.getTime() + 1_000) return 'early';
        if (await deliveredHere()) return 'taken';
        // Another worker holds it (and will most likely send it), or a change holds the row for a
        // moment: look again shortly rather than leave it to the reconciler.
        return later(RECHECK_MS);
      }
    }
  };
}

/**
 * One delivery transaction (see {@link createNudgeProcessor}).
 */
async function deliverBatch(
  deps: NudgeDeliveryDeps,
  memory: {
    settled: SettledJobs;
    inFlight: Map<string, Promise<void>>;
    claimCursors: Map<string, NudgePosition>;
    moreDue: Set<string>;
    sendSlots: SendSlots;
    batchSize: BatchSize;
  },
  teamId: string,
  headId: string,
  now: Date,
  waitForPanels: readonly string[],
): Promise<BatchReport> {
  const { db, receipts, poster, logger, redis, prefix, channelPostIntervalMs } = deps;
  const { settled, inFlight, claimCursors, moreDue, sendSlots, batchSize } = memory;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const claimedIds: string[] = [];
  const final: ClaimedNudge[] = [];
  const failures: { code: string; rows: Nudge[] }[] = [];
  let head: BatchReport['head'] = { kind: 'not_claimed' };
  /** Rows held until their recipient's working hours: queued for that moment once committed. */
  const held: { id: string; team_id: string; deliver_at: Date }[] = [];
  /**
   * The send slots of messages Slack may have taken whose receipt was not written: given back only
   * once this transaction has ended, so a receipt outage cannot let more messages out unrecorded.
   */
  const unreceipted: (() => void)[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      // Waiting for a lock is safe only while holding none: so panels first, then the claim.
      if (waitForPanels.length > 0) await sharePanels(trx, teamId, waitForPanels);
      const cursor = claimCursors.get(teamId);
      const asked = batchSize.current;
      const claim = await claimDueNudges(trx, {
        teamId,
        headId,
        now,
        windowEnd: new Date(now.getTime() + BATCH_WINDOW_MS),
        moreRecipients: asked,
        below: cursor,
      });
      // The next delivery takes other people from below these (the rows above are held by the
      // deliveries in flight, or sent); once nothing is left below, from the top again.
      const next = nextClaimPlace(claimCursors.get(teamId), cursor, claim.continueBelow);
      if (next === undefined) claimCursors.delete(teamId);
      else claimCursors.set(teamId, next);
      // A claim that took as many as it asked for may have left due people behind (unless it
      // sends none of them: below); one that took fewer found nobody else free.
      if (claim.continueBelow === null) moreDue.delete(teamId);
      else moreDue.add(teamId);
      // The panels are share-locked from here on: the send budget counts from now.
      const claimedAt = performance.now();
      const claimed = claim.rows;
      for (const row of claimed) {
        claimedIds.push(row.id);
        inFlight.set(row.id, finished);
      }
      // The head's person has a nudge on a panel being changed right now: none of their rows was
      // claimed (their message would have been split in two, or sent from a stale panel).
      if (claim.headBusyPanelIds.length > 0 && !claimedIds.includes(headId)) {
        head = { kind: 'panel_busy', panelIds: claim.headBusyPanelIds };
      }
      if (claimed.length === 0) return;
      const settlements: NudgeSettlement[] = [];

      // Rows Slack already took (a delivery that died before its commit left their receipts):
      // sent, with that message. The rest of their person's due nudges go in a message of their own.
      const byRecipient = new Map<string, ClaimedNudge[]>();
      for (const row of claimed) {
        if (row.receipt !== null) {
          settlements.push({
            id: row.id,
            state: 'sent',
            slackTs: row.receipt.slack_ts,
            slackChannel: row.receipt.slack_channel,
            sentAt: row.receipt.sent_at,
            countAttempt: true,
          });
          final.push(row);
          if (row.id === headId) head = { kind: 'settled', outcome: 'sent' };
          continue;
        }
        // One message per recipient: their rows, the head first when it is theirs, then by time.
        const list = byRecipient.get(row.recipient);
        if (list === undefined) byRecipient.set(row.recipient, [row]);
        else list.push(row);
      }
      // The head's person, and whether this batch sends them a message (not if Slack already took it).
      const headRow = claimed.find((r) => r.id === headId);
      const headRecipient = headRow?.receipt === null ? headRow.recipient : undefined;
      const holds = await conversationHolds(redis, prefix, [...byRecipient.keys()]);
      const messages: { recipient: string; rows: ClaimedNudge[] }[] = [];
      for (const [recipient, rows] of byRecipient) {
        const isHeads = recipient === headRecipient;
        const heldMs = holds.get(recipient) ?? 0;
        if (heldMs > 0) {
          if (isHeads) head = { kind: 'held', waitMs: heldMs };
          continue;
        }
        if (isChannelId(recipient)) {
          const wait = await takeChannelSlot(redis, prefix, recipient, channelPostIntervalMs);
          if (wait > 0) {
            if (isHeads) head = { kind: 'held', waitMs: wait };
            continue;
          }
        }
        const own = rows.filter((r) => r.id === headId);
        const message = {
          recipient,
          rows: [...own, ...rows.filter((r) => r.id !== headId).slice(0, BATCH_LIMIT - own.length)].sort(
            (a, b) => a.deliver_at.getTime() - b.deliver_at.getTime(),
          ),
        };
        // The job's own person first: theirs goes out whatever the send budget says.
        if (isHeads) messages.unshift(message);
        else messages.push(message);
      }

      // Re-check that each is still owed, with the same planner that made it, against the panel
      // as it stands under the share lock: a briefing for an interview that has begun, or a
      // countdown after a panel was decided while this worker was down, is cancelled, not sent.
      // Every panel of the batch is read once, for the plan and for the messages.
      const panelIds = [...new Set(messages.flatMap((m) => m.rows.map((r) => r.panel_id)))];
      const { nudgeSettings: settings, states } =
        panelIds.length === 0
          ? { nudgeSettings: undefined, states: new Map<string, PanelFeedbackState>() }
          : await loadFeedbackStates(trx, teamId, panelIds);
      const wanted = new Map<string, PlannedNudge>();
      for (const [panelId, state] of states) {
        if (settings === undefined) break;
        const submitted = state.feedback.filter((f) => f.state === 'submitted');
        const input = buildPlanInput(state.details, state.slots, submitted, settings, now);
        for (const planned of planNudges(input)) wanted.set(`${panelId}|${nudgeIdentity(planned)}`, planned);
      }

      // Each message is followed at once by its receipt, committed on a connection of its own
      // (with the receipts of this process's other deliveries). A message holds one of the
      // process's send slots from its post until its receipt is committed, and there are as many
      // slots as deliveries run at once: the batch's messages go out side by side when the slots
      // are free (the jobs of the rows it claimed only wait for it), and if this worker dies, at
      // most one message per slot was sent without a receipt, so at most that many can be sent
      // again, as when each delivery sent one at a time (see NudgeReceiptWriter).
      let receiptsFailed: unknown;
      const sendBudgetMs = deps.sendBudgetMs ?? NUDGE_BATCH_SEND_BUDGET_MS;
      let leftForLater = 0;
      let othersSent = 0;
      // Another person's message waiting for a slot stops waiting once the batch is to send no
      // more: a receipt of its own failed (the slots of unrecorded messages are kept until the
      // batch ends, so waiting on could wait on itself), the send budget is spent, or the worker
      // is stopping. The head's message gives up only for the last.
      const stopWaiting = new AbortController();
      const stop = () => stopWaiting.abort();
      const budgetTimer = setTimeout(stop, Math.max(0, claimedAt + sendBudgetMs - performance.now()));
      deps.stopping?.addEventListener('abort', stop, { once: true });
      /** Sends one message and records how it went; false when Slack took it but no receipt says so. */
      const deliverMessage = async (
        recipient: string,
        due: ClaimedNudge[],
        message: NudgeMessage,
        isHeads: boolean,
      ): Promise<boolean> => {
        let recorded = true;
        const result = await send(poster, recipient, message);
        if (result.kind === 'sent' && receipts !== undefined) {
          try {
            await receipts.record(
              due.map((row) => ({
                teamId,
                nudgeId: row.id,
                deliverAt: row.deliver_at,
                slackChannel: result.channel,
                slackTs: result.ts,
                sentAt: now,
              })),
            );
          } catch (error) {
            logger.error(
              { err: error, teamId, recipient },
              'nudge receipt not written; the batch stops here',
            );
            receiptsFailed = error;
            stop();
            recorded = false;
          }
        }
        recordOutcome(due, result, isHeads);
        // After a 429 every worker holds that conversation until Retry-After has passed: set
        // before this transaction lets the rows go, so no other delivery (nor their own job) can
        // take them up in between and post inside the wait.
        if (result.kind === 'rate_limited') {
          // Bounded: the worker's Redis connection retries forever while Redis is away, and this
          // message holds a slot and the batch its locks.
          await waitAtMost(holdConversation(redis, prefix, recipient, result.waitMs), 1_000, (error) =>
            logger.warn({ err: error, teamId, recipient }, 'could not hold a rate-limited conversation'),
          );
        }
        if (result.kind === 'transient') {
          logger.warn({ err: result.error, teamId, recipient }, 'nudge not delivered; it will be retried');
        }
        return recorded;
      };
      /** Settles one message's rows as it went, and the job's own row's outcome if it was among them. */
      const recordOutcome = (due: ClaimedNudge[], result: SendResult, isHeads: boolean) => {
        for (const row of due) {
          switch (result.kind) {
            case 'sent':
              settlements.push({
                id: row.id,
                state: 'sent',
                slackTs: result.ts,
                slackChannel: result.channel,
                countAttempt: true,
              });
              final.push(row);
              break;
            case 'failed':
              settlements.push({
                id: row.id,
                state: 'failed',
                lastError: result.code,
                countAttempt: true,
              });
              final.push(row);
              break;
            case 'transient':
              settlements.push({
                id: row.id,
                state: 'pending',
                lastError: errorText(result.error),
                countAttempt: true,
              });
              break;
            case 'rate_limited':
              break;
          }
        }
        if (result.kind === 'failed') failures.push({ code: result.code, rows: due });
        if (!isHeads) return;
        if (result.kind === 'sent' || result.kind === 'failed') {
          head = { kind: 'settled', outcome: result.kind };
        } else if (result.kind === 'rate_limited') head = { kind: 'rate_limited', error: result.error };
        else head = { kind: 'transient', error: result.error };
      };
      // Every message is built before the first goes out: the batch's panels, read and re-planned
      // above, are then garbage while its messages are under way (the young generation's
      // collections would otherwise copy them, a whole batch's worth, on each pass).
      const ready: { recipient: string; due: ClaimedNudge[]; isHeads: boolean; message: NudgeMessage }[] = [];
      for (const { recipient, rows } of messages) {
        const due: ClaimedNudge[] = [];
        for (const row of rows) {
          const planned = wanted.get(`${row.panel_id}|${nudgeIdentity(row)}`);
          // Come due outside its recipient's working hours (its delivery was late): held, as
          // planned, until their next working moment. (A row not due yet, taken along within the
          // batch window, was planned inside them.)
          const hold = planned === undefined || row.deliver_at > now ? undefined : heldUntil(planned, now);
          if (planned !== undefined && hold !== undefined) {
            settlements.push({ id: row.id, state: 'pending', holdUntil: hold, countAttempt: false });
            held.push({ id: row.id, team_id: teamId, deliver_at: hold });
            if (row.id === headId) head = { kind: 'settled', outcome: 'early' };
          } else if (planned !== undefined) due.push(row);
          else {
            // Not remembered as settled: a cancelled row can be revived for the same moment (a kind
            // switched off and on again), and its job must then deliver it.
            settlements.push({ id: row.id, state: 'cancelled', countAttempt: false });
            if (row.id === headId) head = { kind: 'settled', outcome: 'stale' };
          }
        }
        if (due.length === 0 || settings === undefined) continue;
        const items: NudgeToSend[] = [];
        for (const nudge of due) {
          const state = states.get(nudge.panel_id);
          if (state === undefined) continue;
          const slot = state.slots.find((s) => s.slot.id === nudge.subject);
          // A person reads times in their own zone; a channel in its own digest zone, if it chose
          // one, else the workspace's.
          const zone = isChannelId(recipient)
            ? (state.details.panel.digest_time_zone ?? settings.digestTimeZone)
            : (state.details.members.find((m) => m.user_id === recipient)?.time_zone ?? 'UTC');
          const mayReadCounts = isChannelId(recipient) || accessFor(state, recipient, now).allowed;
          items.push({ nudge, state, slot, zone, now, mayReadCounts });
        }
        const isHeads = due.some((r) => r.id === headId);
        let message: NudgeMessage;
        try {
          message = getNudgeMessage(items, { isChannel: isChannelId(recipient) });
        } catch (error) {
          // A message that cannot be built fails its own rows for now, as a transient Slack error
          // would (the attempt counts), not the batch: the others still go out.
          logger.error({ err: error, teamId, recipient }, 'nudge message could not be built');
          recordOutcome(due, { kind: 'transient', error }, isHeads);
          continue;
        }
        ready.push({ recipient, due, isHeads, message });
      }
      states.clear();
      wanted.clear();
      const sending: Promise<void>[] = [];
      try {
        for (const { recipient, due, isHeads, message } of ready) {
          // Without receipts a crash could send the rest twice; past the send budget, changes to
          // their panels would wait on more Slack calls; a stopping worker sends nothing more. The
          // rest stay pending, untouched, for their own jobs or the next batch. (The head's message
          // is the first: always sent unless the worker is stopping.) Asked before waiting for a
          // slot, so a batch past its budget does not queue behind other deliveries, and again once
          // it has one.
          const leaveForLater = (): boolean => {
            const stopping = deps.stopping?.aborted === true;
            const spent = receiptsFailed !== undefined || performance.now() - claimedAt >= sendBudgetMs;
            if (!stopping && (isHeads || !spent)) return false;
            leftForLater += 1;
            if (isHeads) head = { kind: 'stopping' };
            return true;
          };
          if (leaveForLater()) continue;
          const release = await sendSlots.take(isHeads ? deps.stopping : stopWaiting.signal);
          if (release === undefined) {
            if (!leaveForLater()) leftForLater += 1;
            continue;
          }
          if (leaveForLater()) {
            release();
            continue;
          }
          if (!isHeads) othersSent += 1;
          sending.push(
            deliverMessage(recipient, due, message, isHeads).then(
              (recorded) => {
                if (recorded) release();
                else unreceipted.push(release);
              },
              (error: unknown) => {
                unreceipted.push(release);
                throw error;
              },
            ),
          );
        }
      } catch (error) {
        // Nothing is settled or rolled back while a message is still under way.
        await Promise.allSettled(sending);
        throw error;
      } finally {
        clearTimeout(budgetTimer);
        deps.stopping?.removeEventListener('abort', stop);
      }
      // Every message under way is seen through (its receipt included) before anything is settled.
      for (const outcome of await Promise.allSettled(sending)) {
        if (outcome.status === 'rejected') throw outcome.reason;
      }
      const others = new Set(
        claimed.filter((r) => r.recipient !== headRow?.recipient).map((r) => r.recipient),
      );
      const stoppedEarly = leftForLater > 0 && receiptsFailed === undefined;
      const stopping = deps.stopping?.aborted === true;
      // People left for later when the budget ran out are due and free again once this commits. A
      // full claim that sent nobody else (all of them held, failing, cancelled) says nothing about
      // people left behind: were it taken as a sign, jobs would keep claiming the same people.
      if (stoppedEarly && !stopping) moreDue.add(teamId);
      else if (othersSent === 0) moreDue.delete(teamId);
      batchSize.record({
        asked,
        claimed: others.size,
        sent: othersSent,
        left: leftForLater,
        budgetSpent: stoppedEarly && !stopping,
        elapsedMs: performance.now() - claimedAt,
        budgetMs: sendBudgetMs,
      });
      if (stoppedEarly) {
        logger.debug(
          { teamId, left: leftForLater },
          stopping
            ? 'worker stopping; the rest of the nudge batch waits for their jobs'
            : 'nudge batch send budget spent; the rest wait for their jobs',
        );
      }
      // Every message Slack took has its receipt committed, unless a receipt failed (its slot is
      // kept): then the settlement itself must wait for the disk. So must one that marks rows
      // failed: this process remembers their jobs as done, so were the commit lost, the
      // reconciler's new job for such a row would find nothing to do here.
      await settleNudgeOutcomes(trx, teamId, settlements, now, {
        receipted: receipts !== undefined && unreceipted.length === 0 && failures.length === 0,
      });
    });
    for (const row of final) settled.add(row);
  } finally {
    for (const release of unreceipted) release();
    for (const id of claimedIds) inFlight.delete(id);
    finish();
  }
  if (held.length > 0 && deps.queues !== undefined) {
    await enqueueNudges(deps.queues, held, (at) => deps.clock.msUntil(at)).catch((error: unknown) =>
      logger.warn({ err: error, teamId }, 'held nudges not queued; the reconciler will queue them'),
    );
  }
  return { head, failures };
}

/** Sends one recipient's message and says how it went; never throws for a Slack answer. */
async function send(poster: MessagePoster, recipient: string, message: NudgeMessage): Promise<SendResult> {
  try {
    const posted = await poster.postMessage({ channel: recipient, ...message, unfurl_links: false });
    return { kind: 'sent', ts: posted.ts ?? null, channel: posted.channel ?? recipient };
  } catch (error) {
    if (isRateLimited(error)) {
      const waitMs = Math.max(1, error.retryAfter) * 1_000;
      return { kind: 'rate_limited', error, waitMs };
    }
    const code = permanentSlackError(error);
    if (code !== undefined) return { kind: 'failed', code };
    return { kind: 'transient', error };
  }
}

/** Tells each affected panel's coordinators about an unreachable recipient (see {@link tellCoordinatorsOnce}). */
async function tellRecruiterOnce(
  deps: NudgeDeliveryDeps,
  teamId: string,
  rows: readonly Nudge[],
  code: string,
): Promise<void> {
  const recipient = rows[0]?.recipient ?? '';
  for (const panelId of new Set(rows.map((r) => r.panel_id))) {
    try {
      await tellCoordinatorsOnce(deps, { teamId, panelId, recipient, code });
    } catch (error) {
      // Not lost: the reconciler asks again for every failed nudge nobody was told about.
      deps.logger.warn(
        { err: error, teamId, panelId },
        'could not tell the recruiter about a failed nudge yet',
      );
    }
  }
}

/**
 * One DM per panel and unreachable recipient to the panel's recruiters (or, if the recruiter is the
 * one Slack cannot reach, its hiring managers), ever: the `nudge.failed` audit event records that
 * they were told, and is written, under a lock per panel and recipient, only once Slack took at
 * least one of the DMs, or once Slack said none of them can ever be reached. If none went out for
 * a reason that may pass (an outage), the call throws and nothing is recorded, so the reconciler
 * tries again later. The lock is not the panel's, so no change to the panel waits.
 */
export async function tellCoordinatorsOnce(
  deps: Pick<NudgeDeliveryDeps, 'db' | 'client' | 'logger'>,
  failure: { teamId: string; panelId: string; recipient: string; code: string },
): Promise<'told' | 'already'> {
  const { db, client, logger } = deps;
  const { teamId, panelId, recipient, code } = failure;
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`panelist:nudge-failed:${teamId}:${panelId}:${recipient}`}, 0))`.execute(
      trx,
    );
    const already = await trx
      .selectFrom('audit_event')
      .select('id')
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panelId)
      .where('action', '=', 'nudge.failed')
      .where(sql<boolean>`detail->>'recipient' = ${recipient}`)
      .executeTakeFirst();
    if (already !== undefined) return 'already' as const;
    const panel = await trx
      .selectFrom('panel')
      .select(['number'])
      .where('team_id', '=', teamId)
      .where('id', '=', panelId)
      .executeTakeFirst();
    const members = await trx
      .selectFrom('panel_member')
      .select(['user_id', 'role'])
      .where('team_id', '=', teamId)
      .where('panel_id', '=', panelId)
      .where('role', 'in', COORDINATOR_ROLES)
      .execute();
    const of = (role: string) =>
      [...new Set(members.filter((m) => m.role === role).map((m) => m.user_id))].filter(
        (id) => id !== recipient,
      );
    const recruiters = of('recruiter');
    const coordinators = recruiters.length > 0 ? recruiters : of('hiring_manager');
    const who = isChannelId(recipient) ? `<#${recipient}>` : mentionUser(recipient);
    const told: string[] = [];
    let retryable = false;
    for (const person of coordinators) {
      try {
        await client.chat.postMessage({
          channel: person,
          text: `:warning: Panelist could not deliver reminders for ${formatPanelReference(panel?.number ?? 0)} to ${who}: ${explainSlackError(code)}. They will not be retried; please reach them another way.`,
        });
        told.push(person);
      } catch (error) {
        // Slack unreachable for now: worth another try; the coordinator gone for good: not.
        if (permanentSlackError(error) === undefined) retryable = true;
        logger.warn({ err: error, teamId, panelId, person }, 'failed-nudge notice not delivered');
      }
    }
    if (told.length === 0 && retryable) {
      throw new Error(`nobody could be told that ${recipient} is unreachable on panel ${panelId}`);
    }
    await recordAudit(trx, {
      teamId,
      panelId,
      actorUserId: 'panelist',
      action: 'nudge.failed',
      detail: { recipient, slackError: code, told },
    });
    return 'told' as const;
  });
}
