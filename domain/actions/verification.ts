/**
 * The action `verification`: Verify a progress report (`POST /applications/:id/progress/:n/verification`).
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { invalid, conflict, first, trancheOf, suspension } from './rules';
import { bool, body, comment, reason, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /progress/:n/verification (n = the tranche claimed). */
export interface VerificationRequest extends ActionRequest {
  n: number;
  accepted: boolean;
  reason: string;
}

export const VerificationBody: z.ZodType<BodyOf<VerificationRequest>> = body({
  accepted: bool(),
  reason: reason(),
  comment,
});

export default defineAction<VerificationRequest>({
  path: 'progress/:n/verification',
  aliases: [],
  summary: 'Verify a progress report',
  roles: ['reviewer', 'inspector'],
  stages: ['disbursement'],
  body: VerificationBody,
  refuse: (s: ApplicationState, r: VerificationRequest) => {
    const tranche = trancheOf(s, r.n);
    return first(
      () => suspension(s),
      () => (tranche ? null : invalid(`there is no tranche ${r.n}`)),
      () => (tranche!.status === 'claimed' ? null : conflict(`tranche ${r.n} is ${tranche!.status}, not claimed: there is no progress report to verify`)),
    );
  },
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const tranche = trancheOf(state, r.n)!;
    tranche.claims.at(-1)!.verification = { accepted: r.accepted, reason: r.reason, by: r.actor, at: at() };
    tranche.status = r.accepted ? 'verified' : 'rejected';
    app.record({ actor: r.actor, action: 'verification', comment: r.reason, details: { tranche: r.n, accepted: r.accepted, comment: withComment(r) } });
    if (!r.accepted) {
      app.enqueue('notifyApplicant', () => app.send.notifyApplicant({
        applicationId: state.id,
        idempotencyKey: `${state.id}:tranche:${r.n}:claim:${tranche.claims.length}:rejected`,
        creditCode: state.applicant.creditCode,
        subject: `Progress report for tranche ${r.n} not accepted`,
        body: r.reason,
      }));
    }
  },
  phrase: (r) => `${r.accepted ? 'accepted' : 'did not accept'} the progress report for tranche ${r.n}: ${r.reason}`,
});
