/**
 * Request bodies, validated with zod at the boundary: nothing reaches a workflow unvalidated.
 * Unknown fields are refused so that a misspelt field is a 400, not silently ignored.
 *
 * The action bodies are the public contract of `POST /applications/:id/<action>` (issue 5): fields
 * may be added, never renamed. Each is defined in its action's module (domain/actions/<name>.ts)
 * and parses to the action's request without the actor (taken from the credential) and without
 * `n` (taken from the path).
 */
import { z } from 'zod';
import { ACTION_NAMES, ACTIONS, type ActionName, type RequestByAction } from '../domain/actions';
import { CreditCode, text, type BodyOf } from '../domain/actions/body-parts';

/** The parts other API schemas use (listing, reference data, OpenAPI). */
export { CalendarDate, CreditCode, DocumentBody, PositiveYuan, YuanText as Yuan } from '../domain/actions/body-parts';

/** `<programId>.<round>.<creditCode>`, see domain/application.ts; a round is e.g. `2026` or `2026-09`. */
/** `<program>.<round label>.<credit code>`, and `.<project code>` for programs that award per project or product. */
export const APPLICATION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}\.[0-9A-Za-z-]{1,32}\.[0-9A-Z]{18}(\.[A-Za-z0-9][A-Za-z0-9_-]{0,63})?$/;

/** A program id of the catalog, e.g. `dinghu-emergency-major-project`. */
export const PROGRAM_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** An `Idempotency-Key` header: the update id of an action, remembered with a filing. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/** `:n` in a path (an objection, a tranche): a positive whole number; anything else is no such thing (404). */
export const ORDINAL_PATTERN = /^[1-9][0-9]{0,5}$/;

// ---- Action bodies: each defined in its action's module ---------------------------------------

/** The body each action takes, by the action's name (from the registry, domain/actions). */
export const ACTION_BODIES = Object.fromEntries(ACTION_NAMES.map((name) => [name, ACTIONS[name].body])) as {
  readonly [K in ActionName]: z.ZodType<BodyOf<RequestByAction[K]>>;
};

// ---- Filing ----------------------------------------------------------------------------------

export const FilingBody = z
  .object({
    programId: z.string().regex(PROGRAM_ID_PATTERN, 'must be a program id such as dinghu-emergency-major-project'),
    roundId: z.string().optional(),
    applicant: z.object({ creditCode: CreditCode, name: text(200) }).strict(),
    project: z.object({ code: z.string(), name: z.string() }).strict().optional(),
    facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), { error: 'must be an object of program facts' }),
  })
  .strict();
export type FilingBody = z.infer<typeof FilingBody>;

/** `POST /applications/:id/termination` (admin): why the workflow is ended by hand, for the audit trail. */
export const TerminationBody = z.object({ reason: text(2000) }).strict();

/** `POST /applications/:id/effect-retry` (admin): why the refused effects are tried again now, for the audit trail. */
export const EffectRetryBody = z.object({ reason: text(2000) }).strict();

/**
 * `POST /applications/:id/reset` (admin): why, and to which point of the running run Temporal
 * resets it: a WorkflowTaskCompleted event of that run by its id, or its last (the default, what a
 * replayable bug fix needs: the last workflow task runs again on the fixed code) or first one.
 */
export const ResetBody = z
  .object({
    reason: text(2000),
    to: z
      .union([
        z.enum(['last-workflow-task', 'first-workflow-task']),
        z.object({ eventId: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
      ], { error: 'must be "last-workflow-task", "first-workflow-task" or {"eventId": <a WorkflowTaskCompleted event of the running run>}' })
      .optional(),
  })
  .strict();
export type ResetBody = z.infer<typeof ResetBody>;
