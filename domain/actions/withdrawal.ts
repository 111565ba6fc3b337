/**
 * The action `withdrawal`: Withdraw the application (`POST /applications/:id/withdrawal`).
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { conflict, first, paymentStarted } from './rules';
import { body, comment, reason, type BodyOf } from './body-parts';
import { defineAction, helpersOf, BEFORE_PAYMENT_ENDS, type ActionRequest } from './define';

/** POST /withdrawal: before any payment. */
export interface WithdrawalRequest extends ActionRequest {
  reason: string;
}

export const WithdrawalBody: z.ZodType<BodyOf<WithdrawalRequest>> = body({ reason: reason(), comment });

export default defineAction<WithdrawalRequest>({
  path: 'withdrawal',
  aliases: [],
  summary: 'Withdraw the application',
  roles: ['applicant-system'],
  stages: BEFORE_PAYMENT_ENDS,
  body: WithdrawalBody,
  refuse: (s: ApplicationState) =>
    first(
      () =>
        paymentStarted(s)
          ? conflict('a payment has been instructed or made: an application may be withdrawn only before payment')
          : null,
      // Fix: the engine sends a verified tranche's payment instruction at once, so it may be in
      // flight while this validator runs; a withdrawal accepted then would not stop the money.
      () => {
        const moving = s.tranches.find((t) => t.status === 'verified');
        return moving
          ? conflict(`tranche ${moving.n} is verified for payment and its instruction is under way: an application may be withdrawn only before payment`)
          : null;
      },
    ),
  apply(app, r) {
    const { withComment } = helpersOf(app);
    app.end('withdrawn', r.actor, 'withdrawal', `withdrawn by the applicant: ${r.reason}`, { comment: withComment(r) });
  },
  phrase: (r) => `withdrew the application: ${r.reason}`,
});
