/**
 * Review (domain brief, step 3): the inspection rule and its reproducible spot-check draw, the
 * one-time supplement request with its answer deadline, the applicant deadlines that lapse an
 * application, and the 60-day review clock with escalation when overdue (never an automatic
 * approval) and its one extension.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addCalendarDays } from '../../domain/calendar';
import { spotCheckDraw } from '../../domain/spot-check';
import { actor } from '../helpers/fixtures';
import {
  act,
  applicationIdFor,
  DAY_MS,
  doc,
  outboxOf,
  outcomeOf,
  refusalOf,
  sleepPast,
  startLifecycle,
  stateWhen,
  toReview,
  type Lifecycle,
} from '../helpers/lifecycle';


/** 10 % of the actual investment (002 第十一条): 10 000 000.00 gives exactly 1 000 000.00. */
const WAREHOUSE = 'qianhai-warehouse-smart-upgrade';
const DRUG = 'dinghu-generic-drug-consistency';
const DRUG_FACTS = { drugName: '阿莫西林胶囊' };

describe('review: inspection rule, supplement, deadlines, review clock', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle('review');
    // These tests run the clock into 2027, beyond the library's calendar (test data, see the helper).
  });
  after(async () => lc.stop());

  describe('on-site inspection: mandatory at 100万 or more, drawn by the spot check below', () => {
    it('at exactly 1000000.00 the inspection is mandatory (达100万元以上 includes 100万)', async () => {
      const h = await lc.file(WAREHOUSE, { actualInvestment: '10000000.00' });
      const s = await toReview(h);
      assert.equal(s.award.amountByFormula, '1000000.00');
      assert.equal(s.stage, 'inspection');
      assert.equal(s.inspection?.required, true);
      assert.equal(s.inspection?.why, 'threshold');
      assert.equal(s.inspection?.amount, '1000000.00');
      assert.equal(s.inspection?.threshold, '1000000.00');
      assert.equal(s.inspection?.inclusive, true);
      assert.equal(s.inspection?.draw, null, 'no draw above the threshold');
      assert.deepEqual(s.pending.map((p) => [p.role, p.action]), [['inspector', 'inspection']]);
      assert.equal(s.audit.find((e) => e.action === 'inspection-decided')?.details?.requirement, 'mandatory');
    });

    // 999999.99 is below the threshold: the 5 % draw, seeded and recorded, decides.
    const below = { actualInvestment: '9999999.90' };

    /** A seed whose draw for `id` is (or is not) selected: deterministic, a few dozen hashes at most. */
    function seedFor(id: string, selected: boolean): string {
      for (let i = 0; i < 10_000; i++) {
        const seed = `audit-seed-${i}`;
        if (spotCheckDraw(seed, id, '5').selected === selected) return seed;
      }
      throw new Error('no seed found');
    }

    for (const selected of [true, false]) {
      it(`at 999999.99 a draw ${selected ? 'selected' : 'not selected'} sends it ${selected ? 'to inspection' : 'straight to review'}`, async () => {
        const n = selected ? 710001 : 710002;
        const round = (await lc.today()).slice(0, 4);
        const id = applicationIdFor(WAREHOUSE, n, round);
        const seed = seedFor(id, selected);
        const expected = spotCheckDraw(seed, id, '5');
        const h = await lc.file(WAREHOUSE, below, { n, round, spotCheckSeed: seed });
        assert.equal(h.workflowId, id);
        const s = await toReview(h);
        assert.equal(s.award.amountByFormula, '999999.99');
        assert.equal(s.stage, selected ? 'inspection' : 'review');
        assert.equal(s.inspection?.required, selected);
        assert.equal(s.inspection?.why, 'draw');
        const draw = s.inspection!.draw!;
        assert.deepEqual(
          { seed: draw.seed, input: draw.input, sha256: draw.sha256, value: draw.value, fraction: draw.fraction, ratePercent: draw.ratePercent, selected: draw.selected },
          { seed, input: `${seed}:${id}`, sha256: expected.sha256, value: expected.value, fraction: expected.fraction, ratePercent: '5', selected },
        );
        // An auditor recomputes the draw from the recorded inputs alone.
        assert.equal(spotCheckDraw(draw.seed, id, draw.ratePercent).fraction, draw.fraction);
        assert.match(s.inspection!.rule.text, selected ? /→ selected/ : /→ not selected/);
        assert.deepEqual(s.pending.map((p) => p.action), [selected ? 'inspection' : 'recommendation']);
      });
    }
  });

  describe('the one-time supplement request (一次性告知)', () => {
    it('answered: back to the review stage, and the 60-day clock starts again from the answer date', async () => {
      const h = await lc.file(DRUG, DRUG_FACTS);
      let s = await toReview(h);
      const first = s.review!.clock;
      s = await act(h, 'supplement-request', { actor: actor('reviewer'), items: ['研发合同原件', '2025年度审计报告'] });
      assert.equal(s.stage, 'supplement-requested');
      const sup = s.review!.supplement!;
      assert.equal(sup.dueInWorkingDays, 10, "the program's supplementAnswerWorkingDays");
      assert.equal(sup.days.length, 10);
      assert.equal(sup.lastDay, sup.days.at(-1));
      assert.ok(sup.dueAt);
      assert.deepEqual(s.pending.map((p) => [p.role, p.action, p.dueAt]), [['applicant-system', 'materials', sup.dueAt]]);
      const told = (await outboxOf(lc, h.workflowId, 'notification'));
      assert.deepEqual(told.map((m) => m.idempotencyKey), [`${h.workflowId}:supplement-request:notification`]);
      assert.match(String(told[0]!.body), /研发合同原件; 2025年度审计报告/);

      await lc.env.sleep(4 * DAY_MS);
      const answeredOn = await lc.today();
      s = await act(h, 'materials', { actor: actor('applicant-system'), documents: [doc('研发合同原件', 'research-contract'), doc('审计报告')] });
      assert.equal(s.stage, 'inspection', 'the inspection is still to be done');
      assert.equal(s.materials.submissions.at(-1)?.kind, 'supplement-answer');
      assert.ok(s.review!.supplement!.answeredAt);
      assert.equal(s.review!.clock.why, 'supplement-answered');
      assert.equal(s.review!.clock.startedOn, answeredOn);
      assert.equal(s.review!.clock.lastDay, addCalendarDays(answeredOn, 60));
      assert.deepEqual(s.review!.previousClocks, [first]);

      // Once only: everything missing is listed in the one request.
      const refusal = await refusalOf(act(h, 'supplement-request', { actor: actor('reviewer'), items: ['又缺一份'] }));
      assert.equal(refusal.type, 'Conflict');
      assert.match(refusal.message, /only once/);
    });

    it('while the request is open, a second request is refused (wrong stage) and nothing changes', async () => {
      const h = await lc.file(DRUG, DRUG_FACTS);
      await toReview(h);
      await act(h, 'supplement-request', { actor: actor('reviewer'), items: ['研发合同原件'] });
      const refusal = await refusalOf(act(h, 'supplement-request', { actor: actor('reviewer'), items: ['另一份'] }));
      assert.equal(refusal.type, 'WrongStage');
      assert.deepEqual((await lc.state(h)).review!.supplement!.items, ['研发合同原件']);
    });

    it('lapsed: not answered by the end of the last working day, the application lapses', async () => {
      const h = await lc.file(DRUG, DRUG_FACTS);
      await toReview(h);
      let s = await act(h, 'supplement-request', { actor: actor('reviewer'), items: ['研发合同原件'], dueInWorkingDays: 3 });
      const sup = s.review!.supplement!;
      assert.equal(sup.days.length, 3);
      await sleepPast(lc, sup.dueAt!, -60_000);
      assert.equal((await lc.state(h)).stage, 'supplement-requested', 'a minute before the end it is still open');
      await sleepPast(lc, sup.dueAt!);
      s = await outcomeOf(lc, h, 'lapsed');
      assert.match(s.outcome!.reason, new RegExp(`was not answered by the end of ${sup.lastDay}`));
      assert.equal(s.audit.find((e) => e.to === 'lapsed')?.action, 'deadline-missed');
      assert.deepEqual(s.pending, []);
    });
  });

  it("a program's own office settings are used: 30 working days to hand in the materials, 15 to answer the supplement", async () => {
    // The deadlines are office settings (README, Seed rules and office settings): one program may differ from the others.
    const h = await lc.file(DRUG, DRUG_FACTS, {
      program: (p) => ({ ...p, deadlines: { ...p.deadlines, formalSubmissionWorkingDays: 30, supplementAnswerWorkingDays: 15 } }),
    });
    let s = await act(h, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
    const set = s.audit.find((e) => e.action === 'deadline' && e.details?.for === 'materials')!;
    assert.equal(set.details!.workingDays, 30);
    assert.equal((set.details!.days as string[]).length, 30);
    assert.equal(s.materials.lastDay, (set.details!.days as string[]).at(-1));
    s = await act(h, 'materials', { actor: actor('applicant-system'), documents: [doc('申请表', 'application-form')] });
    if (s.stage === 'inspection') s = await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '现场核查属实' });
    assert.equal(s.stage, 'review');
    s = await act(h, 'supplement-request', { actor: actor('reviewer'), items: ['研发合同原件'] });
    assert.equal(s.review!.supplement!.dueInWorkingDays, 15);
    assert.equal(s.review!.supplement!.days.length, 15);
  });

  it('formal submission lapsed: no materials by the deadline after the preliminary record', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    let s = await act(h, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
    const due = s.materials.dueAt!;
    assert.ok(s.materials.lastDay);
    await sleepPast(lc, due);
    s = await outcomeOf(lc, h, 'lapsed');
    assert.match(s.outcome!.reason, new RegExp(`the full materials were not handed in by the end of ${s.materials.lastDay}`));
    // The workflow has ended: an update cannot reach it (the API answers 409 "has ended").
    await assert.rejects(act(h, 'materials', { actor: actor('applicant-system'), documents: [doc('申请表')] }), /not found|completed/);
  });

  it('review overdue: escalated to the approver and never approved; one extension of at most 20 days', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    let s = await toReview(h);
    s = await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '属实' });
    assert.equal(s.stage, 'review');
    const clock = s.review!.clock;
    assert.equal(clock.lastDay, addCalendarDays(clock.startedOn, 60));

    await sleepPast(lc, clock.dueAt, -60_000);
    assert.equal((await lc.state(h)).review!.overdue.length, 0);
    await sleepPast(lc, clock.dueAt);
    s = await stateWhen(lc, h, (x) => x.pending.some((p) => p.action === 'review-extension'));
    assert.equal(s.stage, 'review', 'still under review: nothing is approved automatically');
    assert.equal(s.recommendation, null);
    assert.equal(s.award.recommended, null);
    assert.equal(s.review!.escalatedFor, clock.dueAt);
    assert.deepEqual(s.review!.overdue.map((o) => o.lastDay), [clock.lastDay]);
    const item = s.pending.find((p) => p.action === 'review-extension')!;
    assert.deepEqual([item.role, item.path, item.dueAt], ['approver', 'review-extension', clock.dueAt]);
    assert.ok(s.pending.some((p) => p.role === 'reviewer' && p.action === 'recommendation'));
    assert.ok(s.audit.some((e) => e.action === 'review-overdue' && e.details?.lastDay === clock.lastDay));
    const escalations = await (async () => {
      await stateWhen(lc, h, async () => (await outboxOf(lc, h.workflowId, 'escalation')).length > 0);
      return (await outboxOf(lc, h.workflowId, 'escalation'));
    })();
    assert.deepEqual(escalations.map((m) => [m.idempotencyKey, m.role]), [[`${h.workflowId}:review-overdue:1`, 'approver']]);

    // More than the program's extensionMaxDays (20), or none: bad input.
    for (const days of [21, 0, 2.5]) {
      const refusal = await refusalOf(act(h, 'review-extension', { actor: actor('approver'), days, reason: '需补充第三方评估' }));
      assert.equal(refusal.type, 'InvalidInput', `days ${days}`);
    }
    assert.equal((await refusalOf(act(h, 'review-extension', { actor: actor('approver'), days: 10, reason: ' ' }))).type, 'InvalidInput');
    assert.equal((await refusalOf(act(h, 'review-extension', { actor: actor('inspector'), days: 10, reason: '特殊情况' }))).type, 'Forbidden');

    s = await act(h, 'review-extension', { actor: actor('approver'), days: 20, reason: '特殊情况：需第三方机构评估' });
    assert.equal(s.stage, 'review');
    assert.equal(s.review!.clock.lastDay, addCalendarDays(clock.lastDay, 20));
    assert.equal(s.review!.extension?.days, 20);
    assert.equal(s.review!.extension?.newLastDay, s.review!.clock.lastDay);
    assert.ok(!s.pending.some((p) => p.action === 'review-extension'), 'the escalation item is gone');
    assert.deepEqual(s.pending.map((p) => [p.role, p.action, p.dueAt]), [['reviewer', 'recommendation', s.review!.clock.dueAt]]);
    assert.ok(s.audit.some((e) => e.action === 'review-extension' && e.details?.days === 20));

    const twice = await refusalOf(act(h, 'review-extension', { actor: actor('reviewer'), days: 5, reason: '再延期' }));
    assert.equal(twice.type, 'Conflict');
    assert.match(twice.message, /only once/);

    // Overdue again after the extension: escalated again, still not approved.
    await sleepPast(lc, s.review!.clock.dueAt);
    s = await stateWhen(lc, h, (x) => x.review!.overdue.length === 2 && x.pending.some((p) => p.action === 'review-extension'));
    assert.equal(s.stage, 'review');
    await stateWhen(lc, h, async () => (await outboxOf(lc, h.workflowId, 'escalation')).length === 2);
    assert.deepEqual((await outboxOf(lc, h.workflowId, 'escalation')).map((m) => m.idempotencyKey).at(-1), `${h.workflowId}:review-overdue:2`);
  });
});
