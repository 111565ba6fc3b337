/**
 * Per-program request schemas generated from the policy catalog: each program's facts (their
 * names, types, options, which are required), and the filing body as a discriminated union on
 * `programId`. The server validates filings and award previews with these very schemas, and the
 * OpenAPI document publishes them, so a program added to data/catalog/ is in both at once.
 * The value rules stay in domain/catalog.ts (`factValueProblem`); the patterns here publish them.
 */
import { z } from 'zod';
import { expected, text } from '../domain/actions/body-parts';
import { factValueProblem, type FactSpec, type Program } from '../domain/catalog';
import { BOUNDED_YUAN_PATTERN, TEXT_PATTERN, wholeNumberAtMostPattern } from '../domain/patterns';
import { PROJECT_CODE_PATTERN } from '../domain/projects';
import { ROUND_ID_PATTERN_SOURCE } from '../domain/rounds';
import { CreditCode, type FilingBody } from './schemas';

/** What a value of each fact type looks like, as published (the rule itself is factValueProblem). */
const FACT_PATTERNS = {
  yuan: BOUNDED_YUAN_PATTERN,
  /** At most 15 digits before the point and 10 after (catalog.ts SANE_DECIMAL). */
  percent: '^-?(0|[1-9][0-9]{0,14})(\\.[0-9]{1,10})?$',
  decimal: '^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,10})?$',
  integer: wholeNumberAtMostPattern(String(Number.MAX_SAFE_INTEGER)),
  text: TEXT_PATTERN,
} as const;

function factSchema(spec: FactSpec): z.ZodType {
  const rule = (value: unknown, ctx: z.RefinementCtx) => {
    const problem = factValueProblem(spec, value as string | number);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.slice(spec.name.length + 1) });
  };
  const about = { description: spec.description, ...(spec.unit ? { 'x-unit': spec.unit } : {}) };
  if (spec.type === 'integer') {
    return z
      .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(new RegExp(FACT_PATTERNS.integer))], {
        error: (issue) => (issue.input === undefined ? 'is required' : `must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`),
      })
      .meta(about);
  }
  if (spec.type === 'text' && spec.options) {
    return z.enum(spec.options as [string, ...string[]], { error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${spec.options!.join(', ')}`) }).meta(about);
  }
  const what = spec.type === 'yuan' ? 'a yuan string with two decimals, e.g. "1000000.00"' : spec.type === 'text' ? 'a string' : 'a decimal string such as "15" or "12.5"';
  return z
    .string({ error: expected(what) })
    .superRefine(rule)
    .meta({ pattern: FACT_PATTERNS[spec.type], ...about, ...(spec.type === 'yuan' ? { examples: ['1000000.00'] } : {}) });
}

/** The facts of one program: its own names only, the required ones required. */
export function factsSchema(program: Program): z.ZodType<Record<string, string | number>> {
  const shape = Object.fromEntries(program.facts.map((spec) => [spec.name, spec.required ? factSchema(spec) : factSchema(spec).optional()]));
  return z
    .object(shape, { error: (issue) => (issue.input === undefined ? 'is required' : `must be an object of the facts of ${program.id}`) })
    .strict() as unknown as z.ZodType<Record<string, string | number>>;
}

const Applicant = z.object({ creditCode: CreditCode, name: text(200) }, { error: expected('{creditCode, name}') }).strict();

/** The round filed into (`<program>.<label>`, GET /rounds); may be left out when the program has exactly one open round. */
const RoundIdField = z.string().max(97).regex(new RegExp(`^${ROUND_ID_PATTERN_SOURCE}$`), 'must be a round id such as qianhai-retail-growth.2026 (GET /rounds lists them)');

/** The project (or product) filed for: its code identifies it across programs and policies (double dipping). */
function projectField(program: Program): z.ZodType {
  const label = program.support.projectLabel ?? 'the project';
  return z
    .object(
      {
        code: z.string().regex(PROJECT_CODE_PATTERN, 'must be 1-64 letters, digits, _ or -, starting with a letter or digit'),
        name: text(200),
      },
      { error: (issue) => (issue.input === undefined ? `is required: ${program.id} takes one application per ${program.support.per} (${label})` : expected('{code, name}')(issue)) },
    )
    .strict()
    .meta({ description: `${label}: one application per ${program.support.per} and round; its code is compared across policies (002 第三十六条)` });
}

/** The filing body: one variant per program of the catalog, told apart by `programId`. */
export function filingBodyFor(programs: readonly Program[]): z.ZodType<FilingBody> {
  const variants = [...programs]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((program) =>
      z
        .object(
          {
            programId: z.literal(program.id),
            roundId: RoundIdField.optional(),
            applicant: Applicant,
            project: program.support.per === 'applicant' ? projectField(program).optional() : projectField(program),
            facts: factsSchema(program),
          },
          { error: expected('a JSON object') },
        )
        .strict()
        .meta({ title: program.id }),
    );
  if (variants.length === 0) throw new Error('the catalog has no program to file for');
  return z.discriminatedUnion('programId', variants as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'programId must be a program in the catalog (GET /programs lists them)'
        : issue.code === 'invalid_type'
          ? 'must be a JSON object'
          : undefined,
  }) as unknown as z.ZodType<FilingBody>;
}

/** Award previews take the facts of the program in the path; the document lists every program's. */
export function anyProgramFacts(programs: readonly Program[]): z.ZodType {
  return z.union(programs.map((program) => factsSchema(program).meta({ title: `${program.id} facts` })) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}
