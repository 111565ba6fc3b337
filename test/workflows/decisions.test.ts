/**
 * Rejection at each decision stage (domain brief, steps 1–5), and sign-off's third answer, the
 * return for re-review: every end carries its reason and the applicant is told once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { ApplicationState } from '../../domain/application';
import { actor, creditCode } from '../helpers/fixtures';
import {
  act,
  DAY_MS,
  outboxOf,
  outcomeOf,
  startLifecycle,
  toPublicNotice,
  toReview,
  toSignOff,
  type Lifecycle,
} from '../helpers/lifecycle';

import { addCalendarDays } from '../../domain/calendar';

/** Mandatory inspection (3 500 000.00 ≥ 100万), agreement, three milestones. */
const DRUG = 'dinghu-generic-drug-consistency';
const DRUG_FACTS = { drugName: '盐酸二甲双胍片' };

describe('rejection at each decision stage, and return for re-review', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle('decisions');
  });
  after(async () => lc.stop());

  /** The application ended `rejected` with `reason`, recorded by `action`, and the applicant was told once. */
  async function assertRejected(h: WorkflowHandle, action: string, reason: RegExp): Promise<ApplicationState> {
    const s = await outcomeOf(lc, h, 'rejected');
    assert.equal(s.outcome?.stage, 'rejected');
    assert.match(s.outcome!.reason, reason);
    const last = s.audit.filter((e) => e.to === 'rejected');
    assert.equal(last.length, 1);
    assert.equal(last[0]!.action, action);
    assert.deepEqual(s.pending, []);
    const told = (await outboxOf(lc, h.workflowId, 'notification')).filter((m) => m.recipient === 'applicant');
    assert.deepEqual(told.map((m) => m.idempotencyKey), [`${h.workflowId}:outcome:rejected`]);
    assert.match(String(told[0]!.body), reason);
    return s;
  }

  it('on the serious-dishonesty list at filing: rejected by the engine before anyone acts', async () => {
    const n = 424242;
    await lc.listDishonest([creditCode(n)]);
    try {
      const h = await lc.file(DRUG, DRUG_FACTS, { n });
      const s = await assertRejected(h, 'dishonesty-check', /serious-dishonesty list/);
      assert.equal(s.dishonestyCheck?.listed, true);
      assert.equal(s.dishonestyCheck?.source, 'database:dishonesty_list');
      assert.equal(s.dishonestyCheck?.entry?.creditCode, creditCode(n));
      assert.equal(s.preliminaryRecord, null);
    } finally {
      await lc.listDishonest([]);
    }
  });

  it('preliminary record fail: rejected with the intake officer’s reason', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await act(h, 'preliminary-record', { actor: actor('intake-officer'), decision: 'fail', reason: '上市许可持有人非本区注册' });
    const s = await assertRejected(h, 'preliminary-record', /preliminary record failed: 上市许可持有人非本区注册/);
    assert.equal(s.dishonestyCheck?.listed, false);
  });

  it('inspection fail: rejected with the findings', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    const s0 = await toReview(h);
    assert.equal(s0.stage, 'inspection');
    await act(h, 'inspection', { actor: actor('inspector'), result: 'fail', findings: '研发合同与实际不符' });
    const s = await assertRejected(h, 'inspection', /on-site inspection failed: 研发合同与实际不符/);
    assert.equal(s.inspection?.result?.result, 'fail');
  });

  it('recommendation reject: rejected with the reviewer’s reason', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    let s = await toReview(h);
    s = await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '属实' });
    await act(h, 'recommendation', { actor: actor('reviewer'), decision: 'reject', reason: '材料不符合申报条件' });
    s = await assertRejected(h, 'recommendation', /review recommends rejection: 材料不符合申报条件/);
    assert.equal(s.recommendation?.decision, 'reject');
    assert.equal(s.award.recommended, null);
  });

  it('sign-off reject: rejected with the government’s reason', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    await toSignOff(h, await toReview(h));
    await act(h, 'sign-off', { actor: actor('approver'), decision: 'reject', reason: '区政府审定不予支持' });
    const s = await assertRejected(h, 'sign-off', /government sign-off rejected the application: 区政府审定不予支持/);
    assert.equal(s.award.approved, null);
  });

  it('sign-off return: back to review with a new 60-day clock, then recommended and approved', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    let s = await toSignOff(h, await toReview(h), '3000000.00');
    const accepted = s.review!.clock;
    assert.equal(accepted.why, 'accepted');
    await lc.env.sleep(7 * DAY_MS);
    const today = await lc.today();

    s = await act(h, 'sign-off', { actor: actor('approver'), decision: 'return', reason: '请核实研发合同金额' });
    assert.equal(s.stage, 'review', 'inspected already: straight back to review');
    assert.equal(s.outcome, null);
    assert.equal(s.recommendation, null);
    assert.equal(s.signOff, null);
    assert.equal(s.award.recommended, null);
    assert.equal(s.returns.length, 1);
    assert.equal(s.returns[0]!.recommendation.amount, '3000000.00');
    assert.equal(s.returns[0]!.signOff.decision, 'return');
    assert.deepEqual(s.review!.previousClocks, [accepted]);
    assert.equal(s.review!.clock.why, 'returned-by-sign-off');
    assert.equal(s.review!.clock.startedOn, today);
    assert.equal(s.review!.clock.lastDay, addCalendarDays(today, 60));
    assert.notEqual(s.review!.clock.dueAt, accepted.dueAt);
    assert.deepEqual(s.pending.map((p) => [p.role, p.action, p.dueAt]), [['reviewer', 'recommendation', s.review!.clock.dueAt]]);
    assert.ok(s.audit.some((e) => e.action === 'review-clock-restarted' && e.comment?.startsWith('returned-by-sign-off')));
    assert.equal((await outboxOf(lc, h.workflowId, 'notification')).length, 0, 'a return is not an outcome');

    s = await act(h, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: '2800000.00', reason: '核减后符合条件' });
    assert.equal(s.stage, 'sign-off');
    s = await act(h, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: '2800000.00', reason: '同意' });
    assert.equal(s.stage, 'public-notice');
    assert.equal(s.award.approved, '2800000.00');
    assert.equal(s.notice?.amount, '2800000.00');
  });

  it('objection upheld without an amount: the award is refused, the objector and the applicant are told', async () => {
    const h = await lc.file(DRUG, DRUG_FACTS);
    let s = await toPublicNotice(h);
    s = await act(h, 'objections', {
      actor: actor('notice-officer'),
      text: '该品种研发并非委托区内企业完成',
      objector: { name: '张三', contact: 'zhangsan@example.com' },
    });
    assert.deepEqual(s.pending.map((p) => [p.role, p.path]), [['approver', 'objections/1/resolution']]);
    await act(h, 'resolution', { actor: actor('approver'), n: 1, upheld: true, decision: '经调查异议属实，不予扶持' });
    s = await assertRejected(h, 'resolution', /objection 1 upheld, the award is refused: 经调查异议属实，不予扶持/);
    assert.equal(s.notice?.objections[0]?.status, 'upheld');
    const toObjector = (await outboxOf(lc, h.workflowId, 'notification')).filter((m) => m.recipient === 'objector');
    assert.equal(toObjector.length, 1);
    assert.equal(toObjector[0]!.idempotencyKey, `${h.workflowId}:objection:1:decision`);
    assert.deepEqual(toObjector[0]!.objector, { name: '张三', contact: 'zhangsan@example.com' });
    assert.equal((await outboxOf(lc, h.workflowId, 'payment-instruction')).length, 0);
  });
});
