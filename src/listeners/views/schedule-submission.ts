import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { slotBlockIds } from '../../../blocks/ids.js';
import {
  getNoticeModal,
  getScheduleSavedModal,
  type RescheduleMetadata,
  type ScheduleMetadata,
} from '../../../blocks/schedule-modal.js';
import { findPanelById } from '../../db/panels.js';
import type { AppDeps } from '../../deps.js';
import { parseSlotGroups, type SlotDraft } from '../../domain/schedule-form.js';
import { queueScheduleEffects } from '../../services/schedule-effects.js';
import { bookSlots, rescheduleSlot, type SchedulingPeople } from '../../services/scheduling.js';
import { ackCommitted } from '../late-ack.js';

type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

function parseMetadata<T>(raw: string): T | undefined {
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

/** Looks up everyone a submission involves; bots and deactivated accounts cannot interview. */
async function gatherPeople(
  deps: AppDeps,
  teamId: string,
  coordinatorId: string,
  drafts: readonly SlotDraft[],
): Promise<{ people: SchedulingPeople; errors: Record<string, string> }> {
  const [interviewers, coordinator] = await Promise.all([
    deps.users.getMany(
      teamId,
      drafts.flatMap((d) => d.interviewerIds),
    ),
    deps.users.get(teamId, coordinatorId),
  ]);
  const errors: Record<string, string> = {};
  for (const draft of drafts) {
    const unfit = draft.interviewerIds
      .map((id) => interviewers.get(id))
      .filter((p) => p?.isBot || p?.deleted);
    if (unfit.length > 0) {
      errors[slotBlockIds(Number(draft.key)).interviewers] =
        `${unfit.map((p) => p?.name).join(', ')} cannot interview (a bot or a deactivated account).`;
    }
  }
  return { people: { interviewers, coordinatorTimeZone: coordinator.timeZone }, errors };
}

const PANEL_GONE = {
  response_action: 'update' as const,
  view: getNoticeModal('Panel not found', 'That panel no longer exists.'),
};

/** The panel a scheduling modal is about, from its private metadata; undefined when it is gone. */
async function panelOfModal<M extends { panelId: string }>(
  deps: AppDeps,
  teamId: string,
  privateMetadata: string,
) {
  const metadata = parseMetadata<M>(privateMetadata);
  const details = metadata && (await findPanelById(deps.db, teamId, metadata.panelId));
  return metadata && details ? { metadata, details } : undefined;
}

const SAVE_FAILED =
  'Panelist could not save the schedule just now. Nothing was saved; try again in a minute.';

/** The scheduling modal: book every filled slot group, all or nothing. */
export function scheduleSubmission(deps: AppDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const teamId = view.team_id;
    const userId = body.user.id;
    try {
      // The modal carries its panel's stages, so a submission goes straight to its transaction,
      // which locks the panel and checks everything again.
      const metadata = parseMetadata<ScheduleMetadata>(view.private_metadata);
      if (metadata === undefined) return void (await ack(PANEL_GONE));
      const stageIds =
        metadata.stageIds ??
        (await findPanelById(deps.db, teamId, metadata.panelId))?.stages.map((stage) => stage.id);
      if (stageIds === undefined) return void (await ack(PANEL_GONE));
      const form = parseSlotGroups(view.state.values, metadata.groups, new Set(stageIds));
      if (!form.ok) return void (await ack({ response_action: 'errors', errors: form.errors }));
      const { people, errors } = await gatherPeople(deps, teamId, userId, form.slots);
      if (Object.keys(errors).length > 0) return void (await ack({ response_action: 'errors', errors }));

      const outcome = await bookSlots(deps.db, {
        teamId,
        panelId: metadata.panelId,
        actorId: userId,
        drafts: form.slots,
        people,
        now: deps.clock.now(),
        viewId: view.id,
      });
      if (outcome.kind === 'invalid')
        return void (await ack({ response_action: 'errors', errors: outcome.errors }));
      if (outcome.kind === 'refused') {
        return void (await ack({
          response_action: 'update',
          view: getNoticeModal('Not scheduled', outcome.message),
        }));
      }
      const { booked } = outcome.result;
      await ackCommitted(
        ack,
        {
          response_action: 'update',
          view: getScheduleSavedModal(outcome.panel, booked, outcome.warnings, 'Booked'),
        },
        deps.logger,
      );
      // A repeat of a submission already saved: its people were told the first time.
      if (outcome.unchanged) return;
      await queueScheduleEffects(deps, outcome.panel, outcome.notices, outcome.nudges);
    } catch (error) {
      deps.logger.error({ err: error, teamId, userId }, 'schedule submission failed');
      await ack({ response_action: 'errors', errors: { [slotBlockIds(0).start]: SAVE_FAILED } }).catch(
        () => undefined,
      );
    }
  };
}

/** The reschedule and replace-interviewer modals: change one slot. */
export function rescheduleSubmission(deps: AppDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const teamId = view.team_id;
    const userId = body.user.id;
    try {
      const found = await panelOfModal<RescheduleMetadata>(deps, teamId, view.private_metadata);
      if (found === undefined) return void (await ack(PANEL_GONE));
      const { metadata, details } = found;
      const form = parseSlotGroups(view.state.values, 1, new Set(details.stages.map((s) => s.id)));
      if (!form.ok) return void (await ack({ response_action: 'errors', errors: form.errors }));
      const [draft] = form.slots;
      if (draft === undefined) return;
      const { people, errors } = await gatherPeople(deps, teamId, userId, [draft]);
      if (Object.keys(errors).length > 0) return void (await ack({ response_action: 'errors', errors }));

      const outcome = await rescheduleSlot(deps.db, {
        teamId,
        slotId: metadata.slotId,
        actorId: userId,
        draft,
        people,
        now: deps.clock.now(),
      });
      if (outcome.kind === 'invalid')
        return void (await ack({ response_action: 'errors', errors: outcome.errors }));
      if (outcome.kind === 'refused') {
        return void (await ack({
          response_action: 'update',
          view: getNoticeModal('Not changed', outcome.message),
        }));
      }
      await ackCommitted(
        ack,
        {
          response_action: 'update',
          view: getScheduleSavedModal(
            outcome.panel,
            [outcome.result.after],
            outcome.warnings,
            'Saved',
            outcome.unchanged === true,
          ),
        },
        deps.logger,
      );
      if (outcome.unchanged) return;
      await queueScheduleEffects(deps, outcome.panel, outcome.notices, outcome.nudges);
    } catch (error) {
      deps.logger.error({ err: error, teamId, userId }, 'reschedule submission failed');
      await ack({ response_action: 'errors', errors: { [slotBlockIds(0).start]: SAVE_FAILED } }).catch(
        () => undefined,
      );
    }
  };
}
