import type { WebClient } from '@slack/web-api';
import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Kysely, sql, type Transaction } from 'kysely';
import { getAnnouncementFailedMessage } from '../blocks/announcement-failed.js';
import { getDebriefMessage } from '../blocks/debrief.js';
import { getPanelAnnouncement } from '../blocks/panel-summary.js';
import { type Clock, systemClock } from '../src/clock.js';
import { recordAudit } from '../src/db/audit.js';
import type { Database, Panel } from '../src/db/database.js';
import { findDecision } from '../src/db/feedback.js';
import { activeInterviewers } from '../src/db/nudges.js';
import { loadPanelSnapshot, type PanelSnapshot } from '../src/db/panel-snapshot.js';
import { findPanelById, markAnnounced, markAnnouncementFailed } from '../src/db/panels.js';
import type { Logger } from '../src/logger.js';
import { loadFeedbackState } from '../src/services/feedback.js';
import { delayIfRateLimited, permanentSlackError, platformErrorCode } from '../src/slack/slack-errors.js';
import { CHANNEL_POST_INTERVAL_MS, holdConversation, reserveChannelSlot } from './channel-rate.js';
import type { AnnouncementJob } from './queues.js';

/** chat.update errors meaning the announcement is gone (deleted by someone): post it afresh. */
const MESSAGE_GONE_ERRORS = new Set(['message_not_found', 'cant_update_message']);

export interface AnnouncementDeps {
  db: Kysely<Database>;
  client: WebClient;
  logger: Logger;
  /** For the per-channel rate limit shared by every worker. */
  redis: Redis;
  prefix: string;
  channelPostIntervalMs?: number;
  /** When a sealed panel's deadline has passed; the system clock when not given. */
  clock?: Clock;
}

export type AnnouncementOutcome =
  | 'posted'
  | 'updated'
  | 'current'
  | 'gone'
  | 'failed'
  | 'debrief_posted'
  | 'debrief_updated';

/**
 * Posts or updates a panel's announcement so it shows the panel as it now stands. The panel row
 * is locked meanwhile, so two syncs of one panel never both post; a sync that finds the
 * announcement already current does nothing. Transient Slack errors (429, 5xx) are retried by
 * the Web API client and then by BullMQ; permanent ones are recorded and the creator is told once.
 */
export function createAnnouncementProcessor(deps: AnnouncementDeps) {
  const { db, client, logger, redis, prefix, channelPostIntervalMs, clock = systemClock } = deps;
  return async (job: Job<AnnouncementJob>, token?: string): Promise<AnnouncementOutcome> => {
    try {
      return await syncMessages(job, token);
    } catch (error) {
      await delayIfRateLimited(error, job, token, async (waitMs) => {
        // Slack's wait is not a booked moment: back from it, the job books the channel anew.
        const { channelSlotAt: _slot, channelSlotAttempt: _attempt, ...rest } = job.data;
        await job.updateData(rest);
        const panel = await db
          .selectFrom('panel')
          .select('channel_id')
          .where('team_id', '=', job.data.teamId)
          .where('id', '=', job.data.panelId)
          .executeTakeFirst();
        if (panel !== undefined) await holdConversation(redis, prefix, panel.channel_id, waitMs);
      });
      throw error;
    }
  };

  async function syncMessages(
    job: Job<AnnouncementJob>,
    token: string | undefined,
  ): Promise<AnnouncementOutcome> {
    const { teamId, panelId } = job.data;
    // Back at the moment it booked in the channel: the locked transaction below re-checks it all.
    // Back well after it (the follow-ups were held through a burst, or the worker was down), the
    // moment is gone and others booked after it may be due now too: it books the channel afresh.
    const backAtBookedMoment =
      job.data.channelSlotAt !== undefined &&
      job.data.channelSlotAttempt === job.attemptsMade &&
      Date.now() - job.data.channelSlotAt < (channelPostIntervalMs ?? CHANNEL_POST_INTERVAL_MS);
    if (backAtBookedMoment) return postLocked(teamId, panelId);
    const target = await db
      .selectFrom('panel')
      .select(['channel_id', 'revision', 'announced_revision', 'debriefed_revision', 'debrief_ts'])
      .where('team_id', '=', teamId)
      .where('id', '=', panelId)
      .executeTakeFirst();
    if (target === undefined) return 'gone';
    // Both messages already show this revision: nothing to post, so no channel slot to take. (A
    // debrief never posted may be due now; that is decided under the lock below.)
    const debriefCurrent = target.debrief_ts !== null && target.debriefed_revision >= target.revision;
    if (target.announced_revision >= target.revision && debriefCurrent) return 'current';
    // Book the channel's next free moment and come back then (once, not every second).
    const wait = await reserveChannelSlot(redis, prefix, target.channel_id, channelPostIntervalMs);
    if (wait > 0 && token !== undefined) {
      const at = Date.now() + wait;
      await job.updateData({ ...job.data, channelSlotAt: at, channelSlotAttempt: job.attemptsMade });
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    }
    return postLocked(teamId, panelId);
  }

  /**
   * Posts or updates the announcement, then the debrief, from the panel as it stands under its lock.
   */
  async function postLocked(teamId: string, panelId: string): Promise<AnnouncementOutcome> {
    // Two short transactions, each with at most one Slack post before its commit: a retry after a
    // failure can then never post a message whose ts was already stored, nor lose one it posted.
    let snapshot: PanelSnapshot | undefined;
    const result = await db.transaction().execute(async (trx) => {
      snapshot = await loadPanelSnapshot(trx, teamId, panelId, { forUpdate: true });
      if (snapshot === undefined) return { outcome: 'gone' as const };
      const { details } = snapshot;
      const { panel } = details;
      if (panel.announced_revision >= panel.revision) return { outcome: 'current' as const };
      const decision = panel.state === 'decided' ? await findDecision(trx, teamId, panelId) : undefined;
      const message = getPanelAnnouncement(details, snapshot.slots, decision);
      try {
        if (panel.announcement_ts !== null) {
          try {
            await client.chat.update({ channel: panel.channel_id, ts: panel.announcement_ts, ...message });
            await markAnnounced(trx, teamId, panelId, panel.revision, panel.announcement_ts);
            return { outcome: 'updated' as const };
          } catch (error) {
            const code = platformErrorCode(error);
            if (code === undefined || !MESSAGE_GONE_ERRORS.has(code)) throw error;
          }
        }
        const posted = await client.chat.postMessage({
          channel: panel.channel_id,
          ...message,
          unfurl_links: false,
        });
        if (posted.ts === undefined) throw new Error('chat.postMessage returned no ts');
        await markAnnounced(trx, teamId, panelId, panel.revision, posted.ts);
        await recordAudit(trx, {
          teamId,
          panelId,
          actorUserId: panel.created_by,
          action: 'panel.announced',
          detail: { channel: panel.channel_id, ts: posted.ts },
        });
        return { outcome: 'posted' as const };
      } catch (error) {
        // Retrying cannot fix these: the person who opened the panel is told instead.
        const code = permanentSlackError(error);
        if (code === undefined) throw error;
        await markAnnouncementFailed(trx, teamId, panelId, panel.revision);
        await recordAudit(trx, {
          teamId,
          panelId,
          actorUserId: panel.created_by,
          action: 'panel.announcement_failed',
          detail: { channel: panel.channel_id, slackError: code },
        });
        return { outcome: 'failed' as const, panel, code };
      }
    });
    if (result.outcome === 'failed') await tellCreator(client, logger, result.panel, result.code);
    if (result.outcome === 'gone') return 'gone';
    // No debrief yet, and none due (feedback missing, no decision): nothing more to look at.
    if (snapshot !== undefined && !debriefMayBeDue(snapshot)) return result.outcome;
    const debrief = await db.transaction().execute(async (trx) => {
      const details = await findPanelById(trx, teamId, panelId, { forUpdate: true });
      return details === undefined ? undefined : syncDebrief(trx, client, logger, details.panel, clock.now());
    });
    return debrief ?? result.outcome;
  }
}

/**
 * Whether the debrief needs looking at: it exists (and may be behind), the panel is no longer open
 * (a decision shows on it), or every interviewer of every booked slot has submitted.
 */
function debriefMayBeDue({ details, slots, submitted }: PanelSnapshot): boolean {
  if (details.panel.debrief_ts !== null || details.panel.state !== 'open') return true;
  const done = new Set(submitted.map((f) => `${f.slot_id}|${f.interviewer_id}`));
  // Owed by everyone still on a slot: not by someone who said they cannot make it.
  const expected = slots.flatMap((s) => activeInterviewers(s).map((userId) => `${s.slot.id}|${userId}`));
  return expected.length > 0 && expected.every((key) => done.has(key));
}

/**
 * Posts the debrief to the hiring channel once every interviewer has submitted (or a decision is
 * recorded), and keeps it up to date after that (the decision makers' DM is a `debrief_ready`
 * nudge). Runs in its own locked transaction with one Slack call. A debrief deleted from the
 * channel is posted afresh; one Slack refuses for good is given up (logged) so that it never
 * blocks the announcement.
 */
async function syncDebrief(
  trx: Transaction<Database>,
  client: WebClient,
  logger: Logger,
  panel: Panel,
  now: Date,
): Promise<'debrief_posted' | 'debrief_updated' | undefined> {
  if (panel.debriefed_revision >= panel.revision) return undefined;
  const state = await loadFeedbackState(trx, panel.team_id, panel.id);
  if (state === undefined) return undefined;
  if (panel.debrief_ts === null && !state.summary.complete && state.decision === undefined) return undefined;
  // A sealed panel decided before every feedback was in keeps its ratings out of the channel
  // until the seal would lift (all submitted, or the deadline passed).
  const sealed = panel.sealed && !state.summary.complete && panel.decision_deadline > now;
  const message = getDebriefMessage(panel, state.summary, state.decision, { sealed });
  const setRevision = (ts: string | null) =>
    trx
      .updateTable('panel')
      .set({
        debrief_ts: ts,
        debriefed_revision: sql<number>`greatest(debriefed_revision, ${panel.revision})`,
        debrief_sealed: ts !== null && sealed,
      })
      .where('team_id', '=', panel.team_id)
      .where('id', '=', panel.id)
      .execute();
  try {
    if (panel.debrief_ts !== null) {
      try {
        await client.chat.update({ channel: panel.channel_id, ts: panel.debrief_ts, ...message });
        await setRevision(panel.debrief_ts);
        return 'debrief_updated';
      } catch (error) {
        const code = platformErrorCode(error);
        if (code === undefined || !MESSAGE_GONE_ERRORS.has(code)) throw error;
      }
    }
    const posted = await client.chat.postMessage({
      channel: panel.channel_id,
      ...message,
      unfurl_links: false,
    });
    if (posted.ts === undefined) throw new Error('chat.postMessage returned no ts');
    await setRevision(posted.ts);
    return 'debrief_posted';
  } catch (error) {
    const code = permanentSlackError(error);
    if (code === undefined) throw error;
    logger.warn(
      { teamId: panel.team_id, panelId: panel.id, slackError: code },
      'debrief refused by Slack; giving up',
    );
    await setRevision(panel.debrief_ts);
    return undefined;
  }
}

async function tellCreator(client: WebClient, logger: Logger, panel: Panel, code: string): Promise<void> {
  logger.warn(
    { teamId: panel.team_id, panelId: panel.id, slackError: code },
    'announcement refused by Slack',
  );
  try {
    await client.chat.postMessage({
      channel: panel.created_by,
      ...getAnnouncementFailedMessage(panel, code),
    });
  } catch (error) {
    logger.error(
      { err: error, teamId: panel.team_id, panelId: panel.id },
      'could not tell the creator either',
    );
  }
}
