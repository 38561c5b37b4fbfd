import type { ViewValues } from './slack-requests.js';

export interface FeedbackFields {
  ratings?: Record<string, string>;
  evidence?: Record<string, string>;
  star?: Partial<Record<'situation' | 'task' | 'action' | 'result', string>>;
  strengths?: string;
  concerns?: string;
  questions?: string;
  recommendation?: string | null;
}

/** The feedback modal's state values, as Slack sends them. */
export function feedbackValues(competencies: readonly string[], fields: FeedbackFields): ViewValues {
  const text = (value: string | undefined) => ({ input: { type: 'plain_text_input', value: value ?? null } });
  const values: ViewValues = {};
  for (const key of competencies) {
    const rating = fields.ratings?.[key] ?? 'not_assessed';
    values[`rating_${key}`] = { input: { type: 'static_select', selected_option: { value: rating } } };
    values[`evidence_${key}`] = text(fields.evidence?.[key]);
  }
  values.star_situation = text(fields.star?.situation);
  values.star_task = text(fields.star?.task);
  values.star_action = text(fields.star?.action);
  values.star_result = text(fields.star?.result);
  values.strengths = text(fields.strengths);
  values.concerns = text(fields.concerns);
  values.questions = text(fields.questions);
  values.recommendation = {
    input: {
      type: 'radio_buttons',
      selected_option: fields.recommendation ? { value: fields.recommendation } : null,
    },
  };
  return values;
}

export const MANAGER_CARD = [
  'technical_depth',
  'day_to_day_complexity',
  'work_style_fit',
  'ownership',
  'motivation',
  'self_awareness',
] as const;
export const PEER_CARD = [
  'collaboration',
  'conflict_handling',
  'communication',
  'adds_to_team',
  'motivation',
  'self_awareness',
] as const;
