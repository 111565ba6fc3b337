/**
 * One application's life, from filing to the last tranche paid (domain brief, "Lifecycle of one
 * application", steps 1–7), and the obligations that outlive payment.
 *
 * `applicationWorkflow` reads like the procedure: filing checks, preliminary record, formal
 * submission, review (supplement, clock, inspection, recommendation), sign-off (which may return
 * the application for re-review), public notice with objections, agreement, disbursement,
 * monitoring. Staff and applicant actions arrive as Updates (workflows/handlers.ts); each is
 * refused by its validator, synchronously and with a stable error type, when the stage, the role,
 * separation of duties or the request forbids it.
 *
 * Time is workflow time; dates are Asia/Shanghai. Working days and program computations come from
 * activities, so they are computed once and recorded in history. Every deadline is a timer.
 *
 * Patches in force (see docs/changing-workflow-code.md):
 * - `instruct-before-continue-as-new` (disbursement): instruct verified tranches first.
 * - `refresh-before-overdue` (workflows/clawback.ts): refresh the statement before escalating.
 */
import { allHandlersFinished, condition, continueAsNew, log, patched, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { WorkingDaysAnswer } from '../domain/effects';
import { effects, payments, reads } from './activities';
import { ENGINE, type ApplicationInput, type ApplicationState, type AuditEntry, type EngineActor, type Tranche } from '../domain/application';
import type { LprTable } from '../domain/lpr';
import { addCalendarDays, shanghaiDate, windowClosesAt } from '../domain/calendar';
import type { Facts } from '../domain/catalog';
import { addYears, lastDayAfter, pendingOf } from '../domain/lifecycle';
import { parseYuan, formatYuan, sumYuan } from '../domain/money';
import type { Actor } from '../domain/roles';
import { inspectionRequirement } from '../domain/spot-check';
import { isEndStage, type Stage } from '../domain/stages';
import { clawback, statementNow } from './clawback';
import { installHandlers } from './handlers';
import type { ApplicationRun, Deadline } from './run';
import { SEARCH_ATTRIBUTES } from './search-attributes';


/** A deadline that may be missing (a window not counted yet): no timer then. */
function deadline(at: string | null, purpose: string): Deadline | null {
  return at === null ? null : { at, purpose };
}

/** Patch ids (docs/changing-workflow-code.md). */
const INSTRUCT_BEFORE_CONTINUE_AS_NEW = 'instruct-before-continue-as-new';

/** How often an application waiting for a calendar year looks again without being told. */
const CALENDAR_RECHECK_MS = 86_400_000;
/** How soon a payment instruction that could not be delivered is tried again. */
const INSTRUCTION_RETRY_MS = 3_600_000;
/** How soon a refused notice or notification is delivered again. */
const EFFECT_RETRY_MS = 3_600_000;

/** The steps of the domain brief's procedure; each answers whether the application carries on. */
const PROCEDURE: ReadonlyArray<{ step: string; resumesAt?: Stage; run: (app: Application) => Promise<boolean> }> = [
  { step: '1. filing checks (serious-dishonesty list)', run: (app) => app.filingChecks() },
  { step: '2. preliminary record', run: (app) => app.preliminaryRecord() },
  { step: '2. formal submission of the materials', run: (app) => app.formalSubmission() },
  { step: '3–4. review, inspection and government sign-off', run: (app) => app.reviewAndSignOff() },
  { step: '5. public notice', run: (app) => app.publicNotice() },
  { step: '6. support agreement', run: (app) => app.agreement() },
  { step: '7. disbursement by milestone', resumesAt: 'disbursement', run: (app) => app.disbursement() },
  { step: '8. monitoring of obligations', resumesAt: 'monitoring', run: async (app) => (await app.monitoring(), false) },
];

export async function applicationWorkflow(input: ApplicationInput): Promise<ApplicationState> {
  const app = new Application(input);
  installHandlers(app);

  if (!input.resume) {
    app.record({ actor: input.filedBy, action: 'filing', to: app.state.stage, details: { facts: input.facts, checks: input.filingChecks } });
  } else {
    app.record({ actor: ENGINE, action: 'continued-as-new', details: { run: app.state.runs, stage: app.state.stage } });
  }
  app.changed();

  // The procedure, one step after another, until one ends the application. A run continued as
  // new re-enters the same sequence at the step of the stage the previous run stopped at (only
  // disbursement and monitoring continue as new; a clawback goes straight to recovery below).
  const from = input.resume ? PROCEDURE.findIndex((step) => step.resumesAt === app.state.stage) : 0;
  for (const step of from < 0 ? [] : PROCEDURE.slice(from)) {
    if (!(await step.run(app))) break;
  }

  // Steps 9–10: recovery, when the approver decided to recover paid funds.
  if (app.state.clawback && !app.state.clawback.settledAt && (app.state.stage === 'clawback' || app.state.stage === 'referred')) {
    await clawback(app);
  }

  await app.announceOutcome();
  await app.allSettled();
  return app.state;
}

/**
 * The application's state and the steps that move it. Handlers (workflows/handlers.ts) change
 * the state synchronously; the steps here wait for those changes and for timers, and run the
 * activities. `acted()` / `settled()` let an update answer with the state after the engine has
 * acted on it (e.g. the notice published, the payment instruction sent).
 */
class Application implements ApplicationRun {
  readonly state: ApplicationState;
  readonly program: ApplicationInput['program'];
  private epoch = 0;
  private settledEpoch = 0;
  private lastAttributes = '';
  /** Set by the objection handler when an upheld objection reduced the award: notice it again. */
  republishRequested = false;
  /** Calendar years an admin has supplied since the application started waiting. */
  readonly calendarYearsAnnounced = new Set<number>();
  readonly queue: Array<{ what: string; send: () => Promise<unknown> }> = [];
  private finished = false;
  private readonly courierDone: Promise<void>;

  constructor(readonly input: ApplicationInput) {
    this.program = input.program;
    this.state = input.resume ? input.resume.state : initialState(input);
    this.courierDone = this.courier();
  }

  // ------------------------------------------------------------------------------------------
  // Steps of the procedure. Each returns false when the application has ended.
  // ------------------------------------------------------------------------------------------

  /** Step 1: the serious-dishonesty list (002 第四条), looked up when the application arrives. */
  async filingChecks(): Promise<boolean> {
    const check = await reads.checkDishonestyList({ applicationId: this.state.id, creditCode: this.state.applicant.creditCode });
    this.state.dishonestyCheck = check;
    if (check.listed) {
      this.end('rejected', ENGINE, 'dishonesty-check', `${this.state.applicant.creditCode} is on the serious-dishonesty list 严重失信主体名单 (002 第四条)`, {
        source: check.source,
        entry: check.entry,
      });
      return false;
    }
    this.record({ actor: ENGINE, action: 'dishonesty-check', details: { listed: false, source: check.source, checkedAt: check.checkedAt } });
    return !this.ended();
  }

  /** Step 2, 初审备案: the intake officer checks qualification (001 §（三）3). */
  async preliminaryRecord(): Promise<boolean> {
    await this.waitFor(() => this.state.stage !== 'preliminary-record');
    return !this.ended();
  }

  /** Step 2 (cont.): the applicant hands in the full materials by the program's deadline. */
  async formalSubmission(): Promise<boolean> {
    const n = this.program.deadlines.formalSubmissionWorkingDays;
    if (n !== undefined) {
      // Fix: materials handed in while the deadline waits for a calendar year end the wait (no
      // deadline is needed any more) instead of leaving the review unstarted behind the wait.
      const window = await this.workingDays(this.tomorrow(), n, 'the formal-submission deadline', () => this.state.stage === 'formal-submission');
      if (!window && this.ended()) return false;
      if (window) {
        this.state.materials.lastDay = window.lastDay;
        this.state.materials.dueAt = window.closesAt;
        this.record({ actor: ENGINE, action: 'deadline', details: { for: 'materials', workingDays: n, days: window.days, lastDay: window.lastDay, dueAt: window.closesAt } });
        this.changed();
      }
    }
    const inTime = await this.waitFor(() => this.state.stage !== 'formal-submission', deadline(this.state.materials.dueAt, 'the materials deadline'));
    if (!inTime) {
      this.end('lapsed', ENGINE, 'deadline-missed', `the full materials were not handed in by the end of ${this.state.materials.lastDay}`, {
        lastDay: this.state.materials.lastDay,
      });
      return false;
    }
    return !this.ended();
  }

  /**
   * Steps 3–4: review and government sign-off, repeated when sign-off returns the application for
   * re-review (001 §（三）5). Ends at public-notice (approved) or at an end stage.
   */
  async reviewAndSignOff(): Promise<boolean> {
    await this.startReview();
    for (;;) {
      await this.review();
      if (this.ended()) return false;
      // Stage is sign-off now.
      await this.waitFor(() => this.state.stage !== 'sign-off');
      if (this.ended()) return false;
      if (this.state.stage === 'public-notice') return true;
      // Returned for re-review: the review starts over with a new clock.
      this.restartClock('returned-by-sign-off');
    }
  }

  /** Accepting the materials: the award under review, the inspection rule, the 60-day clock. */
  private async startReview(): Promise<void> {
    const award = await reads.assessAward({ program: this.program, facts: this.state.facts as Facts });
    const a = this.state.award;
    a.formula = `${this.program.formula.kind} (${this.program.id})`;
    a.inputs = { facts: this.state.facts, catalogVersion: this.state.catalogVersion, programHash: this.state.programHash };
    a.amountByFormula = award.amount;
    if (award.cap) a.cap = award.cap;
    a.breakdown = award.breakdown;
    this.record({
      actor: ENGINE,
      action: 'award-assessed',
      details: { eligible: award.eligible, amountByFormula: award.amount, cap: award.cap, reason: award.reason, breakdown: award.breakdown },
    });
    if (!award.eligible) {
      this.end('rejected', ENGINE, 'award-assessed', `the program's formula gives no award for these facts: ${award.reason ?? ''}`.trim(), {});
      return;
    }

    const settings = this.program.review;
    const decision = inspectionRequirement(
      award.amount,
      { amount: settings.inspection.amount, inclusive: settings.inspection.inclusive },
      { seed: this.spotCheckSeed(), applicationId: this.state.id, ratePercent: settings.spotCheckRatePercent },
      `${settings.inspection.citation.seed} ${settings.inspection.citation.section}`,
    );
    const d = decision.draw;
    this.state.inspection = {
      required: decision.requirement !== 'spot-check-not-selected',
      why: decision.requirement === 'mandatory' ? 'threshold' : 'draw',
      amount: award.amount,
      threshold: settings.inspection.amount,
      inclusive: settings.inspection.inclusive,
      rule: decision.rule,
      draw: d ? { seed: d.seed, input: d.input, sha256: d.sha256, value: d.value, fraction: d.fraction, ratePercent: d.ratePercent, selected: d.selected } : null,
      result: null,
    };
    this.record({ actor: ENGINE, action: 'inspection-decided', details: { requirement: decision.requirement, rule: decision.rule, inputs: decision.inputs, draw: d } });

    const today = this.today();
    this.state.review = {
      acceptedOn: today,
      clock: this.clock(today, 'accepted'),
      previousClocks: [],
      extension: null,
      extensionMaxDays: settings.extensionMaxDays,
      overdue: [],
      escalatedFor: null,
      supplement: null,
    };
    this.moveTo(this.reviewStage(), ENGINE, 'review-started', `materials accepted; review due by the end of ${this.state.review.clock.lastDay}`, {
      clock: this.state.review.clock,
    });
  }

  /** Review until a recommendation moves it on, with the supplement and the overdue escalation. */
  private async review(): Promise<void> {
    const inReview = () => this.state.stage === 'review' || this.state.stage === 'inspection';
    while (!this.ended() && (inReview() || this.state.stage === 'supplement-requested')) {
      if (this.state.stage === 'supplement-requested') {
        await this.supplement();
        continue;
      }
      const review = this.state.review!;
      const due = review.clock.dueAt;
      const escalated = review.escalatedFor === due;
      const inTime = await this.waitFor(() => !inReview() || this.state.review!.clock.dueAt !== due, escalated ? null : deadline(due, 'the review deadline'));
      if (!inTime) await this.escalateOverdueReview();
    }
  }

  /** 002 第三十一条: overdue reviews escalate; nothing is approved automatically. */
  private async escalateOverdueReview(): Promise<void> {
    const review = this.state.review!;
    review.escalatedFor = review.clock.dueAt;
    review.overdue.push({ at: this.now(), lastDay: review.clock.lastDay });
    this.record({
      actor: ENGINE,
      action: 'review-overdue',
      details: { lastDay: review.clock.lastDay, clock: review.clock, extended: review.extension !== null },
    });
    this.changed();
    await this.effect('escalate', () => effects.escalate({
      applicationId: this.state.id,
      idempotencyKey: `${this.state.id}:review-overdue:${review.overdue.length}`,
      role: 'approver',
      subject: `Review overdue: ${this.state.id}`,
      body: `The review was due by the end of ${review.clock.lastDay} (Asia/Shanghai) and has no recommendation. It is not approved automatically.`,
    }));
  }

  /** The one-time supplement request (一次性告知): the applicant answers by the deadline or the application lapses. */
  private async supplement(): Promise<void> {
    const s = this.state.review!.supplement!;
    if (!s.dueAt) {
      // Fix: an answer that arrives while the deadline waits for a calendar year ends the wait and
      // restarts the clock below, as any answer does.
      const window = await this.workingDays(this.tomorrow(), s.dueInWorkingDays, 'the supplement answer deadline', () => this.state.stage === 'supplement-requested');
      if (!window && this.ended()) return;
      if (window) {
        s.days = window.days;
        s.lastDay = window.lastDay;
        s.dueAt = window.closesAt;
        this.record({ actor: ENGINE, action: 'deadline', details: { for: 'supplement answer', workingDays: s.dueInWorkingDays, days: window.days, lastDay: window.lastDay, dueAt: window.closesAt } });
        this.changed();
        await this.effect('notifyApplicant', () => effects.notifyApplicant({
          applicationId: this.state.id,
          idempotencyKey: `${this.state.id}:supplement-request:notification`,
          creditCode: this.state.applicant.creditCode,
          subject: 'Supplement requested (一次性告知)',
          body: `Please supply, by the end of ${window.lastDay}: ${s.items.join('; ')}`,
        }));
      }
    }
    const inTime = await this.waitFor(() => this.state.stage !== 'supplement-requested', deadline(s.dueAt, 'the supplement answer deadline'));
    if (!inTime) {
      this.end('lapsed', ENGINE, 'deadline-missed', `the supplement requested at ${s.requestedAt} was not answered by the end of ${s.lastDay}`, { lastDay: s.lastDay });
      return;
    }
    if (this.ended()) return;
    // Answered: the 60 days start again (002 第三十一条).
    this.restartClock('supplement-answered');
  }

  /**
   * Step 5: public notice 公示 for the program's working days. Objections are received during the
   * window; payment waits until it has closed and every objection is settled. An upheld objection
   * that reduces the award publishes the reduced award again.
   */
  async publicNotice(): Promise<boolean> {
    if (!(await this.publish())) return false;
    for (;;) {
      const notice = this.state.notice!;
      const windowOver = await this.waitFor(
        () => this.ended() || this.republishRequested,
        notice.closed ? null : deadline(notice.closesAt, `the end of the public-notice window (publication ${notice.publication})`),
      );
      if (this.ended()) return false;
      if (this.republishRequested) {
        if (!(await this.publish())) return false;
        continue;
      }
      if (!windowOver && !notice.closed) {
        notice.closed = true;
        this.record({ actor: ENGINE, action: 'notice-closed', details: { publication: notice.publication, lastDay: notice.lastDay, objections: notice.objections.length } });
        this.changed();
      }
      const open = () => this.state.notice!.objections.some((o) => o.status === 'open');
      await this.waitFor(() => this.ended() || this.republishRequested || !open());
      if (this.ended()) return false;
      if (this.republishRequested) {
        if (!(await this.publish())) return false;
        continue;
      }
      this.record({ actor: ENGINE, action: 'notice-settled', details: { publication: notice.publication, objections: notice.objections.map((o) => ({ n: o.n, status: o.status })) } });
      return true;
    }
  }

  private async publish(): Promise<boolean> {
    this.republishRequested = false;
    const workingDays = this.program.notice.workingDays;
    // Full working days, starting the day after publication (民法典 第二百零一条).
    let window = await this.workingDays(this.tomorrow(), workingDays, 'the public-notice window');
    // Fix: waiting for a calendar year can take days, and the notice is published only now; a
    // window counted from the day after the sign-off would include days before publication.
    while (window && window.from !== this.tomorrow()) window = await this.workingDays(this.tomorrow(), workingDays, 'the public-notice window');
    if (!window) return false;
    const previous = this.state.notice;
    const publication = (previous?.publication ?? 0) + 1;
    const amount = this.state.award.approved!;
    const publishedOn = this.today();
    this.state.notice = {
      publication,
      publishedOn,
      lastDay: window.lastDay,
      days: window.days,
      closesAt: window.closesAt,
      amount,
      closed: false,
      objections: previous?.objections ?? [],
      previous: previous
        ? [...previous.previous, { publication: previous.publication, publishedOn: previous.publishedOn, lastDay: previous.lastDay, days: previous.days, amount: previous.amount }]
        : [],
    };
    await this.effect('publishNotice', () => effects.publishNotice({
      applicationId: this.state.id,
      idempotencyKey: `${this.state.id}:notice:${publication}`,
      publication,
      programId: this.state.programId,
      applicant: this.state.applicant,
      amount,
      publishedOn,
      lastDay: window.lastDay,
      days: window.days,
    }));
    this.record({
      actor: ENGINE,
      action: 'notice-published',
      details: {
        publication,
        amount,
        publishedOn,
        lastDay: window.lastDay,
        days: window.days,
        workingDays,
        calendarSources: window.sources,
        rule: `${this.program.notice.citation.seed} ${this.program.notice.citation.section}: at least ${workingDays} working days, counted from the day after publication`,
      },
    });
    this.changed();
    return !this.ended();
  }

  /** Step 6: the support agreement, where the program requires one, signed before money moves. */
  async agreement(): Promise<boolean> {
    const required = this.program.agreement.required;
    this.state.agreement = { required, lastDay: null, dueAt: null, signedOn: null, recordedBy: null, recordedAt: null };
    if (!required) {
      this.record({ actor: ENGINE, action: 'agreement-not-required', details: { program: this.program.id } });
      return true;
    }
    this.moveTo('agreement', ENGINE, 'agreement-due', 'the program requires a support agreement before payment', {});
    const n = this.program.deadlines.agreementSigningWorkingDays;
    // Fix: signed while the deadline waits for a calendar year: the wait ends, payment goes ahead.
    // Counted from the day after the notice closed, not from the moment the engine noticed it.
    const from = this.state.notice ? addCalendarDays(this.state.notice.lastDay, 1) : this.tomorrow();
    const window = await this.workingDays(from, n, 'the agreement signing deadline', () => this.state.stage === 'agreement');
    if (!window) return !this.ended();
    this.state.agreement.lastDay = window.lastDay;
    this.state.agreement.dueAt = window.closesAt;
    this.record({ actor: ENGINE, action: 'deadline', details: { for: 'agreement', workingDays: n, days: window.days, lastDay: window.lastDay, dueAt: window.closesAt } });
    this.changed();
    const inTime = await this.waitFor(() => this.state.stage !== 'agreement', deadline(window.closesAt, 'the agreement deadline'));
    if (!inTime) {
      this.end('lapsed', ENGINE, 'deadline-missed', `the support agreement was not signed by the end of ${window.lastDay}`, { lastDay: window.lastDay });
      return false;
    }
    return !this.ended();
  }

  /**
   * Step 7: disbursement by the program's schedule. Each tranche: claim with evidence → verified
   * by staff → budget check → one payment instruction → confirmed by finance with the treasury
   * reference. A lump sum needs no claim; yearly instalments become claimable year by year.
   */
  async disbursement(): Promise<boolean> {
    if (this.state.tranches.length === 0) await this.fixSchedule();
    for (;;) {
      for (const t of this.state.tranches) {
        if (t.status === 'verified' && !this.halted() && !this.suspended()) await this.instructPayment(t);
      }
      if (this.halted()) return false;
      if (this.state.tranches.every((t) => t.status === 'paid')) return true;
      // Wake for a verified tranche, or when the next yearly instalment becomes claimable.
      const today = this.today();
      const nextYear = this.state.tranches
        .filter((t) => t.status === 'scheduled' && t.claimableFrom && t.claimableFrom > today)
        .map((t) => t.claimableFrom!)
        .sort()[0];
      const retryAt = this.state.tranches.some((t) => t.status === 'verified' && t.instructionProblem) ? this.later(INSTRUCTION_RETRY_MS) : null;
      const wakeAt =
        [
          nextYear ? { at: windowClosesAt(addCalendarDays(nextYear, -1)), purpose: `a tranche becoming claimable on ${nextYear}` } : null,
          retryAt ? { at: retryAt, purpose: 'a retry of the payment instruction in one hour' } : null,
        ]
          .filter((x): x is Deadline => x !== null)
          .sort((a, b) => a.at.localeCompare(b.at))[0] ?? null;
      await this.waitFor(
        () =>
          this.halted() ||
          this.continueAsNewDue() ||
          this.state.tranches.every((t) => t.status === 'paid') ||
          (!this.suspended() && this.state.tranches.some((t) => t.status === 'verified' && !t.instructionProblem)),
        wakeAt,
      );
      this.changed();
      // Patch: a tranche verified in the same wake is instructed before continuing as new, so the
      // verification's answer shows it instructed (histories before the patch continued first).
      const readyToInstruct = !this.suspended() && this.state.tranches.some((t) => t.status === 'verified' && !t.instructionProblem);
      if (!patched(INSTRUCT_BEFORE_CONTINUE_AS_NEW) || !readyToInstruct) await this.continueAsNewIfDue();
    }
  }

  /** The tranches of the approved amount under the program's schedule, computed once. */
  private async fixSchedule(): Promise<void> {
    const approved = this.state.award.approved!;
    const schedule = await reads.paymentSchedule({ program: this.program, facts: this.state.facts as Facts, approved });
    const start = this.today();
    this.state.tranches = schedule.map(
      (line, i): Tranche => ({
        n: i + 1,
        milestone: line.milestone,
        amount: line.amount,
        status: 'scheduled',
        paidOn: null,
        treasuryReference: null,
        condition: line.condition,
        trigger: line.trigger,
        claimableFrom: line.trigger.kind === 'year' ? addYears(start, line.trigger.index - 1) : null,
        claims: [],
        instruction: null,
        instructionProblem: null,
        confirmation: null,
      }),
    );
    this.moveTo('disbursement', ENGINE, 'schedule-fixed', `${schedule.length} tranche(s) totalling ${approved}`, {
      approved,
      tranches: schedule.map((l, i) => ({ n: i + 1, milestone: l.milestone, amount: l.amount, condition: l.condition, rule: l.rule })),
    });

    // A lump sum (or any after-notice tranche) is payable now: no progress to report.
    for (const t of this.state.tranches) {
      if (t.trigger.kind === 'after-notice') {
        t.status = 'verified';
        this.record({ actor: ENGINE, action: 'tranche-payable', details: { tranche: t.n, why: 'paid after the notice and agreement; no progress report needed' } });
      }
    }
    this.changed();
  }

  /** Budget check, then one payment instruction per tranche, whatever crashes or retries happen. */
  private async instructPayment(t: Tranche): Promise<void> {
    const instructed = sumYuan(this.state.tranches.filter((x) => x.status === 'instructed' || x.status === 'paid').map((x) => x.amount));
    const approved = this.state.award.approved!;
    const remaining = formatYuan(parseYuan(approved).minus(parseYuan(instructed)));
    const budgetCheck = { approved, alreadyInstructedOrPaid: instructed, thisTranche: t.amount, remainingBefore: remaining };
    if (parseYuan(t.amount).greaterThan(parseYuan(remaining))) {
      // Cannot happen with a schedule that sums to the award; guard public money anyway.
      t.instructionProblem = `budget check failed: tranche ${t.n} (${t.amount}) exceeds the ${remaining} left of the approved ${approved}`;
      this.record({ actor: ENGINE, action: 'budget-check-failed', details: budgetCheck });
      this.changed();
      return;
    }
    const idempotencyKey = `${this.state.id}:tranche:${t.n}:payment-instruction`;
    try {
      await payments.sendPaymentInstruction({
        applicationId: this.state.id,
        idempotencyKey,
        tranche: t.n,
        milestone: t.milestone,
        amount: t.amount,
        payee: this.state.applicant,
        programId: this.state.programId,
      });
    } catch (err) {
      t.instructionProblem = `the payment instruction could not be delivered: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`;
      this.record({ actor: ENGINE, action: 'payment-instruction-failed', details: { tranche: t.n, problem: t.instructionProblem } });
      this.changed();
      return;
    }
    t.status = 'instructed';
    t.instructionProblem = null;
    t.instruction = { idempotencyKey, at: this.now(), budgetCheck };
    this.record({ actor: ENGINE, action: 'payment-instructed', details: { tranche: t.n, milestone: t.milestone, amount: t.amount, idempotencyKey, budgetCheck } });
    this.changed();
  }

  /** Step 8: obligations that outlive payment (e.g. 5 years in the district, 000). */
  async monitoring(): Promise<void> {
    if (this.state.stage !== 'monitoring' && !(await this.startMonitoring())) return;
    const endsOn = this.state.obligations.filter((o) => o.status === 'running').map((o) => o.endsOn!).sort().at(-1)!;
    const last = this.state.obligations.filter((o) => o.status === 'running' && o.endsOn === endsOn).map((o) => o.id).join(', ');
    // An ordinary timer, however many years; a fraud or breach report may interrupt it.
    for (;;) {
      const over = !(await this.waitFor(() => this.halted() || this.continueAsNewDue(), { at: windowClosesAt(endsOn), purpose: `the end of obligation ${last} (${endsOn})` }));
      if (this.halted()) return;
      if (over) break;
      await this.continueAsNewIfDue();
    }
    // A report still waiting for the approver keeps the application open past the period.
    await this.waitFor(() => this.halted() || !this.suspended());
    if (this.halted()) return;
    for (const o of this.state.obligations) o.status = 'ended';
    this.end('completed', ENGINE, 'obligations-ended', `every obligation period ended on ${endsOn}`, {});
  }

  /** Fixes each obligation's period from the payment dates; false when none runs (completed). */
  private async startMonitoring(): Promise<boolean> {
    const paidOn = this.state.tranches.map((t) => t.paidOn!).sort();
    for (const o of this.state.obligations) {
      if (o.years === null) continue;
      const def = this.program.obligations.find((x) => x.id === o.id);
      o.startsOn = def?.runsFrom === 'first-payment' ? paidOn[0]! : paidOn[paidOn.length - 1]!;
      o.endsOn = addYears(o.startsOn, o.years);
      o.status = 'running';
    }
    const running = this.state.obligations.filter((o) => o.status === 'running');
    if (running.length === 0) {
      this.end('completed', ENGINE, 'completed', 'every tranche is paid and no obligation period runs', {});
      return false;
    }
    const endsOn = running.map((o) => o.endsOn!).sort().at(-1)!;
    this.moveTo('monitoring', ENGINE, 'monitoring-started', `obligations run until the end of ${endsOn}`, {
      obligations: running.map((o) => ({ id: o.id, startsOn: o.startsOn, endsOn: o.endsOn })),
    });
    return true;
  }

  /** Tells the applicant how its application ended (once). */
  async announceOutcome(): Promise<void> {
    const outcome = this.state.outcome;
    if (!outcome) return;
    await this.effect('notifyApplicant', () => effects.notifyApplicant({
      applicationId: this.state.id,
      idempotencyKey: `${this.state.id}:outcome:${outcome.stage}`,
      creditCode: this.state.applicant.creditCode,
      subject: `Application ${outcome.stage}`,
      body: outcome.reason,
    }));
  }

  async allSettled(): Promise<void> {
    this.settledEpoch = this.epoch;
    await condition(allHandlersFinished);
    this.finished = true;
    await this.courierDone;
  }

  /**
   * Delivers an external effect, and keeps trying when the receiver refuses it (a 4xx is not
   * retried by Temporal): a failed delivery is recorded, never fatal to the application.
   * Retries use a plain timer, not `waitFor`, so they never mark handlers as settled.
   */
  async effect(what: string, send: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await send();
        return;
      } catch (err) {
        const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
        this.record({ actor: ENGINE, action: 'effect-failed', details: { what, attempt, problem: cause, retryIn: '1 hour' } });
        log.warn('effect failed', { id: this.state.id, what, problem: cause });
        await sleep(EFFECT_RETRY_MS, { summary: `a retry of ${what} in one hour (attempt ${attempt} failed)` });
      }
    }
  }

  /** Effects a handler asks for are delivered in order by the courier, so no update waits on a receiver. */
  enqueue(what: string, send: () => Promise<unknown>): void {
    this.queue.push({ what, send });
  }

  private async courier(): Promise<void> {
    for (;;) {
      await condition(() => this.queue.length > 0 || this.finished);
      const job = this.queue[0];
      if (!job) return;
      await this.effect(job.what, job.send);
      this.queue.shift();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Shared machinery
  // ------------------------------------------------------------------------------------------

  /**
   * Waits until `done()` or until the instant `until` (ISO; null = no deadline). Returns false
   * when the deadline came first. Each time a handler acts, the wait marks everything so far as
   * settled, so the handler can answer with the state the engine has reacted to.
   */
  async waitFor(done: () => boolean, until: Deadline | null = null): Promise<boolean> {
    for (;;) {
      if (done()) return true;
      this.settledEpoch = this.epoch;
      const seen = this.epoch;
      const woke = () => done() || this.epoch !== seen;
      if (until === null) {
        await condition(woke);
        continue;
      }
      const ms = Date.parse(until.at) - Date.now();
      if (ms <= 0) return done();
      // The timer says what it waits for (its summary in history): the audit trail reads it there.
      if (!(await condition(woke, ms, { summary: until.purpose }))) return done();
    }
  }

  /** Called by a handler after it changed the state; returns its ticket for `settled`. */
  acted(): number {
    this.epoch += 1;
    return this.epoch;
  }

  /** Resolves once the engine has reacted to the handler's change (or the application ended). */
  async settled(ticket: number): Promise<void> {
    await condition(() => this.settledEpoch >= ticket || this.ended());
  }

  /**
   * The first `count` working days from `from`; when a year has no calendar, waits for an admin
   * to supply it (pending item for the admin role), looking again daily and at once when told.
   * Returns null when the application ended while waiting, or when `stillNeeded()` turned false
   * (e.g. the materials whose deadline it was arrived meanwhile).
   */
  async workingDays(
    from: string,
    count: number,
    purpose: string,
    stillNeeded: () => boolean = () => true,
  ): Promise<Extract<WorkingDaysAnswer, { ok: true }> | null> {
    for (;;) {
      const answer = await reads.workingDays({ from, count });
      if (answer.ok) {
        if (this.state.calendarWait) {
          this.record({ actor: ENGINE, action: 'calendar-resumed', details: { year: this.state.calendarWait.year, purpose } });
          this.state.calendarWait = null;
          this.changed();
        }
        return answer;
      }
      if (this.state.calendarWait?.year !== answer.missingYear) {
        this.state.calendarWait = { year: answer.missingYear, purpose, since: this.now() };
        this.record({ actor: ENGINE, action: 'calendar-missing', details: { year: answer.missingYear, purpose, message: answer.message } });
        this.changed();
        await this.effect('escalate', () => effects.escalate({
          applicationId: this.state.id,
          idempotencyKey: `${this.state.id}:calendar-missing:${answer.missingYear}:${this.state.audit.length}`,
          role: 'admin',
          subject: `Working-day calendar ${answer.missingYear} needed`,
          body: `${this.state.id} waits for ${purpose}: ${answer.message}`,
        }));
      }
      const year = answer.missingYear;
      this.calendarYearsAnnounced.delete(year);
      await this.waitFor(
        () => this.ended() || !stillNeeded() || this.calendarYearsAnnounced.has(year),
        { at: this.later(CALENDAR_RECHECK_MS), purpose: `the daily look for the ${year} working-day calendar` },
      );
      if (this.ended() || !stillNeeded()) {
        if (!this.ended()) this.record({ actor: ENGINE, action: 'calendar-wait-ended', details: { year, purpose, why: 'no longer needed' } });
        this.state.calendarWait = null;
        // Fix: recompute `pending` (and the listing), else the admin item outlives the wait.
        this.changed();
        return null;
      }
    }
  }

  restartClock(why: 'supplement-answered' | 'returned-by-sign-off'): void {
    const review = this.state.review!;
    review.previousClocks.push(review.clock);
    review.clock = this.clock(this.today(), why);
    this.moveTo(this.reviewStage(), ENGINE, 'review-clock-restarted', `${why}: review due by the end of ${review.clock.lastDay}`, { clock: review.clock });
  }

  /** Review or inspection: inspection first when it is required and has no result yet. */
  reviewStage(): Stage {
    const i = this.state.inspection;
    return i && i.required && !i.result ? 'inspection' : 'review';
  }

  private clock(startedOn: string, why: 'accepted' | 'supplement-answered' | 'returned-by-sign-off') {
    const days = this.program.review.reviewDays;
    const lastDay = lastDayAfter(startedOn, days);
    return { startedOn, why, days, lastDay, dueAt: windowClosesAt(lastDay) };
  }

  private spotCheckSeed(): string {
    // A seed recorded at filing; older inputs without one use the run id (also in history).
    return this.input.spotCheckSeed ?? workflowInfo().firstExecutionRunId;
  }

  moveTo(to: Stage, actor: Actor | EngineActor, action: string, comment: string | undefined, details: Record<string, unknown>): void {
    const from = this.state.stage;
    this.state.stage = to;
    this.record({ actor, action, from, to, ...(comment ? { comment } : {}), details });
    this.changed();
    log.info('application moved', { id: this.state.id, from, to, action, actor: actor.id });
  }

  /** Ends the application at an end stage with its reason. */
  end(stage: Stage, actor: Actor | EngineActor, action: string, reason: string, details: Record<string, unknown>): void {
    this.state.outcome = { stage, reason, at: this.now() };
    this.moveTo(stage, actor, action, reason, details);
  }

  /** The procedure stops: the application ended, or recovery took over. */
  halted(): boolean {
    return this.ended() || this.state.stage === 'clawback';
  }

  /** A fraud or breach report waits for the approver: no new payment goes out meanwhile. */
  suspended(): boolean {
    return this.state.reports.some((r) => r.status === 'open');
  }

  /** The LPR fixings last read through the activity (recorded in history). */
  lpr: LprTable | null = null;

  async refreshLpr(): Promise<void> {
    this.lpr = await reads.lprTable();
  }

  /** Temporal suggests it (or the input's test limit is reached), and nothing is in flight. */
  continueAsNewDue(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (this.input.historyLimit ?? 10_000);
  }

  /**
   * Continues as new with the whole state and audit trail, so a five-year application keeps a
   * small history; its id, state and everything a caller sees stay the same.
   */
  async continueAsNewIfDue(): Promise<void> {
    if (!this.continueAsNewDue()) return;
    // Through waitFor, so that handlers in flight see their change settled and can finish.
    const idle = () => allHandlersFinished() && this.queue.length === 0;
    await this.waitFor(idle);
    // Known limit (docs/known-limits.md): an update answered in the same workflow task as the continue-as-new
    // may not reach its caller (temporalio/temporal#6375); the caller gets a 503 and must check
    // the state before retrying, since the new run does not know the old update id. A timer in
    // between was tried and hung on the time-skipping server.
    this.state.runs += 1;
    this.record({ actor: ENGINE, action: 'continue-as-new', details: { historyLength: workflowInfo().historyLength, nextRun: this.state.runs } });
    const { resume: _previous, ...input } = this.input;
    await continueAsNew<typeof applicationWorkflow>({ ...input, resume: { state: this.state } });
  }

  /** What the state query answers: the state, with the clawback statement as of today. */
  snapshot(): ApplicationState {
    if (!this.state.clawback || !this.lpr || this.state.clawback.settledAt) return this.state;
    return { ...this.state, clawback: statementNow(this.state, this.lpr, this.today()) };
  }

  ended(): boolean {
    return isEndStage(this.state.stage);
  }

  record(entry: Omit<AuditEntry, 'at'>): void {
    this.state.audit.push({ at: this.now(), ...entry });
  }

  /** Recomputes what is pending and keeps the listing fields in visibility current. */
  changed(): void {
    this.state.pending = pendingOf(this.state, this.today());
    const dueDates = this.state.pending.flatMap((p) => (p.dueAt ? [p.dueAt] : [])).sort();
    const roles = [...new Set(this.state.pending.map((p) => p.role))].sort();
    const key = JSON.stringify([this.state.stage, roles, dueDates[0] ?? null]);
    if (key === this.lastAttributes) return;
    this.lastAttributes = key;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.stage, value: this.state.stage },
      { key: SEARCH_ATTRIBUTES.programId, value: this.state.programId },
      { key: SEARCH_ATTRIBUTES.round, value: this.state.round },
      { key: SEARCH_ATTRIBUTES.applicantCreditCode, value: this.state.applicant.creditCode },
      { key: SEARCH_ATTRIBUTES.filedAt, value: new Date(this.state.filedAt) },
      { key: SEARCH_ATTRIBUTES.pendingRoles, value: roles },
      { key: SEARCH_ATTRIBUTES.nextDueAt, value: dueDates[0] ? new Date(dueDates[0]) : null },
    ]);
  }

  /** Workflow time: deterministic on replay. */
  now(): string {
    return new Date().toISOString();
  }

  today(): string {
    return shanghaiDate(Date.now());
  }

  tomorrow(): string {
    return addCalendarDays(this.today(), 1);
  }

  private later(ms: number): string {
    return new Date(Date.now() + ms).toISOString();
  }
}

function initialState(input: ApplicationInput): ApplicationState {
  return {
    id: input.id,
    programId: input.programId,
    catalogVersion: input.catalogVersion,
    programHash: input.programHash,
    round: input.round,
    applicant: input.applicant,
    facts: input.facts,
    stage: 'preliminary-record',
    outcome: null,
    filedAt: workflowInfo().startTime.toISOString(),
    dishonestyCheck: null,
    award: { formula: null, inputs: {}, amountByFormula: null, breakdown: [], recommended: null, approved: null, changes: [] },
    preliminaryRecord: null,
    materials: {
      required: input.program.materials.map((m) => ({ id: m.id, name: m.name })),
      missing: input.program.materials.map((m) => m.id),
      submissions: [],
      lastDay: null,
      dueAt: null,
    },
    review: null,
    inspection: null,
    recommendation: null,
    signOff: null,
    returns: [],
    notice: null,
    agreement: null,
    tranches: [],
    obligations: input.program.obligations.map((o) => ({
      id: o.id,
      kind: o.kind,
      description: o.description,
      years: o.years ?? null,
      startsOn: null,
      endsOn: null,
      status: 'pending',
    })),
    reports: [],
    clawback: null,
    creditRecords: [],
    runs: 1,
    calendarWait: null,
    pending: [],
    audit: [],
  };
}
