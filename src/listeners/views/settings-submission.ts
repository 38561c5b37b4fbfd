import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { getNoticeModal } from '../../../blocks/schedule-modal.js';
import type { AppDeps } from '../../deps.js';
import { parseSettingsForm } from '../../domain/workspace-settings.js';
import { queuePanelNudges } from '../../services/nudges.js';
import {
  replanOpenPanels,
  SETTINGS_REFUSALS,
  saveWorkspaceSettings,
  settingsRight,
} from '../../services/workspace-settings.js';

type ViewArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/** Saves the workspace settings modal (permission is checked again: the form may be stale). */
export function settingsSubmission(deps: AppDeps) {
  return async ({ ack, body, view }: ViewArgs): Promise<void> => {
    const teamId = view.team_id;
    const userId = body.user.id;
    const form = parseSettingsForm(view.state.values);
    if (!form.ok) return void (await ack({ response_action: 'errors', errors: form.errors }));
    const right = await settingsRight(deps.db, deps.users, teamId, userId);
    if (right !== 'allowed') {
      return void (await ack({
        response_action: 'update',
        view: getNoticeModal('Not saved', SETTINGS_REFUSALS[right]),
      }));
    }
    const { scheduling } = form.settings;
    await saveWorkspaceSettings(deps.db, { teamId, actorId: userId, settings: form.settings });
    await ack({
      response_action: 'update',
      view: getNoticeModal(
        'Settings saved',
        `:white_check_mark: From now on: ${scheduling.bufferMinutes} minutes free between interviews, at most ${scheduling.weeklyLimit} interviews per person per week. Pending nudges follow the new settings.`,
      ),
    });
    const panels = await replanOpenPanels(deps.db, teamId, deps.clock.now());
    for (const panelId of panels) await queuePanelNudges(deps, teamId, panelId);
  };
}
