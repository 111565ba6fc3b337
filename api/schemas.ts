/**
 * Request bodies, validated with zod at the boundary: nothing reaches a workflow unvalidated.
 * Unknown fields are refused so that a misspelt field is a 400, not silently ignored.
 */
import { z } from 'zod';
import { creditCodeProblem } from '../domain/credit-code';

/** `<programId>.<round>.<creditCode>`, see domain/application.ts; a round is e.g. `2026` or `2026-09`. */
export const APPLICATION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}\.[0-9A-Za-z-]{1,32}\.[0-9A-Z]{18}$/;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const CreditCode = z.string().superRefine((code, ctx) => {
  const problem = creditCodeProblem(code);
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid unified social credit code: ${problem}` });
});

export const FilingBody = z
  .object({
    programId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a program id such as dinghu-emergency-major-project'),
    applicant: z.object({ creditCode: CreditCode, name: text(200) }).strict(),
    facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), { error: 'must be an object of program facts' }),
  })
  .strict();
export type FilingBody = z.infer<typeof FilingBody>;

export const PreliminaryRecordBody = z
  .object({
    decision: z.enum(['pass', 'fail'], { error: 'must be pass or fail' }),
    reason: text(2000),
  })
  .strict();
