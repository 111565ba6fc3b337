/**
 * Public notice 公示 (domain brief, step 5; 001 §（三）6, 002 第二十九条): objections received in
 * the window, upheld with a reduced award (noticed again) or not upheld (a written decision to the
 * objector), and payment waiting until the window is over and every objection is settled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addCalendarDays, workingDaysFrom } from '../../domain/calendar';
import { actor } from '../helpers/fixtures';
import {
  act,
  DAY_MS,
  outboxOf,
  refusalOf,
  sleepPast,
  sleepToShanghai,
  startLifecycle,
  stateWhen,
  toPublicNotice,
  toReview,
  toSignOff,
  type Lifecycle,
} from '../helpers/lifecycle';


const DRUG = 'dinghu-generic-drug-consistency';
/** National key lab: 2 000 000.00 lump sum, no agreement: paid right after the notice. */
const RND = 'dinghu-rnd-institution';
const RND_FACTS = { institutionCategory: 'national-key-lab-or-engineering-centre', recognitionDocument: '国科发〔2026〕12号' };

const objector = (name: string) => ({ name, contact: `${name}@example.com` });

describe('public notice and objections', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle('notice');
  });
  after(async () => lc.stop());

  it("a program without a notice period (the bench's, scripts/bench/lifecycle.ts): the notice closes as it is published, and the agreement is pending", async () => {
    const h = await lc.file(DRUG, { drugName: '阿莫西林胶囊' }, { program: (p) => ({ ...p, notice: { ...p.notice, workingDays: 0 } }) });
    let s = await toReview(h);
    s = await toSignOff(h, s);
    s = await act(h, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: s.award.recommended!, reason: '同意' });
    assert.equal(s.notice!.days.length, 0);
    assert.equal(s.notice!.closed, true);
    assert.equal(s.stage, 'agreement');
    assert.ok(s.audit.some((e) => e.action === 'notice-published') && s.audit.some((e) => e.action === 'notice-closed'));
  });

  it('an objection upheld with a reduced amount: the award is reduced and noticed again for a new window; the tranches follow', async () => {
    const h = await lc.file(DRUG, { drugName: '头孢克肟片' });
    let s = await toPublicNotice(h);
    const first = s.notice!;
    assert.equal(first.publication, 1);
    assert.equal(first.amount, '3500000.00');
    // Objected on the window's first working day, resolved on its second, whatever the weekday.
    await sleepToShanghai(lc, first.days[0]!);
    s = await act(h, 'objections', { actor: actor('notice-officer'), text: '第三个里程碑尚未通过审评，金额有误', objector: objector('李四') });
    assert.equal(s.notice!.objections[0]!.status, 'open');
    assert.equal(s.notice!.objections[0]!.notice, 1);

    // Upheld "with an amount" must reduce the award.
    const same = await refusalOf(act(h, 'resolution', { actor: actor('approver'), n: 1, upheld: true, decision: '核减', amount: '3500000.00' }));
    assert.equal(same.type, 'InvalidInput');
    const notUpheldWithAmount = await refusalOf(act(h, 'resolution', { actor: actor('approver'), n: 1, upheld: false, decision: '不成立', amount: '3000000.00' }));
    assert.equal(notUpheldWithAmount.type, 'InvalidInput');
    assert.equal((await refusalOf(act(h, 'resolution', { actor: actor('approver'), n: 2, upheld: false, decision: '不成立' }))).type, 'InvalidInput');

    await sleepToShanghai(lc, first.days[1]!);
    const today = await lc.today();
    s = await act(h, 'resolution', { actor: actor('approver'), n: 1, upheld: true, decision: '异议部分成立，核减扶持资金', amount: '2800000.00' });
    assert.equal(s.stage, 'public-notice');
    assert.equal(s.award.approved, '2800000.00');
    assert.deepEqual(s.award.changes.map((c) => c.amount), ['3500000.00', '2800000.00']);
    const second = s.notice!;
    assert.equal(second.publication, 2);
    assert.equal(second.amount, '2800000.00');
    assert.equal(second.publishedOn, today);
    assert.equal(second.closed, false);
    assert.equal(second.days.length, 5);
    assert.deepEqual(second.days, workingDaysFrom((await lc.calendar.current()).data(), addCalendarDays(today, 1), 5).days, 'the new window: 5 working days from the day after the new publication');
    assert.equal(second.days[0], first.days[2]);
    assert.ok(second.closesAt > first.closesAt);
    assert.deepEqual(second.previous, [
      { publication: 1, publishedOn: first.publishedOn, lastDay: first.lastDay, days: first.days, amount: '3500000.00' },
    ]);
    assert.equal(second.objections[0]!.status, 'upheld');
    const notices = (await outboxOf(lc, h.workflowId, 'notice'));
    assert.deepEqual(notices.map((m) => [m.idempotencyKey, m.amount]), [
      [`${h.workflowId}:notice:1`, '3500000.00'],
      [`${h.workflowId}:notice:2`, '2800000.00'],
    ]);
    await stateWhen(lc, h, async () => (await outboxOf(lc, h.workflowId, 'notification')).some((m) => m.recipient === 'objector'));
    const toObjector = (await outboxOf(lc, h.workflowId, 'notification')).filter((m) => m.recipient === 'objector');
    assert.equal(toObjector.length, 1);
    assert.match(String(toObjector[0]!.body), /^Upheld/);

    // The first window's end no longer counts: still in notice until the second window closes.
    await sleepPast(lc, first.closesAt);
    assert.equal((await lc.state(h)).stage, 'public-notice');
    await sleepPast(lc, second.closesAt);
    s = await stateWhen(lc, h, (x) => x.stage === 'agreement' && x.agreement?.dueAt !== null);
    s = await act(h, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() });
    assert.equal(s.stage, 'disbursement');
    // 100万 / 100万 / 150万 scaled to 280万, each rounded, the last taking the remainder.
    assert.deepEqual(s.tranches.map((t) => [t.milestone, t.amount]), [
      ['be-filing', '800000.00'],
      ['be-trial-submitted', '800000.00'],
      ['consistency-passed', '1200000.00'],
    ]);
  });

  it('objections not upheld: each objector gets the written decision; payment waits for every objection, and late objections are refused', async () => {
    const h = await lc.file(RND, RND_FACTS);
    let s = await toPublicNotice(h);
    const notice = s.notice!;
    assert.equal(s.agreement, null);
    await act(h, 'objections', { actor: actor('notice-officer'), text: '该实验室认定时间早于政策施行', objector: objector('王五') });
    s = await act(h, 'objections', { actor: actor('notice-officer'), text: '申报单位与认定单位不一致', objector: { name: '赵六' } });
    assert.deepEqual(s.pending.map((p) => [p.role, p.path]), [
      ['approver', 'objections/1/resolution'],
      ['approver', 'objections/2/resolution'],
    ]);
    s = await act(h, 'resolution', { actor: actor('approver'), n: 1, upheld: false, decision: '经核查，认定文件在政策有效期内，异议不成立' });
    assert.equal(s.notice!.objections[0]!.status, 'not-upheld');
    assert.equal(s.award.approved, '2000000.00', 'unchanged');
    const again = await refusalOf(act(h, 'resolution', { actor: actor('approver'), n: 1, upheld: true, decision: '改判' }));
    assert.equal(again.type, 'Conflict');

    // The window closes with objection 2 still open: no payment yet.
    await sleepPast(lc, notice.closesAt);
    s = await stateWhen(lc, h, (x) => x.notice!.closed);
    assert.equal(s.stage, 'public-notice');
    assert.ok(s.audit.some((e) => e.action === 'notice-closed'));
    assert.deepEqual(s.pending.map((p) => [p.role, p.path]), [['approver', 'objections/2/resolution']]);
    await lc.env.sleep(3 * DAY_MS);
    s = await lc.state(h);
    assert.equal(s.stage, 'public-notice');
    assert.equal((await outboxOf(lc, h.workflowId, 'payment-instruction')).length, 0);

    // An objection after the window is refused.
    const late = await refusalOf(act(h, 'objections', { actor: actor('notice-officer'), text: '迟到的异议', objector: objector('孙七') }));
    assert.equal(late.type, 'Conflict');
    assert.match(late.message, new RegExp(`closed at the end of ${notice.lastDay}`));
    assert.equal((await lc.state(h)).notice!.objections.length, 2);

    s = await act(h, 'resolution', { actor: actor('approver'), n: 2, upheld: false, decision: '经核查，申报单位即认定单位' });
    assert.equal(s.stage, 'disbursement');
    assert.equal(s.tranches[0]!.status, 'instructed');
    assert.ok(s.audit.some((e) => e.action === 'notice-settled'));
    assert.deepEqual((await outboxOf(lc, h.workflowId, 'payment-instruction')).map((m) => m.amount), ['2000000.00']);

    await stateWhen(lc, h, async () => (await outboxOf(lc, h.workflowId, 'notification')).filter((m) => m.recipient === 'objector').length === 2);
    const decisions = (await outboxOf(lc, h.workflowId, 'notification')).filter((m) => m.recipient === 'objector');
    assert.deepEqual(decisions.map((m) => [m.idempotencyKey, (m.objector as { name: string }).name]), [
      [`${h.workflowId}:objection:1:decision`, '王五'],
      [`${h.workflowId}:objection:2:decision`, '赵六'],
    ]);
    assert.ok(decisions.every((m) => String(m.body).startsWith('Not upheld')));
    // The objector's identity stays out of the audit trail.
    assert.ok(!JSON.stringify(s.audit).includes('王五'));
  });
});
