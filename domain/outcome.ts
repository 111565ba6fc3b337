/**
 * What an action's update answers with: a compact outcome, not the whole state.
 *
 * Temporal stores every update's answer in the workflow's history. The whole state (audit trail
 * included) grows with every action, so answers of the whole state made a five-year history grow
 * with the square of its actions. The outcome carries only what an auditor follows (the watched
 * fields below) as they stood once the engine had reacted to the action: its size does not grow
 * with the application's age. Callers that want the state read it after the answer (the API does).
 */
import type { ApplicationState, Tranche } from './application';

/** The fields of the state an auditor follows, as the outcome of an action carries them. */
export interface StateView {
  stage: ApplicationState['stage'];
  award?: Pick<ApplicationState['award'], 'recommended' | 'approved'>;
  review?: { clock: { lastDay: string } } | null;
  agreement?: { signedOn: string | null } | null;
  notice?: { objections: Array<{ n: number; status: string }> } | null;
  tranches?: Array<Pick<Tranche, 'n' | 'milestone' | 'amount' | 'status' | 'paidOn' | 'treasuryReference'> & { instruction?: { idempotencyKey: string } | null }>;
  reports?: Array<{ n: number; status: string }>;
  clawback?: Pick<NonNullable<ApplicationState['clawback']>, 'principal' | 'interest' | 'repaid' | 'outstanding' | 'lastDay'> | null;
}

/** The answer of an accepted action. */
export interface ActionOutcome {
  /** The action that was applied, e.g. `sign-off` (its update's name). */
  update: string;
  /** The watched fields once the engine had reacted to the action. */
  after: StateView;
  /** The API's attempt that applied it (a retry is answered with this first outcome, naming the first attempt). */
  attempt?: string;
}

/** The watched part of the state. */
export function stateView(s: ApplicationState): StateView {
  return {
    stage: s.stage,
    award: { recommended: s.award.recommended, approved: s.award.approved },
    review: s.review ? { clock: { lastDay: s.review.clock.lastDay } } : null,
    agreement: s.agreement ? { signedOn: s.agreement.signedOn } : null,
    notice: s.notice ? { objections: s.notice.objections.map((o) => ({ n: o.n, status: o.status })) } : null,
    tranches: s.tranches.map((t) => ({
      n: t.n,
      milestone: t.milestone,
      amount: t.amount,
      status: t.status,
      paidOn: t.paidOn,
      treasuryReference: t.treasuryReference,
      instruction: t.instruction ? { idempotencyKey: t.instruction.idempotencyKey } : null,
    })),
    reports: s.reports.map((r) => ({ n: r.n, status: r.status })),
    clawback: s.clawback
      ? { principal: s.clawback.principal, interest: s.clawback.interest, repaid: s.clawback.repaid, outstanding: s.clawback.outstanding, lastDay: s.clawback.lastDay }
      : null,
  };
}

/** Whether an update's answer is an outcome (histories recorded before carry the whole state). */
export function isActionOutcome(answer: unknown): answer is ActionOutcome {
  return typeof answer === 'object' && answer !== null && 'after' in answer && 'update' in answer;
}

/** The fields whose change an auditor follows, flattened (a whole state or a view). */
export function watched(s: StateView): Record<string, unknown> {
  const out: Record<string, unknown> = { stage: s.stage };
  if (s.award) {
    out['award.recommended'] = s.award.recommended;
    out['award.approved'] = s.award.approved;
  }
  if (s.review) out['review.lastDay'] = s.review.clock.lastDay;
  if (s.agreement) out['agreement.signedOn'] = s.agreement.signedOn;
  for (const o of s.notice?.objections ?? []) out[`objection ${o.n}.status`] = o.status;
  for (const t of s.tranches ?? []) {
    out[`tranche ${t.n}.status`] = t.status;
    out[`tranche ${t.n}.paidOn`] = t.paidOn;
    out[`tranche ${t.n}.treasuryReference`] = t.treasuryReference;
  }
  for (const r of s.reports ?? []) out[`report ${r.n}.status`] = r.status;
  if (s.clawback) {
    for (const k of ['principal', 'interest', 'repaid', 'outstanding', 'lastDay'] as const) out[`clawback.${k}`] = s.clawback[k];
  }
  return out;
}

/** The watched fields that differ, each `{ from, to }`; undefined when none does. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> | undefined {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const from = before[k] ?? null;
    const to = after[k] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[k] = { from, to };
  }
  return Object.keys(changes).length > 0 ? changes : undefined;
}
