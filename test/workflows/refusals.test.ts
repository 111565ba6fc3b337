/**
 * Every kind of refused action (wrong stage, wrong role, same person twice, bad amounts,
 * conflicts), a duplicate update id applied once, and withdrawal before and after payment.
 * A refusal is the validator's: nothing is written to history, the state is unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { ApplicationState } from '../../domain/application';
import { addCalendarDays } from '../../domain/calendar';
import { actor } from '../helpers/fixtures';
import {
  act,
  DAY_MS,
  doc,
  outboxOf,
  outcomeOf,
  refusalOf,
  sleepPast,
  startLifecycle,
  stateWhen,
  toPublicNotice,
  toReview,
  type Lifecycle,
} from '../helpers/lifecycle';
import { storySteps } from '../helpers/story';


/** 3 500 000.00 by formula, mandatory inspection, agreement, three milestones. */
const DRUG = 'dinghu-generic-drug-consistency';
const DRUG_FACTS = { drugName: '氨氯地平片' };

describe('refused actions, duplicate update ids, withdrawal', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle('refusals');
  });
  after(async () => lc.stop());

  /** The refusal, and proof that it changed nothing (no entry by a person; the engine may still be working). */
  async function refused(h: WorkflowHandle, call: () => Promise<unknown>, type: string, message?: RegExp): Promise<void> {
    const byPeople = (x: ApplicationState) => x.audit.filter((e) => e.actor.role !== 'engine');
    const before = await lc.state(h);
    const r = await refusalOf(call());
    assert.equal(r.type, type, r.message);
    if (message) assert.match(r.message, message);
    const after = await lc.state(h);
    assert.deepEqual(byPeople(after), byPeople(before), 'a refused action leaves no audit entry');
    assert.equal(after.stage, before.stage);
  }

  it('wrong stage: WrongStage, naming the stages where the action is possible', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await refused(h, () => act(h, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: '1.00', reason: 'x' }), 'WrongStage', /only possible at stage review; .* is at stage preliminary-record/);
    await refused(h, () => act(h, 'materials', { actor: actor('applicant-system'), documents: [doc('申请表')] }), 'WrongStage');
    await toReview(h);
    await refused(h, () => act(h, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: '1.00', reason: 'x' }), 'WrongStage', /at stage inspection/);
    await refused(h, () => act(h, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: '1.00', reason: 'x' }), 'WrongStage');
    await refused(h, () => act(h, 'objections', { actor: actor('notice-officer'), text: 'x', objector: { name: 'y' } }), 'WrongStage');
    const today = await lc.today();
    await refused(h, () => act(h, 'confirmation', { actor: actor('finance-officer'), n: 1, treasuryReference: 'T', paidOn: today }), 'WrongStage');
  });

  it('wrong role: Forbidden (the reviewer may not sign off, staff may not hand in materials)', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await refused(h, () => act(h, 'preliminary-record', { actor: actor('applicant-system'), decision: 'pass', reason: 'self' }), 'Forbidden', /for the intake-officer role/);
    let s = await toReview(h);
    await refused(h, () => act(h, 'inspection', { actor: actor('reviewer'), result: 'pass', findings: 'x' }), 'Forbidden');
    s = await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '属实' });
    s = await act(h, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: '3500000.00', reason: '符合' });
    assert.equal(s.stage, 'sign-off');
    await refused(h, () => act(h, 'sign-off', { actor: actor('reviewer'), decision: 'approve', amount: '3500000.00', reason: 'x' }), 'Forbidden', /for the approver role/);
    await refused(h, () => act(h, 'withdrawal', { actor: actor('approver'), reason: 'x' }), 'Forbidden');
    // The auditor reads, never acts.
    await refused(h, () => act(h, 'sign-off', { actor: actor('auditor'), decision: 'reject', reason: 'x' }), 'Forbidden');
  });

  it('same person twice: SeparationOfDuties for the recommender or inspector signing off, and the inspector recommending', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await toReview(h);
    await act(h, 'inspection', { actor: actor('inspector', 'inspector-person'), result: 'pass', findings: '属实' });
    await refused(
      h,
      () => act(h, 'recommendation', { actor: actor('reviewer', 'inspector-person'), decision: 'approve', amount: '3500000.00', reason: 'x' }),
      'SeparationOfDuties',
      /inspected this application and may not also recommend it/,
    );
    await act(h, 'recommendation', { actor: actor('reviewer', 'same-person'), decision: 'approve', amount: '3500000.00', reason: '符合' });
    await refused(
      h,
      () => act(h, 'sign-off', { actor: actor('approver', 'same-person'), decision: 'approve', amount: '3500000.00', reason: 'x' }),
      'SeparationOfDuties',
      /recommended this application and may not also sign it off/,
    );
    // Rejecting or returning is signing off too.
    await refused(h, () => act(h, 'sign-off', { actor: actor('approver', 'same-person'), decision: 'return', reason: 'x' }), 'SeparationOfDuties');
    await refused(h, () => act(h, 'sign-off', { actor: actor('approver', 'inspector-person'), decision: 'approve', amount: '3500000.00', reason: 'x' }), 'SeparationOfDuties');
    const s = await act(h, 'sign-off', { actor: actor('approver', 'another-person'), decision: 'approve', amount: '3500000.00', reason: '同意' });
    assert.equal(s.stage, 'public-notice');
  });

  it('same person twice across a return for re-review: the first-round recommender may not sign off the second round', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await toReview(h);
    await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '属实' });
    await act(h, 'recommendation', { actor: actor('reviewer', 'first-reviewer'), decision: 'approve', amount: '3500000.00', reason: '符合' });
    await act(h, 'sign-off', { actor: actor('approver', 'the-approver'), decision: 'return', reason: '请复核' });
    await act(h, 'recommendation', { actor: actor('reviewer', 'second-reviewer'), decision: 'approve', amount: '3000000.00', reason: '复核后核减' });
    await refused(
      h,
      () => act(h, 'sign-off', { actor: actor('approver', 'first-reviewer'), decision: 'approve', amount: '3000000.00', reason: 'x' }),
      'SeparationOfDuties',
      /recommended this application and may not also sign it off/,
    );
    const s = await act(h, 'sign-off', { actor: actor('approver', 'the-approver'), decision: 'approve', amount: '3000000.00', reason: '同意' });
    assert.equal(s.stage, 'public-notice');
  });

  it('amounts: never above the formula, never above the recommendation, well-formed and positive', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await toReview(h);
    await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '属实' });
    const recommend = (amount: string | undefined) => act(h, 'recommendation', { actor: actor('reviewer'), decision: 'approve', ...(amount ? { amount } : {}), reason: '符合' });
    await refused(h, () => recommend('3500000.01'), 'InvalidInput', /above the 3500000.00 the program's formula allows/);
    for (const bad of [undefined, '0.00', '-1.00', '1,000.00', '100.5', '1e6']) await refused(h, () => recommend(bad), 'InvalidInput');
    await recommend('3000000.00');
    const signOff = (amount: string | undefined, decision: 'approve' | 'reject' = 'approve') =>
      act(h, 'sign-off', { actor: actor('approver'), decision, ...(amount ? { amount } : {}), reason: '审定' });
    await refused(h, () => signOff('3000000.01'), 'InvalidInput', /above the recommended 3000000.00/);
    await refused(h, () => signOff('3500000.00'), 'InvalidInput');
    await refused(h, () => signOff(undefined), 'InvalidInput');
    await refused(h, () => signOff('100.00', 'reject'), 'InvalidInput', /amount is only given to approve/);
    const s = await signOff('2500000.00');
    assert.equal(s.award.approved, '2500000.00');
  });

  describe('disbursement: the verifier may not confirm, a payment is confirmed once, a duplicate update id applies once', () => {
    let h: WorkflowHandle;
    let s: ApplicationState;

    const step = storySteps();

    step('the agreement: refused when dated tomorrow or before the sign-off; signed today, disbursement', async () => {
      h = await lc.file(DRUG, DRUG_FACTS);
      s = await toPublicNotice(h);
      await sleepPast(lc, s.notice!.closesAt);
      await stateWhen(lc, h, (x) => x.stage === 'agreement' && x.agreement?.dueAt !== null);
      const today = await lc.today();
      await refused(h, () => act(h, 'agreement', { actor: actor('applicant-system'), signedOn: addCalendarDays(today, 1) }), 'InvalidInput', /in the future/);
      await refused(h, () => act(h, 'agreement', { actor: actor('applicant-system'), signedOn: '2020-01-01' }), 'InvalidInput', /before the government sign-off/);
      s = await act(h, 'agreement', { actor: actor('applicant-system'), signedOn: today });
      assert.equal(s.stage, 'disbursement');
    });

    step('claims: unknown milestone and double claims refused; verification needs a claim', async () => {
      const claim = (milestone: string) => act(h, 'progress', { actor: actor('applicant-system'), milestone, evidence: [doc(`${milestone}.pdf`)] });
      await refused(h, () => claim('no-such-milestone'), 'InvalidInput', /not in the schedule/);
      await refused(h, () => act(h, 'verification', { actor: actor('reviewer'), n: 1, accepted: true, reason: 'x' }), 'Conflict', /not claimed/);
      await refused(h, () => act(h, 'progress', { actor: actor('applicant-system'), milestone: 'be-filing', evidence: [] }), 'InvalidInput');
      s = await claim('be-filing');
      await refused(h, () => claim('be-filing'), 'Conflict', /already claimed/);
    });

    step('the verifier confirming the payment: SeparationOfDuties; confirmation twice: Conflict', async () => {
      s = await act(h, 'verification', { actor: actor('inspector', 'verifier-person'), n: 1, accepted: true, reason: 'BE备案凭证属实' });
      assert.equal(s.tranches[0]!.status, 'instructed');
      const today = await lc.today();
      await refused(
        h,
        () => act(h, 'confirmation', { actor: actor('finance-officer', 'verifier-person'), n: 1, treasuryReference: 'GK-1', paidOn: today }),
        'SeparationOfDuties',
        /verified this tranche and may not also confirm its payment/,
      );
      await refused(h, () => act(h, 'confirmation', { actor: actor('finance-officer'), n: 1, treasuryReference: 'GK-1', paidOn: addCalendarDays(today, 1) }), 'InvalidInput', /in the future/);
      await refused(h, () => act(h, 'confirmation', { actor: actor('finance-officer'), n: 2, treasuryReference: 'GK-1', paidOn: today }), 'Conflict', /no payment instruction/);
      s = await act(h, 'confirmation', { actor: actor('finance-officer'), n: 1, treasuryReference: 'GK-1', paidOn: today });
      assert.equal(s.tranches[0]!.status, 'paid');
      await refused(h, () => act(h, 'confirmation', { actor: actor('finance-officer'), n: 1, treasuryReference: 'GK-1b', paidOn: today }), 'Conflict', /already confirmed paid/);
    });

    step('withdrawal after a payment instruction: Conflict', async () => {
      await refused(h, () => act(h, 'withdrawal', { actor: actor('applicant-system'), reason: '不再需要' }), 'Conflict', /only before payment/);
    });

    step('a duplicate update id is applied once: one audit entry, one payment instruction, the same answer', async () => {
      await lc.env.sleep(10 * DAY_MS);
      await act(h, 'progress', { actor: actor('applicant-system'), milestone: 'be-trial-submitted', evidence: [doc('受理通知书.pdf')] });
      const request = { actor: actor('reviewer'), n: 2, accepted: true, reason: '受理通知书属实' };
      const first = await act(h, 'verification', request, 'verify-tranche-2');
      const second = await act(h, 'verification', request, 'verify-tranche-2');
      assert.deepEqual(second, first, 'the second caller gets the first answer');
      s = await lc.state(h);
      assert.equal(s.audit.filter((e) => e.action === 'verification' && e.details?.tranche === 2).length, 1);
      assert.equal(s.audit.filter((e) => e.action === 'payment-instructed' && e.details?.tranche === 2).length, 1);
      assert.equal((await outboxOf(lc, h.workflowId, 'payment-instruction')).filter((m) => m.tranche === 2).length, 1);

      // A retried confirmation with its update id is not a second confirmation (no Conflict).
      const confirm = { actor: actor('finance-officer'), n: 2, treasuryReference: 'GK-2', paidOn: await lc.today() };
      const c1 = await act(h, 'confirmation', confirm, 'confirm-tranche-2');
      const c2 = await act(h, 'confirmation', confirm, 'confirm-tranche-2');
      assert.deepEqual(c2, c1);
      s = await lc.state(h);
      assert.equal(s.audit.filter((e) => e.action === 'confirmation').length, 2, 'tranches 1 and 2, once each');
      assert.equal(s.tranches[1]!.status, 'paid');
    });
  });

  it('withdrawal before payment: withdrawn, with the reason, and the applicant told once', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await toReview(h);
    await refused(h, () => act(h, 'withdrawal', { actor: actor('applicant-system'), reason: ' ' }), 'InvalidInput');
    const s0 = await act(h, 'withdrawal', { actor: actor('applicant-system'), reason: '企业战略调整' });
    assert.equal(s0.stage, 'withdrawn');
    const s = await outcomeOf(lc, h, 'withdrawn');
    assert.match(s.outcome!.reason, /withdrawn by the applicant: 企业战略调整/);
    assert.deepEqual(s.pending, []);
    assert.deepEqual((await outboxOf(lc, h.workflowId, 'notification')).map((m) => m.idempotencyKey), [`${h.workflowId}:outcome:withdrawn`]);
  });

  it('withdrawal during the notice, before any money moved: withdrawn, no payment instruction ever', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    const s0 = await toPublicNotice(h);
    await act(h, 'withdrawal', { actor: actor('applicant-system'), reason: '放弃申报' });
    await outcomeOf(lc, h, 'withdrawn');
    await sleepPast(lc, s0.notice!.closesAt);
    assert.equal((await lc.state(h)).stage, 'withdrawn');
    assert.equal((await outboxOf(lc, h.workflowId, 'payment-instruction')).length, 0);
  });
});

describe('withdrawal while a payment instruction is on its way', () => {
  let lc: Lifecycle;
  before(async () => {
    // Payment instructions take 1.5 s to deliver: long enough to send an update meanwhile.
    lc = await startLifecycle('refusals-in-flight', { effectDelayMs: (m) => (m.type === 'payment-instruction' ? 1500 : 0) });
  });
  after(async () => lc.stop());

  it('is refused once a tranche is verified for payment: the instruction cannot be called back', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    const s0 = await toPublicNotice(h);
    await sleepPast(lc, s0.notice!.closesAt);
    await stateWhen(lc, h, (x) => x.stage === 'agreement' && x.agreement?.dueAt !== null);
    await act(h, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() });
    await act(h, 'progress', { actor: actor('applicant-system'), milestone: 'be-filing', evidence: [doc('BE备案凭证.pdf')] });

    const verification = act(h, 'verification', { actor: actor('reviewer'), n: 1, accepted: true, reason: '属实' });
    // Verified, the instruction being delivered, not yet recorded as instructed.
    await stateWhen(lc, h, (x) => x.tranches[0]!.status === 'verified');
    const withdrawal = await refusalOf(act(h, 'withdrawal', { actor: actor('applicant-system'), reason: '放弃' }));
    assert.equal(withdrawal.type, 'Conflict');
    const s = await verification;
    assert.equal(s.stage, 'disbursement');
    assert.equal(s.tranches[0]!.status, 'instructed');
    assert.equal((await outboxOf(lc, h.workflowId, 'payment-instruction')).length, 1);
  });
});
