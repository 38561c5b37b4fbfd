import type { WebClient } from '@slack/web-api';
import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { getNudgeMessage, type NudgeToSend } from '../blocks/nudge-messages.js';
import type { Clock } from '../src/clock.js';
import { recordAudit } from '../src/db/audit.js';
import type { Database, Nudge } from '../src/db/database.js';
import { buildPlanInput, loadNudgeSettings, settleNudges } from '../src/db/nudges.js';
import { nudgeIdentity, planNudges } from '../src/domain/nudge-plan.js';
import { formatPanelReference } from '../src/domain/panel-reference.js';
import type { Logger } from '../src/logger.js';
import { loadFeedbackState, type PanelFeedbackState } from '../src/services/feedback.js';
import { mentionUser } from '../src/slack/mrkdwn.js';
import { delayIfRateLimited, platformErrorCode } from '../src/slack/slack-errors.js';
import { conversationHold, holdConversation, isChannelId, takeChannelSlot } from './channel-rate.js';
import type { NudgeJob } from './queues.js';

/** Slack errors that retrying cannot fix: the nudge fails and the recruiter is told once. */
const PERMANENT_ERRORS = new Set([
  'channel_not_found',
  'user_not_found',
  'account_inactive',
  'not_in_channel',
  'is_archived',
  'cannot_dm_bot',
  'user_disabled',
]);

/** How many due nudges for one recipient go out as one message. */
const BATCH_LIMIT = 15;
/** Nudges due within this much of each other for one person are sent together. */
const BATCH_WINDOW_MS = 60_000;

export interface NudgeDeliveryDeps {
  db: Kysely<Database>;
  client: WebClient;
  logger: Logger;
  clock: Clock;
  redis: Redis;
  prefix: string;
  channelPostIntervalMs?: number;
}

export type NudgeOutcome = 'sent' | 'failed' | 'stale' | 'early' | 'taken';

/**
 * Delivers a nudge row, together with everything else due for the same recipient now, as one
 * Slack message. Postgres decides: the rows are claimed with `FOR UPDATE SKIP LOCKED` under a
 * share lock on their panels (so a change to a panel waits for an in-flight send, and a change
 * that committed first has already cancelled what lost its reason), the message is sent inside
 * the transaction, and the rows are marked sent with the Slack ts before it commits. A crash
 * before commit leaves the rows pending for the next attempt or the reconciler.
 */
export function createNudgeProcessor(deps: NudgeDeliveryDeps) {
  const { db, client, clock, redis, prefix, channelPostIntervalMs } = deps;
  return async (job: Job<NudgeJob>, token?: string): Promise<NudgeOutcome> => {
    const { teamId, nudgeId } = job.data;
    const now = clock.now();
    const head = await db
      .selectFrom('nudge')
      .select(['recipient', 'state', 'deliver_at', 'panel_id'])
      .where('team_id', '=', teamId)
      .where('id', '=', nudgeId)
      .executeTakeFirst();
    if (head === undefined || head.state !== 'pending') return 'stale';
    if (head.deliver_at.getTime() > now.getTime() + 1_000) return 'early';

    const held = await conversationHold(redis, prefix, head.recipient);
    if (held > 0 && token !== undefined) {
      await job.moveToDelayed(Date.now() + held, token);
      throw new DelayedError();
    }
    if (isChannelId(head.recipient)) {
      const wait = await takeChannelSlot(redis, prefix, head.recipient, channelPostIntervalMs);
      if (wait > 0 && token !== undefined) {
        await job.moveToDelayed(Date.now() + wait, token);
        throw new DelayedError();
      }
    }

    let failure: { code: string; rows: Nudge[] } | undefined;
    try {
      const outcome = await db.transaction().execute(async (trx) => {
        const candidates = await trx
          .selectFrom('nudge')
          .select(['id', 'panel_id'])
          .where('team_id', '=', teamId)
          .where('recipient', '=', head.recipient)
          .where('state', '=', 'pending')
          .where(
            'deliver_at',
            '<=',
            new Date(Math.max(now.getTime(), head.deliver_at.getTime()) + BATCH_WINDOW_MS),
          )
          .orderBy('deliver_at')
          .limit(BATCH_LIMIT - 1)
          .execute();
        const ids = [...new Set([nudgeId, ...candidates.map((c) => c.id)])];
        const panelIds = [...new Set([...candidates.map((c) => c.panel_id), head.panel_id])].sort();
        if (panelIds.length > 0) {
          await sql`select id from panel where team_id = ${teamId} and id in (${sql.join(panelIds)}) order by id for share`.execute(
            trx,
          );
        }
        const rows = await trx
          .selectFrom('nudge')
          .selectAll()
          .where('team_id', '=', teamId)
          .where('id', 'in', ids)
          .where('state', '=', 'pending')
          .orderBy('deliver_at')
          .forUpdate()
          .skipLocked()
          .execute();
        const claimed = rows.filter(
          (r) => r.id === nudgeId || r.deliver_at.getTime() <= now.getTime() + BATCH_WINDOW_MS,
        );
        if (claimed.length === 0) return 'taken' as const;

        // Re-check that each is still owed, with the same planner that made it: a briefing for an
        // interview that has begun, or a countdown after a panel was decided while this worker was
        // down, is cancelled here rather than sent.
        // Each panel is read once, under the share lock: for the plan and for the message.
        const settings = await loadNudgeSettings(trx, teamId);
        const states = new Map<string, PanelFeedbackState>();
        const wanted = new Set<string>();
        for (const panelId of new Set(claimed.map((r) => r.panel_id))) {
          const state = await loadFeedbackState(trx, teamId, panelId);
          if (state === undefined) continue;
          states.set(panelId, state);
          const submitted = state.feedback.filter((f) => f.state === 'submitted');
          const input = buildPlanInput(state.details, state.slots, submitted, settings, now);
          for (const planned of planNudges(input)) wanted.add(`${panelId}|${nudgeIdentity(planned)}`);
        }
        const stale = claimed.filter((r) => !wanted.has(`${r.panel_id}|${nudgeIdentity(r)}`));
        await settleNudges(
          trx,
          teamId,
          stale.map((r) => r.id),
          { state: 'cancelled' },
        );
        const due = claimed.filter((r) => !stale.includes(r));
        if (due.length === 0) return 'stale' as const;

        const items: NudgeToSend[] = [];
        for (const nudge of due) {
          const state = states.get(nudge.panel_id);
          if (state === undefined) continue;
          const slot = state.slots.find((s) => s.slot.id === nudge.subject);
          // A person reads times in their own zone; a channel in the workspace's digest zone.
          const zone = isChannelId(nudge.recipient)
            ? settings.digestTimeZone
            : (state.details.members.find((m) => m.user_id === nudge.recipient)?.time_zone ?? 'UTC');
          items.push({ nudge, state, slot, zone });
        }
        const channel = isChannelId(head.recipient);
        try {
          const posted = await client.chat.postMessage({
            channel: head.recipient,
            ...getNudgeMessage(items, { isChannel: channel }),
            unfurl_links: false,
          });
          await settleNudges(
            trx,
            teamId,
            due.map((r) => r.id),
            {
              state: 'sent',
              sent_at: now,
              slack_ts: posted.ts ?? null,
              slack_channel: posted.channel ?? head.recipient,
              countAttempt: true,
            },
          );
          return 'sent' as const;
        } catch (error) {
          const code = platformErrorCode(error);
          if (code === undefined || !PERMANENT_ERRORS.has(code)) throw error;
          await settleNudges(
            trx,
            teamId,
            due.map((r) => r.id),
            { state: 'failed', last_error: code, countAttempt: true },
          );
          failure = { code, rows: due };
          return 'failed' as const;
        }
      });
      if (failure !== undefined) await tellRecruiterOnce(deps, teamId, failure.rows, failure.code);
      return outcome;
    } catch (error) {
      // Slack asked us to wait: the rows stay pending and the job comes back after Retry-After.
      await delayIfRateLimited(error, job, token, (waitMs) =>
        holdConversation(redis, prefix, head.recipient, waitMs),
      );
      // Transient (5xx, timeout, a lost connection): count the attempt and let BullMQ retry with backoff.
      await db
        .updateTable('nudge')
        .set({
          attempts: sql<number>`attempts + 1`,
          last_error: String((error as Error)?.message ?? error).slice(0, 500),
        })
        .where('team_id', '=', teamId)
        .where('id', '=', nudgeId)
        .execute()
        .catch(() => undefined);
      throw error;
    }
  };
}

/** One DM to each affected panel's recruiter per unreachable recipient, ever. */
async function tellRecruiterOnce(
  deps: NudgeDeliveryDeps,
  teamId: string,
  rows: readonly Nudge[],
  code: string,
): Promise<void> {
  const { db, client, logger } = deps;
  for (const panelId of new Set(rows.map((r) => r.panel_id))) {
    const recipient = rows[0]?.recipient ?? '';
    try {
      const told = await db.transaction().execute(async (trx) => {
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
        if (already !== undefined) return undefined;
        await recordAudit(trx, {
          teamId,
          panelId,
          actorUserId: 'panelist',
          action: 'nudge.failed',
          detail: { recipient, slackError: code },
        });
        const panel = await trx
          .selectFrom('panel')
          .select(['number'])
          .where('team_id', '=', teamId)
          .where('id', '=', panelId)
          .executeTakeFirst();
        const recruiters = await trx
          .selectFrom('panel_member')
          .select('user_id')
          .where('team_id', '=', teamId)
          .where('panel_id', '=', panelId)
          .where('role', '=', 'recruiter')
          .execute();
        return { number: panel?.number ?? 0, recruiters: recruiters.map((r) => r.user_id) };
      });
      if (told === undefined) continue;
      const who = isChannelId(recipient) ? `<#${recipient}>` : mentionUser(recipient);
      for (const recruiter of told.recruiters.filter((r) => r !== recipient)) {
        await client.chat.postMessage({
          channel: recruiter,
          text: `:warning: Panelist could not deliver reminders for ${formatPanelReference(told.number)} to ${who}: Slack said \`${code}\`. They will not be retried; please reach them another way.`,
        });
      }
    } catch (error) {
      logger.error({ err: error, teamId, panelId }, 'could not tell the recruiter about a failed nudge');
    }
  }
}
