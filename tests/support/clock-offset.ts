/**
 * From now to the nearest Wednesday 10:00 UTC, before or after (within three and a half days):
 * what `CLOCK_OFFSET_MS` moves a worker's clock by so that nudges it finds due fall inside UTC
 * working hours whenever a test or the bench runs (a worker holds a DM it finds due outside its
 * recipient's working hours). Within a few days either way, so nothing keyed to Postgres's own
 * clock (a week's memory of scheduling submissions) is thrown off.
 */
export function toWednesdayMorningUtc(nowMs: number = Date.now()): number {
  const day = 24 * 3600_000;
  const today = new Date(nowMs);
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const thisWeeks = midnight + (3 - (((today.getUTCDay() + 6) % 7) + 1)) * day + 10 * 3600_000;
  const candidates = [thisWeeks - 7 * day, thisWeeks, thisWeeks + 7 * day];
  const nearest = candidates.reduce((best, at) =>
    Math.abs(at - nowMs) < Math.abs(best - nowMs) ? at : best,
  );
  return nearest - nowMs;
}
