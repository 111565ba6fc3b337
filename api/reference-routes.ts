/**
 * Reference data and read-only calculators: the working-day calendar, LPR fixings, clawback
 * statements and a round's spot-check draw (the policy catalog is api/catalog-routes.ts). Staff
 * preview with them; auditors and the public recompute with them; admins maintain calendars and fixings here
 * without a deploy. Every answer that involves a rule says which rule and inputs gave it.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { shanghaiDate, UnknownCalendarYearError, windowClosesAt, workingDaysFrom } from '../domain/calendar';
import { InputError } from '../domain/errors';
import { clawbackCalculation, type ClawbackCalculationRequest } from '../domain/interest';
import { firstUnconfirmedDate } from '../domain/lpr';
import { roundDraw } from '../domain/rounds';
import { INSPECTION_CITATION } from '../domain/spot-check';
import { type CalendarStore, InvalidCalendarYearError } from '../lib/calendar-store';
import type { LprStore } from '../lib/lpr-store';
import { type AccessLocals, guardedActor } from './access';
import { Problem, validationProblem } from './problem';
import { CalendarYearBody, ClawbackCalculationBody, LprFixingBody, RoundDrawCalculationBody, WorkingDaysQuery } from './reference-schemas';

export interface ReferenceDeps {
  calendar: CalendarStore;
  lpr: LprStore;
  /**
   * Called after an admin supplied a calendar year, so that applications waiting for it resume
   * (the app signals them). Best effort: a failure is logged by the callee, never fails the PUT.
   */
  calendarYearSupplied?: (year: number) => Promise<void>;
  /** Now: the calculator's statement date when the caller gives none. */
  clock: () => Date;
}


const YEAR = z.coerce
  .number({ error: 'must be a year' })
  .int('must be a whole year')
  .min(1990, 'must be between 1990 and 2100')
  .max(2100, 'must be between 1990 and 2100');


/** A rule's InputError as a 400 naming the field; anything else passes through. */
function inputProblem(err: unknown): unknown {
  return err instanceof InputError
    ? new Problem('validation', `${err.field}: ${err.reason}`, { errors: [{ field: err.field, reason: err.reason }] })
    : err;
}

function unknownYear(err: UnknownCalendarYearError): Problem {
  return new Problem('unknown-calendar-year', err.message, {
    year: err.year,
    errors: [{ field: 'year', reason: `no working-day calendar for ${err.year}` }],
  });
}

export function referenceRoutes(deps: ReferenceDeps): Router {
  const router = Router();

  // ---- Working-day calendar -------------------------------------------------------------------

  router.get('/calendar/years/:year', async (req, res) => {
    const year = YEAR.safeParse(req.params.year);
    if (!year.success) throw validationProblem(year.error, 'year');
    const known = (await deps.calendar.current()).year(year.data);
    if (!known) throw unknownYear(new UnknownCalendarYearError(year.data));
    res.json(known);
  });

  router.put('/calendar/years/:year', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const year = YEAR.safeParse(req.params.year);
    if (!year.success) throw validationProblem(year.error, 'year');
    const body = CalendarYearBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    try {
      const stored = await deps.calendar.putYear(year.data, body.data, actor.id);
      // Stored and in force; now wake the applications waiting for it (they also look daily).
      await deps.calendarYearSupplied?.(year.data).catch((err: unknown) => {
        console.error(JSON.stringify({ level: 'warn', message: 'waking applications after a calendar year failed', year: year.data, error: (err as Error)?.message }));
      });
      res.json(stored);
    } catch (err) {
      if (err instanceof InvalidCalendarYearError) {
        throw new Problem('validation', err.message, {
          errors: err.reasons.map((reason) => ({ field: /workday/i.test(reason) ? 'workdays' : 'holidays', reason })),
        });
      }
      throw err;
    }
  });

  router.get('/calendar/working-days', async (req, res) => {
    const query = WorkingDaysQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error);
    const { from, count } = query.data;
    const calendar = await deps.calendar.current();
    try {
      const data = calendar.data();
      const { days, lastDay } = workingDaysFrom(data, from, count);
      const years = [...new Set([from, lastDay].map((d) => Number(d.slice(0, 4))))];
      res.json({
        from,
        count,
        days,
        lastDay,
        closesAt: windowClosesAt(lastDay),
        rule: `the first ${count} working days starting on ${from} (it counts when it is a working day); a window closes at 24:00 Asia/Shanghai of the last one`,
        sources: Object.fromEntries(years.map((y) => [y, calendar.year(y)?.source])),
      });
    } catch (err) {
      if (err instanceof UnknownCalendarYearError) throw unknownYear(err);
      throw err;
    }
  });

  // ---- LPR fixings ----------------------------------------------------------------------------

  router.get('/lpr-fixings', async (_req, res) => {
    const lpr = await deps.lpr.current();
    const table = lpr.table();
    res.json({
      confirmedThrough: table.confirmedThrough,
      carriedForwardFrom: firstUnconfirmedDate(table),
      fixings: lpr.list(),
    });
  });

  router.post('/lpr-fixings', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const body = LprFixingBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    try {
      res.status(201).json(await deps.lpr.add(body.data, actor));
    } catch (err) {
      throw inputProblem(err);
    }
  });

  // ---- Clawback calculator --------------------------------------------------------------------

  router.post('/calculations/clawback', async (req, res) => {
    const body = ClawbackCalculationBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const lpr = (await deps.lpr.current()).table();
    try {
      // Without a date: as of the moment it is asked, today in Asia/Shanghai.
      const request = { ...body.data, repaidOn: body.data.repaidOn ?? shanghaiDate(deps.clock().getTime()) } as ClawbackCalculationRequest;
      res.json(clawbackCalculation(request, lpr));
    } catch (err) {
      throw inputProblem(err);
    }
  });

  // ---- A round's spot-check draw, recomputed by anyone (001 §（三）4) ----------------------------

  router.post('/calculations/round-draw', (req, res) => {
    const body = RoundDrawCalculationBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const { seed, applications, ...spotCheck } = body.data;
    res.json(roundDraw(seed, applications, spotCheck, INSPECTION_CITATION));
  });

  return router;
}
