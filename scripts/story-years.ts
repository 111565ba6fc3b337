/**
 * The years a story written in fixed years runs in: the demo's scenarios (scripts/scenarios.ts)
 * and the dated story tests (test/helpers/story.ts).
 *
 * A story is written in fixed years (the demo in 2027–2033), so that its dates read naturally and
 * its amounts can be checked by hand. The time-skipping test server's clock starts at the real
 * time and only moves forward, so a run plays it shifted by the smallest number of years (0 until
 * the real time reaches the story's first start) that puts its first start after the clock and
 * keeps what the story relies on:
 * - `leap-cycle` (the default): a multiple of 4 years keeps the leap years (2001–2099 has one
 *   every 4), so the days between any two dates, and with them every amount of interest, stay
 *   the same; weekdays move.
 * - `calendar`: the next year whose dates fall on the same weekdays as the written first year
 *   (same weekday on 1 January, same leap status), so a literal list of that year's working days
 *   stays true.
 */
import { shanghaiDate } from '../domain/calendar';

export type StoryKeeps = 'leap-cycle' | 'calendar';

export interface StoryYears {
  /** Years added to every written date: 0 while the first start lies ahead. */
  readonly shift: number;
  /** The years the scenarios are written in, and the years this run plays them in. */
  readonly written: { from: number; to: number };
  readonly run: { from: number; to: number };
  /** What the output says when the years are shifted (undefined when they are not). */
  readonly note: string | undefined;
  /** A written date (`2027-04-29`) or instant (`2030-04-15T16:00:00.000Z`) in the years this run plays in. */
  date(written: string): string;
  /** A written year in the years this run plays in. */
  year(written: number): number;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const weekdayOfNewYear = (y: number) => new Date(Date.UTC(y, 0, 1)).getUTCDay();

/** Whether every date of `year` falls on the same weekday as in `written` (same 1 January, same leap status). */
export function sameWeekdays(year: number, written: number): boolean {
  return isLeap(year) === isLeap(written) && weekdayOfNewYear(year) === weekdayOfNewYear(written);
}

function keeps(keep: StoryKeeps, written: number, shift: number): boolean {
  return keep === 'leap-cycle' ? shift % 4 === 0 : sameWeekdays(written + shift, written);
}

/**
 * The story years for stories written in `written` that start at `starts` (Shanghai date and
 * time), on a clock that is at `nowMs` now and may be `marginMs` later when the last one starts.
 */
export function storyYears(
  written: { from: number; to: number },
  starts: readonly { date: string; time: string }[],
  nowMs: number,
  { marginMs = 0, keep = 'leap-cycle' }: { marginMs?: number; keep?: StoryKeeps } = {},
): StoryYears {
  const first = starts.map((s) => `${s.date} ${s.time}`).sort()[0]!;
  const firstAt = (shift: number) => Date.parse(`${shiftYear(first.slice(0, 10), shift)}T${first.slice(11)}:00+08:00`);
  let shift = 0;
  while (!(keeps(keep, Number(first.slice(0, 4)), shift) && firstAt(shift) > nowMs + marginMs)) shift += 1;
  const run = { from: written.from + shift, to: written.to + shift };
  return {
    shift,
    written,
    run,
    note:
      shift === 0
        ? undefined
        : `Story years ${written.from}–${written.to} run as ${run.from}–${run.to}: the clock starts on ${shanghaiDate(nowMs)}, too late for the first scenario's start (${first}); ${keep === 'leap-cycle' ? 'a shift by a multiple of 4 years keeps day counts and interest' : 'those years fall on the same weekdays'}.`,
    date: (w) => shiftYear(w, shift),
    year: (w) => w + shift,
  };
}

function shiftYear(written: string, shift: number): string {
  const m = /^(\d{4})(-\d{2}-\d{2}(?:T[\d:.]+Z)?)$/.exec(written);
  if (!m) throw new Error(`not a written date YYYY-MM-DD or instant: ${written}`);
  return `${Number(m[1]) + shift}${m[2]}`;
}
