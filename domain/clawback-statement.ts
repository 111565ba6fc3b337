/**
 * An application's clawback statement from its state: principal, interest at the LPR, costs,
 * repayments allocated in the legal order (domain/interest.ts), as of a date. Pure: the workflow
 * refreshes the state with it, the state query shows it as of today, the repayment validator asks
 * for the exact amount outstanding on a date.
 */
import type { ApplicationState, ClawbackState } from './application';
import { clawbackStatement, outstandingOn, type ClawbackInput } from './interest';
import type { LprTable } from './lpr';
import type { Yuan } from './money';

/** The inputs of the statement, from the state: only tranches confirmed paid carry interest. */
function statementInput(state: ApplicationState, lpr: LprTable, asOf: string): ClawbackInput {
  const c = state.clawback!;
  return {
    tranches: state.tranches.filter((t) => t.status === 'paid').map((t) => ({ tranche: t.n, amount: t.amount, paidOn: t.paidOn! })),
    decisionDate: c.decisionDate,
    // Interest runs up to, not including, asOf; never before the decision (a backdated repayment is still counted).
    asOf: asOf < c.decisionDate ? c.decisionDate : asOf,
    rateMode: c.rateMode,
    dayCount: c.dayCount,
    tenor: c.tenor,
    repayments: c.repayments.map((r) => ({ amount: r.amount, paidOn: r.paidOn })),
    costItems: (c.recoveryCosts ?? []).map((x) => ({ amount: x.amount, incurredOn: x.incurredOn })),
    lpr,
  };
}

/** Recomputes the statement as of `asOf` into `state.clawback`, in place. */
export function refreshStatement(state: ApplicationState, lpr: LprTable, asOf: string): void {
  Object.assign(state.clawback!, statementFields(state, lpr, asOf));
}

/** The clawback state with its statement as of `asOf`, as a new object (for the query). */
export function statementNow(state: ApplicationState, lpr: LprTable, asOf: string): ClawbackState {
  return { ...state.clawback!, ...statementFields(state, lpr, asOf) };
}

function statementFields(state: ApplicationState, lpr: LprTable, asOf: string): Partial<ClawbackState> {
  const c = state.clawback!;
  const s = clawbackStatement(statementInput(state, lpr, asOf));
  const recorded = c.repayments;
  return {
    principal: s.principal,
    interest: s.interest,
    costs: s.costs,
    total: s.total,
    repaid: s.repaid,
    outstanding: s.outstanding,
    asOf: s.asOf,
    carriedForward: s.carriedForward,
    lprConfirmedThrough: s.lprConfirmedThrough,
    lines: s.lines,
    // Same order as recorded: by paidOn, same-day ones in the order given.
    repayments: s.repayments.map((a, i) => ({ ...a, ...pick(recorded, a.paidOn, a.amount, i) })),
  };
}

function pick(recorded: ClawbackState['repayments'], paidOn: string, amount: Yuan, i: number) {
  const r = recorded.filter((x) => x.paidOn === paidOn && x.amount === amount)[0] ?? recorded[i];
  return r?.recordedBy ? { recordedBy: r.recordedBy, recordedAt: r.recordedAt } : {};
}

/** The exact amount outstanding on `date`, for the repayment validator. */
export function outstandingOnDate(state: ApplicationState, lpr: LprTable, date: string): Yuan {
  return outstandingOn(statementInput(state, lpr, date), date);
}
