/**
 * Working-day calendars: built-in years from the maintained `lunar-typescript` holiday table,
 * overridden year by year by admin-supplied schedules persisted under `<dataDir>/calendar/`.
 *
 * Admin files are re-read whenever they change on disk (inode/mtime/size), so a year supplied through
 * the API process is seen by a worker process reading the same directory without a restart.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HolidayUtil } from 'lunar-typescript';
import { calendarYearProblems, type CalendarData, type CalendarYear } from '../domain/calendar';

/** Keep in step with package.json; a unit test checks the installed version. */
export const LUNAR_SOURCE = 'lunar-typescript@1.8.6' as const;

export type StoredCalendarYear = CalendarYear & {
  source: typeof LUNAR_SOURCE | 'admin';
  updatedAt?: string;
  updatedBy?: string;
};

export interface CalendarStore {
  /** The schedule for `year`, admin data first, else the library's; `undefined` when nobody knows it. */
  year(year: number): StoredCalendarYear | undefined;
  /** Validates, persists atomically and returns the admin schedule for `year`; throws `InvalidCalendarYearError`. */
  putYear(year: number, payload: unknown, actor?: string): StoredCalendarYear;
  /** Plain JSON for the pure rules: the listed years (unknown ones omitted), or every known year. */
  data(years?: readonly number[]): CalendarData;
  /** Every year with data, ascending. */
  knownYears(): number[];
}

export class InvalidCalendarYearError extends Error {
  readonly year: unknown;
  readonly reasons: string[];
  constructor(year: unknown, reasons: string[]) {
    super(`calendar year ${String(year)} is invalid: ${reasons.join('; ')}`);
    this.name = 'InvalidCalendarYearError';
    this.year = year;
    this.reasons = reasons;
  }
}

// The library's table starts in 2001; scanning a generous range once finds whatever a newer
// version adds without hard-coding its coverage.
const LIBRARY_SCAN = { from: 1990, to: 2100 } as const;

const libraryCache = new Map<number, StoredCalendarYear | null>();

/** The library's schedule for `year`, or `undefined` when it has no entries (an unknown year). */
export function libraryYear(year: number): StoredCalendarYear | undefined {
  if (!libraryCache.has(year)) {
    const entries = HolidayUtil.getHolidays(year);
    const holidays: string[] = [];
    const workdays: string[] = [];
    for (const h of entries) {
      const day = h.getDay();
      // getHolidays(y) lists the days dated in y; guard anyway so a year never holds another year's days.
      if (!day.startsWith(`${year}-`)) continue;
      (h.isWork() ? workdays : holidays).push(day);
    }
    libraryCache.set(
      year,
      holidays.length + workdays.length === 0
        ? null
        : { year, holidays: holidays.sort(), workdays: workdays.sort(), source: LUNAR_SOURCE },
    );
  }
  return libraryCache.get(year) ?? undefined;
}

let libraryYearsCache: number[] | undefined;
function libraryYears(): number[] {
  if (!libraryYearsCache) {
    libraryYearsCache = [];
    for (let y = LIBRARY_SCAN.from; y <= LIBRARY_SCAN.to; y++) if (libraryYear(y)) libraryYearsCache.push(y);
  }
  return libraryYearsCache;
}

export function createCalendarStore(dataDir: string): CalendarStore {
  const dir = join(dataDir, 'calendar');
  const adminCache = new Map<number, { stamp: string; value: StoredCalendarYear }>();

  function fileOf(year: number): string {
    return join(dir, `${year}.json`);
  }

  function adminYear(year: number): StoredCalendarYear | undefined {
    const file = fileOf(year);
    let stamp: string;
    try {
      const st = statSync(file);
      // The inode changes on every atomic rename, so two writes within one mtime tick still differ.
      stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        adminCache.delete(year);
        return undefined;
      }
      throw err;
    }
    const cached = adminCache.get(year);
    if (cached && cached.stamp === stamp) return cached.value;
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    // A hand-edited file gets the same checks as the API: a bad year must not silently shift deadlines.
    const problems = calendarYearProblems(year, raw);
    if (problems.length > 0) throw new InvalidCalendarYearError(year, [`${file}:`, ...problems]);
    const r = raw as Record<string, unknown>;
    const value: StoredCalendarYear = {
      year,
      holidays: [...(r.holidays as string[])].sort(),
      workdays: [...(r.workdays as string[])].sort(),
      source: 'admin',
      ...(typeof r.updatedAt === 'string' ? { updatedAt: r.updatedAt } : {}),
      ...(typeof r.updatedBy === 'string' ? { updatedBy: r.updatedBy } : {}),
    };
    adminCache.set(year, { stamp, value });
    return value;
  }

  function adminYears(): number[] {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((n) => (/^\d{4}\.json$/.test(n) ? [Number(n.slice(0, 4))] : []));
  }

  const store: CalendarStore = {
    year(year) {
      if (!Number.isInteger(year)) return undefined;
      // An admin year replaces the library's year entirely (a correction, not a patch).
      return adminYear(year) ?? libraryYear(year);
    },

    putYear(year, payload, actor) {
      const problems = calendarYearProblems(year, payload);
      if (problems.length > 0) throw new InvalidCalendarYearError(year, problems);
      const p = payload as { holidays: string[]; workdays: string[] };
      const value: StoredCalendarYear = {
        year,
        holidays: [...p.holidays].sort(),
        workdays: [...p.workdays].sort(),
        source: 'admin',
        updatedAt: new Date().toISOString(),
        ...(actor ? { updatedBy: actor } : {}),
      };
      mkdirSync(dir, { recursive: true });
      const file = fileOf(year);
      // Write a temp file then rename: a reader sees the old year or the new one, never half a file.
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      try {
        writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { flush: true });
        renameSync(tmp, file);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
      adminCache.delete(year);
      return value;
    },

    knownYears() {
      return [...new Set([...libraryYears(), ...adminYears()])].sort((a, b) => a - b);
    },

    data(years) {
      const out: CalendarData = {};
      for (const y of years ?? store.knownYears()) {
        const entry = store.year(y);
        if (entry) out[String(y)] = { year: entry.year, holidays: entry.holidays, workdays: entry.workdays, source: entry.source };
      }
      return out;
    },
  };
  return store;
}
