/**
 * Recovery of paid funds with interest at the LPR (domain brief step 9; 002 第三十三条:
 * 收回扶持资金，并按当期贷款市场报价利率(LPR)计息，并依法依规开展信用管理。涉嫌犯罪的，依法移送司法机关处理).
 *
 * The statement is computed by the pure rules (domain/interest.ts) from the tranches paid, the
 * repayments recorded and the LPR fixings in force, read through an activity (fixings are added at
 * run time); it is refreshed whenever something happens and at least weekly, and the state query
 * shows it as of today.
 */
import { patched } from '@temporalio/workflow';
import { effects } from './activities';
import { ENGINE, type ApplicationState } from '../domain/application';
import { addCalendarDays } from '../domain/calendar';
import { refreshStatement } from '../domain/clawback-statement';
import { compareYuan } from '../domain/money';
import type { ApplicationRun } from '../domain/run';

/** Patch id (docs/changing-workflow-code.md; listed in workflows/application.ts). */
const REFRESH_BEFORE_OVERDUE = 'refresh-before-overdue';

/** How often the LPR table is read again while a clawback is open (fixings are published monthly). */
const LPR_REFRESH_MS = 7 * 86_400_000;

/**
 * The clawback stage: tell the applicant, record credit, refer to the judiciary when decided, fix
 * the repayment deadline; then take repayments until nothing is outstanding (`clawed-back`). An
 * unsettled deadline escalates and, if the program says so, refers to enforcement (`referred`),
 * where repayments are still received.
 */
export async function clawback(app: ApplicationRun): Promise<void> {
  const state = app.state;
  const c = state.clawback!;
  const id = state.id;
  await app.refreshLpr();
  refreshStatement(state, app.lpr!, app.today());
  app.changed();

  if (!c.lastDay) {
    const report = state.reports.find((r) => r.n === c.report)!;
    await app.effect('notifyApplicant', () =>
      effects.notifyApplicant({
        applicationId: id,
        idempotencyKey: `${id}:clawback:${c.report}:notification`,
        creditCode: state.applicant.creditCode,
        subject: 'Decision to recover subsidy funds (收回扶持资金)',
        body:
          `Decided on ${c.decisionDate}: ${c.reason}. Principal ${c.principal}, interest at the LPR (${c.rateMode}, ${c.dayCount}, ${c.tenor}) ` +
          `as of ${c.asOf}: ${c.interest}; outstanding ${c.outstanding}.`,
      }),
    );
    await app.effect('recordCredit', () =>
      effects.recordCredit({
        applicationId: id,
        idempotencyKey: `${id}:credit:${c.report}`,
        creditCode: state.applicant.creditCode,
        name: state.applicant.name,
        reason: `${report.kind} (report ${report.n}): ${report.findings}`,
        kind: report.kind,
        report: report.n,
      }),
    );
    state.creditRecords.push({ at: app.now(), reason: `${report.kind} report ${report.n}`, idempotencyKey: `${id}:credit:${c.report}` });
    if (c.referToJudiciary) {
      await app.effect('sendReferral', () =>
        effects.sendReferral({
          applicationId: id,
          idempotencyKey: `${id}:referral:judiciary:${c.report}`,
          to: 'judiciary',
          creditCode: state.applicant.creditCode,
          name: state.applicant.name,
          reason: `${report.kind}: ${report.findings}`,
        }),
      );
      app.record({ actor: ENGINE, action: 'judicial-referral', details: { report: report.n } });
    }
    // The repayment period runs from the day after the decision.
    const window = await app.workingDays(addCalendarDays(c.decisionDate, 1), c.dueInWorkingDays, 'the repayment deadline', () => !settled(state));
    if (!window && app.ended()) return;
    if (window) {
      c.lastDay = window.lastDay;
      c.dueAt = window.closesAt;
      app.record({ actor: ENGINE, action: 'deadline', details: { for: 'repayment', workingDays: c.dueInWorkingDays, days: window.days, lastDay: window.lastDay, dueAt: window.closesAt } });
      app.changed();
    }
  }

  for (;;) {
    if (settled(state)) break;
    const dueAt = !c.overdueSince ? c.dueAt : null;
    const refreshAt = new Date(Date.now() + LPR_REFRESH_MS).toISOString();
    const until = dueAt && dueAt < refreshAt ? { at: dueAt, purpose: 'the repayment deadline' } : { at: refreshAt, purpose: 'the weekly refresh of the clawback statement' };
    const woke = await app.waitFor(() => settled(state), until);
    if (settled(state)) break;
    const isOverdue = !woke && dueAt !== null && Date.now() >= Date.parse(dueAt);
    // Patch: refresh first, so the escalation and the referral carry today's outstanding amount
    // (histories before the patch escalated with the last weekly figure).
    if (patched(REFRESH_BEFORE_OVERDUE)) {
      await app.refreshLpr();
      refreshStatement(state, app.lpr!, app.today());
      if (isOverdue) await overdue(app);
    } else {
      if (isOverdue) await overdue(app);
      await app.refreshLpr();
      refreshStatement(state, app.lpr!, app.today());
    }
    app.changed();
    await app.continueAsNewIfDue();
  }

  c.settledAt = app.now();
  app.end('clawed-back', ENGINE, 'clawback-settled', `everything recovered: principal ${c.principal}, interest ${c.interest}, repaid ${c.repaid}`, {
    principal: c.principal,
    interest: c.interest,
    repaid: c.repaid,
    repayments: c.repayments.length,
  });
}

function settled(state: ApplicationState): boolean {
  const c = state.clawback!;
  return c.repayments.length > 0 && compareYuan(c.outstanding, '0.00') === 0;
}

/** The repayment deadline passed unsettled: escalate, and refer to enforcement if the program says so. */
async function overdue(app: ApplicationRun): Promise<void> {
  const state = app.state;
  const c = state.clawback!;
  c.overdueSince = app.now();
  app.record({ actor: ENGINE, action: 'repayment-overdue', details: { lastDay: c.lastDay, outstanding: c.outstanding } });
  app.changed();
  await app.effect('escalate', () =>
    effects.escalate({
      applicationId: state.id,
      idempotencyKey: `${state.id}:clawback:${c.report}:overdue`,
      role: 'approver',
      subject: `Clawback repayment overdue: ${state.id}`,
      body: `Repayment was due by the end of ${c.lastDay} (Asia/Shanghai); ${c.outstanding} is outstanding.`,
    }),
  );
  if (app.program.clawback.referOnOverdue) {
    c.referredAt = app.now();
    await app.effect('sendReferral', () =>
      effects.sendReferral({
        applicationId: state.id,
        idempotencyKey: `${state.id}:referral:enforcement:${c.report}`,
        to: 'enforcement',
        creditCode: state.applicant.creditCode,
        name: state.applicant.name,
        reason: `clawback unsettled after ${c.lastDay}`,
        outstanding: c.outstanding,
      }),
    );
    state.outcome = { stage: 'referred', reason: `repayment overdue since the end of ${c.lastDay}; referred to enforcement with ${c.outstanding} outstanding`, at: app.now() };
    app.moveTo('referred', ENGINE, 'referred', state.outcome.reason, { outstanding: c.outstanding, lastDay: c.lastDay });
  }
}
