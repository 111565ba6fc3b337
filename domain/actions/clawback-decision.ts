/**
 * The action `clawback-decision`: Decide whether to recover the subsidy (`POST /applications/:id/clawback-decision`).
 */
import type { z } from 'zod';
import type { ApplicationState } from '../application';
import { shanghaiDate } from '../calendar';
import { invalid, conflict, separation, statedDateProblem, first, openReport } from './rules';
import { bool, wholeNumber, oneOf, body, CalendarDate, comment, reason, type BodyOf } from './body-parts';
import { defineAction, helpersOf, type ActionRequest } from './define';

/** POST /clawback-decision: after money was paid, the approver decides on an open report. */
export interface ClawbackDecisionRequest extends ActionRequest {
  decision: 'recover' | 'dismiss';
  /** YYYY-MM-DD: the decision date (fixes the rate for `fixed-at-decision` programs). */
  decisionDate?: string;
  /** Working days to repay; the program's setting when absent. */
  dueInWorkingDays?: number;
  referToJudiciary?: boolean;
  reason: string;
}

export const ClawbackDecisionBody: z.ZodType<BodyOf<ClawbackDecisionRequest>> = body({
  decision: oneOf(['recover', 'dismiss']),
  // Each absent one takes the workflow's default: today, the program's repaymentDueWorkingDays, false.
  decisionDate: CalendarDate.optional(),
  dueInWorkingDays: wholeNumber(1, 250).optional(),
  referToJudiciary: bool().optional(),
  reason: reason(),
  comment,
});

export default defineAction<ClawbackDecisionRequest>({
  path: 'clawback-decision',
  aliases: ['clawbackDecision'],
  summary: 'Decide whether to recover the subsidy',
  roles: ['approver'],
  // `recovery`: on a closed application, in its recovery case (domain/recovery.ts).
  stages: ['disbursement', 'monitoring', 'recovery'],
  body: ClawbackDecisionBody,
  refuse: (s: ApplicationState, r: ClawbackDecisionRequest, now: string) => {
    const report = openReport(s);
    return first(
      () => (report ? null : conflict('there is no open fraud or breach report to decide on')),
      () =>
        report!.by.id === r.actor.id
          ? separation(`${r.actor.name} made report ${report!.n} and may not also decide on it`)
          : null,
      () =>
        r.decisionDate === undefined ? null : statedDateProblem(r.decisionDate, 'decisionDate', shanghaiDate(now), shanghaiDate(report!.at), 'the report'),
      () =>
        r.dueInWorkingDays === undefined || (Number.isInteger(r.dueInWorkingDays) && r.dueInWorkingDays >= 1 && r.dueInWorkingDays <= 250)
          ? null
          : invalid('dueInWorkingDays must be a whole number of working days between 1 and 250'),
    );
  },
  apply(app, r) {
    const { state, at, withComment } = helpersOf(app);
    const report = openReport(state)!;
    report.decision = { decision: r.decision, reason: r.reason, by: r.actor, at: at() };
    if (r.decision === 'dismiss') {
      report.status = 'dismissed';
      app.record({ actor: r.actor, action: 'clawback-decision', comment: r.reason, details: { report: report.n, decision: 'dismiss', comment: withComment(r) } });
      return;
    }
    report.status = 'recover';
    const settings = app.program.clawback;
    state.clawback = {
      report: report.n,
      decisionDate: r.decisionDate ?? app.today(),
      decidedBy: r.actor,
      reason: r.reason,
      rateMode: settings.rateMode,
      dayCount: settings.dayCount,
      tenor: settings.tenor,
      principal: '0.00',
      interest: '0.00',
      costs: '0.00',
      total: '0.00',
      repaid: '0.00',
      outstanding: '0.00',
      asOf: app.today(),
      carriedForward: false,
      lprConfirmedThrough: '',
      lines: [],
      repayments: [],
      recoveryCosts: [],
      dueInWorkingDays: r.dueInWorkingDays ?? settings.repaymentDueWorkingDays,
      lastDay: null,
      dueAt: null,
      referToJudiciary: r.referToJudiciary ?? false,
      overdueSince: null,
      referredAt: null,
      settledAt: null,
    };
    app.moveTo('clawback', r.actor, 'clawback-decision', r.reason, {
      report: report.n,
      decision: 'recover',
      decisionDate: state.clawback.decisionDate,
      dueInWorkingDays: state.clawback.dueInWorkingDays,
      referToJudiciary: state.clawback.referToJudiciary,
      rateMode: settings.rateMode,
      dayCount: settings.dayCount,
      tenor: settings.tenor,
      comment: withComment(r),
    });
  },
  phrase: (r) =>
    r.decision === 'dismiss'
      ? `dismissed the report: ${r.reason}`
      : `decided to recover the funds paid${r.referToJudiciary ? ' and refer the case to the judicial authorities' : ''}: ${r.reason}`,
});
