/**
 * Stories that run on any day.
 *
 * A story test is written in fixed years, so that its dates and the amounts computed by hand from
 * them can be read and checked (paid 2027-04-01, recovered 2030-03-04: 1068 days of interest). It
 * runs in the first years after the test server's clock that behave the same for what it asserts:
 *
 * - `leap-cycle`: shifted by a multiple of 4 years (2001–2099 has a leap year every 4), so the
 *   number of days between any two story dates is unchanged, and so is every amount of interest.
 *   Weekdays move: what depends on working days is computed from the calendar, never literal.
 * - `calendar`: shifted to the next year whose dates fall on the same weekdays as the written
 *   first year (same weekday on 1 January, same leap status), so a literal list of working days
 *   of that year (a notice across National Day and its make-up Saturday) stays true.
 *
 * Each story's steps depend on each other: `storySteps` runs them in order, and after the first
 * broken step the rest are skipped, naming it, so one failure never cascades silently.
 */
import { it, type TestContext } from 'node:test';
import { shanghaiDate } from '../../domain/calendar';

export type StoryKeeps = 'leap-cycle' | 'calendar';

export interface StoryYears {
  /** Years added to every written date. */
  readonly shift: number;
  /** A written date (`2027-04-01`) or instant (`2030-04-15T16:00:00.000Z`), in the years the story runs in. */
  date(written: string): string;
  /** A written year, in the years the story runs in. */
  year(written: number): number;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const weekdayOfNewYear = (y: number) => new Date(Date.UTC(y, 0, 1)).getUTCDay();

function keeps(keep: StoryKeeps, written: number, candidate: number): boolean {
  if (keep === 'leap-cycle') return (candidate - written) % 4 === 0;
  return isLeap(candidate) === isLeap(written) && weekdayOfNewYear(candidate) === weekdayOfNewYear(written);
}

/**
 * The years a story written to start at `firstStep` (a Shanghai date and time, `2027-03-01 10:00`)
 * runs in: the smallest shift that keeps `keep` and puts the first step after `nowMs` (the test
 * server's clock) by at least `marginDays` (room for what the story does before its first move).
 */
export function storyYears(firstStep: { date: string; time?: string }, keep: StoryKeeps, nowMs: number, marginDays = 0): StoryYears {
  const written = Number(firstStep.date.slice(0, 4));
  const startsAt = (shift: number) => Date.parse(`${shiftYear(firstStep.date, shift)}T${firstStep.time ?? '10:00'}:00+08:00`);
  let shift = 0;
  while (!(keeps(keep, written, written + shift) && startsAt(shift) > nowMs + marginDays * 86_400_000)) shift += 1;
  return {
    shift,
    date: (w) => shiftYear(w, shift),
    year: (w) => w + shift,
  };
}

function shiftYear(written: string, shift: number): string {
  const m = /^(\d{4})(-\d{2}-\d{2}.*)$/.exec(written);
  if (!m) throw new Error(`not a written date: ${written}`);
  return `${Number(m[1]) + shift}${m[2]}`;
}

/**
 * A year nobody has a calendar for, late enough that the whole year before it still lies ahead of
 * the clock at `nowMs`: from two years after the current Shanghai year on, the first not in `known`.
 */
export function firstMissingYearAfter(nowMs: number, known: readonly number[]): number {
  let year = Number(shanghaiDate(nowMs).slice(0, 4)) + 2;
  while (known.includes(year)) year += 1;
  return year;
}

/**
 * The steps of one story: `step(name, fn)` is a test that is skipped, naming the broken step, once
 * an earlier step of the same story failed; the failure itself names its step, followed by
 * `context()` (e.g. the engine's output) when given.
 */
export function storySteps(context?: () => string) {
  let broken: string | undefined;
  return (name: string, fn: (t: TestContext) => Promise<void>, options: { timeout?: number } = {}) =>
    it(name, options, async (t) => {
      if (broken) return t.skip(`not run: the story broke at the step "${broken}"`);
      try {
        await fn(t);
      } catch (err) {
        broken = name;
        if (err instanceof Error) {
          err.message = `the story broke at the step "${name}": ${err.message}`;
          const more = context?.();
          if (more) err.message += `\n${more}`;
        }
        throw err;
      }
    });
}
