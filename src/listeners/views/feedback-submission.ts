import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { FeedbackMetadata } from '../../../blocks/feedback-modal.js';
import { FEEDBACK_BLOCKS } from '../../../blocks/ids.js';
import { getNoticeModal } from '../../../blocks/schedule-modal.js';
import { enqueueAnnouncement, enqueueNudges } from '../../../jobs/queues.js';
import type { AppDeps } from '../../deps.js';
import { parseFeedbackForm } from '../../domain/feedback-form.js';
import { scorecardFor } from '../../domain/stages.js';
import { refreshHomes } from '../../services/app-home.js';
import { type SubmitResult, submitFeedbackForm } from '../../services/feedback.js';
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
      // The form is checked inside the service's transaction, against the slot's own scorecard.
      const result = await submitFeedbackForm(deps.db, {
        teamId,
        slotId,
        userId,
        viewId: view.id,
        parse: (stageKind) => parseFeedbackForm(view.state.values, scorecardFor(stageKind), 'submit'),
        now: deps.clock.now(),
      });
      if (result.kind === 'invalid')
        return void (await ack({ response_action: 'errors', errors: result.errors }));
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
      if (result.kind === 'submitted') await followUp(deps, teamId, userId, result);
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

/**
 * What a stored submission sets off, after the answer, each only when it changes something: the
 * debrief (once all feedback is in, and after every edit once it is posted), delivery of the
 * nudges the re-plan created or moved (the cancelled ones need nothing: their jobs find them
 * cancelled), and the interviewer's App Home if they use it (anyone else's is rendered when they
 * first open it) and it changed: a first submission takes the slot off its "waiting for your
 * feedback" list; an edit changes nothing there. Redis being down loses nothing: the reconciler
 * queues what Postgres says is owed.
 */
async function followUp(
  deps: AppDeps,
  teamId: string,
  userId: string,
  result: Extract<SubmitResult, { kind: 'submitted' }>,
): Promise<void> {
  const { panelId, revision } = result;
  const warn = (what: string) => (error: unknown) =>
    deps.logger.warn({ err: error, teamId, panelId }, `${what} not queued; the reconciler will queue it`);
  await Promise.all([
    result.debriefDue
      ? enqueueAnnouncement(deps.queues, { teamId, panelId, revision }).catch(warn('debrief sync'))
      : undefined,
    result.nudgesToQueue.length > 0
      ? enqueueNudges(deps.queues, result.nudgesToQueue, (at) => deps.clock.msUntil(at)).catch(warn('nudges'))
      : undefined,
    result.homeVisitor && result.first ? refreshHomes(deps, teamId, [userId]) : undefined,
  ]);
}
