/**
 * Clawback with interest at the LPR (domain brief steps 8–9; 002 第三十三条), on the time-skipping
 * server: `dinghu-generic-drug-consistency` paid through its three milestones in 2027, the holder
 * moves out of 鼎湖区 in year 3 of its five-year stay obligation, the approver decides to recover,
 * and the statement is checked line by line against amounts computed by hand.
 *
 * The story is written in 2027–2032 and runs in the first years after the test server's clock
 * that keep the leap-year cycle (helpers/story.ts), so every day count and amount below, computed
 * by hand, holds on any day the suite runs; working-day deadlines are counted from the calendar.
 * Time only moves forward: this file has its own server, and its steps are in date order and stop
 * at the first broken one. The years are supplied with ILLUSTRATIVE calendars (test data only).
 *
 * Program settings (data/catalog/dinghu-generic-drug-consistency.json, clawback):
 *   rateMode fixed-at-decision, dayCount ACT/360, tenor 1Y, repaymentDueWorkingDays 30.
 * The shipped LPR table (data/lpr.csv) is confirmed through 2025-05-20; its last fixing is
 * 1Y 3.00 % effective 2025-05-20. The decision date 2030-03-04 is after that, so the rate fixed at
 * decision is 3.00 % from the 2025-05-20 fixing, CARRIED FORWARD (flagged on every line).
 * Line interest = principal × 3.00/100 × days / 360, rounded once, half-up to the fen.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { ApplicationState } from '../../domain/application';
import { workingDaysFrom } from '../../domain/calendar';
import { actor } from '../helpers/fixtures';
import {
  act,
  doc,
  outboxOf,
  outcomeOf,
  payTranche,
  refusalOf,
  sleepToShanghai,
  startLifecycle,
  supplyIllustrativeYears,
  toDisbursement,
  type Lifecycle,
} from '../helpers/lifecycle';
import { storySteps, storyYearsFrom, type StoryYears } from '../helpers/story';


const DRUG = 'dinghu-generic-drug-consistency';
const FACTS = { drugName: '苯磺酸氨氯地平片' };

/** The years the story runs in, set from the test server's clock before the first step. */
let story: StoryYears;
/** A date of the story as written, in the years it runs in. */
const d = (written: string) => story.date(written);

/** Tranches and the days they were paid, as written (the clock is moved to each day first). */
const PAID_ON = { 1: '2027-04-01', 2: '2027-07-01', 3: '2027-10-15' } as const;
const paidOn = (n: 1 | 2 | 3) => d(PAID_ON[n]);

/** One statement line as the state shows it (tranche = the tranche's `n`). */
const line = (tranche: number, from: string, to: string, days: number, principal: string, interest: string) => ({
  tranche,
  from,
  to,
  days,
  principal,
  ratePercent: '3.00',
  fixingDate: '2025-05-20',
  carriedForward: true,
  interest,
});

describe('clawback of a pharma award after a move out of the district in year 3', () => {
  let lc: Lifecycle;
  /** The main story: paid, moved out, recovered with interest, repaid in two parts. */
  let moved: WorkflowHandle;
  /** Fraud found after payment, recovered with a judicial referral. */
  let fraud: WorkflowHandle;
  /** Fraud reported during disbursement, dismissed: disbursement carries on. */
  let dismissed: WorkflowHandle;
  /** Breach reported in monitoring, dismissed: monitoring carries on. */
  let quiet: WorkflowHandle;

  const step = storySteps();

  before(async () => {
    lc = await startLifecycle('clawback');
    story = storyYearsFrom({ date: '2027-03-01' }, 'leap-cycle', await lc.env.currentTimeMs());
    await supplyIllustrativeYears(lc, story.year(2027), story.year(2032));
  });
  after(async () => lc.stop());

  step('year 1, 03-01: four applications filed, approved, agreed, and paid through three milestones', async () => {
    await sleepToShanghai(lc, d('2027-03-01'));
    moved = await lc.file(DRUG, FACTS);
    fraud = await lc.file(DRUG, FACTS);
    dismissed = await lc.file(DRUG, FACTS);
    quiet = await lc.file(DRUG, FACTS);
    await toDisbursement(lc, [moved, fraud, dismissed, quiet], '3500000.00');

    await sleepToShanghai(lc, paidOn(1));
    for (const h of [moved, fraud, dismissed, quiet]) await payTranche(lc, h, 1);
  });

  step('year 1, 04-01: fraud reported during disbursement suspends claims (Conflict); dismissed, disbursement carries on', async () => {
    let s = await act(dismissed, 'fraud-report', { actor: actor('inspector', 'zhao'), findings: '举报称BE备案材料不实', evidence: [doc('举报材料.pdf')] });
    assert.equal(s.stage, 'disbursement', 'money was paid: the approver decides; the stage does not change');
    assert.equal(s.reports[0]!.status, 'open');
    assert.ok(s.reports[0]!.afterPayment);
    assert.deepEqual(
      s.pending.filter((p) => p.role === 'approver').map((p) => p.action),
      ['clawback-decision'],
    );

    const claim = await refusalOf(act(dismissed, 'progress', { actor: actor('applicant-system'), milestone: 'be-trial-submitted', evidence: [doc('受理通知书.pdf')] }));
    assert.equal(claim.type, 'Conflict');
    assert.match(claim.message, /report 1 \(fraud\) waits for the approver's decision: disbursement is suspended/);

    s = await act(dismissed, 'clawback-decision', { actor: actor('approver', 'wang'), decision: 'dismiss', reason: '经核查举报不实' });
    assert.equal(s.stage, 'disbursement', 'dismissed: back to where it was');
    assert.equal(s.reports[0]!.status, 'dismissed');
    assert.equal(s.clawback, null);
    assert.ok(!s.pending.some((p) => p.action === 'clawback-decision'));
    assert.equal((await outboxOf(lc, dismissed.workflowId, 'credit-record')).length, 0, 'a dismissed report records no credit');

    s = await act(dismissed, 'progress', { actor: actor('applicant-system'), milestone: 'be-trial-submitted', evidence: [doc('受理通知书.pdf')] });
    assert.equal(s.tranches[1]!.status, 'claimed');
    s = await act(dismissed, 'verification', { actor: actor('reviewer'), n: 2, accepted: false, reason: '受理通知书不清晰，请重新提交' });
    assert.equal(s.tranches[1]!.status, 'rejected');
  });

  step('year 1, 07-01 and 10-15: tranches 2 and 3 paid; monitoring until 5 years after the last payment', async () => {
    await sleepToShanghai(lc, paidOn(2));
    for (const h of [moved, fraud, dismissed, quiet]) await payTranche(lc, h, 2);
    await sleepToShanghai(lc, paidOn(3));
    for (const h of [moved, fraud, dismissed, quiet]) {
      const s = await payTranche(lc, h, 3);
      assert.equal(s.stage, 'monitoring');
      assert.deepEqual(
        s.obligations.map((o) => [o.id, o.status, o.startsOn, o.endsOn]),
        [['stay-5-years', 'running', d('2027-10-15'), d('2032-10-15')]],
      );
      assert.deepEqual(s.tranches.map((t) => [t.n, t.amount, t.paidOn]), [
        [1, '1000000.00', paidOn(1)],
        [2, '1000000.00', paidOn(2)],
        [3, '1500000.00', paidOn(3)],
      ]);
    }
  });

  step('year 4, 03-01 (year 3 of the stay): the holder moved out; the reporter may not decide (SeparationOfDuties); a dismissal keeps monitoring', async () => {
    await sleepToShanghai(lc, d('2030-03-01'));
    // The same person holds the inspector and the approver role: four eyes are still two people.
    let s = await act(moved, 'breach-report', {
      actor: actor('inspector', 'li'),
      obligation: 'stay-5-years',
      findings: `企业已于${story.year(2030)}年2月将注册地迁出鼎湖区`,
    });
    assert.equal(s.stage, 'monitoring');
    assert.equal(s.reports[0]!.kind, 'breach');
    assert.equal(s.reports[0]!.obligation, 'stay-5-years');
    const sod = await refusalOf(act(moved, 'clawback-decision', { actor: actor('approver', 'li'), decision: 'recover', decisionDate: d('2030-03-01'), reason: '迁出鼎湖区' }));
    assert.equal(sod.type, 'SeparationOfDuties');
    assert.match(sod.message, /made report 1 and may not also decide on it/);

    s = await act(fraud, 'fraud-report', { actor: actor('inspector', 'zhao'), findings: '一致性评价批件系伪造', evidence: [doc('核查笔录.pdf')] });
    assert.equal(s.stage, 'monitoring');

    // A breach report that does not hold up: dismissed, the obligation period runs on.
    await act(quiet, 'breach-report', { actor: actor('inspector', 'zhao'), obligation: 'stay-5-years', findings: '疑似迁出' });
    s = await act(quiet, 'clawback-decision', { actor: actor('approver', 'wang'), decision: 'dismiss', reason: '经核查仍在区内经营' });
    assert.equal(s.stage, 'monitoring');
    assert.equal(s.reports[0]!.status, 'dismissed');
    assert.equal(s.obligations[0]!.status, 'running');
    assert.deepEqual(s.pending, []);
  });

  let decided: ApplicationState;
  step('year 4, 03-04: recover — the statement of everything paid, with interest at the LPR fixed at decision (carried forward)', async () => {
    await sleepToShanghai(lc, d('2030-03-04'));
    const s = await act(moved, 'clawback-decision', { actor: actor('approver', 'wang'), decision: 'recover', decisionDate: d('2030-03-04'), reason: '五年内迁出鼎湖区，违反支持协议' });
    decided = s;
    assert.equal(s.stage, 'clawback');
    const c = s.clawback!;
    assert.deepEqual(
      { decisionDate: c.decisionDate, rateMode: c.rateMode, dayCount: c.dayCount, tenor: c.tenor, asOf: c.asOf, lprConfirmedThrough: c.lprConfirmedThrough, carriedForward: c.carriedForward },
      { decisionDate: d('2030-03-04'), rateMode: 'fixed-at-decision', dayCount: 'ACT/360', tenor: '1Y', asOf: d('2030-03-04'), lprConfirmedThrough: '2025-05-20', carriedForward: true },
    );
    // Interest up to, not including, 2030-03-04 (3.00 % carried forward from the 2025-05-20 fixing):
    //   T1 1 000 000.00 × 3/100 × 1068 / 360 = 89 000.00          (2027-04-01 → 2030-03-04: 1068 days)
    //   T2 1 000 000.00 × 3/100 ×  977 / 360 = 81 416.666…  → 81 416.67 (half-up)
    //   T3 1 500 000.00 × 3/100 ×  871 / 360 = 108 875.00         (2027-10-15 → 2030-03-04: 871 days)
    //   interest 279 291.67; total 3 500 000.00 + 279 291.67 = 3 779 291.67
    assert.deepEqual(c.lines, [
      line(1, d('2027-04-01'), d('2030-03-04'), 1068, '1000000.00', '89000.00'),
      line(2, d('2027-07-01'), d('2030-03-04'), 977, '1000000.00', '81416.67'),
      line(3, d('2027-10-15'), d('2030-03-04'), 871, '1500000.00', '108875.00'),
    ]);
    assert.deepEqual(
      { principal: c.principal, interest: c.interest, costs: c.costs, total: c.total, repaid: c.repaid, outstanding: c.outstanding },
      { principal: '3500000.00', interest: '279291.67', costs: '0.00', total: '3779291.67', repaid: '0.00', outstanding: '3779291.67' },
    );
    // 30 working days from the day after the decision, on the year's calendar (written 2030, the
    // illustrative calendar has no holiday in March or April: 03-05 … 04-15 in 2030's weekdays),
    // due by 24:00 Asia/Shanghai of the last one.
    const repayBy = workingDaysFrom((await lc.calendar.current()).data(), d('2030-03-05'), 30);
    assert.ok(repayBy.lastDay > d('2030-04-10') && repayBy.lastDay < d('2030-04-20'), `30 working days end mid-April, not ${repayBy.lastDay}`);
    assert.equal(c.lastDay, repayBy.lastDay);
    assert.equal(c.dueAt, `${repayBy.lastDay}T16:00:00.000Z`);
    assert.deepEqual(
      s.pending.map((p) => [p.role, p.action, p.dueAt]),
      [['finance-officer', 'repayments', `${repayBy.lastDay}T16:00:00.000Z`]],
    );
    // The applicant is told; credit management records it; no judicial referral was decided.
    const notification = (await outboxOf(lc, moved.workflowId, 'notification')).find((m) => m.idempotencyKey === `${moved.workflowId}:clawback:1:notification`);
    assert.ok(notification, 'the applicant is notified of the decision');
    assert.match(String(notification.body), /outstanding 3779291\.67/);
    const credit = (await outboxOf(lc, moved.workflowId, 'credit-record'));
    assert.equal(credit.length, 1);
    assert.equal(credit[0]!.kind, 'breach');
    assert.deepEqual(s.creditRecords.map((r) => r.idempotencyKey), [`${moved.workflowId}:credit:1`]);
    assert.equal((await outboxOf(lc, moved.workflowId, 'judicial-referral')).length, 0);
    assert.ok(s.audit.some((e) => e.action === 'clawback-decision' && e.actor.id === 'wang'));
  });

  step('year 4, 03-04: fraud after payment, recovered with referToJudiciary: one judicial referral', async () => {
    const s = await act(fraud, 'clawback-decision', {
      actor: actor('approver', 'wang'),
      decision: 'recover',
      decisionDate: d('2030-03-04'),
      referToJudiciary: true,
      reason: '伪造批件骗取资金，涉嫌犯罪',
    });
    assert.equal(s.stage, 'clawback');
    // Same tranches, same days: the same statement as the move-out case.
    assert.deepEqual(s.clawback!.lines, decided.clawback!.lines);
    assert.equal(s.clawback!.outstanding, '3779291.67');
    const referrals = (await outboxOf(lc, fraud.workflowId, 'judicial-referral'));
    assert.equal(referrals.length, 1);
    assert.equal(referrals[0]!.to, 'judiciary');
    assert.equal((await outboxOf(lc, fraud.workflowId, 'credit-record')).length, 1);
    assert.ok(s.audit.some((e) => e.action === 'judicial-referral'));
  });

  step('year 4, 04-01: a partial repayment of 500 000.00 settles interest first, then principal (民法典 第五百六十一条)', async () => {
    await sleepToShanghai(lc, d('2030-04-01'));
    const s = await act(moved, 'repayments', { actor: actor('finance-officer'), amount: '500000.00', paidOn: d('2030-04-01') });
    assert.equal(s.stage, 'clawback');
    const c = s.clawback!;
    // Interest accrued up to, not including, 2030-04-01:
    //   T1 1 000 000.00 × 3/100 × 1096 / 360 = 91 333.333…  → 91 333.33  (2027-04-01 → 2030-04-01: 366 + 365 + 365)
    //   T2 1 000 000.00 × 3/100 × 1005 / 360 = 83 750.00                (2027-07-01 → 2030-04-01)
    //   T3 1 500 000.00 × 3/100 ×  899 / 360 = 112 375.00               (2027-10-15 → 2030-04-01)
    //   interest due 287 458.33 → toInterest 287 458.33; toPrincipal 500 000.00 − 287 458.33 = 212 541.67
    //   (no costs: toCosts 0.00); principal reductions go to the oldest tranche (T1 → 787 458.33).
    assert.deepEqual(
      c.repayments.map(({ amount, paidOn, toCosts, toInterest, toPrincipal }) => ({ amount, paidOn, toCosts, toInterest, toPrincipal })),
      [{ amount: '500000.00', paidOn: d('2030-04-01'), toCosts: '0.00', toInterest: '287458.33', toPrincipal: '212541.67' }],
    );
    assert.equal(c.repayments[0]!.recordedBy?.role, 'finance-officer');
    assert.deepEqual(c.lines, [
      line(1, d('2027-04-01'), d('2030-04-01'), 1096, '1000000.00', '91333.33'),
      line(2, d('2027-07-01'), d('2030-04-01'), 1005, '1000000.00', '83750.00'),
      line(3, d('2027-10-15'), d('2030-04-01'), 899, '1500000.00', '112375.00'),
    ]);
    // Outstanding on 2030-04-01 after the repayment: principal only, 3 500 000.00 − 212 541.67.
    assert.deepEqual(
      { interest: c.interest, total: c.total, repaid: c.repaid, outstanding: c.outstanding, asOf: c.asOf },
      { interest: '287458.33', total: '3787458.33', repaid: '500000.00', outstanding: '3287458.33', asOf: d('2030-04-01') },
    );
  });

  step('year 4, 04-10: a repayment above the outstanding amount is refused with the exact amount; paying exactly that settles it: clawed-back', async () => {
    await sleepToShanghai(lc, d('2030-04-10'));
    const tooMuch = await refusalOf(act(moved, 'repayments', { actor: actor('finance-officer'), amount: '3300000.00', paidOn: d('2030-04-10') }));
    assert.equal(tooMuch.type, 'InvalidInput');
    // Outstanding on 2030-04-10: interest for 2030-04-01 → 2030-04-10 (9 days) on the unpaid principal
    //   T1   787 458.33 × 3/100 × 9 / 360 = 590.5937475 → 590.59
    //   T2 1 000 000.00 × 3/100 × 9 / 360 = 750.00
    //   T3 1 500 000.00 × 3/100 × 9 / 360 = 1 125.00
    //   interest 2 465.59 + principal 3 287 458.33 = 3 289 923.92
    assert.equal(tooMuch.message, `amount 3300000.00 is more than the 3289923.92 outstanding on ${d('2030-04-10')}`);
    const outstanding = /the (\d+\.\d{2}) outstanding/.exec(tooMuch.message)![1]!;

    const answer = await act(moved, 'repayments', { actor: actor('finance-officer'), amount: outstanding, paidOn: d('2030-04-10') });
    assert.deepEqual(
      answer.clawback!.repayments.map(({ amount, toCosts, toInterest, toPrincipal }) => [amount, toCosts, toInterest, toPrincipal]),
      [
        ['500000.00', '0.00', '287458.33', '212541.67'],
        ['3289923.92', '0.00', '2465.59', '3287458.33'],
      ],
    );
    const s = await outcomeOf(lc, moved, 'clawed-back');
    const c = s.clawback!;
    assert.ok(c.settledAt);
    assert.deepEqual(c.lines, [
      line(1, d('2027-04-01'), d('2030-04-01'), 1096, '1000000.00', '91333.33'),
      line(1, d('2030-04-01'), d('2030-04-10'), 9, '787458.33', '590.59'),
      line(2, d('2027-07-01'), d('2030-04-01'), 1005, '1000000.00', '83750.00'),
      line(2, d('2030-04-01'), d('2030-04-10'), 9, '1000000.00', '750.00'),
      line(3, d('2027-10-15'), d('2030-04-01'), 899, '1500000.00', '112375.00'),
      line(3, d('2030-04-01'), d('2030-04-10'), 9, '1500000.00', '1125.00'),
    ]);
    // interest 287 458.33 + 2 465.59 = 289 923.92; total 3 789 923.92 = repaid 500 000.00 + 3 289 923.92
    assert.deepEqual(
      { principal: c.principal, interest: c.interest, total: c.total, repaid: c.repaid, outstanding: c.outstanding, asOf: c.asOf },
      { principal: '3500000.00', interest: '289923.92', total: '3789923.92', repaid: '3789923.92', outstanding: '0.00', asOf: d('2030-04-10') },
    );
    assert.equal(s.outcome?.stage, 'clawed-back');
    assert.deepEqual(s.pending, []);
    // Told how it ended; the credit record written once; never overdue, never referred.
    assert.equal((await outboxOf(lc, moved.workflowId, 'notification')).filter((m) => m.idempotencyKey === `${moved.workflowId}:outcome:clawed-back`).length, 1);
    assert.equal((await outboxOf(lc, moved.workflowId, 'credit-record')).length, 1);
    assert.equal((await outboxOf(lc, moved.workflowId, 'escalation')).length, 0);
    assert.equal((await outboxOf(lc, moved.workflowId, 'enforcement-referral')).length, 0);
    assert.deepEqual(
      s.audit.slice(s.audit.findIndex((e) => e.action === 'breach-report')).filter((e) => ['breach-report', 'clawback-decision', 'deadline', 'repayments', 'clawback-settled'].includes(e.action)).map((e) => e.action),
      ['breach-report', 'clawback-decision', 'deadline', 'repayments', 'repayments', 'clawback-settled'],
    );

    // Nothing more can be repaid: the workflow finishes (once its last listing row is written), with the state as its result.
    assert.equal((await moved.result()).stage, 'clawed-back');
    assert.equal((await moved.describe()).status.name, 'COMPLETED');
    await assert.rejects(act(moved, 'repayments', { actor: actor('finance-officer'), amount: '1.00', paidOn: d('2030-04-10') }));
  });

  step('the dismissed applications carry on: the other still in monitoring, the fraud case still in clawback', async () => {
    const q = await lc.state(quiet);
    assert.equal(q.stage, 'monitoring');
    assert.equal(q.clawback, null);
    const f = await lc.state(fraud);
    assert.equal(f.stage, 'clawback');
    assert.equal((await outboxOf(lc, fraud.workflowId, 'judicial-referral')).length, 1, 'referred to the judiciary once, whatever happened since');
  });
});
