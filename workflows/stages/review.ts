/** Steps 3–4: review (inspection, supplement, review clock) and government sign-off. */
import { effects, reads } from '../activities';
import { ENGINE } from '../../domain/application';
import type { Facts } from '../../domain/catalog';
import { inspectionRequirement } from '../../domain/spot-check';
import { Application, deadline } from '../machinery';
import { belowThreshold } from '../../domain/rounds';
import { decideByRoundDraw } from './round-award';

/**
 * Steps 3–4: review and government sign-off, repeated when sign-off returns the application for
 * re-review (001 §（三）5). Ends at public-notice (approved) or at an end stage.
 */
export async function reviewAndSignOff(app: Application): Promise<boolean> {
  await startReview(app);
  for (;;) {
    await review(app);
    if (app.ended()) return false;
    // Stage is sign-off now.
    await app.waitFor(() => app.state.stage !== 'sign-off');
    if (app.ended()) return false;
    if (app.state.stage === 'public-notice') return true;
    // Returned for re-review: the review starts over with a new clock.
    app.restartClock('returned-by-sign-off');
  }
}

/** Accepting the materials: the award under review, the inspection rule, the 60-day clock. */
async function startReview(app: Application): Promise<void> {
  const award = await reads.assessAward({ program: app.program, facts: app.state.facts as Facts });
  const a = app.state.award;
  a.formula = `${app.program.formula.kind} (${app.program.id})`;
  a.inputs = { facts: app.state.facts, catalogVersion: app.state.catalogVersion, programHash: app.state.programHash };
  a.amountByFormula = award.amount;
  if (award.cap) a.cap = award.cap;
  a.breakdown = award.breakdown;
  app.record({
    actor: ENGINE,
    action: 'award-assessed',
    details: { eligible: award.eligible, amountByFormula: award.amount, cap: award.cap, reason: award.reason, breakdown: award.breakdown },
  });
  if (!award.eligible) {
    app.end('rejected', ENGINE, 'award-assessed', `the program's formula gives no award for these facts: ${award.reason ?? ''}`.trim(), {});
    return;
  }

  const settings = app.program.review;
  const terms = app.state.roundTerms;
  if (terms && belowThreshold(award.amount, settings.inspection.amount, settings.inspection.inclusive)) {
    // 001 §（三）4 over the round: 5 % of the round's applications below the threshold, drawn when its window closes.
    app.state.inspection = {
      required: false,
      why: 'round-draw',
      amount: award.amount,
      threshold: settings.inspection.amount,
      inclusive: settings.inspection.inclusive,
      rule: { id: 'inspection-spot-check', citation: `${settings.inspection.citation.seed} ${settings.inspection.citation.section}`, text: `below the ${settings.inspection.amount} threshold: round ${terms.id}'s spot check, drawn when its window closes` },
      draw: null,
      roundDraw: { roundId: terms.id, status: 'pending', seedSha256: terms.seedSha256 },
      result: null,
    };
    if (app.state.roundDraw) decideByRoundDraw(app, app.state.roundDraw);
    else app.record({ actor: ENGINE, action: 'inspection-decided', details: { requirement: 'round-draw-pending', round: terms.id, seedSha256: terms.seedSha256 } });
  } else {
    decideInspection(app, award.amount);
  }
  startReviewClock(app);
}

/** One application's own inspection rule: mandatory at the threshold, else its own reproducible draw. */
function decideInspection(app: Application, amount: string): void {
  const settings = app.program.review;
  const decision = inspectionRequirement(
    amount,
    { amount: settings.inspection.amount, inclusive: settings.inspection.inclusive },
    { seed: app.spotCheckSeed(), applicationId: app.state.id, ratePercent: settings.spotCheckRatePercent },
    `${settings.inspection.citation.seed} ${settings.inspection.citation.section}`,
  );
  const d = decision.draw;
  app.state.inspection = {
    required: decision.requirement !== 'spot-check-not-selected',
    why: decision.requirement === 'mandatory' ? 'threshold' : 'draw',
    amount,
    threshold: settings.inspection.amount,
    inclusive: settings.inspection.inclusive,
    rule: decision.rule,
    draw: d ? { seed: d.seed, input: d.input, sha256: d.sha256, value: d.value, fraction: d.fraction, ratePercent: d.ratePercent, selected: d.selected } : null,
    result: null,
  };
  app.record({ actor: ENGINE, action: 'inspection-decided', details: { requirement: decision.requirement, rule: decision.rule, inputs: decision.inputs, draw: d } });
}

function startReviewClock(app: Application): void {
  const settings = app.program.review;
  const today = app.today();
  app.state.review = {
    acceptedOn: today,
    clock: app.clock(today, 'accepted'),
    previousClocks: [],
    extension: null,
    extensionMaxDays: settings.extensionMaxDays,
    overdue: [],
    escalatedFor: null,
    supplement: null,
  };
  app.moveTo(app.reviewStage(), ENGINE, 'review-started', `materials accepted; review due by the end of ${app.state.review.clock.lastDay}`, {
    clock: app.state.review.clock,
  });
}

/** Review until a recommendation moves it on, with the supplement and the overdue escalation. */
async function review(app: Application): Promise<void> {
  const inReview = () => app.state.stage === 'review' || app.state.stage === 'inspection';
  while (!app.ended() && (inReview() || app.state.stage === 'supplement-requested')) {
    if (app.state.stage === 'supplement-requested') {
      await supplement(app);
      continue;
    }
    const review = app.state.review!;
    const due = review.clock.dueAt;
    const escalated = review.escalatedFor === due;
    const inTime = await app.waitFor(() => !inReview() || app.state.review!.clock.dueAt !== due, escalated ? null : deadline(due, 'the review deadline'));
    if (!inTime) await escalateOverdueReview(app);
  }
}

/** 002 第三十一条: overdue reviews escalate; nothing is approved automatically. */
async function escalateOverdueReview(app: Application): Promise<void> {
  const review = app.state.review!;
  review.escalatedFor = review.clock.dueAt;
  review.overdue.push({ at: app.now(), lastDay: review.clock.lastDay });
  app.record({
    actor: ENGINE,
    action: 'review-overdue',
    details: { lastDay: review.clock.lastDay, clock: review.clock, extended: review.extension !== null },
  });
  app.changed();
  await app.effect('escalate', () => effects.escalate({
    applicationId: app.state.id,
    idempotencyKey: `${app.state.id}:review-overdue:${review.overdue.length}`,
    role: 'approver',
    subject: `Review overdue: ${app.state.id}`,
    body: `The review was due by the end of ${review.clock.lastDay} (Asia/Shanghai) and has no recommendation. It is not approved automatically.`,
  }));
}

/** The one-time supplement request (一次性告知): the applicant answers by the deadline or the application lapses. */
async function supplement(app: Application): Promise<void> {
  const s = app.state.review!.supplement!;
  if (!s.dueAt) {
    // Fix: an answer that arrives while the deadline waits for a calendar year ends the wait and
    // restarts the clock below, as any answer does.
    const window = await app.workingDays(app.tomorrow(), s.dueInWorkingDays, 'the supplement answer deadline', () => app.state.stage === 'supplement-requested');
    if (!window && app.ended()) return;
    if (window) {
      s.days = window.days;
      s.lastDay = window.lastDay;
      s.dueAt = window.closesAt;
      app.record({ actor: ENGINE, action: 'deadline', details: { for: 'supplement answer', workingDays: s.dueInWorkingDays, days: window.days, lastDay: window.lastDay, dueAt: window.closesAt } });
      app.changed();
      await app.effect('notifyApplicant', () => effects.notifyApplicant({
        applicationId: app.state.id,
        idempotencyKey: `${app.state.id}:supplement-request:notification`,
        creditCode: app.state.applicant.creditCode,
        subject: 'Supplement requested (一次性告知)',
        body: `Please supply, by the end of ${window.lastDay}: ${s.items.join('; ')}`,
      }));
    }
  }
  const inTime = await app.waitFor(() => app.state.stage !== 'supplement-requested', deadline(s.dueAt, 'the supplement answer deadline'));
  if (!inTime) {
    app.end('lapsed', ENGINE, 'deadline-missed', `the supplement requested at ${s.requestedAt} was not answered by the end of ${s.lastDay}`, { lastDay: s.lastDay });
    return;
  }
  if (app.ended()) return;
  // Answered: the 60 days start again (002 第三十一条).
  app.restartClock('supplement-answered');
}
