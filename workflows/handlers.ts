/**
 * The staff and applicant actions of an application, as Update handlers with validators.
 *
 * A validator runs before the update is written to history: it refuses (throws) with a stable
 * error type when the role × stage table or the action's own rules (domain/lifecycle.ts) forbid
 * it, so a refused action leaves no trace but its answer. A handler changes the state at once,
 * then waits until the procedure (workflows/application.ts) has reacted, so the caller sees the
 * application as it now is: the notice published, the payment instruction sent.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { ActionName } from '../domain/actions';
import { stateView, type ActionOutcome } from '../domain/outcome';
import type { Decision, Report } from '../domain/application';
import { addCalendarDays, windowClosesAt } from '../domain/calendar';
import { openReport, paymentStarted, refusalOf, trancheOf } from '../domain/lifecycle';
import { outstandingOnDate, refreshStatement } from '../domain/clawback-statement';
import type { Actor } from '../domain/roles';
import type { ApplicationRun } from '../domain/run';
import { ACTION_UPDATE_ALIASES, ACTION_UPDATES, calendarUpdatedSignal, stateQuery, type ActionRequest } from './messages';
import type { RequestByAction } from '../domain/requests';

export function installHandlers(app: ApplicationRun): void {
  const state = app.state;

  /** Registers one action: validator from the rules, handler that changes state and waits for the engine. */
  function action<K extends ActionName>(name: K, apply: (request: RequestByAction[K]) => void | Promise<void>): void {
    type R = RequestByAction[K];
    const handler = async (request: R): Promise<ActionOutcome> => {
      await apply(request);
      app.changed();
      await app.settled(app.acted());
      // A compact answer (stored in history); the caller reads the state after it.
      return { update: name, after: stateView(state) };
    };
    const validator = (request: R) => {
      const refusal = refusalOf(name, state, request as unknown as { actor: Actor } & Record<string, unknown>, new Date().toISOString(), {
        extensionMaxDays: app.program.review.extensionMaxDays,
        ...(app.lpr && state.clawback ? { outstandingOn: (date: string) => outstandingOnDate(state, app.lpr!, date) } : {}),
      });
      if (refusal) throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
    };
    // The update is named after the action; its earlier names answer too, for histories recorded with them.
    for (const update of [ACTION_UPDATES[name], ...ACTION_UPDATE_ALIASES[name]] as Array<UpdateDefinition<ActionOutcome, [R]>>) {
      setHandler(update, handler, { validator });
    }
  }

  const at = () => app.now();
  const withComment = (r: ActionRequest) => (r.comment ? r.comment : undefined);
  const decision = <D extends string>(d: D, amount: string | undefined, reason: string, by: Actor): Decision<D> => ({
    decision: d,
    amount: amount ?? null,
    reason,
    by,
    at: at(),
  });

  setHandler(stateQuery, () => app.snapshot());
  setHandler(calendarUpdatedSignal, ({ year }) => {
    app.calendarYearsAnnounced.add(year);
  });

  action('preliminary-record', (r) => {
    state.preliminaryRecord = { decision: r.decision, reason: r.reason, by: r.actor, at: at() };
    if (r.decision === 'pass') app.moveTo('formal-submission', r.actor, 'preliminary-record', r.reason, { decision: 'pass', comment: withComment(r) });
    else app.end('rejected', r.actor, 'preliminary-record', `preliminary record failed: ${r.reason}`, { decision: 'fail', comment: withComment(r) });
  });

  action('materials', (r) => {
    const answering = state.stage === 'supplement-requested';
    state.materials.submissions.push({ kind: answering ? 'supplement-answer' : 'formal-submission', at: at(), by: r.actor, documents: r.documents });
    const named = new Set(state.materials.submissions.flatMap((s) => s.documents.flatMap((d) => (d.materialId ? [d.materialId] : []))));
    state.materials.missing = state.materials.required.map((m) => m.id).filter((id) => !named.has(id));
    const details = { documents: r.documents, missing: state.materials.missing, comment: withComment(r) };
    if (answering) {
      state.review!.supplement!.answeredAt = at();
      app.moveTo(app.reviewStage(), r.actor, 'materials', 'supplement answered', details);
    } else {
      app.moveTo('review', r.actor, 'materials', 'formal submission', details);
    }
  });

  action('supplement-request', (r) => {
    const dueInWorkingDays = r.dueInWorkingDays ?? app.program.deadlines.supplementAnswerWorkingDays;
    state.review!.supplement = {
      items: r.items,
      dueInWorkingDays,
      requestedAt: at(),
      requestedBy: r.actor,
      days: [],
      lastDay: null,
      dueAt: null,
      answeredAt: null,
    };
    app.moveTo('supplement-requested', r.actor, 'supplement-request', withComment(r), { items: r.items, dueInWorkingDays });
  });

  action('review-extension', (r) => {
    const review = state.review!;
    const before = { lastDay: review.clock.lastDay, dueAt: review.clock.dueAt };
    review.clock.lastDay = addCalendarDays(review.clock.lastDay, r.days);
    review.clock.dueAt = windowClosesAt(review.clock.lastDay);
    review.extension = { days: r.days, reason: r.reason, by: r.actor, at: at(), newLastDay: review.clock.lastDay };
    app.record({ actor: r.actor, action: 'review-extension', comment: r.reason, details: { days: r.days, before, after: { lastDay: review.clock.lastDay, dueAt: review.clock.dueAt }, comment: withComment(r) } });
  });

  action('inspection', (r) => {
    state.inspection!.result = { result: r.result, findings: r.findings, by: r.actor, at: at() };
    if (r.result === 'pass') app.moveTo('review', r.actor, 'inspection', r.findings, { result: 'pass', why: state.inspection!.why, comment: withComment(r) });
    else app.end('rejected', r.actor, 'inspection', `the on-site inspection failed: ${r.findings}`, { result: 'fail', comment: withComment(r) });
  });

  action('recommendation', (r) => {
    state.recommendation = decision(r.decision, r.amount, r.reason, r.actor);
    if (r.decision === 'approve') {
      state.award.recommended = r.amount!;
      app.moveTo('sign-off', r.actor, 'recommendation', r.reason, {
        decision: 'approve',
        amount: r.amount,
        amountByFormula: state.award.amountByFormula,
        comment: withComment(r),
      });
    } else {
      app.end('rejected', r.actor, 'recommendation', `review recommends rejection: ${r.reason}`, { decision: 'reject', comment: withComment(r) });
    }
  });

  action('sign-off', (r) => {
    state.signOff = decision(r.decision, r.amount, r.reason, r.actor);
    if (r.decision === 'approve') {
      state.award.approved = r.amount!;
      state.award.changes.push({ at: at(), by: r.actor, amount: r.amount!, why: `sign-off: ${r.reason}` });
      app.moveTo('public-notice', r.actor, 'sign-off', r.reason, { decision: 'approve', amount: r.amount, recommended: state.award.recommended, comment: withComment(r) });
    } else if (r.decision === 'reject') {
      app.end('rejected', r.actor, 'sign-off', `government sign-off rejected the application: ${r.reason}`, { decision: 'reject', comment: withComment(r) });
    } else {
      state.returns.push({ recommendation: state.recommendation!, signOff: state.signOff });
      state.recommendation = null;
      state.signOff = null;
      state.award.recommended = null;
      app.moveTo('review', r.actor, 'sign-off', r.reason, { decision: 'return', comment: withComment(r) });
    }
  });

  action('objections', (r) => {
    const notice = state.notice!;
    const n = notice.objections.length + 1;
    notice.objections.push({
      n,
      text: r.text,
      objector: r.objector,
      receivedAt: at(),
      recordedBy: r.actor,
      notice: notice.publication,
      status: 'open',
      resolution: null,
    });
    // The objector's identity is personal data: the audit names the objection, not the person.
    app.record({ actor: r.actor, action: 'objections', details: { n, publication: notice.publication, text: r.text, comment: withComment(r) } });
  });

  action('resolution', (r) => {
    const objection = state.notice!.objections.find((o) => o.n === r.n)!;
    objection.status = r.upheld ? 'upheld' : 'not-upheld';
    objection.resolution = { upheld: r.upheld, decision: r.decision, amount: r.amount ?? null, by: r.actor, at: at() };
    const details = { n: r.n, upheld: r.upheld, decision: r.decision, amount: r.amount, comment: withComment(r) };
    if (r.upheld && r.amount === undefined) {
      app.end('rejected', r.actor, 'resolution', `objection ${r.n} upheld, the award is refused: ${r.decision}`, details);
    } else if (r.upheld) {
      state.award.approved = r.amount!;
      state.award.changes.push({ at: at(), by: r.actor, amount: r.amount!, why: `objection ${r.n} upheld: ${r.decision}` });
      app.republishRequested = true;
      app.record({ actor: r.actor, action: 'resolution', comment: `award reduced to ${r.amount} and noticed again`, details });
    } else {
      app.record({ actor: r.actor, action: 'resolution', comment: 'objection not upheld', details });
    }
    // The written decision goes to the objector in every case.
    app.enqueue('notifyObjector', () => app.send.notifyObjector({
      applicationId: state.id,
      idempotencyKey: `${state.id}:objection:${r.n}:decision`,
      objector: objection.objector,
      objection: r.n,
      subject: `Decision on your objection to ${state.id}`,
      body: `${r.upheld ? 'Upheld' : 'Not upheld'}: ${r.decision}`,
    }));
  });

  action('agreement', (r) => {
    const agreement = state.agreement!;
    agreement.signedOn = r.signedOn;
    agreement.recordedBy = r.actor;
    agreement.recordedAt = at();
    app.moveTo('disbursement', r.actor, 'agreement', withComment(r), { signedOn: r.signedOn });
  });

  action('progress', (r) => {
    const tranche = state.tranches.find((t) => t.milestone === r.milestone)!;
    tranche.claims.push({ at: at(), by: r.actor, cumulativeInvestment: r.cumulativeInvestment ?? null, evidence: r.evidence, verification: null });
    tranche.status = 'claimed';
    app.record({
      actor: r.actor,
      action: 'progress',
      details: { tranche: tranche.n, milestone: r.milestone, cumulativeInvestment: r.cumulativeInvestment, evidence: r.evidence, comment: withComment(r) },
    });
  });

  action('verification', (r) => {
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
  });

  action('confirmation', (r) => {
    const tranche = trancheOf(state, r.n)!;
    tranche.status = 'paid';
    tranche.paidOn = r.paidOn;
    tranche.treasuryReference = r.treasuryReference;
    tranche.confirmation = { by: r.actor, at: at() };
    // Paid after a clawback decision: it joins the principal to recover at once.
    if (state.clawback && app.lpr) refreshStatement(state, app.lpr, app.today());
    app.record({
      actor: r.actor,
      action: 'confirmation',
      details: { tranche: r.n, amount: tranche.amount, paidOn: r.paidOn, treasuryReference: r.treasuryReference, comment: withComment(r) },
    });
  });

  action('withdrawal', (r) => {
    app.end('withdrawn', r.actor, 'withdrawal', `withdrawn by the applicant: ${r.reason}`, { comment: withComment(r) });
  });

  // Steps 9–10 (002 第三十三条): fraud or breach found at any time, decided by the approver.

  action('fraud-report', (r) => {
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
  });

  action('breach-report', (r) => {
    const report = addReport('breach', r.findings, [], r.obligation, r.actor, true);
    app.record({ actor: r.actor, action: 'breach-report', comment: 'the approver decides on recovery', details: { report: report.n, obligation: r.obligation, findings: r.findings, comment: withComment(r) } });
  });

  action('clawback-decision', (r) => {
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
  });

  action('repayments', (r) => {
    const c = state.clawback!;
    c.repayments.push({ amount: r.amount, paidOn: r.paidOn, toCosts: '0.00', toInterest: '0.00', toPrincipal: '0.00', recordedBy: r.actor, recordedAt: at() });
    refreshStatement(state, app.lpr!, app.today());
    const applied = state.clawback!.repayments.find((x) => x.recordedAt === at() && x.amount === r.amount && x.paidOn === r.paidOn);
    app.record({
      actor: r.actor,
      action: 'repayments',
      details: { amount: r.amount, paidOn: r.paidOn, applied, outstanding: state.clawback!.outstanding, asOf: state.clawback!.asOf, comment: withComment(r) },
    });
  });

  function addReport(kind: 'fraud' | 'breach', findings: string, evidence: Report['evidence'], obligation: string | null, by: Actor, afterPayment: boolean): Report {
    const report: Report = { n: state.reports.length + 1, kind, findings, evidence, obligation, by, at: at(), afterPayment, status: 'open', decision: null };
    state.reports.push(report);
    return report;
  }

  function creditRecord(n: number, kind: 'fraud' | 'breach', findings: string): void {
    const idempotencyKey = `${state.id}:credit:${n}`;
    state.creditRecords.push({ at: at(), reason: `${kind} report ${n}`, idempotencyKey });
    app.enqueue('recordCredit', () =>
      app.send.recordCredit({
        applicationId: state.id,
        idempotencyKey,
        creditCode: state.applicant.creditCode,
        name: state.applicant.name,
        reason: `${kind} (report ${n}): ${findings}`,
        kind,
        report: n,
      }),
    );
  }
}
