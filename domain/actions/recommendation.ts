/**
 * The action `recommendation`: Recommend approval (with an amount) or rejection (`POST /applications/:id/recommendation`).
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { compareYuan, type Yuan } from '../money';
import { conflict, invalid, separation, amountProblem, first } from './rules';
import { oneOf, body, PositiveYuan, comment, reason, amountOnlyWhen, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /recommendation: `amount` is required to approve and at most what the formula allows. */
export interface RecommendationRequest extends ActionRequest {
  decision: 'approve' | 'reject';
  amount?: Yuan;
  reason: string;
}

export const RecommendationBody: z.ZodType<BodyOf<RecommendationRequest>> = amountOnlyWhen(
  body({ decision: oneOf(['approve', 'reject']), amount: PositiveYuan.optional(), reason: reason(), comment }),
  'decision',
  'approve',
  'is required to approve',
  'is only given to approve',
);

export default defineAction<RecommendationRequest>({
  path: 'recommendation',
  aliases: [],
  summary: 'Recommend approval (with an amount) or rejection',
  roles: ['reviewer'],
  stages: ['review'],
  body: RecommendationBody,
  refuse: (s: ApplicationState, r: RecommendationRequest) =>
    first(
      // 001 §（三）4 over the round: the draw decides whether it is inspected before any recommendation.
      () =>
        s.inspection?.roundDraw?.status === 'pending'
          ? conflict(`the spot check of round ${s.inspection.roundDraw.roundId} is drawn when its window closes; recommend after the draw`)
          : null,
      () => (r.decision === 'approve' ? amountProblem(r.amount, 'amount') : null),
      () =>
        r.decision === 'approve' && s.award.amountByFormula && compareYuan(r.amount!, s.award.amountByFormula) > 0
          ? invalid(`amount ${r.amount} is above the ${s.award.amountByFormula} the program's formula allows`)
          : null,
      () => (r.decision !== 'approve' && r.amount !== undefined ? invalid('amount is only given to approve') : null),
      () =>
        s.inspection?.result && s.inspection.result.by.id === r.actor.id
          ? separation(`${r.actor.name} inspected this application and may not also recommend it`)
          : null,
    ),
  apply(app, r) {
    const { state, withComment, decision } = helpersOf(app);
    state.recommendation = decision(r.decision, r.amount, r.reason, r.actor);
    if (r.decision === 'approve') {
      state.award.recommended = r.amount!;
      app.moveTo('sign-off', r.actor, 'recommendation', r.reason, {
        decision: 'approve',
        amount: r.amount,
        amountByFormula: state.award.amountByFormula,
        comment: withComment(r),
      });
    } else {
      app.end('rejected', r.actor, 'recommendation', `review recommends rejection: ${r.reason}`, { decision: 'reject', comment: withComment(r) });
    }
  },
  phrase: (r) => (r.decision === 'approve' ? `recommended: approve ${r.amount} yuan (${r.reason})` : `recommended: reject (${r.reason})`),
});
