/**
 * The action `breach-report`: Report a breach of an obligation (`POST /applications/:id/breach-report`).
 */
import { z } from 'zod';
import type { ApplicationState } from '../application';
import { invalid, conflict, first, moneyPaid } from './rules';
import { expected, text, body, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /breach-report: an obligation broken (e.g. moved out of the district within 5 years). */
export interface BreachReportRequest extends ActionRequest {
  /** The obligation's id in the state, e.g. `stay-5-years`. */
  obligation: string;
  findings: string;
}

export const BreachReportBody: z.ZodType<BodyOf<BreachReportRequest>> = body({
  // The obligation's id in the state; whether this application has it is the workflow's check.
  obligation: z
    .string({ error: expected('an obligation id') })
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an obligation id of the application, e.g. "stay-5-years"'),
  findings: text(4000),
  comment,
});

export default defineAction<BreachReportRequest>({
  path: 'breach-report',
  aliases: ['breachReport'],
  summary: 'Report a breach of an obligation',
  roles: ['inspector'],
  // `recovery`: on a closed application, in its recovery case (domain/recovery.ts).
  stages: ['disbursement', 'monitoring', 'recovery'],
  body: BreachReportBody,
  refuse: (s: ApplicationState, r: BreachReportRequest) =>
    first(
      () =>
        s.obligations.some((o) => o.id === r.obligation)
          ? null
          : invalid(
              `obligation ${JSON.stringify(r.obligation)} is not one of this application's obligations` +
                (s.obligations.length ? ` (${s.obligations.map((o) => o.id).join(', ')})` : ' (it has none)'),
            ),
      () =>
        moneyPaid(s)
          ? null
          : conflict('no money has been paid yet: an obligation cannot be broken before payment (report fraud instead)'),
    ),
  apply(app, r) {
    const { withComment, addReport } = helpersOf(app);
    const report = addReport('breach', r.findings, [], r.obligation, r.actor, true);
    app.record({ actor: r.actor, action: 'breach-report', comment: 'the approver decides on recovery', details: { report: report.n, obligation: r.obligation, findings: r.findings, comment: withComment(r) } });
  },
  phrase: (r) => `reported a breach of obligation ${r.obligation}: ${r.findings}`,
});
