/**
 * The action `costs`: Record a recovery cost (追偿费用: litigation, preservation, enforcement
 * fees and the like) with its evidence (`POST /applications/:id/costs`). Costs are due from the
 * day they were incurred and every repayment settles them first, then interest, then principal
 * (民法典 第五百六十一条); the statement shows them. Money moves: an Idempotency-Key is required.
 */
import type { z } from 'zod';
import type { ApplicationState, Document } from '../application';
import { shanghaiDate } from '../calendar';
import { refreshStatement } from '../clawback-statement';
import type { Yuan } from '../money';
import { conflict, statedDateProblem, first } from './rules';
import { body, PositiveYuan, CalendarDate, comment, documents, text, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /costs: a cost of the recovery, borne by the government and owed by the applicant. */
export interface CostsRequest extends ActionRequest {
  amount: Yuan;
  /** YYYY-MM-DD, Asia/Shanghai: the day the cost was incurred; due from that day. */
  incurredOn: string;
  /** What the cost is, e.g. 诉讼费 or 财产保全费. */
  description: string;
  evidence: Document[];
}

export const CostsBody: z.ZodType<BodyOf<CostsRequest>> = body({
  amount: PositiveYuan,
  incurredOn: CalendarDate,
  description: text(500),
  evidence: documents(),
  comment,
});

export default defineAction<CostsRequest>({
  path: 'costs',
  aliases: [],
  summary: 'Record a recovery cost (litigation, preservation fees…) with its evidence',
  roles: ['finance-officer'],
  stages: ['clawback', 'referred'],
  movesMoney: true,
  body: CostsBody,
  refuse: (s: ApplicationState, r: CostsRequest, now: string) =>
    first(
      () => (s.clawback?.settledAt ? conflict(`the clawback was settled at ${s.clawback.settledAt}; no cost can be added`) : null),
      () => statedDateProblem(r.incurredOn, 'incurredOn', shanghaiDate(now), s.clawback?.decisionDate ?? null, 'the clawback decision'),
      () => (s.clawback ? null : conflict('there is no clawback to add a cost to')),
    ),
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const c = state.clawback!;
    const costs = (c.recoveryCosts ??= []);
    const record = { n: costs.length + 1, amount: r.amount, incurredOn: r.incurredOn, description: r.description, evidence: r.evidence, recordedBy: r.actor, recordedAt: at() };
    costs.push(record);
    if (app.lpr) refreshStatement(state, app.lpr, app.today());
    app.record({
      actor: r.actor,
      action: 'costs',
      details: { cost: record.n, amount: r.amount, incurredOn: r.incurredOn, description: r.description, evidence: r.evidence, costs: c.costs, outstanding: c.outstanding, asOf: c.asOf, comment: withComment(r) },
    });
  },
  phrase: (r, after) => {
    const outstanding = after?.clawback?.outstanding;
    return `recorded a recovery cost of ${r.amount} yuan (${r.description}) incurred on ${r.incurredOn}${outstanding ? `; ${outstanding} yuan now outstanding` : ''}`;
  },
});
