/**
 * The machinery of one application's workflow, apart from the procedure (workflows/stages/):
 * the state and its audit trail, external effects and their retries (the courier), waits and
 * calendar waits with named timers, settling of update answers, continue-as-new, and the search
 * attributes that keep the listing current. Stages and action handlers use it; they never touch
 * Temporal directly.
 */
import { allHandlersFinished, condition, continueAsNew, log, patched, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { WorkingDaysAnswer } from '../domain/effects';
import { effects, listingWrites, localReads, reads } from './activities';
import { ENGINE, type ApplicationInput, type ApplicationState, type AuditEntry, type EngineActor } from '../domain/application';
import type { KeyRecord } from '../domain/idempotency';
import type { LprTable } from '../domain/lpr';
import { addCalendarDays, shanghaiDate, windowClosesAt } from '../domain/calendar';
import { lastDayAfter, pendingOf } from '../domain/lifecycle';
import type { Actor } from '../domain/roles';
import { isEndStage, type Stage } from '../domain/stages';
import { statementNow } from '../domain/clawback-statement';
import type { ApplicationRun, Deadline } from '../domain/run';
import { SEARCH_ATTRIBUTES } from './search-attributes';
import { PENDING_MEMO_KEY, pendingMemoOf } from './pending-memo';
import type { RoundNoticeMessage } from './round-messages';
import { type ListingRow, listingVersion, nextDueOf, pendingRolesOf } from '../domain/listing-row';

/** Patch (docs/changing-workflow-code.md): working days are read by a local activity from 2026-12 on. */
const WORKING_DAYS_LOCAL = '2026-12-working-days-local';
/** Patch: the pending items are kept in the memo too (workflows/pending-memo.ts) from 2026-12 on. */
const PENDING_MEMO = '2026-12-pending-memo';
/**
 * Patch: the application writes its row of the listing table (domain/listing-row.ts) from 2026-12
 * on, which `GET /inbox` reads its pending items from; the memo is no longer kept up then.
 */
const LISTING_TABLE = '2026-12-listing-table';

/** How often an application waiting for a calendar year looks again without being told. */
const CALENDAR_RECHECK_MS = 86_400_000;
/** How soon a refused notice or notification is delivered again. */
const EFFECT_RETRY_MS = 3_600_000;

/** A deadline that may be missing (a window not counted yet): no timer then. */
export function deadline(at: string | null, purpose: string): Deadline | null {
  return at === null ? null : { at, purpose };
}

/**
 * The application's state and the steps that move it. Handlers (workflows/handlers.ts) change
 * the state synchronously; the steps here wait for those changes and for timers, and run the
 * activities. `acted()` / `settled()` let an update answer with the state after the engine has
 * acted on it (e.g. the notice published, the payment instruction sent).
 */
export class Application implements ApplicationRun {
  readonly state: ApplicationState;
  readonly program: ApplicationInput['program'];
  private epoch = 0;
  private settledEpoch = 0;
  /** The listing fields as last written to visibility in this run (name → JSON), none yet at its start. */
  private listed: Map<string, string> | null = null;
  private lastPendingMemo = '';
  readonly send: ApplicationRun['send'] = {
    notifyApplicant: (message) => effects.notifyApplicant(message),
    notifyObjector: (message) => effects.notifyObjector(message),
    recordCredit: (message) => effects.recordCredit(message),
  };
  /** Set by the objection handler when an upheld objection reduced the award: notice it again. */
  republishRequested = false;
  /** The Idempotency-Keys of the actions applied so far, carried over a continue-as-new (domain/idempotency.ts). */
  readonly keys: Record<string, KeyRecord>;
  /** The round's notices naming this application, as they arrive (workflows/stages/round-award.ts). */
  readonly roundNotices: RoundNoticeMessage[] = [];
  /** Calendar years an admin has supplied since the application started waiting. */
  readonly calendarYearsAnnounced = new Set<number>();
  readonly queue: Array<{ what: string; send: () => Promise<unknown> }> = [];
  /** How many retries of the failed effects an admin has asked for in this run (`retryEffects`). */
  private retriesRequested = 0;
  private finished = false;
  private readonly courierDone: Promise<void>;
  /** `closing`: the run's last listing row (patch `2026-12-listing-table`) says it finished. */
  private closing = false;
  /** The listing row as last sent in this run (without its version): an unchanged row is not sent again. */
  private lastListing = '';
  /** How many rows this run has sent: the last part of each one's version. */
  private listingSequence = 0;
  /** The writes in flight, awaited before the run ends or continues as new. */
  private readonly listingSent: Array<Promise<unknown>> = [];
  /** How many of them have not finished yet. */
  private listingInFlight = 0;
  constructor(readonly input: ApplicationInput) {
    this.program = input.program;
    this.state = input.resume ? input.resume.state : initialState(input);
    // No effect waits in a new run: a run continues as new and ends only once its effects are delivered.
    if (this.state.effectsAwaitingRetry?.length) this.state.effectsAwaitingRetry = [];
    this.keys = { ...(input.resume?.keys ?? {}) };
    this.courierDone = this.courier();
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
    if (patched(LISTING_TABLE)) {
      // The last row of the run says it finished: the listing's `open=false`.
      this.closing = true;
      this.sendListing();
    }
    this.finished = true;
    await this.courierDone;
    await Promise.all(this.listingSent);
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
        const waiting = { what, attempt, problem: cause, failedAt: this.now(), retryAt: this.later(EFFECT_RETRY_MS) };
        (this.state.effectsAwaitingRetry ??= []).push(waiting);
        // The same timer as the plain `sleep` this was (same duration and summary, so histories
        // recorded with it replay), which an admin's `retryEffects` ends early (it is cancelled then).
        const seen = this.retriesRequested;
        await condition(() => this.retriesRequested !== seen, EFFECT_RETRY_MS, { summary: `a retry of ${what} in one hour (attempt ${attempt} failed)` });
        this.state.effectsAwaitingRetry = this.state.effectsAwaitingRetry.filter((e) => e !== waiting);
      }
    }
  }

  /**
   * An admin's `retryEffects` (operator repair): recorded with the admin and the reason, and every
   * effect waiting for its hourly retry is tried again now. With none waiting it is recorded and
   * changes nothing else (the API refuses it before: 409).
   */
  retryEffects(actor: Actor, reason: string): void {
    const effects = (this.state.effectsAwaitingRetry ?? []).map((e) => e.what);
    this.record({ actor, action: 'effect-retry-requested', comment: reason, details: { effects } });
    this.retriesRequested += 1;
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

  /**
   * Sends the listing row when it changed, as an activity scheduled right here, so that the
   * commands come in the same order on every replay; the application does not wait for it. Each
   * write's version ends with its number in the run, so of two sent in one workflow task the later
   * wins. A write refused outright (not retryable) is logged; the next change writes the row again.
   */
  private sendListing(): void {
    const content = this.listingRow();
    const key = JSON.stringify(content);
    if (key === this.lastListing) return;
    this.lastListing = key;
    this.listingSequence += 1;
    const info = workflowInfo();
    const version = listingVersion(Date.now(), info.historyLength, this.listingSequence);
    this.listingInFlight += 1;
    this.listingSent.push(
      listingWrites
        .recordListing({ ...content, version })
        .catch((err: unknown) => {
          log.warn('listing row not written', { id: this.state.id, problem: (err as Error).message });
        })
        .finally(() => {
          this.listingInFlight -= 1;
        }),
    );
  }

  /** The row as the state is now; its version is given as it is sent. */
  private listingRow(): Omit<ListingRow, 'version'> {
    const info = workflowInfo();
    const due = nextDueOf(this.state.pending);
    return {
      id: this.state.id,
      workflowId: info.workflowId,
      runId: info.runId,
      status: this.closing ? 'COMPLETED' : 'RUNNING',
      stage: this.state.stage,
      programId: this.state.programId,
      round: this.state.round,
      applicant: this.state.applicant.creditCode,
      filedAt: new Date(this.state.filedAt).toISOString(),
      nextDueAt: due ? new Date(due).toISOString() : null,
      pending: this.state.pending,
    };
  }

  // Shared machinery

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
      // Since 2026-12 a local activity (no server round trip while an action waits for its deadline).
      const answer = patched(WORKING_DAYS_LOCAL) ? await localReads.workingDays({ from, count }) : await reads.workingDays({ from, count });
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

  clock(startedOn: string, why: 'accepted' | 'supplement-answered' | 'returned-by-sign-off') {
    const days = this.program.review.reviewDays;
    const lastDay = lastDayAfter(startedOn, days);
    return { startedOn, why, days, lastDay, dueAt: windowClosesAt(lastDay) };
  }

  spotCheckSeed(): string {
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
    // Listing writes too: a run that ends with an activity in flight leaves its row behind, and the
    // time-skipping server then never skips time again (the activity's lock is never released).
    const idle = () => allHandlersFinished() && this.queue.length === 0 && this.listingInFlight === 0;
    await this.waitFor(idle);
    // Known limit (docs/known-limits.md): an update answered in the same workflow task as the continue-as-new
    // may not reach its caller (temporalio/temporal#6375); the caller gets a 503 naming its key, and
    // a retry with it is answered from `keys`, carried over below. A timer in between was tried and
    // hung on the time-skipping server.
    this.state.runs += 1;
    this.record({ actor: ENGINE, action: 'continue-as-new', details: { historyLength: workflowInfo().historyLength, nextRun: this.state.runs } });
    const { resume: _previous, ...input } = this.input;
    await continueAsNew<(input: ApplicationInput) => Promise<ApplicationState>>({ ...input, resume: { state: this.state, keys: this.keys } });
  }

  /**
   * What the state query answers: the state, with the clawback statement as of the reader's date
   * (`asOf`, Asia/Shanghai), or the workflow's today when that is later or none was given.
   */
  snapshot(asOf?: string): ApplicationState {
    if (!this.state.clawback || !this.lpr || this.state.clawback.settledAt) return this.state;
    const today = this.today();
    const on = asOf !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(asOf) && asOf > today ? asOf : today;
    return { ...this.state, clawback: statementNow(this.state, this.lpr, on) };
  }

  ended(): boolean {
    return isEndStage(this.state.stage);
  }

  record(entry: Omit<AuditEntry, 'at'>): void {
    this.state.audit.push({ at: this.now(), ...entry });
  }

  /** Recomputes what is pending and keeps the listing (search attributes, and the listing table or the memo) current. */
  changed(): void {
    this.state.pending = pendingOf(this.state, this.today());
    this.upsertListingAttributes();
    if (patched(LISTING_TABLE)) this.sendListing();
    else this.upsertPendingMemo();
  }

  /**
   * The search attributes the listing filters and sorts by, when one of them changed. The first
   * upsert of a run writes every one; later ones only those that changed (an upsert merges), so a
   * history carries each value once rather than all of them at every move.
   */
  private upsertListingAttributes(): void {
    const due = nextDueOf(this.state.pending);
    const fields = [
      { key: SEARCH_ATTRIBUTES.stage, value: this.state.stage },
      { key: SEARCH_ATTRIBUTES.programId, value: this.state.programId },
      { key: SEARCH_ATTRIBUTES.round, value: this.state.round },
      { key: SEARCH_ATTRIBUTES.applicantCreditCode, value: this.state.applicant.creditCode },
      { key: SEARCH_ATTRIBUTES.filedAt, value: new Date(this.state.filedAt) },
      { key: SEARCH_ATTRIBUTES.pendingRoles, value: pendingRolesOf(this.state.pending) },
      { key: SEARCH_ATTRIBUTES.nextDueAt, value: due ? new Date(due) : null },
    ] as const;
    const listed = this.listed;
    const changes = fields.filter((f) => listed?.get(f.key.name) !== JSON.stringify(f.value));
    if (changes.length === 0) return;
    this.listed = new Map(fields.map((f) => [f.key.name, JSON.stringify(f.value)]));
    upsertSearchAttributes([...changes] as Parameters<typeof upsertSearchAttributes>[0]);
  }

  /**
   * The pending items in the memo, for the inbox (workflows/pending-memo.ts), when they changed:
   * the same items the state query answers, so the inbox shows what the application shows.
   * Histories recorded before the patch upserted no memo; their inbox items are read by a query.
   * From patch `2026-12-listing-table` on, the listing row holds them instead.
   */
  private upsertPendingMemo(): void {
    const memo = pendingMemoOf(this.state.pending);
    const key = JSON.stringify(memo);
    if (key === this.lastPendingMemo || !patched(PENDING_MEMO)) return;
    this.lastPendingMemo = key;
    upsertMemo({ [PENDING_MEMO_KEY]: memo });
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

  later(ms: number): string {
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
    ...(input.roundTerms
      ? {
          roundTerms: input.roundTerms,
          roundAward: { caps: null, proRata: null, notice: null },
          project: { declared: input.project ?? null, check: input.projectCheck ?? null },
        }
      : {}),
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
