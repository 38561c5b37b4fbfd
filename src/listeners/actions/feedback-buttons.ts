import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { getFeedbackViewModal, getSingleFeedbackModal } from '../../../blocks/debrief.js';
import { getDecisionModal } from '../../../blocks/decision-modal.js';
import { type FeedbackMetadata, getFeedbackModal } from '../../../blocks/feedback-modal.js';
import { getNoticeModal } from '../../../blocks/schedule-modal.js';
import { saveDraft } from '../../db/feedback.js';
import { findSlot } from '../../db/slots.js';
import type { AppDeps } from '../../deps.js';
import { emptyFeedback, parseFeedbackForm } from '../../domain/feedback-form.js';
import { feedbackRefusal } from '../../domain/feedback-visibility.js';
import { formatPanelReference } from '../../domain/panel-reference.js';
import { scorecardFor } from '../../domain/stages.js';
import { accessFor, loadFeedbackState, openFeedback } from '../../services/feedback.js';
import { slackDate } from '../../slack/mrkdwn.js';

type ButtonArgs = AllMiddlewareArgs & SlackActionMiddlewareArgs<BlockAction<ButtonAction>>;

/** **Give feedback** (DM, App Home, `/panel feedback`; value: slot id) opens the feedback modal. */
export function giveFeedbackButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const opening = await openFeedback(deps.db, {
      teamId: body.team?.id ?? '',
      slotId: action.value ?? '',
      userId: body.user.id,
      now: deps.clock.now(),
    });
    if (opening.kind === 'refused') {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: getNoticeModal('Feedback', opening.message),
      });
      return;
    }
    const { details, slot, feedback, readOnly } = opening;
    if (readOnly) {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: getNoticeModal(
          'Feedback',
          `The decision on ${formatPanelReference(details.panel.number)} is recorded, so feedback is read-only. *View feedback* on the debrief shows it.`,
        ),
      });
      return;
    }
    await client.views.open({
      trigger_id: body.trigger_id,
      view: getFeedbackModal({
        panel: details.panel,
        slot,
        content: feedback?.content ?? emptyFeedback(),
        submitted: feedback?.state === 'submitted',
      }),
    });
  };
}

/** **Save draft** inside the feedback modal: keeps what was typed; the next open starts from it. */
export function saveDraftButton(deps: AppDeps) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const view = body.view;
    if (view === undefined) return;
    const teamId = body.team?.id ?? '';
    const userId = body.user.id;
    const { slotId } = JSON.parse(view.private_metadata) as FeedbackMetadata;
    const slot = await findSlot(deps.db, teamId, slotId);
    if (slot === undefined || !slot.interviewers.some((i) => i.userId === userId)) return;
    const form = parseFeedbackForm(view.state.values, scorecardFor(slot.stageKind), 'draft');
    if (!form.ok) return; // Over-long text: Slack's own max_length already stops it in the modal.
    const panel = await deps.db
      .selectFrom('panel')
      .select('state')
      .where('team_id', '=', teamId)
      .where('id', '=', slot.slot.panel_id)
      .executeTakeFirst();
    const saved =
      panel?.state !== 'open'
        ? 'closed'
        : await saveDraft(deps.db, {
            teamId,
            panelId: slot.slot.panel_id,
            slotId,
            interviewerId: userId,
            content: form.content,
          });
    const { timeZone } = await deps.users.get(teamId, userId);
    const note =
      saved === 'saved'
        ? `:floppy_disk: Draft saved at ${slackDate(deps.clock.now(), '{time}', timeZone)}. Nobody else can see it.`
        : saved === 'closed'
          ? `:lock: Nothing saved: this panel is ${panel?.state ?? 'gone'}, so its feedback is read-only.`
          : 'This feedback is already submitted; use *Update feedback* to change it.';
    const blocks = [...view.blocks.filter((b) => b.type !== 'context' || b.block_id !== 'draft_note')];
    blocks.push({ type: 'context', block_id: 'draft_note', elements: [{ type: 'mrkdwn', text: note }] });
    await client.views.update({
      view_id: view.id,
      hash: view.hash,
      view: {
        type: 'modal',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        title: view.title,
        ...(view.submit === null ? {} : { submit: view.submit }),
        ...(view.close === null ? {} : { close: view.close }),
        blocks,
      },
    });
  };
}

/** **View feedback** on the debrief (value: panel id): the full feedback to those allowed. */
export function viewFeedbackButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const teamId = body.team?.id ?? '';
    const state = await loadFeedbackState(deps.db, teamId, action.value ?? '');
    if (state === undefined) {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: getNoticeModal('Feedback', 'That panel no longer exists.'),
      });
      return;
    }
    const access = accessFor(state, body.user.id, deps.clock.now());
    const reference = formatPanelReference(state.details.panel.number);
    const view = access.allowed
      ? getFeedbackViewModal(state.details.panel, state.summary, state.feedback, state.slots)
      : getNoticeModal(`Feedback ${reference}`, feedbackRefusal(access.reason, reference));
    await client.views.open({ trigger_id: body.trigger_id, view });
  };
}

/** **Read** in the feedback modal (value: feedback id): one person's whole feedback, pushed on top. */
export function readFeedbackButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const teamId = body.team?.id ?? '';
    const row = await deps.db
      .selectFrom('feedback')
      .select('panel_id')
      .where('team_id', '=', teamId)
      .where('id', '=', action.value ?? '')
      .executeTakeFirst();
    const state = row === undefined ? undefined : await loadFeedbackState(deps.db, teamId, row.panel_id);
    const entry = state?.feedback.find((f) => f.id === action.value && f.state === 'submitted');
    if (state === undefined || entry === undefined) return;
    const access = accessFor(state, body.user.id, deps.clock.now());
    const reference = formatPanelReference(state.details.panel.number);
    const view = access.allowed
      ? getSingleFeedbackModal(
          state.details.panel,
          entry,
          state.slots.find((s) => s.slot.id === entry.slot_id),
        )
      : getNoticeModal(`Feedback ${reference}`, feedbackRefusal(access.reason, reference));
    await client.views.push({ trigger_id: body.trigger_id, view });
  };
}

/** **Record decision** (value: panel id): the decision modal, for decision makers only. */
export function recordDecisionButton(deps: AppDeps) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    await openDecisionModal(deps, client, {
      triggerId: body.trigger_id,
      teamId: body.team?.id ?? '',
      panelId: action.value ?? '',
      userId: body.user.id,
    });
  };
}

/** Opens the decision modal, or explains why not. Shared by the button and `/panel decide`. */
export async function openDecisionModal(
  deps: AppDeps,
  client: ButtonArgs['client'],
  request: { triggerId: string; teamId: string; panelId: string; userId: string },
): Promise<void> {
  const state = await loadFeedbackState(deps.db, request.teamId, request.panelId);
  if (state === undefined) {
    await client.views.open({
      trigger_id: request.triggerId,
      view: getNoticeModal('Decision', 'That panel no longer exists.'),
    });
    return;
  }
  const { panel, members } = state.details;
  const reference = formatPanelReference(panel.number);
  let refusal: string | undefined;
  if (!members.some((m) => m.user_id === request.userId && m.role === 'decision_maker')) {
    refusal = `Only a decision maker of ${reference} can record its decision.`;
  } else if (panel.state !== 'open') {
    refusal = `${reference} is already ${panel.state}.`;
  }
  const view =
    refusal === undefined
      ? getDecisionModal(panel, state.summary, {
          showTally: accessFor(state, request.userId, deps.clock.now()).allowed,
        })
      : getNoticeModal(`Decide ${reference}`, refusal);
  await client.views.open({ trigger_id: request.triggerId, view });
}
