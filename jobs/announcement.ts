import { ErrorCode, type WebAPIPlatformError, type WebClient } from '@slack/web-api';
import { type Job, UnrecoverableError } from 'bullmq';
import type { Kysely } from 'kysely';
import { getPanelAnnouncement } from '../blocks/panel-summary.js';
import { recordAudit } from '../src/db/audit.js';
import type { Database } from '../src/db/database.js';
import { findPanelById, markAnnounced } from '../src/db/panels.js';
import type { Logger } from '../src/logger.js';
import type { AnnouncementJob } from './queues.js';

/** Slack errors that retrying cannot fix. */
const PERMANENT_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'account_inactive',
  'invalid_auth',
  'token_revoked',
  'restricted_action',
]);

export interface AnnouncementDeps {
  db: Kysely<Database>;
  client: WebClient;
  logger: Logger;
}

function platformErrorCode(error: unknown): string | undefined {
  if ((error as { code?: unknown })?.code !== ErrorCode.PlatformError) return undefined;
  return (error as WebAPIPlatformError).data.error;
}

/**
 * Posts or updates a panel's announcement so it shows the panel as it now stands. The panel row
 * is locked meanwhile, so two syncs of one panel never both post; a sync that finds the
 * announcement already current does nothing.
 */
export function createAnnouncementProcessor({ db, client, logger }: AnnouncementDeps) {
  return async (job: Job<AnnouncementJob>): Promise<'posted' | 'updated' | 'current' | 'gone'> => {
    const { teamId, panelId } = job.data;
    try {
      return await db.transaction().execute(async (trx) => {
        const details = await findPanelById(trx, teamId, panelId, { forUpdate: true });
        if (details === undefined) return 'gone';
        const { panel } = details;
        if (panel.announced_revision >= panel.revision) return 'current';
        const message = getPanelAnnouncement(details);
        if (panel.announcement_ts === null) {
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
          return 'posted';
        }
        await client.chat.update({ channel: panel.channel_id, ts: panel.announcement_ts, ...message });
        await markAnnounced(trx, teamId, panelId, panel.revision, panel.announcement_ts);
        return 'updated';
      });
    } catch (error) {
      const code = platformErrorCode(error);
      if (code !== undefined && PERMANENT_SLACK_ERRORS.has(code)) {
        logger.error({ teamId, panelId, slackError: code }, 'announcement cannot be posted; giving up');
        throw new UnrecoverableError(`Slack refused the announcement: ${code}`);
      }
      throw error;
    }
  };
}
