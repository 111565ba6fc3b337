/**
 * The action `sign-off`: Government sign-off: approve, reject or return (`POST /applications/:id/sign-off`).
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { isCalendarDate } from '../calendar';
import { compareYuan, type Yuan } from '../money';
import { invalid, separation, amountProblem, first, conflict } from './rules';
import { oneOf, body, PositiveYuan, comment, reason, amountOnlyWhen, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /sign-off: `amount` is required to approve and at most the recommended amount. */
export interface SignOffRequest extends ActionRequest {
  decision: 'approve' | 'reject' | 'return';
  amount?: Yuan;
  reason: string;
  /**
   * Set when the executive meeting decided the round's list (POST /rounds/:id/sign-off): the round
   * applies each line as this sign-off. Never part of the HTTP body of a single sign-off.
   */
  meeting?: { reference: string; date: string; round: string; batch: number };
}

export const SignOffBody: z.ZodType<BodyOf<SignOffRequest>> = amountOnlyWhen(
  body({ decision: oneOf(['approve', 'reject', 'return']), amount: PositiveYuan.optional(), reason: reason(), comment }),
  'decision',
  'approve',
  'is required to approve',
  'is only given to approve',
);

export default defineAction<SignOffRequest>({
  path: 'sign-off',
  aliases: ['signOff'],
  summary: 'Government sign-off: approve, reject or return',
  roles: ['approver'],
  stages: ['sign-off'],
  body: SignOffBody,
  engineFields: ['meeting'],
  refuse: (s: ApplicationState, r: SignOffRequest) =>
    first(
      // A round run by the executive meeting is signed off as one list (issue 16).
      () =>
        s.roundTerms?.signOff === 'batch' && !r.meeting
          ? conflict(`round ${s.roundTerms.id} is decided by the executive meeting as one list: POST /rounds/${s.roundTerms.id}/sign-off`)
          : null,
      () =>
        r.meeting !== undefined && !(typeof r.meeting?.reference === 'string' && r.meeting.reference.trim() && isCalendarDate(r.meeting.date) && Number.isInteger(r.meeting.batch))
          ? invalid('meeting must name its reference, its date and the round\'s batch')
          : null,
      () =>
        r.meeting && r.meeting.round !== s.roundTerms?.id
          ? conflict(`the meeting decided round ${r.meeting.round}; this application is in ${s.roundTerms?.id ?? 'no round'}`)
          : null,
      // Fix: a return for re-review clears `recommendation`; whoever recommended an earlier round
      // reviewed the application too and may not sign off the next one.
      () =>
        s.recommendation?.by.id === r.actor.id || s.returns.some((x) => x.recommendation.by.id === r.actor.id)
          ? separation(`${r.actor.name} recommended this application and may not also sign it off`)
          : null,
      () =>
        s.inspection?.result?.by.id === r.actor.id
          ? separation(`${r.actor.name} inspected this application and may not also sign it off`)
          : null,
      () => (r.decision === 'approve' ? amountProblem(r.amount, 'amount') : null),
      () =>
        r.decision === 'approve' && s.award.recommended && compareYuan(r.amount!, s.award.recommended) > 0
          ? invalid(`amount ${r.amount} is above the recommended ${s.award.recommended}`)
          : null,
      () => (r.decision !== 'approve' && r.amount !== undefined ? invalid(`amount is only given to approve`) : null),
    ),
  apply(app, r) {
    const { state, at, withComment, decision } = helpersOf(app);
    state.signOff = { ...decision(r.decision, r.amount, r.reason, r.actor), ...(r.meeting ? { meeting: r.meeting } : {}) };
    if (r.decision === 'approve') {
      state.award.approved = r.amount!;
      state.award.changes.push({ at: at(), by: r.actor, amount: r.amount!, why: `sign-off: ${r.reason}` });
      app.moveTo('public-notice', r.actor, 'sign-off', r.reason, { decision: 'approve', amount: r.amount, recommended: state.award.recommended, meeting: r.meeting, comment: withComment(r) });
    } else if (r.decision === 'reject') {
      app.end('rejected', r.actor, 'sign-off', `government sign-off rejected the application: ${r.reason}`, { decision: 'reject', meeting: r.meeting, comment: withComment(r) });
    } else {
      state.returns.push({ recommendation: state.recommendation!, signOff: state.signOff });
      state.recommendation = null;
      state.signOff = null;
      state.award.recommended = null;
      app.moveTo('review', r.actor, 'sign-off', r.reason, { decision: 'return', meeting: r.meeting, comment: withComment(r) });
    }
  },
  phrase: (r) =>
    r.decision === 'approve'
      ? `signed off: approve ${r.amount} yuan (${r.reason})`
      : r.decision === 'return'
        ? `signed off: return for re-review (${r.reason})`
        : `signed off: reject (${r.reason})`,
});
