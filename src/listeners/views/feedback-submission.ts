import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { FeedbackMetadata } from '../../../blocks/feedback-modal.js';
import { FEEDBACK_BLOCKS } from '../../../blocks/ids.js';
import { getNoticeModal } from '../../../blocks/schedule-modal.js';
import { enqueueAnnouncement } from '../../../jobs/queues.js';
import { findSlot } from '../../db/slots.js';
import type { AppDeps } from '../../deps.js';
import { parseFeedbackForm } from '../../domain/feedback-form.js';
import { scorecardFor } from '../../domain/stages.js';
import { refreshHomes } from '../../services/app-home.js';
import { submitFeedback } from '../../services/feedback.js';
import { queuePanelNudges } from '../../services/nudges.js';
import { ackCommitted } from '../late-ack.js';

type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

const THANKS =
  'Thanks: your feedback is in. You can now read the others’ (where the panel allows), and edit yours until the decision is recorded.';

/** The feedback modal was submitted: validate, store a version, and bring the debrief up to date. */
export function feedbackSubmission(deps: AppDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const teamId = view.team_id;
    const userId = body.user.id;
    try {
      const { slotId } = JSON.parse(view.private_metadata) as FeedbackMetadata;
      const slot = await findSlot(deps.db, teamId, slotId);
      if (slot === undefined) {
        return void (await ack({
          response_action: 'update',
          view: getNoticeModal('Feedback', 'That slot was cancelled.'),
        }));
      }
      const form = parseFeedbackForm(view.state.values, scorecardFor(slot.stageKind), 'submit');
      if (!form.ok) return void (await ack({ response_action: 'errors', errors: form.errors }));
      const result = await submitFeedback(deps.db, {
        teamId,
        slotId,
        userId,
        viewId: view.id,
        content: form.content,
        now: deps.clock.now(),
      });
      if (result.kind === 'refused') {
        return void (await ack({
          response_action: 'update',
          view: getNoticeModal('Feedback not saved', result.message),
        }));
      }
      await ackCommitted(
        ack,
        {
          response_action: 'update',
          view: getNoticeModal('Feedback submitted', `:white_check_mark: ${THANKS}`),
        },
        deps.logger,
      );
      if (result.kind === 'duplicate') return;
      await enqueueAnnouncement(deps.queues, {
        teamId,
        panelId: result.panelId,
        revision: result.revision,
      }).catch((error: unknown) =>
        deps.logger.warn(
          { err: error, teamId, panelId: result.panelId },
          'debrief sync not queued; the reconciler will retry',
        ),
      );
      await queuePanelNudges(deps, teamId, result.panelId);
      await refreshHomes(deps, teamId, [userId]);
    } catch (error) {
      deps.logger.error({ err: error, teamId, userId }, 'feedback submission failed');
      await ack({
        response_action: 'errors',
        errors: {
          [FEEDBACK_BLOCKS.recommendation]:
            'Panelist could not save your feedback just now. Nothing was lost from this form; try again in a minute.',
        },
      }).catch(() => undefined);
    }
  };
}
