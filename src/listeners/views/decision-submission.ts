import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { DateTime } from 'luxon';
import type { DecisionMetadata } from '../../../blocks/decision-modal.js';
import { DECISION_BLOCKS } from '../../../blocks/ids.js';
import { getNoticeModal } from '../../../blocks/schedule-modal.js';
import { enqueueAnnouncement } from '../../../jobs/queues.js';
import type { AppDeps } from '../../deps.js';
import { formatPanelReference } from '../../domain/panel-reference.js';
import { DECISION_LABELS, isDecisionOutcome } from '../../domain/ratings.js';
import { recordDecision } from '../../services/decision.js';
import { queuePanelNudges } from '../../services/nudges.js';
import { queueReleasedSlots } from '../../services/schedule-effects.js';
import { ackCommitted } from '../late-ack.js';

type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/** The decision modal was submitted: a decision maker records hire / no hire / hold. */
export function decisionSubmission(deps: AppDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const teamId = view.team_id;
    const userId = body.user.id;
    const values = view.state.values;
    const outcome = values[DECISION_BLOCKS.outcome]?.input?.selected_option?.value;
    const reason = (values[DECISION_BLOCKS.reason]?.input?.value ?? '').trim();
    const toldOn = values[DECISION_BLOCKS.candidateToldOn]?.input?.selected_date ?? null;
    const { timeZone } = await deps.users.get(teamId, userId);
    const today = DateTime.fromJSDate(deps.clock.now(), { zone: timeZone }).toISODate() ?? '';
    const errors: Record<string, string> = {};
    if (!isDecisionOutcome(outcome)) errors[DECISION_BLOCKS.outcome] = 'Choose hire, no hire or hold.';
    if (reason === '')
      errors[DECISION_BLOCKS.reason] = 'Give the reason for the decision; the team will read it.';
    else if (reason.length > 3000)
      errors[DECISION_BLOCKS.reason] = `Keep the reason to 3000 characters (it has ${reason.length}).`;
    if (toldOn === null)
      errors[DECISION_BLOCKS.candidateToldOn] = 'Choose the date the candidate will be told.';
    else if (toldOn < today)
      errors[DECISION_BLOCKS.candidateToldOn] = 'That date has passed: choose today or later.';
    if (Object.keys(errors).length > 0 || !isDecisionOutcome(outcome) || toldOn === null) {
      return void (await ack({ response_action: 'errors', errors }));
    }
    const { panelId } = JSON.parse(view.private_metadata) as DecisionMetadata;
    const result = await recordDecision(deps.db, {
      teamId,
      panelId,
      actorId: userId,
      outcome,
      reason,
      candidateToldOn: toldOn,
      now: deps.clock.now(),
    });
    if (result.kind === 'refused') {
      return void (await ack({
        response_action: 'update',
        view: getNoticeModal('Not recorded', result.message),
      }));
    }
    const reference = formatPanelReference(result.panel.number);
    await ackCommitted(
      ack,
      {
        response_action: 'update',
        view: getNoticeModal(
          `Decided ${reference}`,
          `${DECISION_LABELS[outcome]} recorded for ${reference}. The announcement and debrief now show it; feedback is read-only.`,
        ),
      },
      deps.logger,
    );
    await enqueueAnnouncement(deps.queues, { teamId, panelId, revision: result.panel.revision }).catch(
      (error: unknown) =>
        deps.logger.warn(
          { err: error, teamId, panelId },
          'decision sync not queued; the reconciler will retry',
        ),
    );
    await queuePanelNudges(deps, teamId, panelId);
    await queueReleasedSlots(deps, result.details, result.released);
  };
}
