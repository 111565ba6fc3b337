/**
 * Request bodies, validated with zod at the boundary: nothing reaches a workflow unvalidated.
 * Unknown fields are refused so that a misspelt field is a 400, not silently ignored.
 *
 * The action bodies below are the public contract of `POST /applications/:id/<action>` (issue 5):
 * fields may be added, never renamed. Each parses to the matching request of workflows/messages.ts
 * without the actor (taken from the credential) and without `n` (taken from the path).
 */
import { z } from 'zod';
import { creditCodeProblem } from '../domain/credit-code';
import { dateProblem } from '../domain/dates';
import { compareYuan, yuanProblem } from '../domain/money';
import type { ActionName } from '../domain/actions';
import type { RequestByAction } from '../domain/requests';
import type {
  AgreementRequest,
  BreachReportRequest,
  ClawbackDecisionRequest,
  ConfirmationRequest,
  FraudReportRequest,
  InspectionRequest,
  MaterialsRequest,
  ObjectionRequest,
  ObjectionResolutionRequest,
  PreliminaryRecordRequest,
  ProgressRequest,
  RecommendationRequest,
  RepaymentRequest,
  ReviewExtensionRequest,
  SignOffRequest,
  SupplementRequest,
  VerificationRequest,
  WithdrawalRequest,
} from '../workflows/messages';

/** `<programId>.<round>.<creditCode>`, see domain/application.ts; a round is e.g. `2026` or `2026-09`. */
export const APPLICATION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}\.[0-9A-Za-z-]{1,32}\.[0-9A-Z]{18}$/;

/** A program id of the catalog, e.g. `dinghu-emergency-major-project`. */
export const PROGRAM_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** An `Idempotency-Key` header: the update id of an action, remembered with a filing. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/** `:n` in a path (an objection, a tranche): a positive whole number; anything else is no such thing (404). */
export const ORDINAL_PATTERN = /^[1-9][0-9]{0,5}$/;

/** A missing field says so; a field of the wrong JSON type says what it must be. */
const expected = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);

const text = (max: number) =>
  z.string({ error: expected('a string') }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const bool = () => z.boolean({ error: expected('true or false') });

const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: expected(`a whole number from ${min} to ${max}`) })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}` });

/** A body is a JSON object; its own unknown keys are named one by one by validationProblem. */
const body = <S extends z.ZodRawShape>(shape: S) =>
  z.object(shape, { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) }).strict();

export const CreditCode = z.string().superRefine((code, ctx) => {
  const problem = creditCodeProblem(code);
  if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid unified social credit code: ${problem}` });
});

/** A yuan amount: a string with exactly two decimals, e.g. "1000000.00" (a JSON number is refused). */
export const Yuan = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : (yuanProblem(issue.input) ?? 'must be a string')) })
  .superRefine((value, ctx) => {
    const problem = yuanProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An amount awarded or recommended: a yuan string greater than zero. */
export const PositiveYuan = Yuan.superRefine((value, ctx) => {
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

const documents = () =>
  z
    .array(DocumentBody, { error: expected('a list of documents {name, sha256, url, materialId?}') })
    .min(1, 'must list at least one document')
    .max(100, 'must list at most 100 documents');

/** Every action may carry a comment, kept in the audit trail. */
const comment = z.string({ error: expected('a string') }).trim().max(2000, 'must be at most 2000 characters').optional();

const reason = () => text(2000);

/** The request an action body becomes once the actor (and `n`, from the path) are added. */
type BodyOf<R> = Omit<R, 'actor' | 'n'>;

/**
 * `amount` goes with an approval, and only with it (`when`: a rejection carrying an amount is a
 * misunderstanding, better refused than ignored). The rule also runs when other fields failed, so
 * one 400 names every bad field; it only needs the field it branches on to be well formed.
 */
function amountOnlyWhen<T extends { amount?: string }>(
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

// ---- Action bodies ---------------------------------------------------------------------------

export const PreliminaryRecordBody: z.ZodType<BodyOf<PreliminaryRecordRequest>> = body({
  decision: oneOf(['pass', 'fail']),
  reason: reason(),
  comment,
});

export const MaterialsBody: z.ZodType<BodyOf<MaterialsRequest>> = body({ documents: documents(), comment });

export const SupplementRequestBody: z.ZodType<BodyOf<SupplementRequest>> = body({
  items: z
    .array(text(500), { error: expected('a list of the missing items') })
    .min(1, 'must list at least one item')
    .max(50, 'must list at most 50 items'),
  dueInWorkingDays: wholeNumber(1, 60).optional(),
  comment,
});

export const ReviewExtensionBody: z.ZodType<BodyOf<ReviewExtensionRequest>> = body({
  // The program's extensionMaxDays (at most 20 in the seeds) is enforced by the workflow.
  days: wholeNumber(1, 60),
  reason: reason(),
  comment,
});

export const InspectionBody: z.ZodType<BodyOf<InspectionRequest>> = body({
  result: oneOf(['pass', 'fail']),
  findings: text(10_000),
  comment,
});

export const RecommendationBody: z.ZodType<BodyOf<RecommendationRequest>> = amountOnlyWhen(
  body({ decision: oneOf(['approve', 'reject']), amount: PositiveYuan.optional(), reason: reason(), comment }),
  'decision',
  'approve',
  'is required to approve',
  'is only given to approve',
);

export const SignOffBody: z.ZodType<BodyOf<SignOffRequest>> = amountOnlyWhen(
  body({ decision: oneOf(['approve', 'reject', 'return']), amount: PositiveYuan.optional(), reason: reason(), comment }),
  'decision',
  'approve',
  'is required to approve',
  'is only given to approve',
);

/** The objector: a name, or {name, contact?}; always {name, contact?} once parsed. */
export const ObjectorBody = z.preprocess(
  (value) => (typeof value === 'string' ? { name: value } : value),
  z
    .object(
      { name: text(200), contact: text(500).optional() },
      { error: (issue) => (issue.code === 'invalid_type' ? 'must be a name or {name, contact?}' : undefined) },
    )
    .strict(),
);

export const ObjectionBody: z.ZodType<BodyOf<ObjectionRequest>> = body({
  text: text(10_000),
  objector: ObjectorBody,
  comment,
});

export const ObjectionResolutionBody: z.ZodType<BodyOf<ObjectionResolutionRequest>> = body({
  upheld: bool(),
  // The written decision, sent to the objector.
  decision: text(10_000),
  // Upheld with an amount: the award is reduced to it and noticed again; upheld without: refused.
  amount: PositiveYuan.optional(),
  comment,
}).superRefine((value, ctx) => {
  if (value.amount !== undefined && value.upheld === false) {
    ctx.addIssue({ code: 'custom', path: ['amount'], message: 'is only given when the objection is upheld' });
  }
});

export const AgreementBody: z.ZodType<BodyOf<AgreementRequest>> = body({ signedOn: CalendarDate, comment });

export const ProgressBody: z.ZodType<BodyOf<ProgressRequest>> = body({
  milestone: text(200),
  // Required by the workflow for progress tranches; the amount reported so far, zero allowed.
  cumulativeInvestment: Yuan.optional(),
  evidence: documents(),
  comment,
});

export const VerificationBody: z.ZodType<BodyOf<VerificationRequest>> = body({
  accepted: bool(),
  reason: reason(),
  comment,
});

export const ConfirmationBody: z.ZodType<BodyOf<ConfirmationRequest>> = body({
  treasuryReference: z
    .string({ error: expected('a string') })
    .regex(/^[A-Za-z0-9\-_/.:]{1,100}$/, 'must be 1-100 letters, digits or - _ / . :'),
  paidOn: CalendarDate,
  comment,
});

export const WithdrawalBody: z.ZodType<BodyOf<WithdrawalRequest>> = body({ reason: reason(), comment });

// Part 2 (issue 6): fraud and breach reports, the clawback decision, repayments.

export const FraudReportBody: z.ZodType<BodyOf<FraudReportRequest>> = body({
  findings: text(4000),
  evidence: documents(),
  comment,
});

export const BreachReportBody: z.ZodType<BodyOf<BreachReportRequest>> = body({
  // The obligation's id in the state; whether this application has it is the workflow's check.
  obligation: z
    .string({ error: expected('an obligation id') })
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an obligation id of the application, e.g. "stay-5-years"'),
  findings: text(4000),
  comment,
});

export const ClawbackDecisionBody: z.ZodType<BodyOf<ClawbackDecisionRequest>> = body({
  decision: oneOf(['recover', 'dismiss']),
  // Each absent one takes the workflow's default: today, the program's repaymentDueWorkingDays, false.
  decisionDate: CalendarDate.optional(),
  dueInWorkingDays: wholeNumber(1, 250).optional(),
  referToJudiciary: bool().optional(),
  reason: reason(),
  comment,
});

export const RepaymentBody: z.ZodType<BodyOf<RepaymentRequest>> = body({
  // At most what is outstanding on paidOn: the workflow's check, it knows the statement.
  amount: PositiveYuan,
  paidOn: CalendarDate,
  comment,
});

/** The body each action of the registry (domain/actions.ts) takes, by the action's name. */
export const ACTION_BODIES: { readonly [K in ActionName]: z.ZodType<BodyOf<RequestByAction[K]>> } = {
  'preliminary-record': PreliminaryRecordBody,
  materials: MaterialsBody,
  'supplement-request': SupplementRequestBody,
  'review-extension': ReviewExtensionBody,
  inspection: InspectionBody,
  recommendation: RecommendationBody,
  'sign-off': SignOffBody,
  objections: ObjectionBody,
  resolution: ObjectionResolutionBody,
  agreement: AgreementBody,
  progress: ProgressBody,
  verification: VerificationBody,
  confirmation: ConfirmationBody,
  withdrawal: WithdrawalBody,
  'fraud-report': FraudReportBody,
  'breach-report': BreachReportBody,
  'clawback-decision': ClawbackDecisionBody,
  repayments: RepaymentBody,
};

// ---- Filing ----------------------------------------------------------------------------------

export const FilingBody = z
  .object({
    programId: z.string().regex(PROGRAM_ID_PATTERN, 'must be a program id such as dinghu-emergency-major-project'),
    applicant: z.object({ creditCode: CreditCode, name: text(200) }).strict(),
    facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), { error: 'must be an object of program facts' }),
  })
  .strict();
export type FilingBody = z.infer<typeof FilingBody>;
