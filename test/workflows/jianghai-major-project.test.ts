/**
 * The full happy path of jianghai-major-project (001 四（二）3 重大项目扶持) on the time-skipping
 * server: filed in the September window (001 §（三）1: 每年9月为申报月), with the year's
 * working-day calendar supplied by an admin because the library does not cover it, three progress
 * tranches of 0.3 % / 0.3 % / 0.4 % of the agreed investment at 30 % / 60 % / 100 % cumulative
 * investment, and no obligation period, so it ends `completed`.
 *
 * The story is written in 2027 with a 2027-shaped test calendar (Mid-Autumn, National Day and
 * their make-up weekend days), and runs in the next year after the test server's clock whose dates
 * fall on the same weekdays (helpers/story.ts), so every working day listed below holds on any day
 * the suite runs. Its steps stop at the first broken one.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import type { ApplicationState } from '../../domain/application';
import { actor } from '../helpers/fixtures';
import {
  act,
  calendarLike2027,
  DAY_MS,
  doc,
  outboxOf,
  refusalOf,
  sleepPast,
  sleepToShanghai,
  startLifecycle,
  stateWhen,
  supplyIllustrativeYears,
  type Lifecycle,
} from '../helpers/lifecycle';
import { storySteps, storyYearsFrom, type StoryYears } from '../helpers/story';
import { calendarUpdatedSignal } from '../../workflows/messages';

const PROGRAM = 'jianghai-major-project';

/** The years the story runs in, set from the test server's clock before the first step. */
let story: StoryYears;
/** A date of the story as written, in the years it runs in. */
const d = (written: string) => story.date(written);
/** 投资协议投资额 4亿元. */
const AGREED = '400000000.00';
/** 0.3 % / 0.3 % / 0.4 % of 4亿 (001 四（二）3 奖励标准(1)). */
const TRANCHES = [
  { n: 1, milestone: 'progress-30', amount: '1200000.00', threshold: '120000000.00', below: '119999999.99' },
  { n: 2, milestone: 'progress-60', amount: '1200000.00', threshold: '240000000.00', below: '239999999.99' },
  { n: 3, milestone: 'progress-100', amount: '1600000.00', threshold: '400000000.00', below: '399999999.99' },
];

describe('jianghai-major-project filed in its September window, three progress tranches', () => {
  let lc: Lifecycle;
  let h: WorkflowHandle;
  let s: ApplicationState;
  const step = storySteps();

  before(async () => {
    lc = await startLifecycle('jianghai-major-project', { calendarYears: false });
    story = storyYearsFrom({ date: '2027-08-20' }, 'calendar', await lc.env.currentTimeMs());
  });
  after(async () => lc.stop());

  step('the admin supplies the calendar of the year the library lacks, and the application is filed in September', async () => {
    const year = story.year(2027);
    assert.ok(!(await lc.calendar.current()).knownYears().includes(year), `the library does not cover ${year}`);
    await sleepToShanghai(lc, d('2027-08-20'));
    // What PUT /calendar/years/<year> does: store the year, then tell waiting applications (none yet).
    const stored = await lc.calendar.putYear(year, calendarLike2027(year), 'admin');
    assert.equal(stored.source, 'admin');
    assert.ok((await lc.calendar.current()).knownYears().includes(year));
    await supplyIllustrativeYears(lc, year + 1, year + 1);

    await sleepToShanghai(lc, d('2027-09-01'));
    h = await lc.file(PROGRAM, { agreedInvestment: AGREED, projectName: '应急装备产业园' });
    assert.equal(h.workflowId.split('.')[1], String(year), 'the round is the year of the September window');
    // Nobody waits for a year that is already there, but the signal is harmless.
    await h.signal(calendarUpdatedSignal, { year });

    s = await act(h, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
    assert.equal(s.stage, 'formal-submission');
    // 20 working days from 2027-09-02: Mid-Autumn (09-15) is skipped, the make-up Sunday 09-26 counts.
    assert.equal(s.materials.lastDay, d('2027-09-29'));
    const deadline = s.audit.find((e) => e.action === 'deadline' && e.details?.for === 'materials')!;
    const days = deadline.details!.days as string[];
    assert.equal(days.length, 20);
    assert.ok(!days.includes(d('2027-09-15')), 'Mid-Autumn is a holiday');
    assert.ok(days.includes(d('2027-09-26')), 'the make-up Sunday is a working day');
  });

  step('the award is 1 % of the agreed investment, so inspection is mandatory; recommendation and sign-off', async () => {
    s = await act(h, 'materials', {
      actor: actor('applicant-system'),
      documents: [doc('申请表', 'application-form'), doc('可行性报告', 'feasibility-report'), doc('投资协议', 'investment-agreement')],
    });
    assert.equal(s.stage, 'inspection');
    assert.deepEqual(s.materials.missing, []);
    assert.equal(s.award.amountByFormula, '4000000.00');
    assert.equal(s.inspection?.why, 'threshold');
    assert.equal(s.inspection?.required, true);
    assert.equal(s.review?.clock.lastDay, d('2027-10-31'), '60 calendar days after acceptance on 2027-09-01');

    await sleepToShanghai(lc, d('2027-09-29'));
    s = await act(h, 'inspection', { actor: actor('inspector'), result: 'pass', findings: '项目已开工，投资协议属实' });
    assert.equal(s.stage, 'review');
    s = await act(h, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: '4000000.00', reason: '符合重大项目扶持条件' });
    assert.equal(s.stage, 'sign-off');
    s = await act(h, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: '4000000.00', reason: '区政府审定同意' });
    assert.equal(s.stage, 'public-notice');
  });

  step('the notice window is 5 working days of the admin calendar, across National Day and its make-up Saturday', async () => {
    const notice = s.notice!;
    assert.equal(notice.publication, 1);
    assert.equal(notice.publishedOn, d('2027-09-29'));
    assert.deepEqual(notice.days, [d('2027-09-30'), d('2027-10-08'), d('2027-10-09'), d('2027-10-11'), d('2027-10-12')]);
    assert.equal(notice.lastDay, d('2027-10-12'));
    assert.equal(notice.closesAt, d('2027-10-12T16:00:00.000Z'), '24:00 Asia/Shanghai of the last day');
    const published = s.audit.find((e) => e.action === 'notice-published')!;
    assert.deepEqual(published.details!.calendarSources, { [story.year(2027)]: 'admin' });
    assert.equal((await outboxOf(lc, h.workflowId, 'notice')).length, 1);

    // One day before the end nothing has moved.
    await sleepPast(lc, notice.closesAt, -DAY_MS);
    assert.equal((await lc.state(h)).stage, 'public-notice');
    await sleepPast(lc, notice.closesAt);
    s = await stateWhen(lc, h, (x) => x.stage === 'agreement' && x.agreement?.lastDay !== null);
    assert.equal(s.notice?.closed, true);
    // The notice's last day is 10-12, so the 20 working days to sign count from 2027-10-13.
    assert.equal(s.agreement?.lastDay, d('2027-11-09'));
    s = await act(h, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() });
    assert.equal(s.stage, 'disbursement');
  });

  step('three progress tranches: 0.3 % / 0.3 % / 0.4 % of the agreed investment at 30 % / 60 % / 100 %', async () => {
    assert.deepEqual(
      s.tranches.map((x) => [x.n, x.milestone, x.amount, x.status]),
      TRANCHES.map((x) => [x.n, x.milestone, x.amount, 'scheduled']),
    );
    for (const [i, x] of TRANCHES.entries()) {
      assert.deepEqual(s.tranches[i]!.trigger, { kind: 'progress', fact: 'agreedInvestment', reachesPercent: ['30', '60', '100'][i], thresholdAmount: x.threshold });
    }
    assert.deepEqual(s.pending.map((p) => [p.role, p.action]), [['applicant-system', 'progress']]);
  });

  for (const x of TRANCHES) {
    step(`tranche ${x.n} (${x.milestone}): refused below ${x.threshold}, accepted at exactly it, verified, instructed, paid`, async () => {
        await lc.env.sleep(60 * DAY_MS);
      const claim = (cumulativeInvestment?: string) =>
        act(h, 'progress', {
          actor: actor('applicant-system'),
          milestone: x.milestone,
          ...(cumulativeInvestment ? { cumulativeInvestment } : {}),
          evidence: [doc(`${x.milestone}-固定资产投资专项审计报告.pdf`)],
        });

      let refusal = await refusalOf(claim(x.below));
      assert.equal(refusal.type, 'InvalidInput');
      assert.match(refusal.message, new RegExp(`does not reach ${x.threshold}`));
      refusal = await refusalOf(claim());
      assert.equal(refusal.type, 'InvalidInput');
      assert.match(refusal.message, /cumulativeInvestment is required/);

      s = await claim(x.threshold);
      assert.equal(s.tranches[x.n - 1]!.status, 'claimed');
      assert.equal(s.tranches[x.n - 1]!.claims.at(-1)!.cumulativeInvestment, x.threshold);
      assert.deepEqual(
        s.pending.filter((p) => p.action === 'verification').map((p) => [p.role, p.path]),
        [['reviewer', `progress/${x.n}/verification`]],
      );

      s = await act(h, 'verification', { actor: actor('inspector'), n: x.n, accepted: true, reason: '审计报告与现场一致' });
      const tranche = s.tranches[x.n - 1]!;
      assert.equal(tranche.status, 'instructed');
      assert.equal(tranche.instruction?.idempotencyKey, `${h.workflowId}:tranche:${x.n}:payment-instruction`);
      const instruction = (await outboxOf(lc, h.workflowId, 'payment-instruction')).filter((m) => m.tranche === x.n);
      assert.equal(instruction.length, 1);
      assert.equal(instruction[0]!.amount, x.amount);

      const paidOn = await lc.today();
      s = await act(h, 'confirmation', { actor: actor('finance-officer'), n: x.n, treasuryReference: `JH-${story.year(2027)}-${x.n}`, paidOn });
      assert.equal(s.tranches[x.n - 1]!.status, 'paid');
      assert.equal(s.tranches[x.n - 1]!.paidOn, paidOn);
      assert.equal(s.tranches[x.n - 1]!.treasuryReference, `JH-${story.year(2027)}-${x.n}`);
    });
  }

  step('with every tranche paid and no obligation period, the application is completed', async () => {
    assert.equal(s.stage, 'completed');
    assert.match(s.outcome?.reason ?? '', /every tranche is paid and no obligation period runs/);
    assert.deepEqual(s.pending, []);
    assert.equal(s.award.approved, '4000000.00');
    const final: ApplicationState = await h.result();
    assert.equal(final.stage, 'completed');
    const payments = (await outboxOf(lc, h.workflowId, 'payment-instruction'));
    assert.deepEqual(payments.map((m) => [m.tranche, m.amount]), TRANCHES.map((x) => [x.n, x.amount]));
    assert.deepEqual((await outboxOf(lc, h.workflowId, 'notification')).map((m) => m.idempotencyKey), [`${h.workflowId}:outcome:completed`]);
  });
});
