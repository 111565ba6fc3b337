/**
 * How applications end without recovery (domain brief steps 8–10): fraud found before any payment
 * ends the application as `rejected` and still records credit; an obligation period that ends
 * quietly ends it as `completed`, five years after the last payment (an ordinary workflow timer).
 * The story is written in 2027–2032 and runs in the first years after the test server's clock that
 * keep the leap-year cycle (helpers/story.ts); this file has its own server, and its steps stop at
 * the first broken one. The years are supplied with ILLUSTRATIVE calendars (test data only).
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
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
  toReview,
  type Lifecycle,
} from '../helpers/lifecycle';
import { storySteps, storyYearsFrom, type StoryYears } from '../helpers/story';


const DRUG = 'dinghu-generic-drug-consistency';
const FACTS = { drugName: '头孢克肟片' };

/** The years the story runs in, set from the test server's clock before the first step. */
let story: StoryYears;
/** A date of the story as written, in the years it runs in. */
const d = (written: string) => story.date(written);

describe('ends without recovery: fraud before payment, a quiet obligation period', () => {
  let lc: Lifecycle;
  const step = storySteps();
  before(async () => {
    lc = await startLifecycle('lifecycle-ends');
    story = storyYearsFrom({ date: '2027-03-01' }, 'leap-cycle', await lc.env.currentTimeMs());
    await supplyIllustrativeYears(lc, story.year(2027), story.year(2027));
  });
  after(async () => lc.stop());

  step('fraud found before any payment: rejected with the reason, and a credit record all the same', async () => {
    await sleepToShanghai(lc, d('2027-03-01'));
    const h = await lc.file(DRUG, FACTS);
    await toReview(h);
    const breach = await refusalOf(act(h, 'breach-report', { actor: actor('inspector'), obligation: 'stay-5-years', findings: 'x' }));
    assert.equal(breach.type, 'WrongStage');
    const noReport = await refusalOf(act(h, 'clawback-decision', { actor: actor('approver'), decision: 'recover', reason: 'x' }));
    assert.equal(noReport.type, 'WrongStage');

    await act(h, 'fraud-report', { actor: actor('inspector', 'zhao'), findings: '申报材料中的BE备案凭证系伪造', evidence: [doc('核查笔录.pdf')] });
    const s = await outcomeOf(lc, h, 'rejected');
    assert.equal(s.outcome!.reason, 'fraud found before any payment: 申报材料中的BE备案凭证系伪造');
    assert.equal(s.reports[0]!.afterPayment, false);
    assert.equal(s.clawback, null);
    assert.deepEqual(s.creditRecords.map((r) => r.idempotencyKey), [`${h.workflowId}:credit:1`]);
    const credit = (await outboxOf(lc, h.workflowId, 'credit-record'));
    assert.equal(credit.length, 1);
    assert.equal(credit[0]!.kind, 'fraud');
    assert.deepEqual(s.pending, []);
  });

  step('paid in year 1, no report: completed when the five years from the last payment are over', async () => {
    const h = await lc.file(DRUG, FACTS);
    await toDisbursement(lc, [h], '3500000.00');
    for (const [n, day] of [[1, d('2027-04-01')], [2, d('2027-05-10')], [3, d('2027-06-01')]] as const) {
      await sleepToShanghai(lc, day);
      await payTranche(lc, h, n);
    }
    let s = await lc.state(h);
    assert.equal(s.stage, 'monitoring');
    assert.equal(s.obligations[0]!.endsOn, d('2032-06-01'));

    await sleepToShanghai(lc, d('2032-06-01'), '23:00');
    assert.equal((await lc.state(h)).stage, 'monitoring', 'the last day of the period still counts');
    await sleepToShanghai(lc, d('2032-06-02'), '09:00');
    s = await outcomeOf(lc, h, 'completed');
    assert.equal(s.outcome!.reason, `every obligation period ended on ${d('2032-06-01')}`);
    assert.equal(s.obligations[0]!.status, 'ended');
    assert.equal((await outboxOf(lc, h.workflowId, 'credit-record')).length, 0);
    assert.deepEqual(s.pending, []);
  });
});
