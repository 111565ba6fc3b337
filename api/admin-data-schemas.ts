/**
 * Request shapes of the endpoints over the engine's shared admin data: the serious-dishonesty
 * list (PUT/GET /dishonesty-list…) and the local outbox (GET /outbox-messages). Validated with zod
 * at the boundary and published in the OpenAPI document from the same schemas; a 400 names the
 * field and the reason.
 */
import { z } from 'zod';
import { body, CalendarDate, CreditCode, text } from '../domain/actions/body-parts';

/** A query parameter given twice arrives as a list: say so, instead of guessing which one. */
const single = <T extends z.ZodType>(schema: T, what: string) =>
  z.unknown().superRefine((v, ctx) => {
    if (Array.isArray(v)) ctx.addIssue({ code: 'custom', message: `must be given once (${what})` });
  }).pipe(schema);

export const MAX_PAGE = 1000;

const limit = single(
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').max(MAX_PAGE, `must be at most ${MAX_PAGE}`),
  'one number',
).optional();

/** The credit code in the path: any case, checked with its check character. */
export const CreditCodeParam = z.string().transform((code) => code.trim().toUpperCase()).pipe(CreditCode);

/** PUT /dishonesty-list/:creditCode: what the listing authority says; every field optional. */
export const DishonestyEntryBody = body({
  name: text(200).optional(),
  listedOn: CalendarDate.optional(),
  authority: text(200).optional(),
  reason: text(2000).optional(),
});

/** POST /dishonesty-list/:creditCode/removal: why the entry no longer stands. */
export const DishonestyRemovalBody = body({ reason: text(2000) });

export const DishonestyListQuery = z
  .object({
    includeRemoved: single(z.enum(['true', 'false'], { error: 'must be true or false' }), 'true or false').optional(),
    after: single(CreditCodeParam, 'one credit code').optional(),
    limit,
  })
  .strict();

export const OutboxQuery = z
  .object({
    applicationId: single(z.string().min(1, 'must not be empty').max(300, 'must be at most 300 characters'), 'one application id').optional(),
    type: single(z.string().regex(/^[a-z][a-z-]{0,63}$/, 'must be a message type such as notice or payment-instruction'), 'one type').optional(),
    after: single(z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be at least 0'), 'one number').optional(),
    limit,
  })
  .strict();
