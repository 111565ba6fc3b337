/**
 * The action `agreement`: Record the signed subsidy agreement (`POST /applications/:id/agreement`).
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { shanghaiDate } from '../calendar';
import { statedDateProblem } from './rules';
import { body, CalendarDate, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /agreement */
export interface AgreementRequest extends ActionRequest {
  /** YYYY-MM-DD, Asia/Shanghai. */
  signedOn: string;
}

export const AgreementBody: z.ZodType<BodyOf<AgreementRequest>> = body({ signedOn: CalendarDate, comment });

export default defineAction<AgreementRequest>({
  path: 'agreement',
  aliases: [],
  summary: 'Record the signed subsidy agreement',
  roles: ['applicant-system'],
  stages: ['agreement'],
  body: AgreementBody,
  refuse: (s: ApplicationState, r: AgreementRequest, now: string) =>
    statedDateProblem(r.signedOn, 'signedOn', shanghaiDate(now), s.signOff ? shanghaiDate(s.signOff.at) : null, 'the government sign-off'),
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const agreement = state.agreement!;
    agreement.signedOn = r.signedOn;
    agreement.recordedBy = r.actor;
    agreement.recordedAt = at();
    app.moveTo('disbursement', r.actor, 'agreement', withComment(r), { signedOn: r.signedOn });
  },
  phrase: (r) => `recorded the support agreement, signed on ${r.signedOn}`,
});
