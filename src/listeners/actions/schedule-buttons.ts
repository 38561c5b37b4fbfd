import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { getScheduleModal, type ScheduleMetadata } from '../../../blocks/schedule-modal.js';
import { findPanelById } from '../../db/panels.js';
import { listPanelSlots } from '../../db/slots.js';
import type { AppDeps } from '../../deps.js';
import { openRescheduleModal, openScheduleModal } from '../schedule-modal-opener.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** The announcement's **Schedule** button (value: panel id). */
export function openScheduleButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    await openScheduleModal(deps, client, {
      triggerId: body.trigger_id,
      teamId: body.team?.id ?? '',
      panelId: action.value ?? '',
      userId: body.user.id,
    });
  };
}

/** **Add another slot** inside the scheduling modal: the same modal with one more slot group. */
export function addSlotButton(deps: AppDeps) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const view = body.view;
    if (view === undefined) return;
    const metadata = JSON.parse(view.private_metadata) as ScheduleMetadata;
    const teamId = body.team?.id ?? '';
    const details = await findPanelById(deps.db, teamId, metadata.panelId);
    if (details === undefined) return;
    const slots = await listPanelSlots(deps.db, teamId, details.panel.id);
    // Slack keeps what was typed in inputs whose block and action ids are unchanged.
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: getScheduleModal(details, slots, metadata.groups + 1),
    });
  };
}

/** **Reschedule** on a slot in the status view (value: slot id). */
export function rescheduleButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    await openRescheduleModal(deps, client, {
      triggerId: body.trigger_id,
      teamId: body.team?.id ?? '',
      slotId: action.value ?? '',
      userId: body.user.id,
    });
  };
}

/** **Pick a replacement** in the coordinator's DM (value: `<slot id>:<user who declined>`). */
export function replaceInterviewerButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const [slotId = '', withoutUserId = ''] = (action.value ?? '').split(':');
    await openRescheduleModal(deps, client, {
      triggerId: body.trigger_id,
      teamId: body.team?.id ?? '',
      slotId,
      userId: body.user.id,
      withoutUserId,
    });
  };
}
