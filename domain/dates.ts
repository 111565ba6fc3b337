/**
 * Calendar dates written 'YYYY-MM-DD' (no time, no zone) and whole-day arithmetic on them, shared
 * by the working-day calendar and the LPR rules. UTC-based so that no local time zone or daylight
 * saving can shift a day.
 */

const DATE_PATTERN = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const MS_PER_DAY = 86_400_000;

/** Why a value is not a real calendar date written YYYY-MM-DD, or `null` when it is. */
export function dateProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a date written YYYY-MM-DD, e.g. "2024-06-01"';
  const m = DATE_PATTERN.exec(value);
  if (!m) return `must be a date written YYYY-MM-DD, e.g. "2024-06-01" (got ${JSON.stringify(value)})`;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Date.UTC maps years 0-99 onto 1900-1999; no date this engine handles is that old.
  if (year < 1000) return `has an implausible year (got ${JSON.stringify(value)})`;
  // Date.UTC rolls 2023-02-29 over to March; a real date survives the round trip.
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return `is not a real calendar date (got ${JSON.stringify(value)})`;
  }
  return null;
}

/** Days since 1970-01-01 of a date already known to be valid. */
export function epochDay(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / MS_PER_DAY;
}

/** The YYYY-MM-DD date of a day number. */
export function dateOfEpochDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}
