/**
 * The zod parts request bodies are made of: texts, amounts, dates, documents, the objector, and a
 * JSON object that refuses unknown fields. Every message names what the field must be, so a 400
 * can name the field and the reason. Used by each action's body (domain/actions/<name>.ts) and by
 * the API's other bodies (api/schemas.ts).
 */
import { z } from 'zod';
import { creditCodeProblem } from '../credit-code';
import { dateProblem } from '../dates';
import { compareYuan, statedYuanProblem, yuanProblem } from '../money';
import { textProblem } from '../text';

/** A missing field says so; a field of the wrong JSON type says what it must be. */
export const expected = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);

export const text = (max: number) =>
  z
    .string({ error: expected('a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .superRefine((value, ctx) => {
      const problem = value === '' ? null : textProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

export const bool = () => z.boolean({ error: expected('true or false') });

export const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: expected(`a whole number from ${min} to ${max}`) })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}` });

/** A body is a JSON object; its own unknown keys are named one by one by validationProblem. */
export const body = <S extends z.ZodRawShape>(shape: S) =>
  z.object(shape, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) }).strict();

export const CreditCode = z.string().superRefine((code, ctx) => {
  const problem = creditCodeProblem(code);
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid unified social credit code: ${problem}` });
});

/** A yuan amount: a string with exactly two decimals, e.g. "1000000.00" (a JSON number is refused), at most MAX_YUAN (domain/money.ts). */
export const YuanText = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : (yuanProblem(issue.input) ?? 'must be a string')) })
  .superRefine((value, ctx) => {
    const problem = statedYuanProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An amount awarded or recommended: a yuan string greater than zero. */
export const PositiveYuan = YuanText.superRefine((value, ctx) => {
  if (yuanProblem(value) === null && compareYuan(value, '0.00') <= 0) ctx.addIssue({ code: 'custom', message: 'must be greater than zero' });
});

/** A real calendar date written YYYY-MM-DD (Asia/Shanghai). */
export const CalendarDate = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : (dateProblem(issue.input) ?? 'must be a string')) })
  .superRefine((value, ctx) => {
    const problem = dateProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A document handed in (domain/application.ts `Document`): materials and progress evidence. */
export const DocumentBody = z
  .object(
    {
      name: text(300),
      sha256: z
        .string({ error: expected('a string of 64 lowercase hex digits') })
        .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the file as 64 lowercase hex digits'),
      url: z
        .string({ error: expected('an http or https URL') })
        .max(2000, 'must be at most 2000 characters')
        .refine(isHttpUrl, 'must be an http or https URL'),
      materialId: z
        .string({ error: expected('a material id') })
        .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a material id of the program, e.g. "business-licence"')
        .max(64, 'must be at most 64 characters')
        .optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be a document {name, sha256, url, materialId?}' : undefined) },
  )
  .strict();

export const documents = () =>
  z
    .array(DocumentBody, { error: expected('a list of documents {name, sha256, url, materialId?}') })
    .min(1, 'must list at least one document')
    .max(100, 'must list at most 100 documents');

/**
 * Every action may carry a comment, kept in the audit trail: text as strict as a reason (no control,
 * lone-surrogate or bidirectional characters), except that an empty comment is the same as none.
 */
export const comment = z
  .string({ error: expected('a string') })
  .trim()
  .max(2000, 'must be at most 2000 characters')
  .superRefine((value, ctx) => {
    const problem = value === '' ? null : textProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .optional();

export const reason = () => text(2000);

/** The request an action body becomes once the actor (and `n`, from the path) are added. */
export type BodyOf<R> = Omit<R, 'actor' | 'n'>;

/**
 * `amount` goes with an approval, and only with it (`when`: a rejection carrying an amount is a
 * misunderstanding, better refused than ignored). The rule also runs when other fields failed, so
 * one 400 names every bad field; it only needs the field it branches on to be well formed.
 */
export function amountOnlyWhen<T extends { amount?: string }>(
  schema: z.ZodType<T>,
  field: string,
  value: unknown,
  requiredReason: string,
  forbiddenReason: string,
): z.ZodType<T> {
  return schema.superRefine(
    (parsed, ctx) => {
      const raw = parsed as Record<string, unknown>;
      const applies = raw[field] === value;
      if (applies && raw.amount === undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: requiredReason });
      if (!applies && raw.amount !== undefined) ctx.addIssue({ code: 'custom', path: ['amount'], message: forbiddenReason });
    },
    {
      when: (payload) => {
        const raw = payload.value;
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
        const branch = (raw as Record<string, unknown>)[field];
        return typeof branch === 'string' || typeof branch === 'boolean';
      },
    },
  );
}

export const ObjectorBody = z.preprocess(
  (value) => (typeof value === 'string' ? { name: value } : value),
  z
    .object(
      { name: text(200), contact: text(500).optional() },
      { error: (issue) => (issue.code === 'invalid_type' ? 'must be a name or {name, contact?}' : undefined) },
    )
    .strict(),
);

