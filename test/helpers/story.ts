/**
 * Stories that run on any day.
 *
 * A story test is written in fixed years, so that its dates and the amounts computed by hand from
 * them can be read and checked (paid 2027-04-01, recovered 2030-03-04: 1068 days of interest). It
 * runs in the first years after the test server's clock that behave the same for what it asserts,
 * by the rule the demo uses (scripts/story-years.ts): `leap-cycle` keeps every day count and so
 * every amount of interest (what depends on working days is then computed from the calendar,
 * never literal); `calendar` keeps the weekdays of the written first year, so a literal list of
 * its working days stays true.
 *
 * Each story's steps depend on each other: `storySteps` runs them in order, and after the first
 * broken step the rest are skipped, naming it, so one failure never cascades silently.
 */
import { it, type TestContext } from 'node:test';
import { shanghaiDate } from '../../domain/calendar';
import { storyYears, type StoryKeeps, type StoryYears } from '../../scripts/story-years';

export type { StoryYears };

/** The years a story written from `first` (its first step, Shanghai time) on runs in, by the test server's clock at `nowMs`. */
export function storyYearsFrom(first: { date: string; time?: string }, keep: StoryKeeps, nowMs: number): StoryYears {
  const year = Number(first.date.slice(0, 4));
  return storyYears({ from: year, to: year }, [{ date: first.date, time: first.time ?? '10:00' }], nowMs, { keep });
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
  return (name: string, fn: (t: TestContext) => Promise<void>, options: { timeout?: number } = {}): void => {
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
  };
}
