import {
  getSlotBookedMessage,
  getSlotMovedMessage,
  getSlotRemovedMessage,
  type SlotMessage,
} from '../../blocks/slot-messages.js';
import { enqueueAnnouncement } from '../../jobs/queues.js';
import type { PanelDetails } from '../db/panels.js';
import type { SlotWithPeople } from '../db/slots.js';
import type { AppDeps } from '../deps.js';
import { refreshHomes } from './app-home.js';
import { queuePanelNudges } from './nudges.js';
import type { SlotChange } from './scheduling.js';

/** Who must hear about a schedule change, and what. */
export type ScheduleNotice =
  | { kind: 'booked'; slot: SlotWithPeople; userIds: string[] }
  | { kind: 'moved'; change: SlotChange; userIds: string[] }
  | { kind: 'removed'; slot: SlotWithPeople; userIds: string[]; reason: 'cancelled' | 'removed' };

/** The notices for a rescheduled slot: kept people see the move, added ones a booking, dropped ones a removal. */
export function noticesForChange(change: SlotChange): ScheduleNotice[] {
  return [
    { kind: 'moved', change, userIds: change.kept },
    { kind: 'booked', slot: change.after, userIds: change.added },
    { kind: 'removed', slot: change.before, userIds: change.removed, reason: 'removed' },
  ];
}

/**
 * Everything that follows a committed schedule change, after the modal has been answered: a DM
 * to each interviewer concerned (times in their own zone), the announcement brought up to date,
 * and the App Home of everyone concerned refreshed. Failures are logged; the change stands.
 */
export async function afterScheduleChange(
  deps: AppDeps,
  panel: PanelDetails,
  notices: ScheduleNotice[],
): Promise<void> {
  const teamId = panel.panel.team_id;
  const sends: Promise<unknown>[] = [];
  for (const notice of notices) {
    for (const userId of notice.userIds) {
      sends.push(
        (async () => {
          const { timeZone } = await deps.users.get(teamId, userId);
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
  sends.push(queuePanelNudges(deps, teamId, panel.panel.id));
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
