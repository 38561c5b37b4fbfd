import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { getStatusFeedbackBlocks } from '../../../blocks/debrief.js';
import { getHelpBlocks } from '../../../blocks/help-message.js';
import { SLACK_LIMITS } from '../../../blocks/limits.js';
import { getNewPanelModal } from '../../../blocks/new-panel-modal.js';
import { getPanelListBlocks } from '../../../blocks/panel-list.js';
import { getPanelStatusBlocks } from '../../../blocks/panel-summary.js';
import { getPendingFeedbackMessage } from '../../../blocks/pending-feedback.js';
import { getSettingsModal } from '../../../blocks/settings-modal.js';
import { enqueueAnnouncement } from '../../../jobs/queues.js';
import { loadHomeData } from '../../db/home.js';
import { listPanelsForUser } from '../../db/panels.js';
import type { AppDeps } from '../../deps.js';
import { formatPanelReference, parsePanelReference } from '../../domain/panel-reference.js';
import { canCoordinatePanel } from '../../domain/permissions.js';
import { canonicalTimeZone } from '../../domain/workspace-settings.js';
import { accessFor, loadFeedbackState } from '../../services/feedback.js';
import { queuePanelNudges } from '../../services/nudges.js';
import { cancelPanel, lookUpPanelFor, viewerOf } from '../../services/panels.js';
import { queueReleasedSlots } from '../../services/schedule-effects.js';
import {
  channelDigestZone,
  loadWorkspaceSettings,
  SETTINGS_REFUSALS,
  setChannelDigestZone,
  settingsRight,
} from '../../services/workspace-settings.js';
import { escapeMrkdwn } from '../../slack/mrkdwn.js';
import { openDecisionModal } from '../actions/feedback-buttons.js';
import { openScheduleModal } from '../schedule-modal-opener.js';
import { ephemeral, missingReference, notOnTeam, somethingWentWrong, unknownPanel } from './panel-replies.js';

type CommandArgs = AllMiddlewareArgs & SlackCommandMiddlewareArgs;

const LIST_LIMIT = 30;

/**
 * `/panel <subcommand> [panel]`. Answers that need only the database are sent in the ack itself
 * (milliseconds); `new` acks first, then opens the modal with the trigger id.
 */
export function panelCommand(deps: AppDeps) {
  return async ({ command, ack, client, respond, logger }: CommandArgs): Promise<void> => {
    const [subcommand = 'help', argument = ''] = command.text.trim().split(/\s+/).filter(Boolean);
    const teamId = command.team_id;
    const userId = command.user_id;
    const panelNumber = (): number | undefined => parsePanelReference(argument);
    try {
      switch (subcommand.toLowerCase()) {
        case 'help':
          await ack({ response_type: 'ephemeral', ...getHelpBlocks() });
          return;
        case 'new': {
          await ack();
          await client.views.open({
            trigger_id: command.trigger_id,
            view: getNewPanelModal({ initialUserId: userId }),
          });
          return;
        }
        case 'list': {
          const panels = await listPanelsForUser(deps.db, teamId, userId, LIST_LIMIT);
          await ack({ response_type: 'ephemeral', ...getPanelListBlocks(panels, { limit: LIST_LIMIT }) });
          return;
        }
        case 'status': {
          const number = panelNumber();
          if (number === undefined) return void (await ack(missingReference('status')));
          const lookup = await lookUpPanelFor(deps.db, teamId, number, userId);
          if (lookup.kind === 'not_found') return void (await ack(unknownPanel(number)));
          if (lookup.kind === 'forbidden') return void (await ack(notOnTeam(number, lookup.recruiterId)));
          const state = await loadFeedbackState(deps.db, teamId, lookup.details.panel.id);
          if (state === undefined) return void (await ack(unknownPanel(number)));
          const canCoordinate = canCoordinatePanel(viewerOf(state.details, userId));
          const status = getPanelStatusBlocks(state.details, state.slots, { canCoordinate });
          const feedback = getStatusFeedbackBlocks(
            state.summary,
            state.feedback.filter((f) => f.state === 'submitted').map((f) => f.interviewer_id),
            { showRatings: accessFor(state, userId, deps.clock.now()).allowed, decision: state.decision },
          );
          const blocks = [...status.blocks, ...feedback].slice(0, SLACK_LIMITS.blocksPerMessage);
          await ack({ response_type: 'ephemeral', text: status.text, blocks });
          return;
        }
        case 'schedule': {
          const number = panelNumber();
          if (number === undefined) return void (await ack(missingReference('schedule')));
          const lookup = await lookUpPanelFor(deps.db, teamId, number, userId);
          if (lookup.kind === 'not_found') return void (await ack(unknownPanel(number)));
          if (lookup.kind === 'forbidden') return void (await ack(notOnTeam(number, lookup.recruiterId)));
          await ack();
          await openScheduleModal(deps, client, {
            triggerId: command.trigger_id,
            teamId,
            panelId: lookup.details.panel.id,
            userId,
          });
          return;
        }
        case 'feedback': {
          // The same list as App Home's "Feedback waiting for you", from the same read.
          const now = deps.clock.now();
          const { pendingFeedback } = await loadHomeData(deps.db, teamId, userId, now, now);
          await ack({ response_type: 'ephemeral', ...getPendingFeedbackMessage(pendingFeedback) });
          return;
        }
        case 'decide': {
          const number = panelNumber();
          if (number === undefined) return void (await ack(missingReference('decide')));
          const lookup = await lookUpPanelFor(deps.db, teamId, number, userId);
          if (lookup.kind === 'not_found') return void (await ack(unknownPanel(number)));
          if (lookup.kind === 'forbidden') return void (await ack(notOnTeam(number, lookup.recruiterId)));
          if (!lookup.details.members.some((m) => m.user_id === userId && m.role === 'decision_maker')) {
            return void (await ack(
              ephemeral(`Only a decision maker of ${formatPanelReference(number)} can record its decision.`),
            ));
          }
          await ack();
          await openDecisionModal(deps, client, {
            triggerId: command.trigger_id,
            teamId,
            panelId: lookup.details.panel.id,
            userId,
          });
          return;
        }
        case 'settings': {
          // Answered at once: the admin check may ask Slack, which must not eat the 3 seconds.
          await ack();
          const right = await settingsRight(deps.db, deps.users, teamId, userId);
          if (right !== 'allowed') return void (await respond(ephemeral(SETTINGS_REFUSALS[right])));
          const settings = await loadWorkspaceSettings(deps.db, teamId);
          await client.views.open({ trigger_id: command.trigger_id, view: getSettingsModal(settings) });
          return;
        }
        case 'digest-zone': {
          // Answered at once: the admin check may ask Slack, which must not eat the 3 seconds.
          await ack();
          const right = await settingsRight(deps.db, deps.users, teamId, userId);
          if (right !== 'allowed') return void (await respond(ephemeral(SETTINGS_REFUSALS[right])));
          const channel = `<#${command.channel_id}>`;
          if (argument === '') {
            const [own, workspace] = await Promise.all([
              channelDigestZone(deps.db, teamId, command.channel_id),
              loadWorkspaceSettings(deps.db, teamId),
            ]);
            const when = `${workspace.nudges.digestTime} ${own ?? workspace.nudges.digestTimeZone}`;
            return void (await respond(
              ephemeral(
                `Digests of panels in ${channel} come at ${when} on working days${own === undefined ? ' (the workspace’s zone)' : ''}. Change it here with \`/panel digest-zone Europe/Berlin\`.`,
              ),
            ));
          }
          const zone = canonicalTimeZone(argument);
          if (zone === undefined) {
            return void (await respond(
              ephemeral(
                `\`${escapeMrkdwn(argument.replaceAll('`', 'ˋ').slice(0, 60))}\` is not a time zone name. Use one such as \`Europe/Berlin\` or \`America/New_York\`.`,
              ),
            ));
          }
          const panels = await setChannelDigestZone(deps.db, {
            teamId,
            channelId: command.channel_id,
            zone,
            actorId: userId,
            now: deps.clock.now(),
          });
          for (const panelId of panels) await queuePanelNudges(deps, teamId, panelId);
          const { digestTime } = (await loadWorkspaceSettings(deps.db, teamId)).nudges;
          await respond(
            ephemeral(
              `:sunrise: Digests of panels in ${channel} now come at ${digestTime} ${zone} on working days (${panels.length} open panel${panels.length === 1 ? '' : 's'} moved).`,
            ),
          );
          return;
        }
        case 'cancel': {
          const number = panelNumber();
          if (number === undefined) return void (await ack(missingReference('cancel')));
          const result = await cancelPanel(deps.db, {
            teamId,
            number,
            actorId: userId,
            now: deps.clock.now(),
          });
          const reference = formatPanelReference(number);
          switch (result.kind) {
            case 'not_found':
              return void (await ack(unknownPanel(number)));
            case 'forbidden':
              return void (await ack(
                result.reason === 'not_on_team'
                  ? notOnTeam(number, undefined)
                  : ephemeral(`Only the recruiter or hiring manager of ${reference} can cancel it.`),
              ));
            case 'not_open':
              return void (await ack(
                ephemeral(`${reference} is already ${result.panel.state}; nothing changed.`),
              ));
            case 'cancelled':
              await ack(
                ephemeral(`:no_entry: ${reference} is cancelled. Its announcement is being updated.`),
              );
              await enqueueAnnouncement(deps.queues, {
                teamId,
                panelId: result.panel.id,
                revision: result.panel.revision,
              }).catch((error: unknown) =>
                logger.warn(
                  `announcement update for ${reference} not queued; the reconciler will retry`,
                  error,
                ),
              );
              await queuePanelNudges(deps, teamId, result.panel.id);
              await queueReleasedSlots(deps, result.details, result.released);
              return;
          }
          return;
        }
        default:
          await ack({ response_type: 'ephemeral', ...getHelpBlocks(subcommand) });
      }
    } catch (error) {
      deps.logger.error({ err: error, teamId, userId, subcommand }, '/panel failed');
      await ack(somethingWentWrong).catch(() => respond(somethingWentWrong));
    }
  };
}
