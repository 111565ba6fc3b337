/**
 * Every amount as of the moment it is read (issue 15): the clawback statement a finance officer
 * reads on day N is computed as of day N (Asia/Shanghai), not as of the day the workflow last
 * woke up, so paying exactly the `outstanding` shown on day N, on day N, settles the case and the
 * engine answers with the settled stage. Tried for several N on both sides of the weekly
 * statement refresh (the workflow wakes a week after the decision).
 *
 * Recovery costs (追偿费用) recorded by the finance officer are on the statement and are settled
 * before interest and principal (民法典 第五百六十一条).
 *
 * The defect: decided on a Monday with a partial repayment that day, read ten days later, a
 * repayment of the shown amount left the case in `clawback`, short of the latest days' interest.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { addCalendarDays } from '../../domain/calendar';
import { actor } from '../helpers/fixtures';
import { act, doc, payTranche, refusalOf, sleepToShanghai, startLifecycle, supplyIllustrativeYears, toDisbursement, type Lifecycle } from '../helpers/lifecycle';
import { storySteps, storyYearsFrom, type StoryYears } from '../helpers/story';

const DRUG = 'dinghu-generic-drug-consistency';
const FACTS = { drugName: '阿托伐他汀钙片' };
/** Days after the decision on which each application's outstanding is read and paid. */
const READ_ON_DAY = [3, 10, 16] as const;

let story: StoryYears;
const d = (written: string) => story.date(written);

describe('the outstanding read on day N and paid on day N settles the clawback', () => {
  let lc: Lifecycle;
  let handles: WorkflowHandle[] = [];
  let decisionDate = '';
  const step = storySteps();

  before(async () => {
    lc = await startLifecycle('amounts-as-of-now');
    story = storyYearsFrom({ date: '2027-03-01' }, 'leap-cycle', await lc.env.currentTimeMs());
    await supplyIllustrativeYears(lc, story.year(2027), story.year(2028));
  });
  after(async () => lc?.stop());

  step('paid in full in year 1; fraud found in year 2; recovery decided, part repaid that day', async () => {
    await sleepToShanghai(lc, d('2027-03-01'));
    // One application per reading day, and one more that records recovery costs.
    handles = await Promise.all([...READ_ON_DAY, 'costs'].map(() => lc.file(DRUG, FACTS)));
    await toDisbursement(lc, handles, '3500000.00');
    for (const [n, day] of [[1, d('2027-04-01')], [2, d('2027-06-01')], [3, d('2027-09-01')]] as const) {
      await sleepToShanghai(lc, day);
      for (const h of handles) await payTranche(lc, h, n);
    }
    await sleepToShanghai(lc, d('2028-04-14'));
    for (const h of handles) await act(h, 'fraud-report', { actor: actor('inspector', 'zhao'), findings: '伪造一致性评价报告', evidence: [doc('核查笔录.pdf')] });
    decisionDate = d('2028-04-17');
    await sleepToShanghai(lc, decisionDate);
    for (const h of handles) {
      let s = await act(h, 'clawback-decision', { actor: actor('approver', 'wang'), decision: 'recover', decisionDate, reason: '骗取资金' });
      assert.equal(s.stage, 'clawback');
      s = await act(h, 'repayments', { actor: actor('finance-officer'), amount: '1000000.00', paidOn: decisionDate });
      assert.equal(s.stage, 'clawback');
      assert.equal(s.clawback!.asOf, decisionDate);
    }
  });

  for (const [i, n] of READ_ON_DAY.entries()) {
    step(`day ${n}: the statement read is as of day ${n}, and paying its outstanding that day settles the case`, async () => {
      const day = addCalendarDays(decisionDate, n);
      await sleepToShanghai(lc, day, '15:00');
      const h = handles[i]!;
      const read = await lc.state(h);
      assert.equal(read.clawback!.asOf, day, 'the statement is as of the day it is read');
      // Interest has run since the decision day: the amount is more than the day-0 figure.
      const first = read.clawback!.repayments[0]!;
      assert.equal(first.amount, '1000000.00');
      const paid = await act(h, 'repayments', { actor: actor('finance-officer'), amount: read.clawback!.outstanding, paidOn: day });
      assert.equal(paid.stage, 'clawed-back', `paying the ${read.clawback!.outstanding} shown on ${day} settles it`);
      assert.equal(paid.clawback!.outstanding, '0.00');
      // The others are still open, their statements as of today too.
      for (const other of handles.slice(i + 1)) {
        const s = await lc.state(other);
        assert.equal(s.stage, 'clawback');
        assert.equal(s.clawback!.asOf, day);
      }
    });
  }

  step('recovery costs, recorded with evidence, are on the statement and settled first, then interest, then principal', async () => {
    const h = handles[READ_ON_DAY.length]!;
    const finance = actor('finance-officer');
    const feeDay = addCalendarDays(decisionDate, 20);
    await sleepToShanghai(lc, feeDay, '11:00');
    let s = await act(h, 'costs', { actor: finance, amount: '5000.00', incurredOn: feeDay, description: '诉讼费', evidence: [doc('诉讼费收据.pdf')] });
    assert.equal(s.clawback!.costs, '5000.00');
    assert.equal(s.clawback!.recoveryCosts!.length, 1);
    assert.equal(s.clawback!.recoveryCosts![0]!.description, '诉讼费');
    assert.equal(s.audit.at(-1)!.action, 'costs');

    // A repayment the next day goes to the fee first, then to interest; principal untouched.
    const next = addCalendarDays(feeDay, 1);
    await sleepToShanghai(lc, next, '11:00');
    s = await act(h, 'repayments', { actor: finance, amount: '6000.00', paidOn: next });
    const allocation = s.clawback!.repayments.at(-1)!;
    assert.deepEqual([allocation.toCosts, allocation.toInterest, allocation.toPrincipal], ['5000.00', '1000.00', '0.00']);

    // A cost dated in the future is refused.
    const refusal = await refusalOf(act(h, 'costs', { actor: finance, amount: '100.00', incurredOn: addCalendarDays(next, 1), description: '保全费', evidence: [doc('保全费.pdf')] }));
    assert.match(refusal.message, /in the future/);

    // Paying what is shown settles it.
    const read = await lc.state(h);
    s = await act(h, 'repayments', { actor: finance, amount: read.clawback!.outstanding, paidOn: next });
    assert.equal(s.stage, 'clawed-back');
    assert.equal(s.clawback!.costs, '5000.00');
  });
});
