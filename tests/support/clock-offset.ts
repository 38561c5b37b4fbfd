/**
 * From now to the next Wednesday 10:00 UTC (at least a minute ahead): what `CLOCK_OFFSET_MS` moves
 * a worker's clock by so that nudges it finds due fall inside UTC working hours whenever a test or
 * the bench runs (a worker holds a DM it finds due outside its recipient's working hours).
 */
export function untilWednesdayMorningUtc(nowMs: number = Date.now()): number {
  const day = 24 * 3600_000;
  const today = new Date(nowMs);
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  let at = midnight + ((3 - today.getUTCDay() + 7) % 7) * day + 10 * 3600_000;
  if (at < nowMs + 60_000) at += 7 * day;
  return at - nowMs;
}
