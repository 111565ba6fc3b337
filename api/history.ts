/**
 * `GET /applications/:id/history` (issue 7): the Temporal event history of an application as an
 * audit trail a person can read (when, who, which action, what changed, which amounts, which
 * payment reference, which timers fired), across every run of an application that continued as
 * new; and, raw, one run's history as the JSON Temporal tooling replays.
 *
 * Two layers: `auditTrail` / `historyReport` are pure (histories in, entries out), so they are
 * tested on the recorded histories; `fetchRuns` / `fetchRunHistory` read the runs from Temporal.
 *
 * The history is the record of what happened; the workflow's own audit (in the state the updates
 * answer with) is read only to name what a timer waited for and who moved a stage. The wording
 * of each action, effect and timer is in api/history-render.ts.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { type Client, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Actor } from '../domain/roles';
import { ENGINE, type ApplicationInput, type ApplicationState } from '../domain/application';
import { actionOfUpdate } from '../domain/actions';
import { recoveryCaseId } from '../domain/recovery';
import { diff, isActionOutcome, watched, type StateView } from '../domain/outcome';
import { retryEffectsSignal, SEARCH_ATTRIBUTES } from '../workflows/messages';
import { codecsOf, decodeHistoryPayloads } from '../lib/data-converter';
import { historyToJsonValue } from '../lib/history-json';
import {
  actionExtras,
  actionSpec,
  activityView,
  deadlinesOf,
  EFFECTS,
  first,
  humanDuration,
  iso,
  msOf,
  num,
  orNone,
  rec,
  str,
  timeOf,
  timerPurpose,
  who,
  yuanFields,
} from './history-render';

const EventType = temporal.api.enums.v1.EventType;

export type { History, HistoryEvent, Payloads, Run, AuditActor, AuditKind, AuditEntry, RunStatus, RunInfo, AuditOptions, HistoryReport } from './history-types';
import type { History, HistoryEvent, Run, AuditEntry, RunStatus, RunInfo, AuditOptions, HistoryReport } from './history-types';

/** What an update answered: a compact outcome's view, or (histories recorded before outcomes) the whole state. */
function answerView(answer: unknown): StateView | undefined {
  if (isActionOutcome(answer)) return answer.after;
  return answer && typeof answer === 'object' && 'stage' in answer ? (answer as ApplicationState) : undefined;
}

/** The summary the workflow gave a command (a timer's purpose), from the event's user metadata. */
function recordedSummary(e: HistoryEvent): string | null {
  const payload = e.userMetadata?.summary;
  if (!payload) return null;
  try {
    const summary: unknown = defaultPayloadConverter.fromPayload(payload);
    return typeof summary === 'string' && summary !== '' ? summary : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------
// The trail
// ------------------------------------------------------------------------------------------------

/** The run id a history records for itself (WorkflowExecutionStarted.originalExecutionRunId). */
export function runIdOf(history: History): string | null {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId || null;
}

/**
 * The reset that made this run (Temporal's reset, `POST /applications/:id/reset`): the
 * WorkflowTaskFailed of cause RESET_WORKFLOW naming it as the new run. Its history is a copy of
 * the base run's up to that event. (A run reset twice carries the earlier reset in its copy too.)
 */
function resetOf(run: Run): { baseRunId: string; eventId: number; reason: string } | null {
  for (const e of run.history.events ?? []) {
    const f = e.workflowTaskFailedEventAttributes;
    if (f?.cause === temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW && f.newRunId === run.runId && f.baseRunId) {
      return { baseRunId: f.baseRunId, eventId: num(e.eventId), reason: f.failure?.message ?? '' };
    }
  }
  return null;
}

/** Every state the histories carry (update answers, continue-as-new inputs, the result), oldest first. */
function statesOf(runs: Run[]): ApplicationState[] {
  const states: ApplicationState[] = [];
  for (const { history } of runs) {
    for (const e of history.events ?? []) {
      const s =
        first<ApplicationState>(e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success) ??
        first<ApplicationInput>(e.workflowExecutionContinuedAsNewEventAttributes?.input)?.resume?.state ??
        first<ApplicationState>(e.workflowExecutionCompletedEventAttributes?.result);
      if (s && typeof s === 'object' && Array.isArray(s.audit)) states.push(s);
    }
  }
  return states;
}

function stageAttribute(fields: { [k: string]: temporal.api.common.v1.IPayload } | null | undefined): string | undefined {
  const p = fields?.[SEARCH_ATTRIBUTES.stage.name];
  if (!p) return undefined;
  try {
    return str(defaultPayloadConverter.fromPayload(p));
  } catch {
    return undefined;
  }
}

export function auditTrail(runs: Run[], options: AuditOptions = {}): AuditEntry[] {
  return historyReport(runs, options).entries;
}

/** The audit trail of the runs (oldest first) and what each run was. */
export function historyReport(runs: Run[], options: AuditOptions = {}): HistoryReport {
  const trail = new Trail(runs, options);
  for (const run of runs) trail.walk(run);
  return { applicationId: trail.applicationId, runs: trail.infos, entries: trail.entries };
}

type NewEntry = Omit<AuditEntry, 'at' | 'run' | 'runId' | 'eventId'>;

/** Walks the runs in order, keeping what an entry needs from earlier events. */
class Trail {
  readonly entries: AuditEntry[] = [];
  readonly infos: RunInfo[] = [];
  applicationId: string | null = null;
  private readonly reads: boolean;
  private readonly deadlines: Map<string, string>;
  /** The workflow's own audit, from the latest state in the histories. */
  private readonly audit: ApplicationState['audit'];
  private runNumber = 0;
  private stage: string | null = null;
  /** The last state known, flattened, to compare an update's answer with. */
  private known: Record<string, unknown> = {};
  private readonly purposeByInstant = new Map<string, string>();
  /** The resets among the runs: base run id → the new run and the event it went back to. */
  private readonly resets = new Map<string, { newRunId: string; eventId: number; reason: string }>();
  /** Events of the current run from this id on were undone by a reset. */
  private undoneFrom = Infinity;
  /** Following a reset's copy of its base run: no entries. */
  private muted = false;
  /** Each run continued as new, by its id: the next run's first event (which names it). */
  private readonly continuedBy = new Map<string, { runId: string; started: HistoryEvent }>();

  // Per run: what closes each update, activity and timer, by the id of the event that opened it.
  private info!: RunInfo;
  private updateClose = new Map<string, HistoryEvent>();
  private activityClose = new Map<number, HistoryEvent>();
  private timerClose = new Map<number, HistoryEvent>();
  private timersStarted = new Map<number, NonNullable<AuditEntry['timer']>>();
  /** Workflow time: what the code's Date.now() read, from which its timers were computed. */
  private taskStartedMs = 0;

  constructor(
    runs: Run[],
    private readonly options: AuditOptions,
  ) {
    this.reads = options.reads ?? true;
    for (const run of runs) {
      const reset = resetOf(run);
      if (reset) this.resets.set(reset.baseRunId, { newRunId: run.runId, eventId: reset.eventId, reason: reset.reason });
      const started = run.history.events?.[0];
      const from = started?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
      if (started && from && !reset) this.continuedBy.set(from, { runId: run.runId, started });
    }
    const latest = options.current ?? statesOf(runs).at(-1);
    this.deadlines = deadlinesOf(latest);
    this.audit = latest?.audit ?? [];
  }

  walk(run: Run): void {
    const { runId, history } = run;
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const input = first<ApplicationInput>(started?.input);
    const reset = resetOf(run);
    const base = reset ? this.infos.find((i) => i.runId === reset.baseRunId) : undefined;
    // The state counts runs across continue-as-new, so numbering holds when older runs are missing;
    // a run made by a reset takes the place of the run it was reset from, under its number.
    this.runNumber = base?.run ?? input?.resume?.state?.runs ?? this.runNumber + 1;
    this.applicationId ??= input?.id ?? null;
    if (input?.resume?.state) this.known = watched(input.resume.state);
    this.stage = stageAttribute(started?.searchAttributes?.indexedFields) ?? input?.resume?.state?.stage ?? (this.runNumber === 1 ? null : this.stage);
    // A recovery case starts listed at `recovery`; the trail shows the move from where the application ended.
    if (input?.recoveryOf && input.resume && !input.resume.state.recovery) this.stage = input.recoveryOf.closedStage;
    this.info = {
      run: this.runNumber,
      runId,
      startedAt: events[0] ? timeOf(events[0]) : '',
      closedAt: null,
      status: 'running',
      events: events.length,
      continuedFrom: started?.continuedExecutionRunId || null,
      continuedAs: null,
      stageAtStart: this.stage,
      stageAtEnd: null,
      ...(reset ? { resetFrom: { runId: reset.baseRunId, eventId: reset.eventId, reason: reset.reason } } : {}),
    };
    this.infos.push(this.info);
    this.indexCloses(events);
    // The run reset into another: its events from the reset point on are undone.
    this.undoneFrom = this.resets.get(runId)?.eventId ?? Infinity;
    for (const e of events) {
      // A reset's copy of the base run, shown with the base run when it is in the trail: followed
      // silently here, so the stage and the known state are as they were at the reset point.
      this.muted = base !== undefined && reset !== null && num(e.eventId) < reset.eventId;
      if (reset && num(e.eventId) === reset.eventId) this.resetEntry(e, reset);
      else this.event(e, input);
    }
    this.muted = false;
    this.closedUnrecorded(events);
    this.info.stageAtEnd = this.stage;
  }

  /**
   * A run whose history ends without its closing event although the next run names it as the run
   * it continued: continued as new all the same, shown so, at its last event, saying the event is
   * missing. Temporal's time-skipping test server leaves such a history now and then (a
   * continue-as-new whose workflow task it answered "Task not found", docs/known-limits.md); the
   * trail shows what the runs prove rather than a run that seems to run on.
   */
  private closedUnrecorded(events: HistoryEvent[]): void {
    const next = this.continuedBy.get(this.info.runId);
    const last = events.at(-1);
    if (this.info.status !== 'running' || !next || !last) return;
    const state = first<ApplicationInput>(next.started.workflowExecutionStartedEventAttributes?.input)?.resume?.state;
    this.info.continuedAs = next.runId;
    this.ended({ ...last, eventTime: next.started.eventTime }, 'continued-as-new', {
      kind: 'continued-as-new',
      actor: ENGINE,
      action: 'continue-as-new',
      summary: `continued as new to keep the history small: run ${state?.runs ?? this.runNumber + 1} (${next.runId}) carries on${state ? ` at stage ${state.stage}` : ''} (this run's history ends at event ${num(last.eventId)} without its closing event; the next run names it as the run it continued)`,
    });
  }

  private resetEntry(e: HistoryEvent, reset: NonNullable<ReturnType<typeof resetOf>>): void {
    this.push(e, {
      kind: 'reset',
      actor: null,
      action: 'reset',
      summary: `the workflow was reset to event ${reset.eventId} of run ${reset.baseRunId}${reset.reason ? ` by ${reset.reason}` : ''}: this run (${this.info.runId}) carries on from there on the deployed code; the events after that point are undone`,
    });
  }

  private indexCloses(events: HistoryEvent[]): void {
    this.updateClose = new Map();
    this.activityClose = new Map();
    this.timerClose = new Map();
    this.timersStarted = new Map();
    this.taskStartedMs = 0;
    for (const e of events) {
      const u = e.workflowExecutionUpdateCompletedEventAttributes;
      if (u?.meta?.updateId) this.updateClose.set(u.meta.updateId, e);
      const a =
        e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
      if (a?.scheduledEventId != null) this.activityClose.set(num(a.scheduledEventId), e);
      const t = e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes;
      if (t?.startedEventId != null) this.timerClose.set(num(t.startedEventId), e);
    }
  }

  private push(e: HistoryEvent, entry: NewEntry): void {
    if (this.muted) return;
    const undone = num(e.eventId) >= this.undoneFrom && entry.kind !== 'reset' ? { undone: true as const } : {};
    this.entries.push({ at: timeOf(e), run: this.runNumber, runId: this.info.runId, eventId: num(e.eventId), ...entry, ...undone });
  }

  private ended(e: HistoryEvent, status: RunStatus, entry: NewEntry): void {
    this.info.status = status;
    this.info.closedAt = timeOf(e);
    this.push(e, entry);
  }

  private event(e: HistoryEvent, input: ApplicationInput | undefined): void {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        this.taskStartedMs = msOf(e.eventTime);
        return;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        return this.started(e, input);
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        return this.updateAccepted(e);
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
        const after = answerView(first<unknown>(e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success));
        if (after) this.known = watched(after);
        return;
      }
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        return this.stageChange(e);
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        return this.activity(e);
      case EventType.EVENT_TYPE_TIMER_STARTED:
        return this.timerStarted(e);
      case EventType.EVENT_TYPE_TIMER_FIRED:
        return this.timerFired(e);
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        const s = e.workflowExecutionSignaledEventAttributes!;
        const name = s.signalName ?? '(unnamed signal)';
        const arg = rec(first(s.input));
        if (name === retryEffectsSignal.name) {
          // Operator repair: the admin and the reason travel in the signal (workflows/messages.ts).
          const actor = (arg.actor as Actor | undefined) ?? null;
          const summary = `${who(actor)} asked for the effects waiting for their hourly retry to be tried again now${typeof arg.reason === 'string' ? `: ${arg.reason}` : ''}`;
          return this.push(e, { kind: 'signal', actor, action: name, summary });
        }
        const what = name === 'calendarUpdated' ? `: the working-day calendar for ${String(arg.year)} was supplied` : '';
        return this.push(e, { kind: 'signal', actor: null, action: name, summary: `signal ${name} received${what}` });
      }
      default:
        return this.closed(e);
    }
  }

  private started(e: HistoryEvent, input: ApplicationInput | undefined): void {
    if (!input) return;
    if (input.resume && input.recoveryOf && !input.resume.state.recovery) {
      // The first run of a recovery case (domain/recovery.ts): the application's next run.
      this.push(e, {
        kind: 'resumed',
        actor: ENGINE,
        action: 'recovery-case-started',
        summary: `run ${this.runNumber}, the recovery case ${recoveryCaseId(input.id)}, carries on from the final state of run ${input.recoveryOf.closedRunId} (ended at stage ${input.recoveryOf.closedStage})`,
      });
      return;
    }
    if (input.resume) {
      const from = this.info.continuedFrom ? ` (${this.info.continuedFrom})` : '';
      this.push(e, {
        kind: 'resumed',
        actor: ENGINE,
        action: 'resumed',
        summary: `run ${this.runNumber} carries on from run ${this.runNumber - 1}${from} at stage ${input.resume.state.stage}`,
      });
      return;
    }
    const actor = input.filedBy ?? null;
    this.push(e, {
      kind: 'filed',
      actor,
      action: 'filing',
      summary: `${who(actor)} filed application ${input.id}: ${input.applicant?.name} (${input.applicant?.creditCode}) under program ${input.programId}, round ${input.round}`,
      amounts: orNone({ ...yuanFields(input.facts, 'facts.'), ...yuanFields(rec(input.filingChecks).eligibility) }),
    });
  }

  /** One entry per action, where it was accepted, with its answer (looked up ahead). */
  private updateAccepted(e: HistoryEvent): void {
    const req = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    const update = req?.input?.name ?? '(unnamed update)';
    // One name per action: an update recorded under an earlier name (`signOff`) is its action (`sign-off`).
    const action = actionOfUpdate(update);
    const name = action ?? update;
    const updateId = req?.meta?.updateId ?? undefined;
    const request = rec(first(req?.input?.args));
    const actor = (request.actor as Actor | undefined) ?? null;
    const spec = actionSpec(name);
    const close = updateId ? this.updateClose.get(updateId) : undefined;
    const outcome = close?.workflowExecutionUpdateCompletedEventAttributes?.outcome;
    const after = answerView(first<unknown>(outcome?.success));
    const path = spec?.path.replace(':n', String(request.n));
    const phrase = spec ? spec.phrase(request, after) : `made update ${name}`;
    const common = {
      actor,
      action: name,
      ...(path && this.applicationId ? { endpoint: `POST /applications/${this.applicationId}/${path}` } : {}),
      ...(updateId ? { updateId } : {}),
      ...(close ? { closedAt: timeOf(close) } : {}),
    };
    if (outcome?.failure) {
      const f = outcome.failure;
      const type = f.applicationFailureInfo?.type;
      this.push(e, {
        kind: 'action-refused',
        ...common,
        summary: `${who(actor)} was refused: ${phrase} (${type ? `${type}: ` : ''}${f.message ?? 'no reason given'})`,
        outcome: 'refused',
        problem: f.message ?? '',
      });
      return;
    }
    this.push(e, {
      kind: 'action',
      ...common,
      summary: `${who(actor)} ${phrase}`,
      outcome: after ? 'applied' : 'in flight',
      ...(after ? { changes: diff({ ...this.known, stage: this.stage }, watched(after)) } : {}),
      ...actionExtras(action, request, after),
    });
  }

  private stageChange(e: HistoryEvent): void {
    const to = stageAttribute(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields);
    if (to === undefined || to === this.stage) return;
    // Who moved it and why: the workflow's audit entry for the move, at or before this event.
    const at = timeOf(e);
    const move = this.audit.filter((a) => a.to === to && a.at <= at).at(-1);
    const actor = move?.actor ?? ENGINE;
    this.push(e, {
      kind: 'stage',
      actor,
      action: move?.action ?? 'stage',
      summary: `stage: ${this.stage ?? '(none)'} → ${to}, by ${who(actor)}${move?.comment ? `: ${move.comment}` : ''}`,
      changes: { stage: { from: this.stage, to } },
    });
    this.stage = to;
  }

  private activity(e: HistoryEvent): void {
    const a = e.activityTaskScheduledEventAttributes!;
    const type = a.activityType?.name ?? '(unknown activity)';
    const effect = EFFECTS.has(type);
    if (!effect && !this.reads) return;
    const close = this.activityClose.get(num(e.eventId));
    const view = activityView(type, first(a.input), first(close?.activityTaskCompletedEventAttributes?.result));
    const failure = close?.activityTaskFailedEventAttributes?.failure ?? close?.activityTaskTimedOutEventAttributes?.failure ?? null;
    const outcome = !close
      ? 'in flight'
      : close.activityTaskCompletedEventAttributes
        ? effect
          ? 'delivered'
          : 'completed'
        : close.activityTaskFailedEventAttributes
          ? 'failed'
          : close.activityTaskTimedOutEventAttributes
            ? 'timed out'
            : 'cancelled';
    this.push(e, {
      kind: effect ? 'effect' : 'activity',
      actor: ENGINE,
      action: type,
      summary: `${who(ENGINE)} ${view.summary}${outcome === 'delivered' || outcome === 'completed' ? '' : ` (${outcome})`}`,
      outcome,
      ...(failure?.message ? { problem: failure.message } : {}),
      ...(close ? { closedAt: timeOf(close) } : {}),
      ...(view.amounts ? { amounts: view.amounts } : {}),
      ...(view.paymentReference ? { paymentReference: view.paymentReference } : {}),
      ...(view.idempotencyKey ? { idempotencyKey: view.idempotencyKey } : {}),
    });
  }

  private timerStarted(e: HistoryEvent): void {
    const t = e.timerStartedEventAttributes!;
    const durationMs = msOf(t.startToFireTimeout);
    const firesAt = iso((this.taskStartedMs || msOf(e.eventTime)) + durationMs);
    const close = this.timerClose.get(num(e.eventId));
    const timer: NonNullable<AuditEntry['timer']> = {
      id: t.timerId ?? '',
      durationMs,
      firesAt,
      // What the workflow said the timer is for when it started it (its summary); histories
      // recorded before timers were named: a deadline instant the workflow recorded in its audit,
      // or a wait restarted for the same instant. Never guessed from a duration.
      purpose: recordedSummary(e) ?? timerPurpose(firesAt, this.deadlines) ?? this.purposeByInstant.get(firesAt) ?? null,
      ...(close?.timerFiredEventAttributes ? { firedAt: timeOf(close) } : {}),
      ...(close?.timerCanceledEventAttributes ? { cancelledAt: timeOf(close) } : {}),
    };
    this.timersStarted.set(num(e.eventId), timer);
    if (timer.purpose) this.purposeByInstant.set(firesAt, timer.purpose);
    if (this.options.timers === 'fired') return;
    this.push(e, {
      kind: 'timer-started',
      actor: ENGINE,
      action: 'timer',
      summary: `timer ${timer.id} started for ${timer.purpose ?? 'a wait'}: fires at ${firesAt} (in ${humanDuration(durationMs)}) unless the wait ends first`,
      outcome: timer.firedAt ? 'fired' : timer.cancelledAt ? 'cancelled' : 'pending',
      timer,
    });
  }

  private timerFired(e: HistoryEvent): void {
    const t = e.timerFiredEventAttributes!;
    const at = timeOf(e);
    const timer = this.timersStarted.get(num(t.startedEventId)) ?? { id: t.timerId ?? '', durationMs: 0, firesAt: at, purpose: null, firedAt: at };
    this.push(e, {
      kind: 'timer-fired',
      actor: ENGINE,
      action: 'timer',
      summary: `timer ${timer.id} fired: ${timer.purpose ?? 'the wait ran out'}`,
      outcome: 'fired',
      timer,
    });
  }

  /** The event that closes the run, if `e` is one. */
  private closed(e: HistoryEvent): void {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: {
        const c = e.workflowExecutionContinuedAsNewEventAttributes!;
        const next = first<ApplicationInput>(c.input)?.resume?.state;
        this.info.continuedAs = c.newExecutionRunId || null;
        return this.ended(e, 'continued-as-new', {
          kind: 'continued-as-new',
          actor: ENGINE,
          action: 'continue-as-new',
          summary: `continued as new to keep the history small: run ${next?.runs ?? this.runNumber + 1} (${c.newExecutionRunId}) carries on${next ? ` at stage ${next.stage}` : ''}`,
        });
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
        const final = first<ApplicationState>(e.workflowExecutionCompletedEventAttributes?.result);
        return this.ended(e, 'completed', {
          kind: 'completed',
          actor: ENGINE,
          action: 'completed',
          summary: final?.outcome
            ? `the application ended at stage ${final.outcome.stage}: ${final.outcome.reason}`
            : `the workflow completed${final?.stage ? ` at stage ${final.stage}` : ''}`,
        });
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: {
        const message = e.workflowExecutionFailedEventAttributes?.failure?.message ?? 'no reason recorded';
        return this.ended(e, 'failed', { kind: 'failed', actor: ENGINE, action: 'failed', summary: `the workflow failed: ${message}`, problem: message });
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: {
        const t = e.workflowExecutionTerminatedEventAttributes;
        const reset = this.resets.get(this.info.runId);
        if (reset) {
          // Temporal ends a reset run so (identity `history-resetter`, the reset's reason).
          this.info.resetAs = reset.newRunId;
          return this.ended(e, 'reset', {
            kind: 'reset',
            actor: null,
            action: 'reset',
            summary: `run ${this.runNumber} (${this.info.runId}) was ended by a reset${reset.reason ? ` by ${reset.reason}` : ''}: run ${reset.newRunId} replaces it from event ${reset.eventId} on`,
          });
        }
        const summary = `the workflow was terminated${t?.identity ? ` by ${t.identity}` : ''}${t?.reason ? `: ${t.reason}` : ''}`;
        return this.ended(e, 'terminated', { kind: 'terminated', actor: null, action: 'terminated', summary });
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
        return this.ended(e, 'cancelled', { kind: 'cancelled', actor: null, action: 'cancelled', summary: 'the workflow was cancelled' });
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
        return this.ended(e, 'timed-out', { kind: 'timed-out', actor: ENGINE, action: 'timed-out', summary: 'the workflow run timed out' });
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Raw history and fetching
// ------------------------------------------------------------------------------------------------

/** One run's history as the JSON `temporal workflow show --output json` prints and replay reads. */
export function rawHistoryJson(history: History): unknown {
  return historyToJsonValue(history);
}

/** Temporal run ids are UUIDs; anything else names no run. */
export const RUN_ID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** More runs than any application makes; a guard against a cycle or a runaway. */
const MAX_RUNS = 1000;

/** One run's history; the latest run when `runId` is absent. Unknown id or run: WorkflowNotFoundError. */
export async function fetchRunHistory(client: Client, workflowId: string, runId?: string): Promise<Run> {
  const id = runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
  try {
    const history = await client.workflow.getHandle(workflowId, id).fetchHistory();
    // Temporal hands back the payloads as stored, encrypted: the trail and the raw JSON read them decrypted.
    return { runId: id, history: await decodeHistoryPayloads(history, codecsOf(client.options.loadedDataConverter)) };
  } catch (err) {
    // fetchHistory passes gRPC errors through as they are; describe() already maps NOT_FOUND.
    if (isGrpcServiceError(err) && err.code === grpcStatus.NOT_FOUND) throw new WorkflowNotFoundError(`no run ${id} of workflow ${workflowId}`, workflowId, id);
    throw err;
  }
}

/**
 * Every run of the application, oldest first: from the latest run back through the run each was
 * reset from, or else its `continuedExecutionRunId` (the run it continued). At most `maxRuns` (the latest ones).
 */
export async function fetchRuns(client: Client, workflowId: string, options: { maxRuns?: number } = {}): Promise<Run[]> {
  const maxRuns = options.maxRuns ?? MAX_RUNS;
  const runs: Run[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  const seen = new Set<string>();
  while (runId && !seen.has(runId) && runs.length < maxRuns) {
    seen.add(runId);
    const run = await fetchRunHistory(client, workflowId, runId);
    runs.push(run);
    // A run made by a reset goes back to the run it was reset from (its started event is a copy of
    // that run's, continuedExecutionRunId included); any other to the run it continued.
    runId = resetOf(run)?.baseRunId ?? (run.history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined);
  }
  return runs.reverse();
}
