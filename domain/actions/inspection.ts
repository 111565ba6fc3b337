/**
 * The action `inspection`: Record the on-site inspection (`POST /applications/:id/inspection`).
 */
import type { z } from 'zod';
import { text, oneOf, body, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /inspection */
export interface InspectionRequest extends ActionRequest {
  result: 'pass' | 'fail';
  findings: string;
}

export const InspectionBody: z.ZodType<BodyOf<InspectionRequest>> = body({
  result: oneOf(['pass', 'fail']),
  findings: text(10_000),
  comment,
});

export default defineAction<InspectionRequest>({
  path: 'inspection',
  aliases: [],
  summary: 'Record the on-site inspection',
  roles: ['inspector'],
  stages: ['inspection'],
  body: InspectionBody,
  refuse: () => null,
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    state.inspection!.result = { result: r.result, findings: r.findings, by: r.actor, at: at() };
    if (r.result === 'pass') app.moveTo('review', r.actor, 'inspection', r.findings, { result: 'pass', why: state.inspection!.why, comment: withComment(r) });
    else app.end('rejected', r.actor, 'inspection', `the on-site inspection failed: ${r.findings}`, { result: 'fail', comment: withComment(r) });
  },
  phrase: (r) => `recorded the on-site inspection: ${r.result} (${r.findings})`,
});
