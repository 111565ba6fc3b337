/**
 * The action `preliminary-record`: Record (or refuse) the preliminary record (`POST /applications/:id/preliminary-record`).
 */
import type { z } from 'zod';
import { oneOf, body, comment, reason, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /preliminary-record */
export interface PreliminaryRecordRequest extends ActionRequest {
  decision: 'pass' | 'fail';
  reason: string;
}

export const PreliminaryRecordBody: z.ZodType<BodyOf<PreliminaryRecordRequest>> = body({
  decision: oneOf(['pass', 'fail']),
  reason: reason(),
  comment,
});

export default defineAction<PreliminaryRecordRequest>({
  path: 'preliminary-record',
  aliases: ['preliminaryRecord'],
  summary: 'Record (or refuse) the preliminary record',
  roles: ['intake-officer'],
  stages: ['preliminary-record'],
  body: PreliminaryRecordBody,
  refuse: () => null,
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    state.preliminaryRecord = { decision: r.decision, reason: r.reason, by: r.actor, at: at() };
    if (r.decision === 'pass') app.moveTo('formal-submission', r.actor, 'preliminary-record', r.reason, { decision: 'pass', comment: withComment(r) });
    else app.end('rejected', r.actor, 'preliminary-record', `preliminary record failed: ${r.reason}`, { decision: 'fail', comment: withComment(r) });
  },
  phrase: (r) => `${r.decision === 'pass' ? 'passed' : 'failed'} the preliminary record: ${r.reason}`,
});
