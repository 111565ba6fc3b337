/**
 * A deadline that needs a working-day calendar year nobody has supplied (domain brief: "When a
 * deadline needs a year nobody has supplied, the application waits with a pending item for the
 * admin role and resumes when the year is added; it does not fail").
 *
 * The missing year M is one nobody has a calendar for, at least two years after the test server's
 * current year; every year before it is supplied (illustrative, as the admin would). The clock is
 * moved to December of M − 1, so that a 5-working-day notice (and a 20-working-day submission
 * deadline) reaches into M. Time only moves forward on one test server: this file has its own,
 * and its steps are in date order; they tell one story and stop at the first broken one.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { addCalendarDays, shanghaiDate, workingDaysFrom } from '../../domain/calendar';
import type { ApplicationState } from '../../domain/application';
import { illustrativeCalendar } from '../../scripts/illustrative-calendar';
import { actor } from '../helpers/fixtures';
import {
  act,
  doc,
  outboxOf,
  outcomeOf,
  refusalOf,
  sleepPast,
  sleepToShanghai,
  startLifecycle,
  stateWhen,
  supplyIllustrativeYears,
  toReview,
  toSignOff,
  type Lifecycle,
} from '../helpers/lifecycle';
import { firstMissingYearAfter, storySteps } from '../helpers/story';
import { calendarUpdatedSignal } from '../../workflows/messages';

const DRUG = 'dinghu-generic-drug-consistency';
const DRUG_FACTS = { drugName: '瑞舒伐他汀钙片' };

describe('a deadline waiting for a calendar year nobody supplied (M), then resuming', () => {
  let lc: Lifecycle;
  /** The missing year, and the year before it whose December the story runs in. */
  let MISSING: number;
  let BEFORE: number;
  /** Signed off on 12-28 and told when the year arrives. */
  let told: WorkflowHandle;
  /** Signed off on 12-28 and never told: finds the year by its daily look. */
  let untold: WorkflowHandle;
  /** Preliminary record passed on 12-28: the formal-submission deadline waits too. */
  let submitting: WorkflowHandle;
  /** Signed off on 12-28, withdrawn while waiting. */
  let quitting: WorkflowHandle;
  /** Asked for a supplement on 12-28: the answer deadline waits. */
  let supplementing: WorkflowHandle;
  const step = storySteps();

  before(async () => {
    lc = await startLifecycle('calendar-wait', { calendarYears: false });
    const now = await lc.env.currentTimeMs();
    MISSING = firstMissingYearAfter(now, (await lc.calendar.current()).knownYears());
    BEFORE = MISSING - 1;
    const thisYear = Number(shanghaiDate(now).slice(0, 4));
    await supplyIllustrativeYears(lc, thisYear, BEFORE);
    assert.ok(!(await lc.calendar.current()).knownYears().includes(MISSING), `${MISSING} must be unknown`);
    assert.ok(shanghaiDate(now) < `${BEFORE}-12-01`, 'the story starts before December of the year before the missing one');
  });
  after(async () => lc.stop());

  const adminItem = () => ({ role: 'admin', action: 'calendar-year', path: `/calendar/years/${MISSING}`, dueAt: null });

  const waiting = (s: ApplicationState, purpose: string) => {
    assert.equal(s.calendarWait?.year, MISSING);
    assert.equal(s.calendarWait?.purpose, purpose);
    assert.deepEqual(
      s.pending.filter((p) => p.role === 'admin').map(({ role, action, path, dueAt }) => ({ role, action, path, dueAt })),
      [adminItem()],
    );
    assert.match(s.pending.find((p) => p.role === 'admin')!.reason ?? '', new RegExp(`PUT /calendar/years/${MISSING}`));
  };

  step('M − 1, 11-20 to 12-01: filed, signed off, noticed; the agreement deadline waits for M; signing meanwhile moves on to disbursement', async () => {
    // Everything used later is filed on 11-20, while every deadline still fits in the known year.
    await sleepToShanghai(lc, `${BEFORE}-11-20`);
    told = await lc.file(DRUG, DRUG_FACTS);
    untold = await lc.file(DRUG, DRUG_FACTS);
    submitting = await lc.file(DRUG, DRUG_FACTS);
    quitting = await lc.file(DRUG, DRUG_FACTS);
    supplementing = await lc.file(DRUG, DRUG_FACTS);
    await toReview(supplementing);
    await toSignOff(told, await toReview(told));
    await toSignOff(untold, await toReview(untold));
    await toSignOff(quitting, await toReview(quitting));
    const signing = await lc.file(DRUG, DRUG_FACTS);
    await toSignOff(signing, await toReview(signing));
    // Notice 12-02…12-08; then 20 working days from 12-10 reach into the missing year.
    await sleepToShanghai(lc, `${BEFORE}-12-01`);
    let s = await act(signing, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: '3500000.00', reason: '同意' });
    assert.ok(s.notice);
    await sleepPast(lc, s.notice.closesAt);
    s = await stateWhen(lc, signing, (x) => x.calendarWait !== null);
    assert.equal(s.stage, 'agreement');
    assert.equal(s.agreement?.dueAt, null);
    waiting(s, 'the agreement signing deadline');

    s = await act(signing, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() });
    s = await stateWhen(lc, signing, (x) => x.tranches.length > 0);
    assert.equal(s.stage, 'disbursement');
    assert.equal(s.calendarWait, null);
    assert.deepEqual(s.tranches.map((x) => x.status), ['scheduled', 'scheduled', 'scheduled']);
    assert.deepEqual(s.pending.map((p) => [p.role, p.action]), [['applicant-system', 'progress']]);
    assert.ok(s.audit.some((e) => e.action === 'calendar-wait-ended'));
  });

  step('M − 1, 12-28: a sign-off; the notice waits for M with a pending item for the admin', async () => {

    await sleepToShanghai(lc, `${BEFORE}-12-28`);
    for (const h of [told, untold, quitting]) {
      const s = await act(h, 'sign-off', { actor: actor('approver'), decision: 'approve', amount: '3500000.00', reason: '同意' });
      assert.equal(s.stage, 'public-notice');
      assert.equal(s.notice, null, 'not published: the window cannot be counted');
      waiting(s, 'the public-notice window');
      assert.ok(s.audit.some((e) => e.action === 'calendar-missing' && e.details?.year === MISSING));
      const escalations = (await outboxOf(lc, h.workflowId, 'escalation'));
      assert.equal(escalations.length, 1);
      assert.equal(escalations[0]!.role, 'admin');
      assert.equal((await outboxOf(lc, h.workflowId, 'notice')).length, 0);
    }
  });

  step('the formal-submission deadline waits too; materials handed in meanwhile start the review as usual', async () => {
    let s = await act(submitting, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
    assert.equal(s.stage, 'formal-submission');
    assert.equal(s.materials.dueAt, null);
    waiting(s, 'the formal-submission deadline');

    // The applicant does not wait for the admin: the materials are in time whatever the deadline.
    s = await act(submitting, 'materials', { actor: actor('applicant-system'), documents: [doc('申请表', 'application-form')] });
    s = await stateWhen(lc, submitting, (x) => x.review !== null);
    assert.equal(s.stage, 'inspection', 'the review started: award assessed, inspection decided');
    assert.equal(s.award.amountByFormula, '3500000.00');
    assert.equal(s.review!.clock.startedOn, await lc.today());
    assert.equal(s.calendarWait, null, 'nothing waits for the calendar any more');
    assert.ok(!s.pending.some((p) => p.role === 'admin'));
    assert.deepEqual(s.pending.map((p) => [p.role, p.action]), [['inspector', 'inspection']]);
  });

  step('the supplement answer deadline waits too; an answer meanwhile restarts the review clock', async () => {
    let s = await act(supplementing, 'supplement-request', { actor: actor('reviewer'), items: ['研发合同原件'] });
    assert.equal(s.stage, 'supplement-requested');
    assert.equal(s.review!.supplement!.dueAt, null);
    waiting(s, 'the supplement answer deadline');
    s = await act(supplementing, 'materials', { actor: actor('applicant-system'), documents: [doc('研发合同原件', 'research-contract')] });
    s = await stateWhen(lc, supplementing, (x) => x.review!.clock.why === 'supplement-answered');
    assert.equal(s.stage, 'inspection');
    assert.equal(s.review!.clock.startedOn, await lc.today());
    assert.equal(s.calendarWait, null);
    assert.ok(!s.pending.some((p) => p.role === 'admin'));
  });

  step('days later, still waiting: looked again daily, escalated once, nothing failed', async () => {
    await sleepToShanghai(lc, `${BEFORE}-12-30`, '15:00');
    for (const h of [told, untold]) {
      const s = await lc.state(h);
      assert.equal(s.stage, 'public-notice');
      waiting(s, 'the public-notice window');
      assert.equal((await outboxOf(lc, h.workflowId, 'escalation')).length, 1);
    }
    const r = await refusalOf(act(told, 'recommendation', { actor: actor('reviewer'), decision: 'approve', amount: '1.00', reason: 'x' }));
    assert.equal(r.type, 'WrongStage');

    // Withdrawn while waiting: it ends, and nothing is left pending for the admin.
    await act(quitting, 'withdrawal', { actor: actor('applicant-system'), reason: '放弃' });
    const q = await outcomeOf(lc, quitting, 'withdrawn');
    assert.equal(q.calendarWait, null);
    assert.deepEqual(q.pending, []);
  });

  step(`the admin supplies M and the API signals: the notice is published at once, for 5 working days after publication`, async () => {
    await lc.calendar.putYear(MISSING, illustrativeCalendar(MISSING), 'admin');
    await told.signal(calendarUpdatedSignal, { year: MISSING });
    const s = await stateWhen(lc, told, (x) => x.audit.some((e) => e.action === 'notice-published'));
    const today = await lc.today();
    assert.equal(today, `${BEFORE}-12-30`);
    assert.equal(s.calendarWait, null);
    assert.ok(!s.pending.some((p) => p.role === 'admin'), 'the admin item is gone');
    assert.ok(s.audit.some((e) => e.action === 'calendar-resumed' && e.details?.year === MISSING));
    const notice = s.notice!;
    assert.equal(notice.publishedOn, today);
    // Counted from the day after the notice was actually published, not from the day it started waiting.
    const expected = workingDaysFrom((await lc.calendar.current()).data(), addCalendarDays(today, 1), 5).days;
    assert.deepEqual(notice.days, expected);
    assert.ok(notice.days[0]! > notice.publishedOn);
    assert.ok(notice.days.some((d) => d.startsWith(`${MISSING}-`)));
    const published = s.audit.find((e) => e.action === 'notice-published')!;
    assert.equal((published.details!.calendarSources as Record<string, string>)[String(MISSING)], 'admin');
    assert.equal((await outboxOf(lc, told.workflowId, 'notice')).length, 1);

    // Untold, the other application has not looked yet.
    assert.equal((await lc.state(untold)).notice, null);
  });

  step('without the signal, the daily look finds the year the next day', async () => {
    await sleepToShanghai(lc, `${BEFORE}-12-31`, '12:00');
    const s = await stateWhen(lc, untold, (x) => x.audit.some((e) => e.action === 'notice-published'));
    assert.equal(s.calendarWait, null);
    assert.equal(s.notice!.publishedOn, `${BEFORE}-12-31`);
    assert.deepEqual(s.notice!.days, workingDaysFrom((await lc.calendar.current()).data(), `${MISSING}-01-01`, 5).days);
  });

  step('the notice runs its course in the new year and the agreement deadline uses the supplied calendar', async () => {
    let s = await lc.state(told);
    await sleepPast(lc, s.notice!.closesAt);
    s = await stateWhen(lc, told, (x) => x.stage === 'agreement' && x.agreement?.lastDay !== null);
    // The signing period counts from the day after the notice's last day.
    const expected = workingDaysFrom((await lc.calendar.current()).data(), addCalendarDays(s.notice!.lastDay, 1), 20).lastDay;
    assert.equal(s.agreement!.lastDay, expected);
    s = await act(told, 'agreement', { actor: actor('applicant-system'), signedOn: await lc.today() });
    assert.equal(s.stage, 'disbursement');
  });
});
