/**
 * ILLUSTRATIVE working-day calendars for years the calendar library does not cover (after 2026),
 * for the demo and the recorded histories only. They are NOT the State Council's schedule: each
 * year gets 1 January, the Spring Festival week (正月初一 to 初七, dated with lunar-typescript),
 * 1–5 May and 1–7 October as holidays, and no make-up working days (调休). A real deployment
 * supplies each year from the published notice (`PUT /calendar/years/<year>`); the demo supplies
 * these through the same calendar store, the way an admin would, and says so in its output.
 */
import { Lunar } from 'lunar-typescript';

export const ILLUSTRATIVE_CALENDAR_LABEL =
  'ILLUSTRATIVE calendar (not the official schedule): 1 Jan, Spring Festival week, 1–5 May, 1–7 Oct; no make-up working days';

export interface IllustrativeYear {
  holidays: string[];
  workdays: string[];
}

export function illustrativeCalendar(year: number): IllustrativeYear {
  const holidays = new Set<string>([`${year}-01-01`]);
  // Spring Festival: lunar 1/1 and the six days after it.
  const springFestival = Lunar.fromYmd(year, 1, 1).getSolar();
  for (let i = 0; i < 7; i++) holidays.add(springFestival.next(i).toYmd());
  for (let d = 1; d <= 5; d++) holidays.add(`${year}-05-0${d}`);
  for (let d = 1; d <= 7; d++) holidays.add(`${year}-10-0${d}`);
  return { holidays: [...holidays].filter((d) => d.startsWith(`${year}-`)).sort(), workdays: [] };
}
