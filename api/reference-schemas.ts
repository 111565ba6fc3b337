/**
 * Request shapes of the reference-data endpoints, validated with zod at the boundary (and
 * published in the OpenAPI document from the same schemas). The rules behind them (plausible
 * rates, dates in force, the interest arithmetic) stay in domain/ and answer with the field too.
 */
import { z } from 'zod';
import { isCalendarDate } from '../domain/calendar';
import { DAY_COUNTS, RATE_MODES } from '../domain/interest';
import { ratePercentProblem, TENORS } from '../domain/lpr';
import { CalendarDate, PositiveYuan, Yuan } from './schemas';

export const CalendarYearBody = z
  .object({
    holidays: z.array(z.string(), { error: 'must be a list of YYYY-MM-DD dates' }),
    workdays: z.array(z.string(), { error: 'must be a list of YYYY-MM-DD dates' }),
  })
  .strict();

export const WorkingDaysQuery = z
  .object({
    from: z.string().refine(isCalendarDate, 'must be a real date written YYYY-MM-DD'),
    count: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(366, 'must be at most 366'),
  })
  .strict();

/** A rate in percent per year, e.g. "3.45": the same rule the LPR table applies. */
const Rate = z.unknown().superRefine((value, ctx) => {
  const problem = ratePercentProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}).pipe(z.string());

export const LprFixingBody = z.object({ effectiveDate: CalendarDate, lpr1y: Rate, lpr5y: Rate }).strict();

export const ClawbackCalculationBody = z
  .object({
    tranches: z.array(z.object({ amount: Yuan, paidOn: CalendarDate }).strict(), { error: 'must be a list of {amount, paidOn}' }).min(1, 'must name at least one tranche'),
    decisionDate: CalendarDate,
    /** Left out: today in Asia/Shanghai, the moment the calculator is asked. */
    repaidOn: CalendarDate.optional(),
    rateMode: z.enum(RATE_MODES as [string, ...string[]], { error: `must be ${RATE_MODES.join(' or ')}` }),
    dayCount: z.enum(DAY_COUNTS as [string, ...string[]], { error: `must be ${DAY_COUNTS.join(' or ')}` }),
    tenor: z.enum(TENORS as [string, ...string[]], { error: `must be ${TENORS.join(' or ')}` }),
    costs: z
      .array(z.object({ amount: PositiveYuan, incurredOn: CalendarDate }).strict(), { error: 'must be a list of {amount, incurredOn}' })
      .max(1000, 'must list at most 1000 costs')
      .optional(),
    repayments: z
      .array(z.object({ amount: PositiveYuan, paidOn: CalendarDate }).strict(), { error: 'must be a list of {amount, paidOn}' })
      .max(1000, 'must list at most 1000 repayments')
      .optional(),
  })
  .strict();

/** Program facts: values are checked against the program's own fact list (GET /programs/:id). */
export const FactsBody = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), { error: 'must be an object of program facts' });
