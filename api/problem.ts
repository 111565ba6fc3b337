/**
 * Errors as RFC 9457 problem details (`application/problem+json`), each with a stable `type` that
 * integrating systems can branch on, the field and the reason where there is one, and never a
 * stack trace or internals.
 */
import type { Response } from 'express';
import type { ZodError } from 'zod';

export const PROBLEM_TYPES = {
  validation: { status: 400, title: 'The request is not valid' },
  unauthorized: { status: 401, title: 'A valid credential is required' },
  forbidden: { status: 403, title: 'Your role may not do this' },
  'separation-of-duties': { status: 403, title: 'Separation of duties forbids this' },
  'not-found': { status: 404, title: 'Not found' },
  'wrong-stage': { status: 409, title: 'The application is not at a stage that allows this' },
  conflict: { status: 409, title: 'This conflicts with the current state' },
  unprocessable: { status: 422, title: 'The request cannot be accepted' },
  'unknown-calendar-year': { status: 422, title: 'No working-day calendar is known for that year' },
  'too-large': { status: 413, title: 'The body is too large' },
  'idempotency-key-required': { status: 428, title: 'This action needs an Idempotency-Key' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  unavailable: { status: 503, title: 'The engine cannot answer right now' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;

export interface FieldError {
  field: string;
  reason: string;
}

export class Problem extends Error {
  constructor(
    readonly type: ProblemType,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail);
  }

  get status(): number {
    return PROBLEM_TYPES[this.type].status;
  }
}

export function sendProblem(res: Response, problem: Problem): void {
  const { headers, ...extra } = problem.extra;
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      type: `/problems/${problem.type}`,
      title: PROBLEM_TYPES[problem.type].title,
      status: problem.status,
      detail: problem.detail,
      ...extra,
      requestId: res.locals.requestId as string | undefined,
    });
}

/** A 400 naming every bad field (dotted path, e.g. `applicant.creditCode`) and why. */
export function validationProblem(error: ZodError, prefix = ''): Problem {
  const errors = error.issues.map((issue) => {
    const path = issue.path.map(String);
    // Unknown keys are reported on the object; name the key itself.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [prefix, ...path, key].filter(Boolean).join('.'), reason: 'is not a known field' }));
    }
    return [{ field: [prefix, ...path].filter(Boolean).join('.') || '(body)', reason: issue.message }];
  }).flat();
  const detail = errors.map((e) => `${e.field}: ${e.reason}`).join('; ');
  return new Problem('validation', detail, { errors });
}
