import { SETTINGS_BLOCKS } from '../../blocks/ids.js';
import type { FormValues } from './new-panel-form.js';

/** Bounds of each setting (the database checks the same bounds). */
export const SETTING_BOUNDS = {
  bufferMinutes: { min: 0, max: 120 },
  weeklyLimit: { min: 1, max: 40 },
} as const;

export interface SchedulingSettings {
  bufferMinutes: number;
  weeklyLimit: number;
}

/** Reads the settings modal; each bad number gets an error beside its field. */
export function parseSettingsForm(
  values: FormValues,
): { ok: true; settings: SchedulingSettings } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const read = (blockId: string, bounds: { min: number; max: number }, label: string): number => {
    const value = Number((values[blockId]?.input?.value ?? '').trim());
    if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
      errors[blockId] = `Enter ${label} as a whole number from ${bounds.min} to ${bounds.max}.`;
    }
    return value;
  };
  const bufferMinutes = read(SETTINGS_BLOCKS.bufferMinutes, SETTING_BOUNDS.bufferMinutes, 'the buffer');
  const weeklyLimit = read(SETTINGS_BLOCKS.weeklyLimit, SETTING_BOUNDS.weeklyLimit, 'the weekly limit');
  return Object.keys(errors).length > 0
    ? { ok: false, errors }
    : { ok: true, settings: { bufferMinutes, weeklyLimit } };
}
