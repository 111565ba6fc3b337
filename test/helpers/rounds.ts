/**
 * Opens a funding round for a test (issue 16: filing is possible only into an open round), the way
 * an admin does: POST /rounds with a window from today (the server's clock, which the test passes
 * when it is not the wall clock) to `days` later. Each test already has its own HTTP function; it
 * passes it, adapted to `RoundCall` when its shape differs.
 *
 * The label is `<year>-t<random>` unless the test names one: labels are unique per program within
 * one Temporal server, and a test may run twice against the same server.
 */
import { randomBytes } from 'node:crypto';
import { addCalendarDays, shanghaiDate } from '../../domain/calendar';
import type { Role } from '../../domain/roles';
import { http, type RunningEngine } from './engine';

/** An HTTP call as a role: the shape of the time-skipping engine's `http` and of Procedure's engine. */
export type RoundCall = (method: string, path: string, role: Role, body: unknown) => Promise<{ status: number; body: any }>;

/** `RoundCall` on `npm start` (test/helpers/engine.ts), with the development key of each role. */
export function callOn(engine: RunningEngine): RoundCall {
  return (method, path, role, body) => http(engine, method, path, { role, body });
}

export interface RoundOptions {
  /** The first day of the window, YYYY-MM-DD in Asia/Shanghai: the server's today (default: the wall clock's). */
  today?: string;
  /** The window lasts from today to today + `days` (default 27). */
  days?: number;
  label?: string;
  /** Default 100000000.00 (1亿元), more than any existing test awards. */
  budget?: string;
  /** Default 'single': each application signed off on its own (POST /applications/:id/sign-off). */
  signOff?: 'single' | 'batch';
}

/** What a test needs of the round it opened. */
export interface OpenedRound {
  id: string;
  label: string;
  year: number;
  window: { opens: string; closes: string; closesAt: string };
}

/** A round label for `year`, unique enough for one Temporal server: `2026-t3f9a1c`. */
function roundLabel(year: number | string): string {
  return `${year}-t${randomBytes(3).toString('hex')}`;
}

/** Opens a round of `programId`; throws with the answer when it is not 201. */
export async function openRound(call: RoundCall, programId: string, options: RoundOptions = {}): Promise<OpenedRound> {
  const opens = options.today ?? shanghaiDate(Date.now());
  const closes = addCalendarDays(opens, options.days ?? 27);
  const label = options.label ?? roundLabel(opens.slice(0, 4));
  const answer = await call('POST', '/rounds', 'admin', {
    programId,
    label,
    budget: options.budget ?? '100000000.00',
    window: { opens, closes },
    signOff: options.signOff ?? 'single',
  });
  if (answer.status !== 201) throw new Error(`POST /rounds for ${programId} (${label}) answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const d = answer.body.definition;
  return { id: d.id, label: d.label, year: d.year, window: d.window };
}
