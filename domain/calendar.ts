/**
 * The Asia/Shanghai working-day calendar (pure, workflow-safe).
 *
 * Working days follow the State Council holiday schedule: Saturdays and Sundays are off, listed
 * holidays are off, and listed make-up working days (调休, always a Saturday or Sunday) are on.
 * The schedule is published a year at a time, so a question about a year nobody supplied is an
 * explicit `UnknownCalendarYearError` naming that year — never a guess that it has no holidays.
 *
 * Dates are calendar dates 'YYYY-MM-DD' and are computed with UTC helpers so the host time zone
 * never shifts a day. Asia/Shanghai has had no daylight saving since 1991, so it is UTC+08:00.
 */
import { dateOfEpochDay, dateProblem, epochDay } from './dates';

/** One year of the holiday schedule, as plain JSON. */
export interface CalendarYear {
  year: number;
  /** Days off (法定节假日 and the weekend days folded into them). */
  holidays: string[];
  /** Make-up working days 调休上班: weekend days that are working days. */
  workdays: string[];
  /** Where the year came from, e.g. 'lunar-typescript@1.8.6' or 'admin'. */
  source: string;
}

/** Years by their decimal string ("2024"), as plain JSON. */
export type CalendarData = Record<string, CalendarYear>;

/** A question needed a year for which no calendar was supplied. */
export class UnknownCalendarYearError extends Error {
  readonly year: number;
  constructor(year: number, context?: string) {
    super(
      `no working-day calendar for ${year}${context ? ` (needed for ${context})` : ''}: ` +
        `an admin must supply the ${year} holiday schedule (PUT /calendar/years/${year})`,
    );
    this.name = 'UnknownCalendarYearError';
    this.year = year;
  }
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** True when `value` is a real calendar date written 'YYYY-MM-DD'. */
export function isCalendarDate(value: unknown): value is string {
  return dateProblem(value) === null;
}

function assertDate(value: string, what = 'date'): void {
  if (!isCalendarDate(value)) throw new RangeError(`${what} ${JSON.stringify(value)} is not a real date written YYYY-MM-DD`);
}

function toEpochDay(date: string): number {
  assertDate(date);
  return epochDay(date);
}

const fromEpochDay = dateOfEpochDay;

/** The year of a 'YYYY-MM-DD' date. */
export function yearOf(date: string): number {
  assertDate(date);
  return Number(date.slice(0, 4));
}

/** Day of the week: 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(toEpochDay(date) * DAY_MS).getUTCDay();
}

function isWeekend(date: string): boolean {
  const dow = dayOfWeek(date);
  return dow === 0 || dow === 6;
}

/** `date` plus `n` calendar days (n may be negative). */
export function addCalendarDays(date: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`day count ${n} is not an integer`);
  return fromEpochDay(toEpochDay(date) + n);
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function calendarDaysBetween(from: string, to: string): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** The Asia/Shanghai calendar date of an instant (ISO 8601 string with zone, or epoch ms). */
export function shanghaiDate(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  if (!Number.isFinite(ms)) throw new RangeError(`instant ${JSON.stringify(instant)} is not a valid time`);
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The ISO instant of 00:00 Asia/Shanghai at the start of `date`. */
export function shanghaiStartOfDay(date: string): string {
  return new Date(toEpochDay(date) * DAY_MS - SHANGHAI_OFFSET_MS).toISOString();
}

/**
 * The instant a window whose last day is `lastDay` closes: 24:00 Asia/Shanghai of that day,
 * i.e. 00:00+08:00 of the next day (= 16:00Z of `lastDay`). Something received before it is in time.
 */
export function windowClosesAt(lastDay: string): string {
  return shanghaiStartOfDay(addCalendarDays(lastDay, 1));
}

function yearData(data: CalendarData, year: number, context?: string): CalendarYear {
  const entry = Object.prototype.hasOwnProperty.call(data, String(year)) ? data[String(year)] : undefined;
  if (!entry) throw new UnknownCalendarYearError(year, context);
  return entry;
}

/** Whether `date` is a working day in Asia/Shanghai; throws `UnknownCalendarYearError` without data. */
export function isWorkingDay(data: CalendarData, date: string): boolean {
  const year = yearOf(date);
  const entry = yearData(data, year, date);
  // A make-up day is listed as a working day even though it falls on a weekend.
  if (entry.workdays.includes(date)) return true;
  if (entry.holidays.includes(date)) return false;
  return !isWeekend(date);
}

/** Refuse absurd counts: a count is a deadline length, not a loop bound supplied by a caller. */
const MAX_WORKING_DAYS = 3660;

/**
 * "N working days from D": the first N working days starting on D (D itself counts when it is a
 * working day). A notice published on a Saturday therefore starts on the next working day.
 */
export function workingDaysFrom(data: CalendarData, from: string, count: number): { days: string[]; lastDay: string } {
  assertDate(from, 'start date');
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`working-day count must be a whole number of at least 1, got ${count}`);
  if (count > MAX_WORKING_DAYS) throw new RangeError(`working-day count ${count} exceeds ${MAX_WORKING_DAYS}`);
  const days: string[] = [];
  let day = toEpochDay(from);
  while (days.length < count) {
    const date = fromEpochDay(day);
    if (isWorkingDay(data, date)) days.push(date);
    day += 1;
  }
  return { days, lastDay: days[days.length - 1]! };
}

/** The first working day on or after `date`. */
export function nextWorkingDayOnOrAfter(data: CalendarData, date: string): string {
  return workingDaysFrom(data, date, 1).lastDay;
}

/** Number of working days in [from, to], both inclusive (0 when `to` is before `from`). */
export function countWorkingDays(data: CalendarData, from: string, to: string): number {
  let n = 0;
  for (let day = toEpochDay(from), end = toEpochDay(to); day <= end; day++) {
    if (isWorkingDay(data, fromEpochDay(day))) n++;
  }
  return n;
}

/**
 * Why an admin-supplied year payload `{holidays: [...], workdays: [...]}` is unacceptable; an
 * empty list means it is fine. Reasons name the offending entry.
 */
export function calendarYearProblems(year: unknown, payload: unknown): string[] {
  const problems: string[] = [];
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 1900 || year > 9999) {
    return [`year ${JSON.stringify(year)} must be a whole number between 1900 and 9999`];
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return ['payload must be an object {holidays: ["YYYY-MM-DD", ...], workdays: ["YYYY-MM-DD", ...]}'];
  }
  const p = payload as Record<string, unknown>;
  const lists: Record<'holidays' | 'workdays', string[]> = { holidays: [], workdays: [] };
  for (const key of ['holidays', 'workdays'] as const) {
    const list = p[key];
    if (!Array.isArray(list)) {
      problems.push(`${key} must be an array of dates "YYYY-MM-DD" (use [] for none)`);
      continue;
    }
    const seen = new Set<string>();
    list.forEach((entry, i) => {
      if (!isCalendarDate(entry)) {
        problems.push(`${key}[${i}] ${JSON.stringify(entry)} is not a real date written YYYY-MM-DD`);
        return;
      }
      if (yearOf(entry) !== year) problems.push(`${key}[${i}] ${entry} is not in ${year}`);
      if (seen.has(entry)) problems.push(`${key}[${i}] ${entry} is listed twice`);
      seen.add(entry);
      if (key === 'workdays' && !isWeekend(entry)) {
        problems.push(`workdays[${i}] ${entry} is not a Saturday or Sunday (a make-up working day replaces a weekend day)`);
      }
      lists[key].push(entry);
    });
  }
  // An empty schedule is indistinguishable from "nobody supplied it"; every real year has holidays.
  if (Array.isArray(p.holidays) && p.holidays.length === 0) problems.push(`holidays must list the ${year} holidays (none were given)`);
  for (const date of lists.workdays) {
    if (lists.holidays.includes(date)) problems.push(`${date} is listed both as a holiday and as a working day`);
  }
  for (const key of Object.keys(p)) {
    // The descriptive fields a GET returns may be sent back unchanged; they are not stored from the body.
    if (!['holidays', 'workdays', 'year', 'source', 'updatedAt', 'updatedBy'].includes(key)) {
      problems.push(`unknown field ${JSON.stringify(key)} (expected holidays and workdays)`);
    }
  }
  if (p.year !== undefined && p.year !== year) problems.push(`year ${JSON.stringify(p.year)} in the body does not match ${year} in the path`);
  return problems;
}
