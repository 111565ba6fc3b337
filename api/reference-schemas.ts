/**
 * Request shapes of the reference-data endpoints, validated with zod at the boundary (and
 * published in the OpenAPI document from the same schemas). The rules behind them (plausible
 * rates, dates in force, the interest arithmetic) stay in domain/ and answer with the field too.
 */
import { z } from 'zod';
import { DAY_COUNTS, RATE_MODES } from '../domain/interest';
import { ratePercentProblem, TENORS } from '../domain/lpr';
import { RATE_PERCENT_PATTERN } from '../domain/patterns';
import { APPLICATION_ID_PATTERN, CalendarDate, PositiveYuan, Yuan } from './schemas';

export const CalendarYearBody = z
  .object({
    holidays: z.array(z.string(), { error: 'must be a list of YYYY-MM-DD dates' }),
    workdays: z.array(z.string(), { error: 'must be a list of YYYY-MM-DD dates' }),
  })
  .strict();

export const WorkingDaysQuery = z
  .object({
    from: CalendarDate,
    count: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(366, 'must be at most 366'),
  })
  .strict();

/** A rate in percent per year, e.g. "3.45": the same rule the LPR table applies. */
const Rate = z.unknown().superRefine((value, ctx) => {
  const problem = ratePercentProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}).pipe(z.string().meta({ pattern: RATE_PERCENT_PATTERN }));

export const LprFixingBody = z.object({ effectiveDate: CalendarDate, lpr1y: Rate, lpr5y: Rate }).strict();

export const ClawbackCalculationBody = z
  .object({
    tranches: z.array(z.object({ amount: PositiveYuan, paidOn: CalendarDate }).strict(), { error: 'must be a list of {amount, paidOn}' }).min(1, 'must name at least one tranche'),
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

/** A spot-check rate in percent, from 0 to 100, at most four decimals ("5", "5.5"). */
const SPOT_CHECK_RATE_PATTERN = '^(100(\\.0{1,4})?|[1-9]?[0-9](\\.[0-9]{1,4})?)$';

/**
 * The round's spot-check draw recomputed by anyone (POST /calculations/round-draw): the seed the
 * round revealed, its rate and threshold, and its applications with the amount the formula gave.
 * The seed is hashed exactly as sent (never trimmed). Each application once.
 */
export const RoundDrawCalculationBody = z
  .object({
    // Characters as JSON Schema counts them (code points), not UTF-16 units.
    seed: z
      .string({ error: 'must be the revealed seed, a string' })
      .refine((seed) => seed.length > 0, 'must not be empty')
      .refine((seed) => [...seed].length <= 200, 'must be at most 200 characters')
      .meta({ minLength: 1, maxLength: 200 }),
    ratePercent: z.string({ error: 'must be a percent as a string, e.g. "5"' }).regex(new RegExp(SPOT_CHECK_RATE_PATTERN), 'must be a percent from 0 to 100 with at most four decimals, e.g. "5"'),
    threshold: Yuan,
    inclusive: z.boolean({ error: 'must be true or false (true: an amount equal to the threshold is inspected anyway)' }),
    applications: z
      .array(
        z.object({
          applicationId: z.string({ error: 'must be an application id' }).regex(APPLICATION_ID_PATTERN, 'must be an application id <programId>.<round>.<creditCode>'),
          amountByFormula: Yuan,
        }).strict(),
        { error: 'must be a list of {applicationId, amountByFormula}' },
      )
      .min(1, 'must list at least one application')
      .max(10000, 'must list at most 10000 applications')
      .superRefine((applications, ctx) => {
        const seen = new Set<string>();
        applications.forEach((a, i) => {
          if (seen.has(a.applicationId)) ctx.addIssue({ code: 'custom', path: [i, 'applicationId'], message: `lists ${a.applicationId} a second time` });
          seen.add(a.applicationId);
        });
      }),
  })
  .strict();

/** A catalog version id, as GET /programs and GET /catalog/versions give it. */
export const CatalogVersionParam = z.string().regex(/^sha256:[0-9a-f]{16}$/, 'must be a catalog version such as sha256:0123456789abcdef (GET /catalog/versions lists them)');

/** `?version=`: a past catalog version; without it, the one in force. */
export const VersionQuery = z.object({ version: CatalogVersionParam.optional() }).strict();

/**
 * A new catalog version: every program file of the whole catalog, by file name (`<program id>.json`),
 * each as the JSON the file would hold. Start from GET /catalog/versions/:version and name it in `basedOn`.
 */
export const PublishCatalogBody = z
  .object({
    programs: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}\.json$/, 'must be a program file name such as jianghai-rent-subsidy.json'), z.unknown(), {
        error: 'must be an object of program files by name, { "<program id>.json": { …program } }',
      })
      .refine((files) => Object.keys(files).length > 0, 'must hold at least one program')
      .refine((files) => Object.keys(files).length <= 200, 'must hold at most 200 programs')
      .meta({ minProperties: 1, maxProperties: 200, description: 'Every program file of the catalog, by name; each is checked by the catalog validator as data/catalog/ is at start-up (422 naming the file, the JSON path and the reason)' }),
    basedOn: CatalogVersionParam.optional(),
    note: z.string().min(1).max(500).optional(),
  })
  .strict();
