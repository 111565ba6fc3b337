/**
 * Working-day calendars: built-in years from the maintained `lunar-typescript` holiday table,
 * overridden year by year by the schedules admins supply (PUT /calendar/years/:year), kept in the
 * engine's database (lib/database.ts, table `calendar_years`): every API and worker process, on
 * every host, reads the same years, SQLite on one machine or PostgreSQL in a cluster.
 *
 * A reader takes `current()`, the years as the database has them at that moment, and reads it
 * synchronously: an activity or a request takes it once and computes with it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HolidayUtil } from 'lunar-typescript';
import { calendarYearProblems, type CalendarData, type CalendarYear } from '../domain/calendar';
import type { EngineDatabase } from './database';

/** Keep in step with package.json; a unit test checks the installed version. */
export const LUNAR_SOURCE = 'lunar-typescript@1.8.6' as const;

export type StoredCalendarYear = CalendarYear & {
  source: typeof LUNAR_SOURCE | 'admin';
  updatedAt?: string;
  updatedBy?: string;
};

/** The calendar years as the database had them when `current()` read it. */
export interface CalendarView {
  /** The schedule for `year`, admin data first, else the library's; `undefined` when nobody knows it. */
  year(year: number): StoredCalendarYear | undefined;
  /** Plain JSON for the pure rules: the listed years (unknown ones omitted), or every known year. */
  data(years?: readonly number[]): CalendarData;
  /** Every year with data, ascending. */
  knownYears(): number[];
}

export interface CalendarStore {
  /** The years as the database has them now. */
  current(): Promise<CalendarView>;
  /** Validates, stores and returns the admin schedule for `year`; throws `InvalidCalendarYearError`. */
  putYear(year: number, payload: unknown, actor?: string): Promise<StoredCalendarYear>;
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

/** The years of the library with the admin years over them. */
function viewOf(admin: ReadonlyMap<number, StoredCalendarYear>): CalendarView {
  const view: CalendarView = {
    year(year) {
      if (!Number.isInteger(year)) return undefined;
      // An admin year replaces the library's year entirely (a correction, not a patch).
      return admin.get(year) ?? libraryYear(year);
    },
    knownYears() {
      return [...new Set([...libraryYears(), ...admin.keys()])].sort((a, b) => a - b);
    },
    data(years) {
      const out: CalendarData = {};
      for (const y of years ?? view.knownYears()) {
        const entry = view.year(y);
        if (entry) out[String(y)] = { year: entry.year, holidays: entry.holidays, workdays: entry.workdays, source: entry.source };
      }
      return out;
    },
  };
  return view;
}

/** The admin's schedule as stored: validated, sorted, with who supplied it when. */
function adminYearOf(year: number, payload: unknown, updatedAt: string, updatedBy: string | null | undefined, where: string): StoredCalendarYear {
  const problems = calendarYearProblems(year, payload);
  if (problems.length > 0) throw new InvalidCalendarYearError(year, where ? [`${where}:`, ...problems] : problems);
  const p = payload as { holidays: string[]; workdays: string[] };
  return {
    year,
    holidays: [...p.holidays].sort(),
    workdays: [...p.workdays].sort(),
    source: 'admin',
    updatedAt,
    ...(updatedBy ? { updatedBy } : {}),
  };
}

export function createCalendarStore(db: EngineDatabase, clock: () => Date = () => new Date()): CalendarStore {
  return {
    async current() {
      const rows = await db.selectFrom('calendar_years').selectAll().execute();
      const admin = new Map<number, StoredCalendarYear>();
      for (const row of rows) {
        const year = Number(row.year);
        // A row edited by hand gets the same checks as the API: a bad year must not silently shift deadlines.
        const payload = { holidays: JSON.parse(row.holidays) as unknown, workdays: JSON.parse(row.workdays) as unknown };
        admin.set(year, adminYearOf(year, payload, row.updated_at, row.updated_by, `calendar_years row ${year}`));
      }
      return viewOf(admin);
    },

    async putYear(year, payload, actor) {
      const value = adminYearOf(year, payload, clock().toISOString(), actor, '');
      const row = { holidays: JSON.stringify(value.holidays), workdays: JSON.stringify(value.workdays), updated_at: value.updatedAt!, updated_by: actor ?? null };
      await db
        .insertInto('calendar_years')
        .values({ year, ...row })
        .onConflict((oc) => oc.column('year').doUpdateSet(row))
        .execute();
      return value;
    },
  };
}

/**
 * Years supplied before the database held them, as files `<dataDir>/calendar/<year>.json`: each
 * one the database does not have yet is stored once, as it was (an upgrade loses no admin year).
 * Returns the years imported.
 */
export async function importCalendarFiles(store: CalendarStore, db: EngineDatabase, dataDir: string): Promise<number[]> {
  const dir = join(dataDir, 'calendar');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const stored = new Set((await db.selectFrom('calendar_years').select('year').execute()).map((r) => Number(r.year)));
  const imported: number[] = [];
  for (const name of names.filter((n) => /^\d{4}\.json$/.test(n)).sort()) {
    const year = Number(name.slice(0, 4));
    if (stored.has(year)) continue;
    const raw = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { updatedBy?: unknown };
    await store.putYear(year, raw, typeof raw.updatedBy === 'string' ? raw.updatedBy : undefined);
    imported.push(year);
  }
  return imported;
}
