/**
 * The whole of steps 1–7 for dinghu-generic-drug-consistency on the time-skipping server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actor } from '../helpers/fixtures';
import { act, doc, startLifecycle, type Lifecycle, DAY_MS } from '../helpers/lifecycle';


describe('dinghu-generic-drug-consistency through its three milestones', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle('happy-path');
  });
  after(async () => lc.stop());

  it('goes from filing to monitoring', async () => {
    const h = await lc.file('dinghu-generic-drug-consistency', { drugName: '盐酸二甲双胍片' });
    let s = await act(h, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
    assert.equal(s.stage, 'formal-submission');
    assert.ok(s.materials.dueAt, 'formal submission has a deadline');
    s = await act(h, 'materials', { actor: actor('applicant-system'), documents: [doc('申请表', 'application-form')] });
    assert.equal(s.stage, 'inspection');
    assert.equal(s.inspection?.why, 'threshold');
    s = await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '现场核查属实' });
    assert.equal(s.stage, 'review');
    s = await act(h, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: '3500000.00', reason: '符合条件' });
    assert.equal(s.stage, 'sign-off');
    s = await act(h, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: '3500000.00', reason: '同意' });
    assert.equal(s.stage, 'public-notice');
    assert.equal(s.notice?.days.length, 5);
    await lc.env.sleep(Date.parse(s.notice!.closesAt) - (await lc.env.currentTimeMs()) + 1000);
    s = await lc.state(h);
    assert.equal(s.stage, 'agreement');
    s = await act(h, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() });
    assert.equal(s.stage, 'disbursement');
    assert.deepEqual(s.tranches.map((t) => [t.n, t.milestone, t.amount, t.status]), [
      [1, 'be-filing', '1000000.00', 'scheduled'],
      [2, 'be-trial-submitted', '1000000.00', 'scheduled'],
      [3, 'consistency-passed', '1500000.00', 'scheduled'],
    ]);
    for (const t of s.tranches) {
      s = await act(h, 'progress', { actor: actor('applicant-system'), milestone: t.milestone, evidence: [doc(`${t.milestone}.pdf`)] });
      assert.equal(s.tranches[t.n - 1]!.status, 'claimed');
      s = await act(h, 'verification', { actor: actor('reviewer'), n: t.n, accepted: true, reason: '凭证齐全' });
      assert.equal(s.tranches[t.n - 1]!.status, 'instructed');
      s = await act(h, 'confirmation', { actor: actor('finance-officer'), n: t.n, treasuryReference: `GK-${t.n}`, paidOn: await lc.today() });
      assert.equal(s.tranches[t.n - 1]!.status, 'paid');
      await lc.env.sleep(30 * DAY_MS);
    }
    s = await lc.state(h);
    assert.equal(s.stage, 'monitoring');
    const payments = await lc.outbox.read({ applicationId: h.workflowId, type: 'payment-instruction' });
    assert.equal(payments.length, 3);
  });
});
