/**
 * Clawbacks that take time (domain brief steps 9–10): a repayment deadline that passes unsettled
 * escalates to the approver and, where the program says so (`referOnOverdue`), ends in `referred`
 * (handed to enforcement), which still takes repayments until everything is recovered; and a
 * clawback repaid over several weeks that continues as new in the middle, losing nothing.
 *
 * The story is written in 2027–2028 and runs in the first years after the test server's clock that
 * keep the leap-year cycle (helpers/story.ts); working-day deadlines are counted from the calendar.
 * Time only moves forward: this file has its own server, and its steps are in date order and stop
 * at the first broken one. The years are supplied with ILLUSTRATIVE calendars (test data only).
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { ApplicationState } from '../../domain/application';
import { workingDaysFrom } from '../../domain/calendar';
import { actor } from '../helpers/fixtures';
import {
  act,
  DAY_MS,
  outboxOf,
  outcomeOf,
  payTranche,
  refusalOf,
  sleepPast,
  sleepToShanghai,
  startLifecycle,
  stateWhen,
  supplyIllustrativeYears,
  toDisbursement,
  type Lifecycle,
} from '../helpers/lifecycle';
import { storySteps, storyYearsFrom, type StoryYears } from '../helpers/story';

import { fetchRuns, historyReport } from '../../api/history';

const DRUG = 'dinghu-generic-drug-consistency';
const FACTS = { drugName: '阿托伐他汀钙片' };

/** The exact amount outstanding on `paidOn`, as the refusal of an over-large repayment names it. */
async function outstandingOn(h: WorkflowHandle, paidOn: string): Promise<string> {
  const r = await refusalOf(act(h, 'repayments', { actor: actor('finance-officer'), amount: '99999999.00', paidOn }));
  assert.equal(r.type, 'InvalidInput');
  const m = /^amount 99999999\.00 is more than the (\d+\.\d{2}) outstanding on (\d{4}-\d{2}-\d{2})$/.exec(r.message);
  assert.ok(m, r.message);
  assert.equal(m[2], paidOn);
  return m[1]!;
}

const actions = (s: ApplicationState) => s.audit.map((e) => e.action);

/** The years the story runs in, set from the test server's clock before the first step. */
let story: StoryYears;
/** A date of the story as written, in the years it runs in. */
const d = (written: string) => story.date(written);

describe('unpaid clawbacks past their deadline, and continue-as-new in the middle of a clawback', () => {
  let lc: Lifecycle;
  /** Never repays in time: escalated and referred to enforcement, then repays in `referred`. */
  let unpaid: WorkflowHandle;
  /** The same with `referOnOverdue: false`: escalated, stays in clawback with an approver item. */
  let escalatedOnly: WorkflowHandle;
  /** A small history limit: continues as new while repaying week by week. */
  let long: WorkflowHandle;
  /** The last day to repay: 30 working days after the decision (written 2028-06-05). */
  let lastDay: string;
  const step = storySteps();

  before(async () => {
    lc = await startLifecycle('clawback-overdue');
    story = storyYearsFrom({ date: '2027-03-01' }, 'leap-cycle', await lc.env.currentTimeMs());
    await supplyIllustrativeYears(lc, story.year(2027), story.year(2028));
    lastDay = workingDaysFrom((await lc.calendar.current()).data(), d('2028-06-06'), 30).lastDay;
  });
  after(async () => lc.stop());

  step('year 1: filed, paid through three milestones; year 2, 06-01 moved out; 06-05 recover', async () => {
    await sleepToShanghai(lc, d('2027-03-01'));
    unpaid = await lc.file(DRUG, FACTS);
    escalatedOnly = await lc.file(DRUG, FACTS, { program: (p) => ({ ...p, clawback: { ...p.clawback, referOnOverdue: false } }) });
    long = await lc.file(DRUG, FACTS, { historyLimit: 100 });
    const all = [unpaid, escalatedOnly, long];
    await toDisbursement(lc, all, '3500000.00');
    for (const [n, day] of [[1, d('2027-04-01')], [2, d('2027-06-01')], [3, d('2027-09-01')]] as const) {
      await sleepToShanghai(lc, day);
      for (const h of all) await payTranche(lc, h, n);
    }
    for (const h of all) assert.equal((await lc.state(h)).stage, 'monitoring');

    await sleepToShanghai(lc, d('2028-06-01'));
    for (const h of all) await act(h, 'breach-report', { actor: actor('inspector', 'zhao'), obligation: 'stay-5-years', findings: '已迁出鼎湖区' });
    await sleepToShanghai(lc, d('2028-06-05'));
    for (const h of all) {
      const s = await act(h, 'clawback-decision', { actor: actor('approver', 'wang'), decision: 'recover', decisionDate: d('2028-06-05'), reason: '五年内迁出' });
      assert.equal(s.stage, 'clawback');
      // 30 working days from the day after the decision (illustrative calendar: none off in June–July):
      // six weeks, so mid-July (written 2028: 06-06 … 07-17).
      assert.equal(s.clawback!.lastDay, lastDay);
      assert.ok(lastDay >= d('2028-07-14') && lastDay <= d('2028-07-19'), `30 working days end mid-July, not ${lastDay}`);
      assert.equal(s.clawback!.outstanding, (await lc.state(unpaid)).clawback!.outstanding, 'same payments, same statement');
    }
  });

  step('continue-as-new while repaying week by week loses nothing: same id, audit trail, statement and repayments', async () => {
    const before = await lc.state(long);
    const decisionAt = before.audit.findIndex((e) => e.action === 'clawback-decision');
    assert.ok(decisionAt > 0);
    const firstRunId = (await long.describe()).runId;

    const paid: Array<[string, string]> = [];
    for (const day of [d('2028-06-12'), d('2028-06-19'), d('2028-06-26'), d('2028-07-03'), d('2028-07-10')]) {
      // At 15:00, away from the weekly LPR refresh (10:00, a week after the decision), where the
      // application may continue as new: an update answered in the same workflow task as the
      // continue-as-new can be lost (temporalio/temporal#6375; the time-skipping server hangs).
      await sleepToShanghai(lc, day, '15:00');
      const s = await act(long, 'repayments', { actor: actor('finance-officer'), amount: '200000.00', paidOn: day });
      paid.push(['200000.00', day]);
      assert.deepEqual(s.clawback!.repayments.map((r) => [r.amount, r.paidOn]), paid, `every repayment so far, on ${day}`);
    }
    const s = await stateWhen(lc, long, (x) => x.runs > 1 && x.audit.slice(decisionAt).some((e) => e.action === 'continue-as-new'));
    const description = await long.describe();
    assert.equal(description.workflowId, long.workflowId);
    assert.notEqual(description.runId, firstRunId, 'a new run of the same workflow id');
    assert.equal(s.id, long.workflowId);
    assert.equal(s.stage, 'clawback');

    // The audit trail still begins at the filing and holds everything from before.
    const a = actions(s);
    assert.equal(a[0], 'filing');
    for (const x of ['preliminary-record', 'sign-off', 'notice-published', 'agreement', 'confirmation', 'monitoring-started', 'breach-report', 'clawback-decision', 'deadline']) {
      assert.ok(a.includes(x), `audit keeps ${x}`);
    }
    assert.equal(a.filter((x) => x === 'confirmation').length, 3);
    assert.equal(a.filter((x) => x === 'repayments').length, 5);
    assert.ok(a.indexOf('continue-as-new') >= 0 && a.includes('continued-as-new'));
    assert.deepEqual(s.audit.slice(0, before.audit.length), before.audit, 'nothing before the decision was lost or changed');

    // The statement and repayments are intact: same decision, same deadline, every repayment applied.
    const c = s.clawback!;
    assert.equal(c.decisionDate, d('2028-06-05'));
    assert.equal(c.lastDay, lastDay);
    assert.equal(c.repaid, '1000000.00');
    assert.deepEqual(c.repayments.map((r) => [r.amount, r.paidOn]), paid);
    assert.ok(c.repayments.every((r) => r.recordedBy?.role === 'finance-officer'));
    // The first repayment settles the interest accrued since payment (about 103 000), then
    // principal; each later one a week's interest (3.00 % on about 3.4 million: under 2 000), then principal.
    for (const r of c.repayments) assert.equal(r.toCosts, '0.00');
    assert.ok(Number(c.repayments[0]!.toInterest) > 100_000 && Number(c.repayments[0]!.toPrincipal) > 0);
    assert.ok(c.repayments.slice(1).every((r) => Number(r.toInterest) > 0 && Number(r.toInterest) < 2000));
    // Tranche 1 (the oldest, whose principal the repayments reduce): one line up to the first
    // repayment, then a new line at each repayment day.
    assert.deepEqual(
      c.lines.filter((l) => l.tranche === 1).map((l) => l.from).slice(0, 5),
      [d('2027-04-01'), d('2028-06-12'), d('2028-06-19'), d('2028-06-26'), d('2028-07-03')],
    );
    assert.deepEqual(s.creditRecords.length, 1);

    // Settled exactly, in the new run: clawed-back, with the notification and one credit record.
    await sleepToShanghai(lc, d('2028-07-14'));
    const rest = await outstandingOn(long, d('2028-07-14'));
    await act(long, 'repayments', { actor: actor('finance-officer'), amount: rest, paidOn: d('2028-07-14') });
    const end = await outcomeOf(lc, long, 'clawed-back');
    assert.equal(end.clawback!.outstanding, '0.00');
    assert.equal(end.clawback!.repayments.length, 6);
    assert.equal((await outboxOf(lc, long.workflowId, 'credit-record')).length, 1);
    assert.equal((await outboxOf(lc, long.workflowId, 'notification')).filter((m) => m.idempotencyKey === `${long.workflowId}:clawback:1:notification`).length, 1, 'not told twice across runs');

    // The audit trail an auditor reads (GET /applications/:id/history) spans every run.
    const runs = await fetchRuns(lc.env.client, long.workflowId);
    assert.equal(runs.length, end.runs);
    assert.ok(runs.length >= 2);
    assert.ok(runs.some((r) => r.runId === firstRunId), "the run before the decision is among them");
    const report = historyReport(runs);
    assert.deepEqual(report.runs.map((r) => r.run), runs.map((_, i) => i + 1));
    assert.equal(report.entries.filter((e) => e.kind === 'continued-as-new').length, runs.length - 1);
    const repayments = report.entries.filter((e) => e.kind === 'action' && e.action === 'repayments');
    assert.deepEqual(repayments.map((e) => e.amounts?.amount), [...paid.map(([amount]) => amount), rest]);
    const runOf = report.entries.map((e) => e.run);
    assert.deepEqual(runOf, [...runOf].sort((a, b) => a - b), 'entries in run order');
    assert.equal(runOf[0], 1);
    assert.equal(runOf[runOf.length - 1], runs.length);
    assert.equal(report.entries[0]!.kind, 'filed');
    assert.deepEqual(repayments.map((e) => e.actor?.id), repayments.map(() => 'test-finance-officer'));
    // Every timer says what it waited for, as the workflow named it when it started it.
    const timers = report.entries.filter((e) => e.kind === 'timer-started');
    assert.ok(timers.length > 0);
    assert.deepEqual(timers.filter((e) => !e.timer?.purpose).map((e) => e.eventId), [], 'no timer without a purpose');
    const purposes = new Set(timers.map((e) => e.timer!.purpose));
    for (const p of ['the materials deadline', 'the end of the public-notice window (publication 1)', 'the agreement deadline', 'the end of obligation stay-5-years', 'the weekly refresh of the clawback statement']) {
      assert.ok([...purposes].some((x) => x!.startsWith(p)), `a timer for ${p}; got ${[...purposes].join(' | ')}`);
    }
  });

  step('year 2, the day after the last day to repay: the deadline passed unpaid: escalated to the approver, referred to enforcement', async () => {
    const due = (await lc.state(unpaid)).clawback!.dueAt!;
    assert.equal(due, `${lastDay}T16:00:00.000Z`);
    await sleepPast(lc, due);
    let s = await stateWhen(lc, unpaid, (x) => x.stage === 'referred');
    const c = s.clawback!;
    assert.ok(c.overdueSince && c.referredAt);
    assert.equal(s.outcome?.stage, 'referred');
    assert.match(s.outcome!.reason, new RegExp(`repayment overdue since the end of ${lastDay}; referred to enforcement with \\d+\\.\\d{2} outstanding`));
    const escalations = (await outboxOf(lc, unpaid.workflowId, 'escalation'));
    assert.equal(escalations.length, 1);
    assert.equal(escalations[0]!.role, 'approver');
    const referrals = (await outboxOf(lc, unpaid.workflowId, 'enforcement-referral'));
    assert.equal(referrals.length, 1);
    assert.equal(referrals[0]!.to, 'enforcement');
    assert.ok(actions(s).includes('repayment-overdue'));
    assert.ok(actions(s).includes('referred'));
    // Still open for repayments: the finance officer's item remains, without a deadline.
    assert.deepEqual(s.pending.map((p) => [p.role, p.action, p.dueAt]), [['finance-officer', 'repayments', null]]);

    // The variant without referral: escalated, stays in clawback, the approver has an item.
    s = await stateWhen(lc, escalatedOnly, (x) => x.clawback!.overdueSince !== null);
    assert.equal(s.stage, 'clawback');
    assert.equal((await outboxOf(lc, escalatedOnly.workflowId, 'escalation')).length, 1);
    assert.equal((await outboxOf(lc, escalatedOnly.workflowId, 'enforcement-referral')).length, 0);
    assert.deepEqual(
      s.pending.map((p) => [p.role, p.action]),
      [['finance-officer', 'repayments'], ['approver', 'repayment-overdue']],
    );
  });

  step('a week later nothing repeats; then repayments in `referred` are still accepted, and repaid in full it is clawed-back', async () => {
    await lc.env.sleep(7 * DAY_MS);
    assert.equal((await outboxOf(lc, unpaid.workflowId, 'escalation')).length, 1, 'escalated once');
    assert.equal((await outboxOf(lc, unpaid.workflowId, 'enforcement-referral')).length, 1, 'referred once');

    await sleepToShanghai(lc, d('2028-08-01'));
    let s = await act(unpaid, 'repayments', { actor: actor('finance-officer'), amount: '1000000.00', paidOn: d('2028-08-01') });
    assert.equal(s.stage, 'referred');
    assert.equal(s.clawback!.repaid, '1000000.00');
    const r = s.clawback!.repayments[0]!;
    // All the interest accrued since payment is settled first, the rest goes to principal.
    assert.equal((Number(r.toInterest) * 100 + Number(r.toPrincipal) * 100).toFixed(0), '100000000');
    assert.ok(Number(r.toInterest) > 0);

    await sleepToShanghai(lc, d('2028-08-15'));
    const rest = await outstandingOn(unpaid, d('2028-08-15'));
    await act(unpaid, 'repayments', { actor: actor('finance-officer'), amount: rest, paidOn: d('2028-08-15') });
    s = await outcomeOf(lc, unpaid, 'clawed-back');
    assert.equal(s.clawback!.outstanding, '0.00');
    assert.ok(s.clawback!.settledAt);
    assert.equal(s.outcome!.stage, 'clawed-back');
    assert.deepEqual(s.pending, []);
    assert.equal((await outboxOf(lc, unpaid.workflowId, 'credit-record')).length, 1);

    // The escalated-only one settles too, from clawback.
    await sleepToShanghai(lc, d('2028-08-16'));
    await act(escalatedOnly, 'repayments', { actor: actor('finance-officer'), amount: await outstandingOn(escalatedOnly, d('2028-08-16')), paidOn: d('2028-08-16') });
    s = await outcomeOf(lc, escalatedOnly, 'clawed-back');
    assert.equal(s.clawback!.outstanding, '0.00');
    assert.ok(!s.pending.some((p) => p.role === 'approver'));
  });
});
