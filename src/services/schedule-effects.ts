import type { Job } from 'bullmq';
import type { Transaction } from 'kysely';
import {
  getSlotBookedMessage,
  getSlotMovedMessage,
  getSlotRemovedMessage,
  type SlotMessage,
} from '../../blocks/slot-messages.js';
import {
  enqueueAnnouncement,
  enqueueNudges,
  enqueueScheduleEffects,
  type ScheduleEffectsJob,
} from '../../jobs/queues.js';
import { WorkerStoppingError } from '../../jobs/worker-stop.js';
import type { Database, Slot } from '../db/database.js';
import {
  forgetScheduleFollowUp,
  isScheduleFollowUpKept,
  recordScheduleFollowUp,
  recordScheduleFollowUpSent,
} from '../db/follow-ups.js';
import type { NudgeToQueue } from '../db/nudges.js';
import { loadPanelSnapshot } from '../db/panel-snapshot.js';
import type { PanelDetails } from '../db/panels.js';
import type { SlotWithPeople } from '../db/slots.js';
import type { AppDeps } from '../deps.js';
import { coordinatorsOf } from '../domain/permissions.js';
import { delayIfRateLimited, isRateLimited, permanentSlackError } from '../slack/slack-errors.js';
import { refreshHomes } from './app-home.js';
import type { SlotChange } from './scheduling.js';

/** Who must hear about a schedule change, and what. */
export type ScheduleNotice =
  | { kind: 'booked'; slot: SlotWithPeople; userIds: string[] }
  | { kind: 'moved'; change: SlotChange; userIds: string[] }
  | { kind: 'removed'; slot: SlotWithPeople; userIds: string[]; reason: 'cancelled' | 'removed' };

/** What the follow-ups need; the web process and the worker both have it. */
export type EffectsDeps = Pick<AppDeps, 'db' | 'client' | 'users' | 'queues' | 'logger' | 'clock'> & {
  /** Aborted when the worker is told to stop: no further DM is sent, and the job is given back. */
  stopping?: AbortSignal;
};

/**
 * The notices for a rescheduled slot: added people get a booking, dropped ones a removal, and kept
 * ones the change only when what they turn up to changed (time, length, stage, place or note): a
 * replacement for someone who cannot make it is no news to the others.
 */
export function noticesForChange(change: SlotChange): ScheduleNotice[] {
  const before = change.before.slot;
  const after = change.after.slot;
  const changedForKept =
    before.starts_at.getTime() !== after.starts_at.getTime() ||
    before.ends_at.getTime() !== after.ends_at.getTime() ||
    before.stage_id !== after.stage_id ||
    (before.location ?? null) !== (after.location ?? null) ||
    (before.note ?? null) !== (after.note ?? null);
  return [
    { kind: 'moved', change, userIds: changedForKept ? change.kept : [] },
    { kind: 'booked', slot: change.after, userIds: change.added },
    { kind: 'removed', slot: change.before, userIds: change.removed, reason: 'removed' },
  ];
}

/** The effects job of a schedule change: the panel after it, who is told what, the nudges to queue. */
export function scheduleEffectsJob(
  panel: PanelDetails,
  notices: readonly ScheduleNotice[],
  nudges: readonly NudgeToQueue[],
): ScheduleEffectsJob {
  return {
    teamId: panel.panel.team_id,
    panelId: panel.panel.id,
    revision: panel.panel.revision,
    notices: notices.filter((n) => n.userIds.length > 0).map(noticeToJson),
    nudges: nudges.map((n) => ({ id: n.id, deliverAt: n.deliver_at.toISOString() })),
  };
}

/**
 * Keeps a schedule change's follow-ups in Postgres, in the change's transaction, until a worker has
 * done them: the reconciler queues them again if their job is lost (see `schedule_follow_up`).
 */
export async function keepScheduleEffects(
  trx: Transaction<Database>,
  panel: PanelDetails,
  notices: readonly ScheduleNotice[],
  nudges: readonly NudgeToQueue[],
): Promise<void> {
  await recordScheduleFollowUp(trx, scheduleEffectsJob(panel, notices, nudges));
}

/**
 * Hands the follow-ups of a committed schedule change (kept by {@link keepScheduleEffects}) to a
 * worker (one job), so the person's submission is answered without waiting on Slack calls. If
 * Redis cannot take the job, they are done here and now instead: the change is committed and its
 * people must still hear of it. What is left undone then (a DM Slack refused for now) stays kept,
 * with the DMs sent written down, for the reconciler to queue once Redis is back.
 */
export async function queueScheduleEffects(
  deps: EffectsDeps,
  panel: PanelDetails,
  notices: ScheduleNotice[],
  nudges: readonly NudgeToQueue[],
): Promise<void> {
  const job = scheduleEffectsJob(panel, notices, nudges);
  try {
    await enqueueScheduleEffects(deps.queues, job);
  } catch (error) {
    deps.logger.warn(
      { err: error, teamId: panel.panel.team_id, panelId: panel.panel.id },
      'schedule follow-ups not queued; doing them in this process',
    );
    // Each DM Slack takes is written down in the kept follow-up; if Slack refused one for now, the
    // follow-up stays kept and the reconciler queues it again once Redis is back, for the rest only.
    const sent = new Set<string>();
    const recordSent = () =>
      recordScheduleFollowUpSent(deps.db, job, [...sent]).catch((failure: unknown) =>
        deps.logger.warn({ err: failure, teamId: job.teamId, panelId: job.panelId }, 'sent DMs not recorded'),
      );
    const failures = await afterScheduleChange(
      deps,
      panel,
      notices.filter((n) => n.userIds.length > 0),
      nudges,
      sent,
      recordSent,
    );
    if (failures.length > 0) return;
    await forgetScheduleFollowUp(deps.db, job).catch((failure: unknown) =>
      deps.logger.warn({ err: failure, teamId: job.teamId, panelId: job.panelId }, 'follow-up not forgotten'),
    );
  }
}

/** Who is told of slots just booked: each one's interviewers. */
export function bookedNotices(slots: readonly SlotWithPeople[]): ScheduleNotice[] {
  return slots.map((slot) => ({ kind: 'booked', slot, userIds: slot.interviewers.map((i) => i.userId) }));
}

/** Who is told of a slot cancelled on its own: its interviewers. */
export function cancelledNotices(slot: SlotWithPeople): ScheduleNotice[] {
  return [{ kind: 'removed', slot, userIds: slot.interviewers.map((i) => i.userId), reason: 'cancelled' }];
}

/** Who is told that their interview is off when slots are cancelled with their panel. */
export function releasedNotices(released: readonly SlotWithPeople[]): ScheduleNotice[] {
  return released.map((slot) => ({
    kind: 'removed',
    slot,
    userIds: slot.interviewers.filter((i) => i.declinedAt === null).map((i) => i.userId),
    reason: 'cancelled',
  }));
}

/**
 * Tells the interviewers of slots cancelled with their panel (the panel cancelled, or decided
 * before they took place) that the interview is off and their time is free.
 */
export async function queueReleasedSlots(
  deps: EffectsDeps,
  panel: PanelDetails,
  released: readonly SlotWithPeople[],
): Promise<void> {
  if (released.length === 0) return;
  await queueScheduleEffects(deps, panel, releasedNotices(released), []);
}

/**
 * The worker's side of `queueScheduleEffects`: the panel as it stands now, the notices as
 * committed, less those a later change has overtaken. A DM Slack refused for now (429, 5xx, a
 * network error) fails the job, which BullMQ retries (a 429 after Slack's Retry-After); the DMs
 * already sent are recorded in the job first, so a retry sends only the missing ones.
 */
export async function runScheduleEffects(
  deps: EffectsDeps,
  job: Job<ScheduleEffectsJob>,
  token?: string,
): Promise<void> {
  const { teamId, panelId } = job.data;
  // A copy the reconciler queued for a change whose follow-ups are done (or given up) meanwhile.
  if (job.data.requeued === true && !(await isScheduleFollowUpKept(deps.db, job.data))) return;
  const snapshot = await loadPanelSnapshot(deps.db, teamId, panelId);
  if (snapshot === undefined) return;
  const nudges = job.data.nudges.map((n) => ({
    id: n.id,
    team_id: teamId,
    deliver_at: new Date(n.deliverAt),
  }));
  const notices = stillCurrent(job.data.notices.map(noticeFromJson), snapshot.slots);
  const sent = new Set(job.data.sentDms ?? []);
  // Each DM is written down as soon as Slack has it (the writes reach Redis in the order made, so
  // the last holds them all): a retry, or a run after this worker died mid-job, sends only the rest.
  const recordSent = () =>
    job
      .updateData({ ...job.data, sentDms: [...sent] })
      .catch((error: unknown) =>
        deps.logger.warn({ err: error, teamId, panelId, jobId: job.id }, 'sent DMs not recorded'),
      );
  const failures = await afterScheduleChange(deps, snapshot.details, notices, nudges, sent, recordSent);
  if (failures.length === 0) {
    // Done: nothing for the reconciler to queue again. (A job that fails below keeps its row: its
    // retry sends only what its record says is missing.)
    await forgetScheduleFollowUp(deps.db, job.data);
    return;
  }
  // Stopping: given back to the queue (jobs/worker-stop.ts), whatever else failed.
  const stopped = failures.find((failure) => failure instanceof WorkerStoppingError);
  if (stopped !== undefined) throw stopped;
  await delayIfRateLimited(failures.find(isRateLimited), job, token);
  throw failures[0];
}

/**
 * The notices of an effects job that still hold for the panel as it stands: jobs of one panel can
 * run out of order (or late), and nobody should be told of a time that is no longer theirs. A
 * booking is told while the person is still on the slot, at the slot's current time; a move while
 * the slot still stands where the move put it (a later move is told by its own job); a removal
 * unless the person is back on the slot.
 */
export function stillCurrent(
  notices: readonly ScheduleNotice[],
  slots: readonly SlotWithPeople[],
): ScheduleNotice[] {
  const booked = new Map(slots.map((s) => [s.slot.id, s]));
  const isOn = (slot: SlotWithPeople | undefined, userId: string) =>
    slot?.interviewers.some((i) => i.userId === userId && i.declinedAt === null) ?? false;
  const current: ScheduleNotice[] = [];
  for (const notice of notices) {
    if (notice.kind === 'booked') {
      const now = booked.get(notice.slot.slot.id);
      if (now === undefined) continue;
      current.push({ ...notice, slot: now, userIds: notice.userIds.filter((u) => isOn(now, u)) });
    } else if (notice.kind === 'moved') {
      const now = booked.get(notice.change.after.slot.id);
      const { after } = notice.change;
      const movedSince =
        now === undefined ||
        now.slot.starts_at.getTime() !== after.slot.starts_at.getTime() ||
        now.slot.ends_at.getTime() !== after.slot.ends_at.getTime();
      if (movedSince) continue;
      current.push({ ...notice, userIds: notice.userIds.filter((u) => isOn(now, u)) });
    } else {
      const now = booked.get(notice.slot.slot.id);
      current.push({ ...notice, userIds: notice.userIds.filter((u) => !isOn(now, u)) });
    }
  }
  return current.filter((n) => n.userIds.length > 0);
}

/** A DM's name within one job, the same on every retry. */
function dmKey(notice: ScheduleNotice, userId: string): string {
  const slotId = notice.kind === 'moved' ? notice.change.after.slot.id : notice.slot.slot.id;
  return `${notice.kind}-${slotId}-${userId}`;
}

/**
 * Everything that follows a committed schedule change: a DM to each interviewer concerned (times
 * in their own zone), the announcement brought up to date, the nudges' jobs queued, and the App
 * Home of everyone concerned refreshed. The change stands whatever happens here. DMs named in
 * `sent` are skipped and those sent are added to it; a DM Slack will never take (the person is
 * gone) is logged and counted as done; `onSent` is told after each DM. Returns the errors of the
 * DMs worth trying again.
 */
export async function afterScheduleChange(
  deps: EffectsDeps,
  panel: PanelDetails,
  notices: ScheduleNotice[],
  nudges: readonly NudgeToQueue[],
  sent: Set<string> = new Set(),
  onSent: () => Promise<void> = async () => {},
): Promise<unknown[]> {
  const teamId = panel.panel.team_id;
  const failures: unknown[] = [];
  const dms = notices
    .flatMap((notice) => notice.userIds.map((userId) => ({ notice, userId, key: dmKey(notice, userId) })))
    .filter((dm) => !sent.has(dm.key));
  const sendDm = async ({ notice, userId, key }: (typeof dms)[number]): Promise<void> => {
    try {
      // The zone stored with their membership at booking time; a lookup for anyone no longer a member.
      const timeZone =
        panel.members.find((m) => m.user_id === userId)?.time_zone ??
        (await deps.users.get(teamId, userId)).timeZone;
      let message: SlotMessage;
      if (notice.kind === 'booked') message = getSlotBookedMessage(panel.panel, notice.slot, timeZone);
      else if (notice.kind === 'moved')
        message = getSlotMovedMessage(panel.panel, notice.change.before, notice.change.after, timeZone);
      else message = getSlotRemovedMessage(panel.panel, notice.slot, timeZone, notice.reason);
      await deps.client.chat.postMessage({ channel: userId, ...message, unfurl_links: false });
      sent.add(key);
      await onSent();
    } catch (error) {
      const permanent = permanentSlackError(error) !== undefined;
      deps.logger.warn(
        { err: error, teamId, panelId: panel.panel.id, userId, willRetry: !permanent },
        'schedule DM failed',
      );
      if (permanent) sent.add(key);
      else failures.push(error);
    }
  };
  const sends: Promise<unknown>[] = [
    // One DM at a time, each written down before the next, so a worker that dies mid-job resends
    // at most the one in flight. After a 429 the rest wait for the retry (Slack said to wait).
    (async () => {
      for (const dm of dms) {
        // Told to stop: the DMs not sent yet are left to the job's retry (those sent are recorded).
        if (deps.stopping?.aborted === true) {
          failures.push(new WorkerStoppingError());
          break;
        }
        await sendDm(dm);
        if (failures.some(isRateLimited)) break;
      }
    })(),
  ];
  sends.push(
    enqueueAnnouncement(deps.queues, {
      teamId,
      panelId: panel.panel.id,
      revision: panel.panel.revision,
    }).catch((error: unknown) =>
      deps.logger.warn(
        { err: error, teamId, panelId: panel.panel.id },
        'announcement not queued; the reconciler will retry',
      ),
    ),
  );
  sends.push(
    enqueueNudges(deps.queues, nudges, (at) => deps.clock.msUntil(at)).catch((error: unknown) =>
      deps.logger.warn(
        { err: error, teamId, panelId: panel.panel.id },
        'nudges not queued; the reconciler will queue them',
      ),
    ),
  );
  await Promise.all(sends);
  const concerned = new Set<string>([
    ...notices.flatMap((n) => n.userIds),
    ...coordinatorsOf(panel.members).map((m) => m.user_id),
    panel.panel.created_by,
  ]);
  await refreshHomes(deps, teamId, concerned);
  return failures;
}

// Job payloads are JSON: slots travel with their dates as ISO strings and come back as Dates.

type SlotJson = Omit<Slot, 'starts_at' | 'ends_at' | 'created_at' | 'updated_at'> & {
  starts_at: string;
  ends_at: string;
  created_at: string;
  updated_at: string;
};
interface SlotWithPeopleJson {
  slot: SlotJson;
  stageKind: SlotWithPeople['stageKind'];
  interviewers: { userId: string; declinedAt: string | null }[];
}
type NoticeJson =
  | { kind: 'booked'; slot: SlotWithPeopleJson; userIds: string[] }
  | {
      kind: 'moved';
      change: Omit<SlotChange, 'before' | 'after'> & {
        before: SlotWithPeopleJson;
        after: SlotWithPeopleJson;
      };
      userIds: string[];
    }
  | { kind: 'removed'; slot: SlotWithPeopleJson; userIds: string[]; reason: 'cancelled' | 'removed' };

function slotToJson({ slot, stageKind, interviewers }: SlotWithPeople): SlotWithPeopleJson {
  return {
    slot: {
      ...slot,
      starts_at: slot.starts_at.toISOString(),
      ends_at: slot.ends_at.toISOString(),
      created_at: slot.created_at.toISOString(),
      updated_at: slot.updated_at.toISOString(),
    },
    stageKind,
    interviewers: interviewers.map((i) => ({
      userId: i.userId,
      declinedAt: i.declinedAt?.toISOString() ?? null,
    })),
  };
}

function slotFromJson({ slot, stageKind, interviewers }: SlotWithPeopleJson): SlotWithPeople {
  return {
    slot: {
      ...slot,
      starts_at: new Date(slot.starts_at),
      ends_at: new Date(slot.ends_at),
      created_at: new Date(slot.created_at),
      updated_at: new Date(slot.updated_at),
    },
    stageKind,
    interviewers: interviewers.map((i) => ({
      userId: i.userId,
      declinedAt: i.declinedAt === null ? null : new Date(i.declinedAt),
    })),
  };
}

function noticeToJson(notice: ScheduleNotice): NoticeJson {
  if (notice.kind === 'moved') {
    const { before, after, ...rest } = notice.change;
    return {
      kind: 'moved',
      userIds: notice.userIds,
      change: { ...rest, before: slotToJson(before), after: slotToJson(after) },
    };
  }
  return { ...notice, slot: slotToJson(notice.slot) };
}

function noticeFromJson(raw: unknown): ScheduleNotice {
  const notice = raw as NoticeJson;
  if (notice.kind === 'moved') {
    const { before, after, ...rest } = notice.change;
    return {
      kind: 'moved',
      userIds: notice.userIds,
      change: { ...rest, before: slotFromJson(before), after: slotFromJson(after) },
    };
  }
  return { ...notice, slot: slotFromJson(notice.slot) };
}
