import { describe, expect, it } from 'vitest';
import { getDebriefMessage, getFeedbackViewModal, getSingleFeedbackModal } from '../../blocks/debrief.js';
import type { FeedbackContent, Panel, Rating } from '../../src/db/database.js';
import type { SlotWithPeople } from '../../src/db/slots.js';
import { summariseDebrief } from '../../src/domain/debrief.js';
import { emptyFeedback, parseFeedbackForm } from '../../src/domain/feedback-form.js';
import { feedbackAccess } from '../../src/domain/feedback-visibility.js';
import { scorecardFor } from '../../src/domain/stages.js';

const content = (ratings: Record<string, Rating>, recommendation: Rating): FeedbackContent => ({
  ...emptyFeedback(),
  ratings,
  recommendation,
  strengths: 'PRIVATE TEXT',
});

describe('debrief aggregation', () => {
  const slots = [
    { slotId: 's1', stageKind: 'manager' as const, startsAt: new Date(), interviewerIds: ['UA'] },
    { slotId: 's2', stageKind: 'peer' as const, startsAt: new Date(), interviewerIds: ['UB', 'UC'] },
  ];

  it('counts ratings per stage and competency, tallies recommendations, and lists the missing', () => {
    const summary = summariseDebrief(['manager', 'peer', 'executive'], slots, [
      {
        slotId: 's1',
        interviewerId: 'UA',
        recommendation: 'strong_yes',
        content: content({ technical_depth: 'strong_yes', motivation: 'yes' }, 'strong_yes'),
      },
      {
        slotId: 's2',
        interviewerId: 'UB',
        recommendation: 'no',
        content: content({ collaboration: 'no' }, 'no'),
      },
    ]);
    expect(summary.recommendations).toEqual({ strong_no: 0, no: 1, yes: 0, strong_yes: 1 });
    expect(summary.missing).toEqual([{ slotId: 's2', stageKind: 'peer', interviewerId: 'UC' }]);
    expect(summary.complete).toBe(false);
    const manager = summary.stages[0];
    expect(manager?.competencies.find((c) => c.competency.key === 'technical_depth')?.counts.strong_yes).toBe(
      1,
    );
    expect(manager?.unassessed.map((c) => c.key)).toEqual([
      'day_to_day_complexity',
      'work_style_fit',
      'ownership',
      'self_awareness',
    ]);
    expect(summary.stages[2]).toMatchObject({
      stageKind: 'executive',
      expected: 0,
      submitted: 0,
      unassessed: [],
    });
  });

  it('is complete when every interviewer of every booked slot has submitted', () => {
    const all = ['UA', 'UB', 'UC'].map((id, i) => ({
      slotId: i === 0 ? 's1' : 's2',
      interviewerId: id,
      recommendation: 'yes' as const,
      content: content({ motivation: 'yes' }, 'yes'),
    }));
    expect(summariseDebrief(['manager', 'peer'], slots, all).complete).toBe(true);
    expect(summariseDebrief(['manager'], [], []).complete).toBe(false);
  });

  it('builds the debrief for 12 interviewers within Slack’s limits and without feedback text', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      slotId: `s${i}`,
      stageKind: 'peer' as const,
      startsAt: new Date(),
      interviewerIds: [`U${i}`],
    }));
    const summary = summariseDebrief(
      ['peer'],
      many,
      many.map((s, i) => ({
        slotId: s.slotId,
        interviewerId: `U${i}`,
        recommendation: 'yes',
        content: content({ collaboration: 'yes' }, 'yes'),
      })),
    );
    const message = getDebriefMessage(
      { id: '1', number: 1, candidate_name: 'A', role_title: 'B', state: 'open' } as Panel,
      summary,
      undefined,
    );
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message)).not.toContain('PRIVATE TEXT');
    expect(JSON.stringify(message)).toContain('yes ×12');
  });
});

describe('feedback form rules', () => {
  const card = scorecardFor('peer');
  const value = (v: string | null) => ({ input: { value: v } });
  const select = (v: string) => ({ input: { selected_option: { value: v } } });
  it('a draft keeps anything; a submission needs a recommendation and a rating', () => {
    expect(parseFeedbackForm({ strengths: value('half') }, card, 'draft')).toMatchObject({
      ok: true,
      content: { strengths: 'half' },
    });
    const result = parseFeedbackForm({ strengths: value('half') }, card, 'submit');
    expect(result.ok).toBe(false);
    expect(!result.ok && Object.keys(result.errors).sort()).toEqual([
      'rating_collaboration',
      'recommendation',
    ]);
  });
  it('"not assessed" is not a rating', () => {
    const result = parseFeedbackForm(
      { rating_collaboration: select('not_assessed'), recommendation: select('yes') },
      card,
      'submit',
    );
    expect(!result.ok && result.errors.rating_collaboration).toMatch(/Rate at least one/);
  });
});

describe('feedback visibility', () => {
  const viewer = (roles: string[]) => ({
    userId: 'U',
    isCreator: false,
    roles: new Set(roles) as Set<'recruiter' | 'interviewer' | 'decision_maker' | 'hiring_manager'>,
  });
  const progress = { sealed: false, allSubmitted: false, deadlinePassed: false, viewerHasSubmitted: false };
  it.each([
    [['recruiter'], progress, true],
    [['decision_maker'], progress, true],
    [['interviewer'], progress, false],
    [['interviewer'], { ...progress, viewerHasSubmitted: true }, true],
    // A hiring manager or decision maker who also interviews writes theirs before reading others'.
    [['hiring_manager', 'interviewer'], progress, false],
    [['decision_maker', 'interviewer'], progress, false],
    [['hiring_manager', 'interviewer'], { ...progress, viewerHasSubmitted: true }, true],
    // Nothing left to write (declined, cancelled, or decided): a reviewer reads; an interviewer does not.
    [['decision_maker', 'interviewer'], { ...progress, nothingToWrite: true }, true],
    [['interviewer'], { ...progress, nothingToWrite: true }, false],
    [['recruiter'], { ...progress, sealed: true }, false],
    [['recruiter'], { ...progress, sealed: true, allSubmitted: true }, true],
    [['interviewer'], { ...progress, sealed: true, deadlinePassed: true, viewerHasSubmitted: true }, true],
    [[], progress, false],
  ])('%j with %j → %s', (roles, p, allowed) => {
    expect(feedbackAccess(viewer(roles), p).allowed).toBe(allowed);
  });
});

describe('the View feedback modal', () => {
  const slots = Array.from({ length: 30 }, (_, i) => ({
    slot: { id: `s${i}` } as SlotWithPeople['slot'],
    stageKind: 'peer' as const,
    interviewers: [{ userId: `U${i}`, declinedAt: null }],
  }));
  const longText = `${'Evidence & detail. '.repeat(110)}END`; // ~2,500 characters after escaping
  const feedback = slots.map((s, i) => ({
    id: `f${i}`,
    team_id: 'T1',
    panel_id: '1',
    slot_id: s.slot.id,
    interviewer_id: `U${i}`,
    state: 'submitted' as const,
    recommendation: 'yes' as const,
    submitted_at: new Date(),
    updated_at: new Date(),
    content: {
      ...emptyFeedback(),
      ratings: { collaboration: 'strong_yes' as const, communication: 'yes' as const },
      evidence: { collaboration: longText },
      strengths: longText,
      concerns: longText,
      recommendation: 'yes' as const,
    },
  }));
  const panel = { id: '1', number: 4, candidate_name: 'A', role_title: 'B', state: 'open' } as Panel;
  const summary = summariseDebrief(
    ['peer'],
    slots.map((s) => ({
      slotId: s.slot.id,
      stageKind: 'peer' as const,
      startsAt: new Date(),
      interviewerIds: s.interviewers.map((i) => i.userId),
    })),
    [],
  );

  it('shows long evidence whole, and offers Read for the feedback that no longer fits', () => {
    const modal = getFeedbackViewModal(panel, summary, feedback, slots);
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    for (const block of modal.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(3000);
    }
    const shown = JSON.stringify(modal.blocks);
    expect(shown).toContain('END'); // the first feedback's long fields are not cut
    expect(shown).toContain('"action_id":"feedback_read"');
    const single = getSingleFeedbackModal(
      panel,
      feedback[29] as (typeof feedback)[number] & { id: string },
      slots[29],
    );
    expect(JSON.stringify(single.blocks).match(/END/g)?.length).toBe(3);
  });
});
