/**
 * The action `repayments`: Record a repayment received (`POST /applications/:id/repayments`).
 * `referred` is an end stage for reporting, yet repayments are still received there.
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { shanghaiDate } from '../calendar';
import { refreshStatement } from '../clawback-statement';
import { compareYuan, type Yuan } from '../money';
import { invalid, conflict, statedDateProblem, first, type ActionContext } from './rules';
import { body, PositiveYuan, CalendarDate, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /repayments: money recovered, applied costs → interest → principal. */
export interface RepaymentRequest extends ActionRequest {
  amount: Yuan;
  /** YYYY-MM-DD */
  paidOn: string;
}

export const RepaymentBody: z.ZodType<BodyOf<RepaymentRequest>> = body({
  // At most what is outstanding on paidOn: the workflow's check, it knows the statement.
  amount: PositiveYuan,
  paidOn: CalendarDate,
  comment,
});

export default defineAction<RepaymentRequest>({
  path: 'repayments',
  aliases: ['repayment'],
  summary: 'Record a repayment received',
  roles: ['finance-officer'],
  stages: ['clawback', 'referred'],
  movesMoney: true,
  body: RepaymentBody,
  refuse: (s: ApplicationState, r: RepaymentRequest, now: string, context: ActionContext) =>
    first(
      () => statedDateProblem(r.paidOn, 'paidOn', shanghaiDate(now), s.clawback?.decisionDate ?? null, 'the clawback decision'),
      () => (s.clawback?.settledAt ? conflict(`the clawback was settled at ${s.clawback.settledAt}; nothing is outstanding`) : null),
      () => (!context.outstandingOn ? conflict('the clawback statement is being prepared; retry in a moment') : null),
      () => {
        const outstanding = context.outstandingOn?.(r.paidOn);
        if (outstanding === undefined) return null;
        return compareYuan(r.amount, outstanding) > 0
          ? invalid(`amount ${r.amount} is more than the ${outstanding} outstanding on ${r.paidOn}`)
          : null;
      },
    ),
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const c = state.clawback!;
    c.repayments.push({ amount: r.amount, paidOn: r.paidOn, toCosts: '0.00', toInterest: '0.00', toPrincipal: '0.00', recordedBy: r.actor, recordedAt: at() });
    refreshStatement(state, app.lpr!, app.today());
    const applied = state.clawback!.repayments.find((x) => x.recordedAt === at() && x.amount === r.amount && x.paidOn === r.paidOn);
    app.record({
      actor: r.actor,
      action: 'repayments',
      details: { amount: r.amount, paidOn: r.paidOn, applied, outstanding: state.clawback!.outstanding, asOf: state.clawback!.asOf, comment: withComment(r) },
    });
  },
  phrase: (r, after) => {
    const outstanding = after?.clawback?.outstanding;
    return `recorded a repayment of ${r.amount} yuan paid on ${r.paidOn}${outstanding ? `; ${outstanding} yuan now outstanding` : ''}`;
  },
});
