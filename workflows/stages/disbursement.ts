/** Step 7: disbursement by the program's schedule. */
import { patched } from '@temporalio/workflow';
import { payments, reads } from '../activities';
import { ENGINE, type Tranche } from '../../domain/application';
import { addCalendarDays, windowClosesAt } from '../../domain/calendar';
import type { Facts } from '../../domain/catalog';
import { addYears } from '../../domain/lifecycle';
import { parseYuan, formatYuan, sumYuan } from '../../domain/money';
import type { Deadline } from '../../domain/run';
import { Application } from '../machinery';

/** Patch ids (docs/changing-workflow-code.md). */
const INSTRUCT_BEFORE_CONTINUE_AS_NEW = 'instruct-before-continue-as-new';
/** How soon a payment instruction that could not be delivered is tried again. */
const INSTRUCTION_RETRY_MS = 3_600_000;

/**
 * Step 7: disbursement by the program's schedule. Each tranche: claim with evidence → verified
 * by staff → budget check → one payment instruction → confirmed by finance with the treasury
 * reference. A lump sum needs no claim; yearly instalments become claimable year by year.
 */
export async function disbursement(app: Application): Promise<boolean> {
  if (app.state.tranches.length === 0) await fixSchedule(app);
  for (;;) {
    for (const t of app.state.tranches) {
      if (t.status === 'verified' && !app.halted() && !app.suspended()) await instructPayment(app, t);
    }
    if (app.halted()) return false;
    if (app.state.tranches.every((t) => t.status === 'paid')) return true;
    // Wake for a verified tranche, or when the next yearly instalment becomes claimable.
    const today = app.today();
    const nextYear = app.state.tranches
      .filter((t) => t.status === 'scheduled' && t.claimableFrom && t.claimableFrom > today)
      .map((t) => t.claimableFrom!)
      .sort()[0];
    const retryAt = app.state.tranches.some((t) => t.status === 'verified' && t.instructionProblem) ? app.later(INSTRUCTION_RETRY_MS) : null;
    const wakeAt =
      [
        nextYear ? { at: windowClosesAt(addCalendarDays(nextYear, -1)), purpose: `a tranche becoming claimable on ${nextYear}` } : null,
        retryAt ? { at: retryAt, purpose: 'a retry of the payment instruction in one hour' } : null,
      ]
        .filter((x): x is Deadline => x !== null)
        .sort((a, b) => a.at.localeCompare(b.at))[0] ?? null;
    await app.waitFor(
      () =>
        app.halted() ||
        app.continueAsNewDue() ||
        app.state.tranches.every((t) => t.status === 'paid') ||
        (!app.suspended() && app.state.tranches.some((t) => t.status === 'verified' && !t.instructionProblem)),
      wakeAt,
    );
    app.changed();
    // Patch: a tranche verified in the same wake is instructed before continuing as new, so the
    // verification's answer shows it instructed (histories before the patch continued first).
    const readyToInstruct = !app.suspended() && app.state.tranches.some((t) => t.status === 'verified' && !t.instructionProblem);
    if (!patched(INSTRUCT_BEFORE_CONTINUE_AS_NEW) || !readyToInstruct) await app.continueAsNewIfDue();
  }
}

/** The tranches of the approved amount under the program's schedule, computed once. */
async function fixSchedule(app: Application): Promise<void> {
  const approved = app.state.award.approved!;
  const schedule = await reads.paymentSchedule({ program: app.program, facts: app.state.facts as Facts, approved });
  const start = app.today();
  app.state.tranches = schedule.map(
    (line, i): Tranche => ({
      n: i + 1,
      milestone: line.milestone,
      amount: line.amount,
      status: 'scheduled',
      paidOn: null,
      treasuryReference: null,
      condition: line.condition,
      trigger: line.trigger,
      claimableFrom: line.trigger.kind === 'year' ? addYears(start, line.trigger.index - 1) : null,
      claims: [],
      ...(line.payee ? { payee: line.payee === 'applicant' || !line.payeeIdentity ? { id: 'applicant', name: app.state.applicant.name } : { id: line.payee, ...line.payeeIdentity } } : {}),
      instruction: null,
      instructionProblem: null,
      confirmation: null,
    }),
  );
  app.moveTo('disbursement', ENGINE, 'schedule-fixed', `${schedule.length} tranche(s) totalling ${approved}`, {
    approved,
    tranches: schedule.map((l, i) => ({ n: i + 1, milestone: l.milestone, amount: l.amount, condition: l.condition, rule: l.rule })),
  });

  // A lump sum (or any after-notice tranche) is payable now: no progress to report.
  for (const t of app.state.tranches) {
    if (t.trigger.kind === 'after-notice') {
      t.status = 'verified';
      app.record({ actor: ENGINE, action: 'tranche-payable', details: { tranche: t.n, why: 'paid after the notice and agreement; no progress report needed' } });
    }
  }
  app.changed();
}

/** Budget check, then one payment instruction per tranche, whatever crashes or retries happen. */
async function instructPayment(app: Application, t: Tranche): Promise<void> {
  const instructed = sumYuan(app.state.tranches.filter((x) => x.status === 'instructed' || x.status === 'paid').map((x) => x.amount));
  const approved = app.state.award.approved!;
  const remaining = formatYuan(parseYuan(approved).minus(parseYuan(instructed)));
  const budgetCheck = { approved, alreadyInstructedOrPaid: instructed, thisTranche: t.amount, remainingBefore: remaining };
  if (parseYuan(t.amount).greaterThan(parseYuan(remaining))) {
    // Cannot happen with a schedule that sums to the award; guard public money anyway.
    t.instructionProblem = `budget check failed: tranche ${t.n} (${t.amount}) exceeds the ${remaining} left of the approved ${approved}`;
    app.record({ actor: ENGINE, action: 'budget-check-failed', details: budgetCheck });
    app.changed();
    return;
  }
  const idempotencyKey = `${app.state.id}:tranche:${t.n}:payment-instruction`;
  try {
    await payments.sendPaymentInstruction({
      applicationId: app.state.id,
      idempotencyKey,
      tranche: t.n,
      milestone: t.milestone,
      amount: t.amount,
      // A share the program pays someone else (the team leader) goes to that payee's account.
      payee: t.payee && t.payee.id !== 'applicant' && t.payee.account ? { payee: t.payee.id, name: t.payee.name, account: t.payee.account, onBehalfOf: app.state.applicant } : app.state.applicant,
      programId: app.state.programId,
    });
  } catch (err) {
    t.instructionProblem = `the payment instruction could not be delivered: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`;
    app.record({ actor: ENGINE, action: 'payment-instruction-failed', details: { tranche: t.n, problem: t.instructionProblem } });
    app.changed();
    return;
  }
  t.status = 'instructed';
  t.instructionProblem = null;
  t.instruction = { idempotencyKey, at: app.now(), budgetCheck };
  app.record({ actor: ENGINE, action: 'payment-instructed', details: { tranche: t.n, milestone: t.milestone, amount: t.amount, idempotencyKey, budgetCheck } });
  app.changed();
}
