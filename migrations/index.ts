import type { Migration } from 'kysely';
import * as panels from './2026-11-25T12-00-00_panels.js';
import * as slots from './2026-11-25T14-00-00_slots.js';
import * as feedback from './2026-11-25T16-00-00_feedback.js';
import * as nudges from './2026-11-25T18-00-00_nudges.js';
import * as homeViewers from './2026-11-25T20-00-00_home-viewers.js';
import * as slackUsers from './2026-11-25T21-00-00_slack-users.js';
import * as nudgeReceipts from './2026-11-29T12-00-00_nudge-receipts.js';
import * as scheduleSubmissions from './2026-11-29T15-00-00_schedule-submissions.js';
import * as failedNudges from './2026-11-29T16-00-00_failed-nudges.js';
import * as channelDigestZone from './2026-11-29T17-00-00_channel-digest-zone.js';
import * as debriefSealed from './2026-11-29T18-00-00_debrief-sealed.js';
import * as panelCreatorIndex from './2026-11-29T19-00-00_panel-creator-index.js';
import * as reconcilerIndexes from './2026-11-29T20-00-00_reconciler-indexes.js';
import * as declineNotices from './2026-11-29T21-00-00_decline-notices.js';
import * as panelReadIndexes from './2026-11-29T22-00-00_panel-read-indexes.js';
import * as teamDueNudges from './2026-11-30T01-00-00_team-due-nudges.js';
import * as scheduleFollowUps from './2026-11-30T02-00-00_schedule-follow-ups.js';
import * as receiptsWithoutForeignKey from './2026-11-30T03-00-00_receipts-without-foreign-key.js';

/**
 * Every migration, by name, in the order they apply. Listed statically (rather than read from
 * the folder at run time) so the same list works under tsx, vitest and the compiled build.
 * Add each new migration here; never rename or edit a shipped one.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-25T12-00-00_panels': panels,
  '2026-11-25T14-00-00_slots': slots,
  '2026-11-25T16-00-00_feedback': feedback,
  '2026-11-25T18-00-00_nudges': nudges,
  '2026-11-25T20-00-00_home-viewers': homeViewers,
  '2026-11-25T21-00-00_slack-users': slackUsers,
  '2026-11-29T12-00-00_nudge-receipts': nudgeReceipts,
  '2026-11-29T15-00-00_schedule-submissions': scheduleSubmissions,
  '2026-11-29T16-00-00_failed-nudges': failedNudges,
  '2026-11-29T17-00-00_channel-digest-zone': channelDigestZone,
  '2026-11-29T18-00-00_debrief-sealed': debriefSealed,
  '2026-11-29T19-00-00_panel-creator-index': panelCreatorIndex,
  '2026-11-29T20-00-00_reconciler-indexes': reconcilerIndexes,
  '2026-11-29T21-00-00_decline-notices': declineNotices,
  '2026-11-29T22-00-00_panel-read-indexes': panelReadIndexes,
  '2026-11-30T01-00-00_team-due-nudges': teamDueNudges,
  '2026-11-30T02-00-00_schedule-follow-ups': scheduleFollowUps,
  '2026-11-30T03-00-00_receipts-without-foreign-key': receiptsWithoutForeignKey,
};
