/**
 * The action `fraud-report`: Report fraud found by inspection (`POST /applications/:id/fraud-report`).
 * Part 2: fraud and breach found by inspection, decided by the approver, repaid to finance.
 */
import type { z } from 'zod';
import type { Document } from '../application';
import { paymentStarted } from './rules';
import { text, body, documents, comment, type BodyOf } from './body-parts';
import { defineAction, helpersOf, BEFORE_PAYMENT_ENDS, type ActionRequest } from './define';

/** POST /fraud-report: fraud found, at any stage (002 第三十三条: 弄虚作假、骗取资金、拒绝配合监督检查). */
export interface FraudReportRequest extends ActionRequest {
  findings: string;
  evidence: Document[];
}

// Part 2 (issue 6): fraud and breach reports, the clawback decision, repayments.
export const FraudReportBody: z.ZodType<BodyOf<FraudReportRequest>> = body({
  findings: text(4000),
  evidence: documents(),
  comment,
});

export default defineAction<FraudReportRequest>({
  path: 'fraud-report',
  aliases: ['fraudReport'],
  summary: 'Report fraud found by inspection',
  roles: ['inspector'],
  // `recovery`: on a closed application, in its recovery case (domain/recovery.ts).
  stages: [...BEFORE_PAYMENT_ENDS, 'monitoring', 'recovery'],
  body: FraudReportBody,
  refuse: () => null,
  apply(app, r) {
    const { state, withComment, addReport, creditRecord } = helpersOf(app);
    const afterPayment = paymentStarted(state);
    const report = addReport('fraud', r.findings, r.evidence, null, r.actor, afterPayment);
    const details = { report: report.n, findings: r.findings, evidence: r.evidence, comment: withComment(r) };
    if (afterPayment) {
      app.record({ actor: r.actor, action: 'fraud-report', comment: 'money has been paid: the approver decides on recovery', details });
      return;
    }
    // Before any money was paid, fraud simply ends the application, and credit is still recorded.
    report.status = 'rejected';
    app.end('rejected', r.actor, 'fraud-report', `fraud found before any payment: ${r.findings}`, details);
    creditRecord(report.n, 'fraud', r.findings);
  },
  phrase: (r) => `reported fraud: ${r.findings}`,
});
