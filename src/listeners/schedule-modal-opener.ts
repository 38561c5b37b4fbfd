import type { WebClient } from '@slack/web-api';
import { getNoticeModal, getRescheduleModal, getScheduleModal } from '../../blocks/schedule-modal.js';
import { findPanelById } from '../db/panels.js';
import { findSlot, listPanelSlots } from '../db/slots.js';
import type { AppDeps } from '../deps.js';
import { formatPanelReference } from '../domain/panel-reference.js';
import { canCoordinatePanel } from '../domain/permissions.js';
import { viewerOf } from '../services/panels.js';

/**
 * Opens the scheduling modal for a coordinator, or a modal explaining why not. Shared by the
 * `/panel schedule` command and the announcement's Schedule button.
 */
export async function openScheduleModal(
  deps: AppDeps,
  client: WebClient,
  request: { triggerId: string; teamId: string; panelId: string; userId: string },
): Promise<void> {
  const { triggerId, teamId, panelId, userId } = request;
  const details = await findPanelById(deps.db, teamId, panelId);
  if (details === undefined) {
    await client.views.open({
      trigger_id: triggerId,
      view: getNoticeModal('Panel not found', 'That panel no longer exists.'),
    });
    return;
  }
  const reference = formatPanelReference(details.panel.number);
  if (!canCoordinatePanel(viewerOf(details, userId))) {
    await client.views.open({
      trigger_id: triggerId,
      view: getNoticeModal(
        `Schedule ${reference}`,
        `Only the recruiter or hiring manager of ${reference} can schedule it.`,
      ),
    });
    return;
  }
  if (details.panel.state !== 'open') {
    await client.views.open({
      trigger_id: triggerId,
      view: getNoticeModal(
        `Schedule ${reference}`,
        `${reference} is ${details.panel.state}; its schedule can no longer change.`,
      ),
    });
    return;
  }
  const slots = await listPanelSlots(deps.db, teamId, panelId);
  const unbookedStages = details.stages.filter(
    (stage) => !slots.some((s) => s.slot.stage_id === stage.id),
  ).length;
  await client.views.open({
    trigger_id: triggerId,
    view: getScheduleModal(details, slots, Math.max(1, unbookedStages)),
  });
}

/** Opens the reschedule (or replace-interviewer) modal of one slot for a coordinator. */
export async function openRescheduleModal(
  deps: AppDeps,
  client: WebClient,
  request: { triggerId: string; teamId: string; slotId: string; userId: string; withoutUserId?: string },
): Promise<void> {
  const { triggerId, teamId, slotId, userId, withoutUserId } = request;
  const slot = await findSlot(deps.db, teamId, slotId);
  const details = slot === undefined ? undefined : await findPanelById(deps.db, teamId, slot.slot.panel_id);
  if (slot === undefined || details === undefined || slot.slot.state !== 'booked') {
    await client.views.open({
      trigger_id: triggerId,
      view: getNoticeModal('Slot not found', 'That slot was cancelled meanwhile.'),
    });
    return;
  }
  const reference = formatPanelReference(details.panel.number);
  if (!canCoordinatePanel(viewerOf(details, userId)) || details.panel.state !== 'open') {
    await client.views.open({
      trigger_id: triggerId,
      view: getNoticeModal(
        `Schedule ${reference}`,
        details.panel.state !== 'open'
          ? `${reference} is ${details.panel.state}; its schedule can no longer change.`
          : `Only the recruiter or hiring manager of ${reference} can change its schedule.`,
      ),
    });
    return;
  }
  await client.views.open({
    trigger_id: triggerId,
    view: getRescheduleModal(details, slot, withoutUserId === undefined ? {} : { withoutUserId }),
  });
}
