import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseNewPanelForm } from '../../src/domain/new-panel-form.js';
import { formatPanelReference, parsePanelReference } from '../../src/domain/panel-reference.js';
import { canCoordinatePanel, canSeePanel, coordinatorsOf } from '../../src/domain/permissions.js';
import { DEFAULT_STAGE_KINDS, SHARED_COMPETENCIES, STAGES } from '../../src/domain/stages.js';
import { calendarDate, escapeMrkdwn, slackDate } from '../../src/slack/mrkdwn.js';
import { newPanelValues, validNewPanelFields } from '../support/factories.js';

const NOW = new Date('2026-12-01T10:00:00Z');

describe('panel references', () => {
  it.each([
    ['P-12', 12],
    ['p-12', 12],
    ['P12', 12],
    [' 12 ', 12],
  ])('reads %s as %d', (text, number) => expect(parsePanelReference(text)).toBe(number));
  it.each([['P-0'], ['P-'], ['banana'], ['P-1.5'], ['']])('rejects %j', (text) => {
    expect(parsePanelReference(text)).toBeUndefined();
  });
  it('formats as P-n', () => expect(formatPanelReference(7)).toBe('P-7'));
});

describe('mrkdwn', () => {
  it('escapes &, < and > so mentions and links show literally', () => {
    expect(escapeMrkdwn('<!channel> & <@U1|x>')).toBe('&lt;!channel&gt; &amp; &lt;@U1|x&gt;');
  });
  it('formats a time for each reader’s zone with a UTC fallback', () => {
    expect(slackDate(new Date('2026-12-08T10:00:00Z'))).toBe(
      '<!date^1796724000^{date_short_pretty} at {time}|Tue 8 Dec 2026 10:00 UTC>',
    );
  });
  it('writes the fallback in the recipient’s zone, across a daylight-saving change', () => {
    // Berlin moves from CET (UTC+1) to CEST (UTC+2) on Sunday 28 March 2027.
    expect(slackDate(new Date('2027-03-26T08:00:00Z'), '{time}', 'Europe/Berlin')).toContain(
      '|Fri 26 Mar 2027 09:00 CET>',
    );
    expect(slackDate(new Date('2027-03-29T07:00:00Z'), '{time}', 'Europe/Berlin')).toContain(
      '|Mon 29 Mar 2027 09:00 CEST>',
    );
  });
  it('shows a calendar date without shifting it by time zone', () => {
    expect(calendarDate('2026-12-10')).toBe('Thu 10 Dec 2026');
  });
});

describe('the new-panel form', () => {
  it('accepts a valid form and sorts stages into loop order', () => {
    const fields = validNewPanelFields(NOW, { stages: ['executive', 'manager'] });
    const result = parseNewPanelForm(newPanelValues(fields), { now: NOW, timeZone: 'UTC' });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.input.stageKinds).toEqual(['manager', 'executive']);
      expect(result.input.candidateName).toBe('Ada Lovelace');
    }
  });
  it('trims text and treats blank notes as none', () => {
    const fields = validNewPanelFields(NOW, { candidate: '  Ada  ', notes: '   ' });
    const result = parseNewPanelForm(newPanelValues(fields), { now: NOW, timeZone: 'UTC' });
    expect(result.ok && result.input.candidateName).toBe('Ada');
    expect(result.ok && result.input.firstInterviewNotes).toBeNull();
  });
  it('removes duplicate decision makers and caps them at ten', () => {
    const twelve = Array.from({ length: 12 }, (_, i) => `U${i}`);
    const result = parseNewPanelForm(newPanelValues(validNewPanelFields(NOW, { decisionMakers: twelve })), {
      now: NOW,
      timeZone: 'UTC',
    });
    expect(!result.ok && result.errors.decision_makers).toMatch(/at most 10/);
  });
  it('allows a promise for today in the submitter’s zone even when UTC is already tomorrow', () => {
    const late = new Date('2026-12-01T23:30:00Z');
    const fields = validNewPanelFields(late, {
      deadline: Date.parse('2026-12-01T23:45:00Z') / 1000,
      promised: '2026-12-01',
    });
    expect(parseNewPanelForm(newPanelValues(fields), { now: late, timeZone: 'America/New_York' }).ok).toBe(
      true,
    );
  });
});

describe('permissions', () => {
  const viewer = (roles: string[], isCreator = false) => ({
    userId: 'U1',
    isCreator,
    roles: new Set(roles) as Set<'recruiter' | 'hiring_manager' | 'decision_maker' | 'interviewer'>,
  });
  it('the team sees the panel; outsiders do not', () => {
    expect(canSeePanel(viewer(['interviewer']))).toBe(true);
    expect(canSeePanel(viewer([], true))).toBe(true);
    expect(canSeePanel(viewer([]))).toBe(false);
  });
  it('only the creator, recruiter and hiring manager coordinate', () => {
    expect(canCoordinatePanel(viewer(['recruiter']))).toBe(true);
    expect(canCoordinatePanel(viewer(['hiring_manager']))).toBe(true);
    expect(canCoordinatePanel(viewer(['decision_maker']))).toBe(false);
    expect(canCoordinatePanel(viewer(['interviewer']))).toBe(false);
  });
  it('lists a panel’s coordinating members once each, whatever else they are on it', () => {
    const members = [
      { user_id: 'UREC', role: 'recruiter' as const },
      { user_id: 'UHM', role: 'interviewer' as const },
      { user_id: 'UHM', role: 'hiring_manager' as const },
      { user_id: 'UREC', role: 'hiring_manager' as const },
      { user_id: 'UDM', role: 'decision_maker' as const },
      { user_id: 'UPEER', role: 'interviewer' as const },
    ];
    expect(coordinatorsOf(members)).toEqual([
      { user_id: 'UREC', role: 'recruiter' },
      { user_id: 'UHM', role: 'hiring_manager' },
    ]);
  });
});

describe('stages', () => {
  it('has the four second-round stages, the first three by default, each with a scorecard', () => {
    expect(STAGES.map((s) => s.kind)).toEqual(['manager', 'peer', 'executive', 'practical']);
    expect(DEFAULT_STAGE_KINDS).toEqual(['manager', 'peer', 'executive']);
    for (const stage of STAGES) {
      expect(stage.competencies).toHaveLength(4);
      expect(stage.questions.length).toBeGreaterThan(0);
    }
    expect(SHARED_COMPETENCIES.map((c) => c.key)).toEqual(['motivation', 'self_awareness']);
  });
});

describe('configuration', () => {
  const base = {
    SLACK_SIGNING_SECRET: 's',
    SLACK_BOT_TOKEN: 'xoxb-1',
    DATABASE_URL: 'postgres://db/panelist',
  };
  it('fills defaults', () => {
    expect(loadConfig(base)).toMatchObject({
      SLACK_API_URL: 'https://slack.com/api/',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      LOG_LEVEL: 'info',
      RUN_WORKER: true,
      WEB_DB_CONNECTIONS: 10,
      WEB_BUSY_UTILIZATION: 0.3,
    });
  });
  it('takes a busy share between 0 (off) and 1', () => {
    expect(loadConfig({ ...base, WEB_BUSY_UTILIZATION: '0' }).WEB_BUSY_UTILIZATION).toBe(0);
    expect(() => loadConfig({ ...base, WEB_BUSY_UTILIZATION: '30' })).toThrow(
      /WEB_BUSY_UTILIZATION: must be between 0 and 1 \(0 turns it off\)/,
    );
  });
  it('treats empty values as unset and normalises the API URL', () => {
    const config = loadConfig({ ...base, SLACK_APP_TOKEN: '', SLACK_API_URL: 'http://127.0.0.1:9/api' });
    expect(config.SLACK_APP_TOKEN).toBeUndefined();
    expect(config.SLACK_API_URL).toBe('http://127.0.0.1:9/api/');
  });
  it('names every bad variable', () => {
    expect(() => loadConfig({ ...base, SLACK_APP_TOKEN: 'xoxb-wrong', RUN_WORKER: 'maybe' })).toThrow(
      /SLACK_APP_TOKEN: must be an app-level token[\s\S]*RUN_WORKER: must be true or false/,
    );
  });
});
