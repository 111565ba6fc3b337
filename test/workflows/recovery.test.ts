/**
 * A recovery case for a closed application (issue 15; 002 第三十三条 sets no end date for recovering
 * funds obtained by fraud), on the time-skipping server. `dinghu-rnd-institution` pays its award as
 * one lump sum and has no obligation period, so its workflow closes as `completed` the day the
 * payment is confirmed. Two years later fraud comes to light: the report, sent as the API sends it
 * (`sendAction`, api/action-routes.ts), opens the recovery case `<id>.recovery`, where the
 * approver recovers, the statement carries interest at the LPR, and two repayments settle it. An
 * application that never paid anything is refused a case with a 409.
 *
 * Written in 2027–2029, run in the first years after the test server's clock that keep the
 * leap-year cycle (helpers/story.ts), so the day counts and hand-computed amounts hold on any day.
 * Program settings (data/catalog/dinghu-rnd-institution.json, clawback): fixed-at-decision,
 * ACT/360, 1Y, 30 working days to repay. The shipped LPR table's last 1Y fixing is 3.00 %
 * (2025-05-20), carried forward to the decision. Interest = principal × 3/100 × days / 360,
 * rounded half-up to the fen.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { sendAction } from '../../api/action-routes';
import { Problem } from '../../api/problem';
import { fetchRunsOfApplication, readApplication } from '../../api/recovery';
import { historyReport } from '../../api/history';
import { updateProblem } from '../../api/temporal-calls';
import type { ActionName } from '../../domain/actions';
import type { ApplicationState } from '../../domain/application';
import { workingDaysFrom } from '../../domain/calendar';
import type { RequestByAction } from '../../domain/requests';
import type { recoveryWorkflow } from '../../workflows';
import { actor } from '../helpers/fixtures';
import {
  act,
  doc,
  outboxOf,
  outcomeOf,
  sleepToShanghai,
  stateWhen,
  startLifecycle,
  supplyIllustrativeYears,
  toPublicNotice,
  sleepPast,
  type Lifecycle,
} from '../helpers/lifecycle';
import { storySteps, storyYearsFrom, type StoryYears } from '../helpers/story';

const RND = 'dinghu-rnd-institution';
const RND_FACTS = { institutionCategory: 'national-key-lab-or-engineering-centre', recognitionDocument: '国科发〔2026〕12号' };
const TASK_QUEUE = 'recovery';

let story: StoryYears;
const d = (written: string) => story.date(written);

describe('a recovery case for a closed application', () => {
  let lc: Lifecycle;
  /** Paid its lump sum and completed; fraud found two years later. */
  let paid: WorkflowHandle;
  /** Paid and completed too; a breach report on it is dismissed. */
  let dismissed: WorkflowHandle;
  /** Ended before any payment (preliminary record failed). */
  let unpaid: WorkflowHandle;
  const step = storySteps();

  before(async () => {
    lc = await startLifecycle(TASK_QUEUE);
    story = storyYearsFrom({ date: '2027-03-01' }, 'leap-cycle', await lc.env.currentTimeMs());
    await supplyIllustrativeYears(lc, story.year(2027), story.year(2029));
  });
  after(async () => lc.stop());

  /** An action as its endpoint takes it (api/action-routes.ts), by the server's clock. */
  async function viaApi<K extends ActionName>(id: string, action: K, request: RequestByAction[K], key = randomUUID()) {
    const clock = new Date(await lc.env.currentTimeMs());
    try {
      return await sendAction({ client: lc.env.client, taskQueue: TASK_QUEUE, clock: () => clock }, id, action, request, { key, sent: true });
    } catch (err) {
      // As the route maps a refusal (api/temporal-calls.ts).
      throw (await updateProblem(lc.env.client, id, err)) ?? err;
    }
  }
  /** `GET /applications/:id`: the application's state, or its recovery case's once one is open. */
  const read = async (id: string): Promise<ApplicationState> => readApplication(lc.env.client, id, new Date(await lc.env.currentTimeMs()));
  const caseOf = (id: string) => lc.env.client.workflow.getHandle<typeof recoveryWorkflow>(`${id}.recovery`);
  /** Polls in real time (the test server's clock does not move meanwhile). */
  async function waitUntil(ok: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await ok())) {
      if (Date.now() > deadline) assert.fail(`${what}: not within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function problemOf(promise: Promise<unknown>): Promise<Problem> {
    const err = await promise.then(() => assert.fail('the action was accepted'), (e: unknown) => e);
    assert.ok(err instanceof Problem, `expected a problem, got ${String(err)}`);
    return err;
  }

  step('year 1: a lump sum paid on 04-01 completes the application (no obligation period): its workflow closes', async () => {
    await sleepToShanghai(lc, d('2027-03-01'));
    paid = await lc.file(RND, RND_FACTS);
    dismissed = await lc.file(RND, RND_FACTS);
    unpaid = await lc.file(RND, RND_FACTS);
    const s = await act(unpaid, 'preliminary-record', { actor: actor('intake-officer'), decision: 'fail', reason: '认定文件不在有效期内' });
    assert.equal(s.stage, 'rejected');

    // No support agreement for this program: the lump sum is instructed once the notice closes.
    const noticed = [await toPublicNotice(paid), await toPublicNotice(dismissed)];
    await sleepPast(lc, noticed.map((x) => x.notice!.closesAt).sort().at(-1)!);
    await sleepToShanghai(lc, d('2027-04-01'));
    for (const [i, h] of [paid, dismissed].entries()) {
      await stateWhen(lc, h, (x) => x.tranches[0]?.status === 'instructed');
      await h.executeUpdate('confirmation', { args: [{ actor: actor('finance-officer'), n: 1, treasuryReference: `GK-2027-0401-${i}`, paidOn: d('2027-04-01') }] });
      const final = await outcomeOf(lc, h, 'completed');
      assert.deepEqual(final.tranches.map((t) => [t.amount, t.status, t.paidOn]), [['2000000.00', 'paid', d('2027-04-01')]]);
      await waitUntil(async () => (await h.describe()).status.name === 'COMPLETED', 'the application\'s workflow closes');
    }
  });

  step('year 3: a report on a closed application that never paid anything is refused with 409, and opens no case', async () => {
    await sleepToShanghai(lc, d('2029-03-05'));
    const problem = await problemOf(viaApi(unpaid.workflowId, 'fraud-report', { actor: actor('inspector', 'zhao'), findings: '申报材料造假', evidence: [doc('核查笔录.pdf')] }));
    assert.equal(problem.type, 'conflict');
    assert.match(problem.detail, /ended at stage rejected before any money was paid: there is nothing to recover/);
    await assert.rejects(caseOf(unpaid.workflowId).describe(), /not found/i);
  });

  step('year 3, 03-05: a breach report on another completed application, dismissed: the case closes, the application is completed again', async () => {
    const id = dismissed.workflowId;
    const unknown = await problemOf(viaApi(id, 'breach-report', { actor: actor('inspector', 'zhao'), obligation: 'stay-5-years', findings: '疑似迁出' }));
    assert.equal(unknown.type, 'validation', 'refused before any case is opened: the program has no such obligation');
    await assert.rejects(caseOf(id).describe(), /not found/i);

    let s = (await viaApi(id, 'fraud-report', { actor: actor('inspector', 'zhao'), findings: '疑似重复申报', evidence: [doc('举报.pdf')] })).state;
    assert.equal(s.stage, 'recovery');
    s = (await viaApi(id, 'clawback-decision', { actor: actor('approver', 'wang'), decision: 'dismiss', reason: '经核查不存在重复申报' })).state;
    assert.equal(s.stage, 'completed');
    assert.equal(s.reports[0]!.status, 'dismissed');
    assert.equal(s.clawback, null);
    assert.deepEqual(s.pending, []);
    assert.equal(s.audit.at(-1)!.action, 'recovery-closed');
    await waitUntil(async () => (await caseOf(id).describe()).status.name === 'COMPLETED', 'the dismissed case closes');
    assert.equal((await outboxOf(lc, id, 'credit-record')).length, 0, 'a dismissed report records no credit');
    assert.ok(!(await outboxOf(lc, id, 'notification')).some((m) => String(m.idempotencyKey).includes(':clawback:')), 'nor a clawback notice');
  });

  let opened: ApplicationState;
  step('year 3, 03-05: fraud found two years after completion opens the recovery case; a retry of the report is answered once', async () => {
    const id = paid.workflowId;
    const key = randomUUID();
    const report = { actor: actor('inspector', 'zhao'), findings: '认定文件系伪造，骗取扶持资金', evidence: [doc('核查笔录.pdf')] };
    const { state: s } = await viaApi(id, 'fraud-report', report, key);
    opened = s;
    assert.equal(s.id, id, 'the case shows the application, under its id');
    assert.equal(s.stage, 'recovery');
    assert.deepEqual(s.recovery && { workflowId: s.recovery.workflowId, closedStage: s.recovery.closedStage, firstReport: s.recovery.firstReport }, {
      workflowId: `${id}.recovery`,
      closedStage: 'completed',
      firstReport: 1,
    });
    assert.deepEqual(s.reports.map((r) => [r.n, r.kind, r.status, r.afterPayment]), [[1, 'fraud', 'open', true]]);
    assert.deepEqual(s.pending.map((p) => [p.role, p.action]), [['approver', 'clawback-decision']]);
    assert.equal(s.runs, 2, 'the case is the application\'s next run');
    assert.deepEqual(s.audit.slice(-2).map((e) => e.action), ['recovery-opened', 'fraud-report']);
    assert.ok(s.audit.some((e) => e.action === 'completed'), 'the application\'s own trail is carried');
    // The closed application stays closed; GET /applications/:id shows the case.
    assert.equal((await paid.describe()).status.name, 'COMPLETED');
    assert.equal((await read(id)).stage, 'recovery');

    const again = await viaApi(id, 'fraud-report', report, key);
    assert.equal(again.replayed, true);
    assert.equal(again.state.reports.length, 1, 'the retry is not applied again and opens no second case');
    // The same key with another body: 422, nothing done.
    const reused = await problemOf(viaApi(id, 'fraud-report', { ...report, findings: '另一份举报' }, key));
    assert.equal(reused.type, 'unprocessable');

    // Only the approver decides, and never the person who reported.
    const sod = await problemOf(viaApi(id, 'clawback-decision', { actor: actor('approver', 'zhao'), decision: 'recover', reason: '伪造认定文件' }));
    assert.equal(sod.type, 'separation-of-duties');
    assert.match(sod.detail, /made report 1 and may not also decide on it/);
  });

  let repayBy: string;
  step('year 3, 03-05: recovered — principal 2 000 000.00 with 704 days of interest at the LPR; credit recorded; 30 working days to repay', async () => {
    const id = paid.workflowId;
    const { state: s } = await viaApi(id, 'clawback-decision', { actor: actor('approver', 'wang'), decision: 'recover', decisionDate: d('2029-03-05'), reason: '伪造认定文件骗取资金' });
    assert.equal(s.stage, 'clawback');
    const c = s.clawback!;
    // 2027-04-01 → 2029-03-05: 366 (with 2028-02-29) + 338 = 704 days;
    // 2 000 000.00 × 3/100 × 704 / 360 = 117 333.333… → 117 333.33.
    assert.deepEqual(
      c.lines.map((l) => [l.tranche, l.from, l.to, l.days, l.principal, l.ratePercent, l.carriedForward, l.interest]),
      [[1, d('2027-04-01'), d('2029-03-05'), 704, '2000000.00', '3.00', true, '117333.33']],
    );
    assert.deepEqual(
      { principal: c.principal, interest: c.interest, total: c.total, outstanding: c.outstanding, asOf: c.asOf },
      { principal: '2000000.00', interest: '117333.33', total: '2117333.33', outstanding: '2117333.33', asOf: d('2029-03-05') },
    );
    const settled = await stateWhen(lc, caseOf(id), (x) => x.clawback?.lastDay != null);
    repayBy = workingDaysFrom((await lc.calendar.current()).data(), d('2029-03-06'), 30).lastDay;
    assert.equal(settled.clawback!.lastDay, repayBy);
    assert.deepEqual(settled.pending.map((p) => [p.role, p.action, p.dueAt]), [['finance-officer', 'repayments', `${repayBy}T16:00:00.000Z`]]);
    // The effects carry the application's id: the notification, one credit record.
    await stateWhen(lc, caseOf(id), async () => (await outboxOf(lc, id, 'credit-record')).length === 1);
    assert.equal((await outboxOf(lc, id, 'credit-record'))[0]!.idempotencyKey, `${id}:credit:1`);
    assert.ok((await outboxOf(lc, id, 'notification')).some((m) => m.idempotencyKey === `${id}:clawback:1:notification`));
  });

  step('year 3, 04-02: a first repayment of 1 000 000.00 settles the interest first, then principal', async () => {
    await sleepToShanghai(lc, d('2029-04-02'));
    const id = paid.workflowId;
    const { state: s } = await viaApi(id, 'repayments', { actor: actor('finance-officer'), amount: '1000000.00', paidOn: d('2029-04-02') });
    assert.equal(s.stage, 'clawback');
    // 2027-04-01 → 2029-04-02: 732 days; 2 000 000.00 × 3/100 × 732 / 360 = 122 000.00.
    assert.deepEqual(
      s.clawback!.repayments.map(({ amount, toInterest, toPrincipal }) => [amount, toInterest, toPrincipal]),
      [['1000000.00', '122000.00', '878000.00']],
    );
    assert.equal(s.clawback!.outstanding, '1122000.00');
  });

  step('year 3, 04-16: the outstanding read that day, paid that day, settles the case: clawed-back', async () => {
    await sleepToShanghai(lc, d('2029-04-16'));
    const id = paid.workflowId;
    // 1 122 000.00 × 3/100 × 14 / 360 = 1 309.00 since 04-02.
    const shown = await read(id);
    assert.equal(shown.clawback!.asOf, d('2029-04-16'));
    assert.equal(shown.clawback!.outstanding, '1123309.00');
    const { state: s } = await viaApi(id, 'repayments', { actor: actor('finance-officer'), amount: shown.clawback!.outstanding, paidOn: d('2029-04-16') });
    assert.equal(s.stage, 'clawed-back');
    assert.equal(s.clawback!.outstanding, '0.00');
    assert.equal(s.clawback!.repaid, '2123309.00');
    await waitUntil(async () => (await caseOf(id).describe()).status.name === 'COMPLETED', 'the recovery case closes');
    const final = await read(id);
    assert.equal(final.outcome?.stage, 'clawed-back');
    assert.ok((await outboxOf(lc, id, 'notification')).some((m) => m.idempotencyKey === `${id}:outcome:clawed-back`), 'the applicant is told how it ended');

    // The case is closed too: the application takes no more actions, and says where it ended.
    const late = await problemOf(viaApi(id, 'fraud-report', { actor: actor('inspector', 'zhao'), findings: '再次举报', evidence: [doc('举报.pdf')] }));
    assert.equal(late.type, 'wrong-stage');
    assert.match(late.detail, /has ended at stage clawed-back \(its recovery case is closed\)/);

    // One audit trail across both workflows, read as GET /applications/:id/history reads it.
    const report = historyReport(await fetchRunsOfApplication(lc.env.client, id));
    assert.equal(report.applicationId, id);
    const actions = report.entries.map((e) => e.action);
    for (const a of ['confirmation', 'completed', 'recovery-case-started', 'recovery-opened', 'fraud-report', 'clawback-decision', 'repayments', 'clawback-settled']) {
      assert.ok(actions.includes(a), `the trail shows ${a}: ${actions.join(' ')}`);
    }
    assert.ok(opened.recovery);
  });
});
