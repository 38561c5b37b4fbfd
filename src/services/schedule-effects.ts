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
import type { Slot } from '../db/database.js';
import type { NudgeToQueue } from '../db/nudges.js';
import { loadPanelSnapshot } from '../db/panel-snapshot.js';
import type { PanelDetails } from '../db/panels.js';
import type { SlotWithPeople } from '../db/slots.js';
import type { AppDeps } from '../deps.js';
import { refreshHomes } from './app-home.js';
import type { SlotChange } from './scheduling.js';

/** Who must hear about a schedule change, and what. */
export type ScheduleNotice =
  | { kind: 'booked'; slot: SlotWithPeople; userIds: string[] }
  | { kind: 'moved'; change: SlotChange; userIds: string[] }
  | { kind: 'removed'; slot: SlotWithPeople; userIds: string[]; reason: 'cancelled' | 'removed' };

/** What the follow-ups need; the web process and the worker both have it. */
export type EffectsDeps = Pick<AppDeps, 'db' | 'client' | 'users' | 'queues' | 'logger' | 'clock'>;

/** The notices for a rescheduled slot: kept people see the move, added ones a booking, dropped ones a removal. */
export function noticesForChange(change: SlotChange): ScheduleNotice[] {
  return [
    { kind: 'moved', change, userIds: change.kept },
    { kind: 'booked', slot: change.after, userIds: change.added },
    { kind: 'removed', slot: change.before, userIds: change.removed, reason: 'removed' },
  ];
}

/**
 * Hands the follow-ups of a committed schedule change to a worker (one job), so the person's
 * submission is answered without waiting on Slack calls. If Redis cannot take the job, they are
 * done here and now instead: the change is committed and its people must still hear of it.
 */
export async function queueScheduleEffects(
  deps: EffectsDeps,
  panel: PanelDetails,
  notices: ScheduleNotice[],
  nudges: readonly NudgeToQueue[],
): Promise<void> {
  const relevant = notices.filter((n) => n.userIds.length > 0);
  try {
    await enqueueScheduleEffects(deps.queues, {
      teamId: panel.panel.team_id,
      panelId: panel.panel.id,
      revision: panel.panel.revision,
      notices: relevant.map(noticeToJson),
      nudges: nudges.map((n) => ({ id: n.id, deliverAt: n.deliver_at.toISOString() })),
    });
  } catch (error) {
    deps.logger.warn(
      { err: error, teamId: panel.panel.team_id, panelId: panel.panel.id },
      'schedule follow-ups not queued; doing them in this process',
    );
    await afterScheduleChange(deps, panel, relevant, nudges);
  }
}

/** The worker's side of `queueScheduleEffects`: the panel as it stands now, the notices as committed. */
export async function runScheduleEffects(deps: EffectsDeps, job: ScheduleEffectsJob): Promise<void> {
  const snapshot = await loadPanelSnapshot(deps.db, job.teamId, job.panelId);
  if (snapshot === undefined) return;
  const nudges = job.nudges.map((n) => ({
    id: n.id,
    team_id: job.teamId,
    deliver_at: new Date(n.deliverAt),
  }));
  await afterScheduleChange(deps, snapshot.details, job.notices.map(noticeFromJson), nudges);
}

/**
 * Everything that follows a committed schedule change: a DM to each interviewer concerned (times
 * in their own zone), the announcement brought up to date, the nudges' jobs queued, and the App
 * Home of everyone concerned refreshed. Failures are logged; the change stands.
 */
export async function afterScheduleChange(
  deps: EffectsDeps,
  panel: PanelDetails,
  notices: ScheduleNotice[],
  nudges: readonly NudgeToQueue[],
): Promise<void> {
  const teamId = panel.panel.team_id;
  const sends: Promise<unknown>[] = [];
  for (const notice of notices) {
    for (const userId of notice.userIds) {
      sends.push(
        (async () => {
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
        })().catch((error: unknown) =>
          deps.logger.warn({ err: error, teamId, panelId: panel.panel.id, userId }, 'schedule DM failed'),
        ),
      );
    }
  }
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
    ...panel.members
      .filter((m) => m.role === 'recruiter' || m.role === 'hiring_manager')
      .map((m) => m.user_id),
    panel.panel.created_by,
  ]);
  await refreshHomes(deps, teamId, concerned);
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
