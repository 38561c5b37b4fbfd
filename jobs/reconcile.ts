import { type Kysely, sql } from 'kysely';
import type { Clock } from '../src/clock.js';
import type { Database } from '../src/db/database.js';
import { listPanelsBehindDebrief } from '../src/db/feedback.js';
import { forgetScheduleFollowUpsOlderThan, listStaleScheduleFollowUps } from '../src/db/follow-ups.js';
import { applyNudgeReceipts, replanPanel } from '../src/db/nudges.js';
import { listPanelsBehindAnnouncement } from '../src/db/panels.js';
import {
  enqueueAnnouncement,
  NUDGE_QUEUE_HORIZON_MS,
  type Queues,
  requeueNudges,
  requeueScheduleEffects,
  type ScheduleEffectsJob,
} from './queues.js';

const BATCH = 500;
/** How long a scheduling view's submission is remembered, to answer a repeat of it. */
const SUBMISSION_MEMORY_MS = 7 * 24 * 3600 * 1000;
/**
 * How long a schedule change's follow-ups may stay kept before the reconciler queues them again
 * (real time, by the database's clock: a job normally runs within seconds, or the follow-up gate's
 * hold).
 */
export const FOLLOW_UP_GRACE_MS = 2 * 60 * 1000;
/** How long the reconciler goes on queueing a schedule change's follow-ups that keep failing. */
const FOLLOW_UP_GIVE_UP_MS = 24 * 3600 * 1000;

/**
 * Re-enqueues every piece of work Postgres says is still owed: announcements and debriefs behind
 * their panel, schedule changes' follow-ups whose job was lost, and pending nudges due soon (with
 * recurring ones, such as the daily digest and overdue reminders, re-planned first, and those Slack
 * already took, by their receipts, settled as sent before anything else), and forgets scheduling
 * submissions a week old. Job ids are derived from rows, so work already queued is not queued
 * twice; a due nudge whose job still waits is promoted. This scan crosses workspaces on
 * purpose: each job carries its team id, and the job's own queries are scoped by it.
 * @returns how many rows it looked at.
 */
export async function reconcile(
  db: Kysely<Database>,
  queues: Queues,
  clock: Clock,
  /** Tells a failed nudge's coordinators (the worker passes one; throws when Slack cannot yet). */
  tellFailed?: (failure: {
    teamId: string;
    panelId: string;
    recipient: string;
    code: string;
  }) => Promise<unknown>,
): Promise<number> {
  // First, nudges Slack took whose delivery died before its commit: sent, not owed (nor re-planned).
  await applyNudgeReceipts(db);
  // Nudges Slack refused for good whose coordinators were not told yet (the notice itself failed).
  if (tellFailed !== undefined) {
    const untold = await sql<{ team_id: string; panel_id: string; recipient: string; code: string | null }>`
      select distinct on (n.team_id, n.panel_id, n.recipient)
        n.team_id, n.panel_id::text as panel_id, n.recipient, n.last_error as code
      from nudge n
      join panel p on p.team_id = n.team_id and p.id = n.panel_id and p.state = 'open'
      where n.state = 'failed'
        and not exists (
          select 1 from audit_event a
          where a.team_id = n.team_id and a.panel_id = n.panel_id and a.action = 'nudge.failed'
            and a.detail->>'recipient' = n.recipient
        )
      order by n.team_id, n.panel_id, n.recipient, n.updated_at desc
      limit ${BATCH}
    `.execute(db);
    for (const row of untold.rows) {
      await tellFailed({
        teamId: row.team_id,
        panelId: row.panel_id,
        recipient: row.recipient,
        code: row.code ?? 'unknown_error',
      }).catch(() => undefined); // Slack still cannot take it: the next pass asks again.
    }
  }
  // Debriefs posted sealed whose seal has lifted (the decision deadline passed): due an update.
  const unsealed = await db
    .updateTable('panel')
    .set({ revision: sql<number>`revision + 1`, debrief_sealed: false })
    .where('debrief_sealed', '=', true)
    .where('decision_deadline', '<=', clock.now())
    .returning(['team_id', 'id', 'revision'])
    .execute();
  const behind = [
    ...unsealed,
    ...(await listPanelsBehindAnnouncement(db, BATCH)),
    ...(await listPanelsBehindDebrief(db, BATCH)),
  ];
  for (const panel of behind) {
    await enqueueAnnouncement(queues, { teamId: panel.team_id, panelId: panel.id, revision: panel.revision });
  }
  const now = clock.now();
  // Schedule follow-ups still kept a while after their change: their job was lost (the process
  // died between the commit and queueing it, or Redis lost it) or ran out of retries. A day on,
  // the news is stale and the job's failures were logged many times over: given up.
  await forgetScheduleFollowUpsOlderThan(db, FOLLOW_UP_GIVE_UP_MS);
  const unfollowed = await listStaleScheduleFollowUps<ScheduleEffectsJob>(db, FOLLOW_UP_GRACE_MS, BATCH);
  await requeueScheduleEffects(queues, unfollowed);
  // A repeat of a scheduling view comes within seconds (or minutes); a week on, nothing will.
  await db
    .deleteFrom('schedule_submission')
    .where('submitted_at', '<', new Date(now.getTime() - SUBMISSION_MEMORY_MS))
    .execute();
  // Every open panel, a page at a time (keyset), so recurring nudges roll on for all of them.
  let after = '0';
  for (;;) {
    const page = await db
      .selectFrom('panel')
      .select(['team_id', 'id'])
      .where('state', '=', 'open')
      .where(sql<boolean>`id > ${after}::bigint`)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    for (const panel of page) await replanPanel(db, panel.team_id, panel.id, now);
    const last = page.at(-1);
    if (last === undefined || page.length < BATCH) break;
    after = last.id;
  }
  const pending = await db
    .selectFrom('nudge')
    .select(['id', 'team_id', 'deliver_at'])
    .where('state', '=', 'pending')
    .where('deliver_at', '<=', new Date(now.getTime() + NUDGE_QUEUE_HORIZON_MS))
    .orderBy('deliver_at')
    .limit(20_000)
    .execute();
  await requeueNudges(queues, pending, (at) => clock.msUntil(at));
  return behind.length + unfollowed.length + pending.length;
}
