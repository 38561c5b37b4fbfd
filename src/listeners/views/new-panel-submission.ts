import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { NEW_PANEL_BLOCKS } from '../../../blocks/ids.js';
import { getPanelCreatedModal } from '../../../blocks/new-panel-modal.js';
import { enqueueAnnouncement } from '../../../jobs/queues.js';
import type { AppDeps } from '../../deps.js';
import { parseNewPanelForm } from '../../domain/new-panel-form.js';
import { formatPanelReference } from '../../domain/panel-reference.js';
import { queuePanelNudges } from '../../services/nudges.js';
import { createPanel } from '../../services/panels.js';
import { checkChannelAccess } from '../../slack/channel-access.js';
import { ackCommitted } from '../late-ack.js';

type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/**
 * The `/panel new` modal was submitted: validate every field (errors go next to the field and
 * nothing is stored), create the panel in one transaction, show its reference in the modal,
 * then queue the channel announcement.
 */
export function newPanelSubmission(deps: AppDeps) {
  return async ({ ack, body, view, client }: ViewArgs): Promise<void> => {
    const teamId = view.team_id;
    const userId = body.user.id;
    try {
      // One round of Slack look-ups, in parallel: everyone named in the form (their time zones) and
      // the channel; all are cached or quick, and the modal must be answered within 3 seconds.
      const values = view.state.values;
      const named = [
        userId,
        values[NEW_PANEL_BLOCKS.hiringManager]?.input?.selected_user,
        values[NEW_PANEL_BLOCKS.recruiter]?.input?.selected_user,
        ...(values[NEW_PANEL_BLOCKS.decisionMakers]?.input?.selected_users ?? []),
      ].filter((id): id is string => typeof id === 'string' && id !== '');
      const channelId = values[NEW_PANEL_BLOCKS.channel]?.input?.selected_conversation;
      const [people, channelAccess] = await Promise.all([
        deps.users.getMany(teamId, named.slice(0, 13)),
        channelId ? checkChannelAccess(client, channelId) : Promise.resolve({ ok: true } as const),
      ]);
      const form = parseNewPanelForm(values, {
        now: deps.clock.now(),
        timeZone: people.get(userId)?.timeZone ?? 'UTC',
      });
      const errors = form.ok ? {} : { ...form.errors };
      if (!channelAccess.ok) errors[NEW_PANEL_BLOCKS.channel] = channelAccess.problem;
      if (!form.ok || Object.keys(errors).length > 0) {
        await ack({ response_action: 'errors', errors });
        return;
      }
      const timeZones = new Map([...people].map(([id, profile]) => [id, profile.timeZone]));
      const { panel, created } = await createPanel(deps.db, {
        timeZones,
        now: deps.clock.now(),
        teamId,
        creatorId: userId,
        viewId: view.id,
        input: form.input,
      });
      await ackCommitted(
        ack,
        {
          response_action: 'update',
          view: getPanelCreatedModal({
            reference: formatPanelReference(panel.number),
            candidateName: panel.candidate_name,
            channelId: panel.channel_id,
          }),
        },
        deps.logger,
      );
      if (created) {
        await enqueueAnnouncement(deps.queues, { teamId, panelId: panel.id, revision: panel.revision }).catch(
          (error: unknown) =>
            deps.logger.warn(
              { err: error, teamId, panelId: panel.id },
              'announcement not queued; the reconciler will retry',
            ),
        );
        await queuePanelNudges(deps, teamId, panel.id);
      }
    } catch (error) {
      deps.logger.error({ err: error, teamId, userId }, 'new panel submission failed');
      await ack({
        response_action: 'errors',
        errors: {
          [NEW_PANEL_BLOCKS.candidate]:
            'Panelist could not save the panel just now. Nothing was stored; try again in a minute.',
        },
      });
    }
  };
}
