import { SLOT_INPUT, slotBlockIds } from '../../blocks/ids.js';
import type { FormValue, FormValues } from './new-panel-form.js';
import { SLOT_DURATION } from './slot-rules.js';

export const SLOT_TEXT_LIMITS = { location: 500, note: 1000 } as const;
/** How many slot groups one scheduling modal holds (Slack allows 100 blocks a modal). */
export const MAX_SLOT_GROUPS = 8;

/** One filled slot group of the scheduling modal. */
export interface SlotDraft {
  /** The group's index in the form, as a string: field errors are keyed by it. */
  key: string;
  stageId: string;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  interviewerIds: string[];
  location: string | null;
  note: string | null;
}

export type SlotFormResult = { ok: true; slots: SlotDraft[] } | { ok: false; errors: Record<string, string> };

/**
 * Reads the slot groups of a scheduling modal. A group with neither a start nor interviewers is
 * left out (so a coordinator can book just some stages); a group filled in part is an error.
 * @param validStageIds the panel's stages; a stage from elsewhere is refused.
 */
export function parseSlotGroups(
  values: FormValues,
  groupCount: number,
  validStageIds: ReadonlySet<string>,
): SlotFormResult {
  const errors: Record<string, string> = {};
  const slots: SlotDraft[] = [];
  const field = (blockId: string): FormValue => values[blockId]?.[SLOT_INPUT] ?? {};

  for (let index = 0; index < groupCount; index++) {
    const ids = slotBlockIds(index);
    const seconds = field(ids.start).selected_date_time ?? null;
    const interviewerIds = [...new Set(field(ids.interviewers).selected_users ?? [])];
    if (seconds === null && interviewerIds.length === 0) continue;

    const stageId = field(ids.stage).selected_option?.value ?? null;
    if (stageId === null || !validStageIds.has(stageId))
      errors[ids.stage] = 'Choose the stage this slot is for.';
    if (seconds === null) errors[ids.start] = 'Choose when this slot starts.';
    if (interviewerIds.length === 0) errors[ids.interviewers] = 'Choose at least one interviewer.';

    const durationText = (field(ids.duration).value ?? '').trim();
    const durationMinutes = Number(durationText);
    if (
      !Number.isInteger(durationMinutes) ||
      durationMinutes < SLOT_DURATION.min ||
      durationMinutes > SLOT_DURATION.max
    ) {
      errors[ids.duration] =
        `Enter a whole number of minutes from ${SLOT_DURATION.min} to ${SLOT_DURATION.max}.`;
    }
    const text = (blockId: string, max: number, label: string): string | null => {
      const value = (field(blockId).value ?? '').trim();
      if (value.length > max)
        errors[blockId] = `Keep the ${label} to ${max} characters (it has ${value.length}).`;
      return value === '' ? null : value;
    };
    const location = text(ids.location, SLOT_TEXT_LIMITS.location, 'location or link');
    const note = text(ids.note, SLOT_TEXT_LIMITS.note, 'note');

    if (
      stageId !== null &&
      seconds !== null &&
      interviewerIds.length > 0 &&
      errors[ids.duration] === undefined
    ) {
      const startsAt = new Date(seconds * 1000);
      slots.push({
        key: String(index),
        stageId,
        startsAt,
        endsAt: new Date(startsAt.getTime() + durationMinutes * 60_000),
        durationMinutes,
        interviewerIds,
        location,
        note,
      });
    }
  }
  if (Object.keys(errors).length === 0 && slots.length === 0) {
    errors[slotBlockIds(0).start] = 'Fill in at least one slot: a start time and its interviewers.';
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, slots };
}
