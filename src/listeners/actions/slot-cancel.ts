import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../deps.js';
import { queueScheduleEffects } from '../../services/schedule-effects.js';
import { cancelSlot } from '../../services/scheduling.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** **Cancel slot** in the status view (value: slot id); the button asks for confirmation first. */
export function cancelSlotButton(deps: AppDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const teamId = body.team?.id ?? '';
    const outcome = await cancelSlot(deps.db, {
      teamId,
      slotId: action.value ?? '',
      actorId: body.user.id,
      now: deps.clock.now(),
    });
    if (outcome.kind !== 'done') {
      const message = outcome.kind === 'refused' ? outcome.message : 'That slot could not be cancelled.';
      await respond({ response_type: 'ephemeral', replace_original: false, text: message });
      return;
    }
    const { cancelled } = outcome.result;
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: `:wastebasket: Slot cancelled; its ${cancelled.interviewers.length} interviewer(s) have been told and their time is free.`,
    });
    await queueScheduleEffects(deps, outcome.panel, outcome.notices, outcome.nudges);
  };
}
