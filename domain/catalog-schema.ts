/**
 * The zod schema of the policy catalog JSON, mirroring the types in catalog.ts (a compile-time
 * check at the end keeps the two in step). Strict objects: a misspelt key in a catalog file is an
 * error at start-up, not a silently ignored rule. Not imported by workflow code (zod stays out of
 * the workflow bundle); the pure consistency checks live in catalog.ts `programProblems`.
 */
import { z } from 'zod';
import type { Program } from './catalog';

const yuan = z.string().regex(/^(0|[1-9][0-9]*)\.[0-9]{2}$/, 'must be a yuan amount with exactly two decimals, e.g. "1000000.00"');
const decimal = z.string().regex(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'must be a decimal number written as a string, e.g. "0.3"');
const percent = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'must be a non-negative percentage written as a string, e.g. "6"');
const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a kebab-case id, e.g. "progress-30"');
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const text = z.string().min(1, 'must not be empty');

const citation = z.strictObject({ seed: text, section: text, quote: text.optional() });

const bound = z.strictObject({ value: decimal, inclusive: z.boolean(), word: text.optional(), reading: text.optional() });
const range = z.strictObject({ lower: bound.optional(), upper: bound.optional() });

const factSpec = z.strictObject({
  name: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'must be a camelCase fact name, e.g. "fixedInvestment"'),
  type: z.enum(['yuan', 'percent', 'integer', 'decimal', 'text']),
  required: z.boolean(),
  description: text,
  unit: text.optional(),
  options: z.array(text).min(1).optional(),
});

const condition = z.discriminatedUnion('kind', [
  z.strictObject({ id, kind: z.literal('range'), fact: text, range, description: text, citation }),
  z.strictObject({ id, kind: z.literal('officer-check'), description: text, citation }),
]);

const cap = z.strictObject({ amount: yuan, citation });

const tier = z.strictObject({
  id,
  description: text,
  basis: range.optional(),
  selector: range.optional(),
  ratePercent: percent,
  cap: yuan.optional(),
  citation,
});

const payeeShare = z.strictObject({
  payee: id.refine((v) => v !== 'applicant', 'the applicant takes the rest of the award; name another payee'),
  description: text,
  sharePercent: percent,
  cap: yuan.optional(),
  nameFact: text,
  accountFact: text,
  citation,
});
/** Every formula kind may split its award among payees (checked further in catalog.ts programProblems). */
const split = z.array(payeeShare).min(1).optional();

const band = z.strictObject({ id, description: text, selector: range, ratePercent: percent, citation });

const formula = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('tiered-rate'),
    basisFact: text,
    selectorFact: text.optional(),
    tiers: z.array(tier).min(1),
    noTierReason: text,
    cap: cap.optional(),
    split,
  }),
  z.strictObject({
    kind: z.literal('fixed-milestones'),
    lines: z.array(z.strictObject({ id, description: text, citation, amount: yuan })).min(1),
    split,
  }),
  z.strictObject({
    kind: z.literal('rate-of-fact-per-milestone'),
    basisFact: text,
    lines: z.array(z.strictObject({ id, description: text, citation, ratePercent: percent })).min(1),
    split,
  }),
  z.strictObject({
    kind: z.literal('unit-rate'),
    id,
    description: text,
    rate: yuan,
    rateUnit: text,
    factors: z.array(z.strictObject({ fact: text, cap: percent.optional(), description: text })).min(1),
    cap: cap.optional(),
    citation,
    split,
  }),
  z.strictObject({
    kind: z.literal('fixed-by-category'),
    categoryFact: text,
    categories: z.array(z.strictObject({ id, description: text, amount: yuan, citation })).min(1),
    split,
  }),
  z.strictObject({ kind: z.literal('fixed-amount'), id, description: text, amount: yuan, citation, split }),
  z.strictObject({
    kind: z.literal('marginal-bands'),
    id,
    description: text,
    basisFact: text,
    selectorFact: text,
    attribution: z.literal('growth-share-of-current'),
    bands: z.array(band).min(1),
    cap: cap.optional(),
    citation,
    split,
  }),
  z.strictObject({
    kind: z.literal('per-unit'),
    id,
    description: text,
    countFact: text,
    amountPerUnit: yuan,
    unit: text,
    unitQualifies: z.strictObject({ description: text, lower: bound, unit: text.optional() }).optional(),
    cap: cap.optional(),
    citation,
    split,
  }),
  z.strictObject({
    kind: z.literal('rate-above-threshold'),
    id,
    description: text,
    basisFact: text,
    threshold: bound,
    rateOn: z.enum(['whole', 'excess']),
    ratePercent: percent,
    cap: cap.optional(),
    citation,
    split,
  }),
  z.strictObject({
    kind: z.literal('unit-rate-by-category'),
    id,
    description: text,
    categoryFact: text,
    basisFact: text,
    rentFact: text.optional(),
    rateUnit: text,
    factors: z.array(z.strictObject({ fact: text, description: text })).min(1),
    // Exactly one of rate or rentSharePercent, and the cross-references: catalog.ts programProblems.
    bases: z.array(z.strictObject({ id, description: text, rate: yuan.optional(), rentSharePercent: percent.optional(), citation })).min(1),
    categories: z
      .array(
        z.strictObject({
          id,
          description: text,
          bases: z.array(id).min(1),
          caps: z.array(z.strictObject({ fact: text, max: decimal, description: text })),
          citation,
        }),
      )
      .min(1),
    cap: cap.optional(),
    citation,
    split,
  }),
  z.strictObject({
    kind: z.literal('multi-fact-tiers'),
    tiers: z
      .array(
        z.strictObject({
          id,
          description: text,
          conditions: z.array(z.strictObject({ fact: text, range, description: text })).min(1),
          amount: yuan,
          citation,
        }),
      )
      .min(1),
    noTierReason: text,
    split,
  }),
]);

const disbursement = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('lump-sum'), tranche: id, condition: text, citation: citation.optional() }),
  z.strictObject({
    kind: z.literal('progress'),
    basisFact: text,
    description: text,
    remainder: z.literal('last-tranche'),
    tranches: z.array(z.strictObject({ id, reachesPercent: percent, sharePercent: percent })).min(1),
    citation,
  }),
  z.strictObject({
    kind: z.literal('milestones'),
    remainder: z.literal('last-tranche'),
    tranches: z
      .array(
        z.strictObject({
          id,
          milestone: id,
          condition: text,
          formulaLine: id.optional(),
          sharePercent: percent.optional(),
          progress: z.strictObject({ basisFact: text, reachesPercent: percent }).optional(),
        }),
      )
      .min(1),
    citation: citation.optional(),
  }),
  z.strictObject({
    kind: z.literal('yearly-instalments'),
    years: z.number().int().min(1).max(10),
    sharesPercent: z.array(percent).min(1),
    remainder: z.literal('last-tranche'),
    condition: text,
    citation,
  }),
]);

const filingWindow = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all-year'), citation: citation.optional(), note: text.optional() }),
  z.strictObject({ kind: z.literal('monthly'), month: z.number().int().min(1).max(12), citation }),
  z.strictObject({
    kind: z.literal('dates'),
    windows: z.array(z.strictObject({ round: text, opens: date, closes: date, note: text.optional() })),
    minWorkingDays: z.number().int().min(1).optional(),
    citation,
  }),
  z.strictObject({ kind: z.literal('announced'), minWorkingDays: z.number().int().min(1), citation }),
]);

const obligation = z.strictObject({
  id,
  kind: z.enum(['stay-in-district', 'use-funds-for-project']),
  description: text,
  years: z.number().int().min(1).optional(),
  runsFrom: z.enum(['first-payment', 'last-payment']).optional(),
  reading: text.optional(),
  citation,
});

export const programSchema = z.strictObject({
  id,
  name: text,
  nameEn: text,
  policy: z.strictObject({ id, title: text, issuer: text }),
  citation,
  filingWindow,
  eligibility: z.array(condition),
  facts: z.array(factSpec).min(1),
  formula,
  disbursement,
  materials: z.array(z.strictObject({ id, name: text, description: text.optional(), citation: citation.optional() })).min(1),
  review: z.strictObject({
    inspection: z.strictObject({ amount: yuan, inclusive: z.boolean(), word: text.optional(), citation }),
    spotCheckRatePercent: percent.refine((v) => Number(v) <= 100, 'must be at most 100'),
    reviewDays: z.number().int().min(1),
    extensionMaxDays: z.number().int().min(0),
    citation,
  }),
  // 001 §（三）6 and 002 第二十九条: 不少于5个工作日.
  notice: z.strictObject({ workingDays: z.number().int().min(5, 'a public notice lasts at least 5 working days'), citation }),
  agreement: z.strictObject({ required: z.boolean(), citation: citation.optional(), note: text.optional() }),
  obligations: z.array(obligation),
  deadlines: z.strictObject({
    formalSubmissionWorkingDays: z.number().int().min(1).optional(),
    supplementAnswerWorkingDays: z.number().int().min(1),
    agreementSigningWorkingDays: z.number().int().min(1),
    note: text,
  }),
  clawback: z.strictObject({
    tenor: z.enum(['1Y', '5Y']),
    dayCount: z.enum(['ACT/360', 'ACT/365']),
    rateMode: z.enum(['fixed-at-decision', 'floating']),
    repaymentDueWorkingDays: z.number().int().min(1),
    referOnOverdue: z.boolean(),
    citation,
  }),
  annualCaps: z.array(
    z.strictObject({
      id,
      scope: z.enum(['applicant-per-program', 'applicant-per-policy']),
      amount: yuan,
      description: text,
      citation,
    }),
  ),
  quantityLimits: z
    .array(
      z.strictObject({
        id,
        fact: text,
        max: decimal,
        per: z.enum(['applicant-lifetime', 'applicant-year']),
        when: z.strictObject({ fact: text, in: z.array(text).min(1) }).optional(),
        description: text,
        citation,
      }),
    )
    .optional(),
  // The note-or-citation and projectLabel rules are in catalog.ts programProblems.
  support: z.strictObject({
    nature: id,
    per: z.enum(['applicant', 'project', 'product']),
    projectLabel: text.optional(),
    doubleDipping: z.enum(['refuse', 'show-reviewer']),
    citation: citation.optional(),
    note: text.optional(),
  }),
  rounds: z.strictObject({ signOff: z.enum(['batch', 'single']), citation: citation.optional(), note: text.optional() }),
  note: text.optional(),
});

// Compile-time: the schema and the hand-written types describe the same JSON.
type Parsed = z.infer<typeof programSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesTypes: Same<Parsed, Program> = true;
void schemaMatchesTypes;
