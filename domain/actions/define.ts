/**
 * What defines an action, and the helpers its module uses. Each action is one module
 * (domain/actions/<name>.ts) holding all of it: its name and endpoint, who may take it at which
 * stage, its request and the one schema its body is validated with, the rule that refuses it, how
 * it changes the state of a running application, and how the audit trail words it. The registry
 * (domain/actions/index.ts) lists the modules; the API's routes, access matrix and OpenAPI, the
 * Workflow Updates and their handlers, and the audit trail are all derived from it.
 */
import type { z } from 'zod';
import type { ApplicationState, Decision, Report } from '../application';
import type { StateView } from '../outcome';
import type { Actor, Role } from '../roles';
import type { ApplicationRun } from '../run';
import { ACTIVE_STAGES, type Stage } from '../stages';
import type { BodyOf } from './body-parts';
import type { ActionContext, Refusal } from './rules';

/** Every action carries who takes it (from the credential) and their comment. */
export interface ActionRequest {
  actor: Actor;
  comment?: string;
  /**
   * A fresh id for each attempt the API makes (not the caller's, not part of the key's binding):
   * the outcome names the attempt that applied the action, so an answer naming another attempt is
   * the first answer given again to a retry.
   */
  attempt?: string;
}

export interface ActionDefinition<R extends ActionRequest> {
  /** The endpoint under `/applications/:id/`; `:n` is the objection or tranche it acts on. */
  path: string;
  /**
   * Earlier names of the action's Workflow Update, stored in histories recorded before updates
   * were named after their action: the workflow still answers to them, so those histories replay.
   */
  aliases: readonly string[];
  /** One line for the API documentation. */
  summary: string;
  /** Roles that may take the action. */
  roles: readonly Role[];
  /** Stages at which the action is possible. */
  stages: readonly Stage[];
  /**
   * The action records money moving (a payment, a repayment): the caller must send an
   * `Idempotency-Key` (the API answers `428` without one), so a retry can never record it twice.
   */
  movesMoney?: true;
  /**
   * Fields of the request the engine itself adds, never part of the HTTP body (the executive
   * meeting a round applies as a sign-off): the workflow checks them in `refuse`, not with `body`.
   */
  engineFields?: readonly string[];
  /** The body of `POST /applications/:id/<path>`: the request without the actor and `n`. */
  body: z.ZodType<BodyOf<R>>;
  /** Why the action is refused beyond role and stage (checked by the workflow's validator); null: accepted. */
  refuse: (state: ApplicationState, request: R, now: string, context: ActionContext) => Refusal | null;
  /** How the action changes the running application's state (the workflow's update handler). */
  apply: (app: ApplicationRun, request: R) => void | Promise<void>;
  /** How the audit trail words it, from the request and the watched fields once the engine reacted. */
  phrase: (request: R, after: StateView | undefined) => string;
}

/** One action's definition, its request type fixed. */
export function defineAction<R extends ActionRequest>(definition: ActionDefinition<R>): ActionDefinition<R> {
  return definition;
}

/** Every active stage up to the end of disbursement (withdrawal is possible until payment). */
export const BEFORE_PAYMENT_ENDS = ACTIVE_STAGES.slice(0, ACTIVE_STAGES.indexOf('disbursement') + 1);

/** What applying an action commonly needs: the state, workflow time, and records of decisions, reports and credit. */
export function helpersOf(app: ApplicationRun) {
  const state = app.state;
  const at = () => app.now();
  return {
    state,
    at,
    withComment: (r: ActionRequest) => (r.comment ? r.comment : undefined),
    decision: <D extends string>(d: D, amount: string | undefined, reason: string, by: Actor): Decision<D> => ({
      decision: d,
      amount: amount ?? null,
      reason,
      by,
      at: at(),
    }),
    addReport(kind: 'fraud' | 'breach', findings: string, evidence: Report['evidence'], obligation: string | null, by: Actor, afterPayment: boolean): Report {
      const report: Report = { n: state.reports.length + 1, kind, findings, evidence, obligation, by, at: at(), afterPayment, status: 'open', decision: null };
      state.reports.push(report);
      return report;
    },
    creditRecord(n: number, kind: 'fraud' | 'breach', findings: string): void {
      const idempotencyKey = `${state.id}:credit:${n}`;
      state.creditRecords.push({ at: at(), reason: `${kind} report ${n}`, idempotencyKey });
      app.enqueue('recordCredit', () =>
        app.send.recordCredit({
          applicationId: state.id,
          idempotencyKey,
          creditCode: state.applicant.creditCode,
          name: state.applicant.name,
          reason: `${kind} (report ${n}): ${findings}`,
          kind,
          report: n,
        }),
      );
    },
  };
}

/** `n word` or `n words`. */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Tranche `n` of the watched fields, if known. */
export const trancheIn = (s: StateView | undefined, n: number) => s?.tranches?.find((t) => t.n === n);
