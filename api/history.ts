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
 * answer with) is read only to name what a timer waited for and who moved a stage.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { type Client, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Actor } from '../domain/roles';
import type { ApplicationInput, ApplicationState } from '../domain/application';
import type { LprTable } from '../domain/lpr';
import type { AwardEvaluation, ScheduleLine } from '../domain/catalog';
import { addCalendarDays, windowClosesAt } from '../domain/calendar';
import type {
  ApplicantNotification,
  CreditRecord,
  DishonestyCheck,
  Escalation,
  NoticePublication,
  ObjectorNotification,
  PaymentInstruction,
  Referral,
  WorkingDaysAnswer,
} from '../activities';
import type {
  AgreementRequest,
  BreachReportRequest,
  ClawbackDecisionRequest,
  ConfirmationRequest,
  FraudReportRequest,
  InspectionRequest,
  MaterialsRequest,
  ObjectionRequest,
  ObjectionResolutionRequest,
  PreliminaryRecordRequest,
  ProgressRequest,
  RecommendationRequest,
  RepaymentRequest,
  ReviewExtensionRequest,
  SignOffRequest,
  SupplementRequest,
  VerificationRequest,
  WithdrawalRequest,
} from '../workflows/messages';
import { ENGINE } from '../workflows/engine';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { historyToJsonValue } from '../lib/history-json';

export type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;
const EventType = temporal.api.enums.v1.EventType;

/** One run of the workflow: its id and full history. */
export interface Run {
  runId: string;
  history: History;
}

export interface AuditActor {
  id: string;
  role: string;
  name: string;
}

export type AuditKind =
  | 'filed'
  | 'resumed'
  | 'action'
  | 'action-refused'
  | 'activity'
  | 'effect'
  | 'timer-started'
  | 'timer-fired'
  | 'signal'
  | 'stage'
  | 'continued-as-new'
  | 'completed'
  | 'failed'
  | 'terminated'
  | 'cancelled'
  | 'timed-out';

export interface AuditEntry {
  /** ISO instant of the event. */
  at: string;
  /** 1-based run number (run k started from the k-1th continue-as-new). */
  run: number;
  runId: string;
  eventId: number;
  kind: AuditKind;
  /** Who acted, when known: the filer, the update's actor, or the engine. */
  actor: AuditActor | null;
  /** Update name (`signOff`), activity type (`sendPaymentInstruction`), signal name, or the kind. */
  action: string;
  /** For actions: the API call that made the update, e.g. `POST /applications/<id>/sign-off`. */
  endpoint?: string;
  updateId?: string;
  /** One plain sentence. */
  summary: string;
  /** Actions: applied, refused, in flight; activities: delivered, completed, failed, …; timers: fired, cancelled, pending. */
  outcome?: string;
  /** Why an action was refused or an activity failed. */
  problem?: string;
  /** When the action was answered or the activity closed. */
  closedAt?: string;
  /**
   * Watched fields (stage, award, tranches, reports, clawback) in the action's answer against the
   * last state history recorded before it (the previous answer or the run's input). Figures the
   * engine recomputes in between, such as accruing clawback interest, show their whole movement.
   */
  changes?: Record<string, { from: unknown; to: unknown }>;
  /** Yuan amounts as recorded, e.g. `{ amount: "800000.00" }`. */
  amounts?: Record<string, string>;
  paymentReference?: { tranche?: number; idempotencyKey?: string; treasuryReference?: string };
  /** An effect's idempotency key (a retry never sends it twice). */
  idempotencyKey?: string;
  timer?: { id: string; durationMs: number; firesAt: string; purpose: string | null; firedAt?: string; cancelledAt?: string };
}

export type RunStatus = 'running' | 'completed' | 'continued-as-new' | 'failed' | 'terminated' | 'cancelled' | 'timed-out';

export interface RunInfo {
  run: number;
  runId: string;
  startedAt: string;
  closedAt: string | null;
  status: RunStatus;
  events: number;
  /** The run this one continued (null for the first). */
  continuedFrom: string | null;
  /** The run that continued this one. */
  continuedAs: string | null;
  stageAtStart: string | null;
  stageAtEnd: string | null;
}

export interface AuditOptions {
  /** Include read-only activities (working days, award, schedule, LPR, dishonesty list). Default true. */
  reads?: boolean;
  /** `fired`: only timers that fired (no timer-started entries). Default `all`. */
  timers?: 'all' | 'fired';
}

export interface HistoryReport {
  applicationId: string | null;
  runs: RunInfo[];
  entries: AuditEntry[];
}

// ------------------------------------------------------------------------------------------------
// Decoding
// ------------------------------------------------------------------------------------------------

function num(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x && typeof x === 'object' && 'toNumber' in x) return (x as { toNumber(): number }).toNumber();
  return Number(x ?? 0);
}

/** A Timestamp or Duration in ms; `seconds` is a Long from gRPC and a number from JSON. */
const msOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? num(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);
const iso = (ms: number) => new Date(ms).toISOString();
const timeOf = (e: HistoryEvent) => iso(msOf(e.eventTime));

/** The first payload as JSON; undefined when absent or not decodable (e.g. an encrypted codec). */
function first<T>(payloads: Payloads): T | undefined {
  const p = payloads?.payloads?.[0];
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(p);
  } catch {
    return undefined;
  }
}

const YUAN = /^-?(0|[1-9][0-9]*)\.[0-9]{2}$/;

/** The top-level fields of `o` that hold yuan amounts, keyed `prefix + name`. */
function yuanFields(o: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string' && YUAN.test(v)) out[prefix + k] = v;
  }
  return out;
}

const orNone = <T extends object>(o: T): T | undefined => (Object.keys(o).length ? o : undefined);

function who(a: AuditActor | null): string {
  if (!a) return 'someone';
  return a.id === ENGINE.id ? a.name : `${a.role} ${a.name} (${a.id})`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function humanDuration(ms: number): string {
  const trim = (x: number) => String(Number(x.toFixed(1)));
  if (ms >= 86_400_000) return `${trim(ms / 86_400_000)} days`;
  if (ms >= 3_600_000) return `${trim(ms / 3_600_000)} hours`;
  if (ms >= 60_000) return `${trim(ms / 60_000)} minutes`;
  return `${trim(ms / 1000)} seconds`;
}

// ------------------------------------------------------------------------------------------------
// Actions (updates): endpoint and sentence per update name
// ------------------------------------------------------------------------------------------------

interface RequestByUpdate {
  preliminaryRecord: PreliminaryRecordRequest;
  materials: MaterialsRequest;
  supplementRequest: SupplementRequest;
  reviewExtension: ReviewExtensionRequest;
  inspection: InspectionRequest;
  recommendation: RecommendationRequest;
  signOff: SignOffRequest;
  objection: ObjectionRequest;
  objectionResolution: ObjectionResolutionRequest;
  agreement: AgreementRequest;
  progress: ProgressRequest;
  verification: VerificationRequest;
  confirmation: ConfirmationRequest;
  withdrawal: WithdrawalRequest;
  fraudReport: FraudReportRequest;
  breachReport: BreachReportRequest;
  clawbackDecision: ClawbackDecisionRequest;
  repayment: RepaymentRequest;
}

interface ActionSpec<R> {
  /** Path under `/applications/:id/` (api/action-routes.ts); `:n` from the request. */
  path: string;
  phrase: (r: R, after: ApplicationState | undefined) => string;
}

const trancheOf = (s: ApplicationState | undefined, n: number) => s?.tranches?.find((t) => t.n === n);

const ACTIONS: { [K in keyof RequestByUpdate]: ActionSpec<RequestByUpdate[K]> } = {
  preliminaryRecord: { path: 'preliminary-record', phrase: (r) => `${r.decision === 'pass' ? 'passed' : 'failed'} the preliminary record: ${r.reason}` },
  materials: {
    path: 'materials',
    phrase: (r) => `handed in ${plural(r.documents?.length ?? 0, 'document')}${r.documents?.length ? ` (${r.documents.map((d) => d.name).join(', ')})` : ''}`,
  },
  supplementRequest: { path: 'supplement-request', phrase: (r) => `requested a supplement (一次性告知): ${r.items.join('; ')}` },
  reviewExtension: { path: 'review-extension', phrase: (r) => `extended the review by ${plural(r.days, 'calendar day')}: ${r.reason}` },
  inspection: { path: 'inspection', phrase: (r) => `recorded the on-site inspection: ${r.result} (${r.findings})` },
  recommendation: {
    path: 'recommendation',
    phrase: (r) => (r.decision === 'approve' ? `recommended: approve ${r.amount} yuan (${r.reason})` : `recommended: reject (${r.reason})`),
  },
  signOff: {
    path: 'sign-off',
    phrase: (r) =>
      r.decision === 'approve'
        ? `signed off: approve ${r.amount} yuan (${r.reason})`
        : r.decision === 'return'
          ? `signed off: return for re-review (${r.reason})`
          : `signed off: reject (${r.reason})`,
  },
  // The objector's identity is personal data: name the objection, not the person (as the workflow does).
  objection: {
    path: 'objections',
    phrase: (r, after) => {
      const n = after?.notice?.objections?.length;
      return `recorded written objection${n ? ` ${n}` : ''}: ${r.text}`;
    },
  },
  objectionResolution: {
    path: 'objections/:n/resolution',
    phrase: (r) =>
      !r.upheld
        ? `did not uphold objection ${r.n}: ${r.decision}`
        : r.amount !== undefined
          ? `upheld objection ${r.n}, reducing the award to ${r.amount} yuan: ${r.decision}`
          : `upheld objection ${r.n}, refusing the award: ${r.decision}`,
  },
  agreement: { path: 'agreement', phrase: (r) => `recorded the support agreement, signed on ${r.signedOn}` },
  progress: {
    path: 'progress',
    phrase: (r, after) => {
      const t = after?.tranches?.find((x) => x.milestone === r.milestone);
      const investment = r.cumulativeInvestment ? `, cumulative investment ${r.cumulativeInvestment} yuan` : '';
      return `reported progress for milestone ${r.milestone}${t ? ` (tranche ${t.n})` : ''}${investment}, with ${plural(r.evidence?.length ?? 0, 'evidence document')}`;
    },
  },
  verification: {
    path: 'progress/:n/verification',
    phrase: (r) => `${r.accepted ? 'accepted' : 'did not accept'} the progress report for tranche ${r.n}: ${r.reason}`,
  },
  confirmation: {
    path: 'tranches/:n/confirmation',
    phrase: (r, after) => {
      const amount = trancheOf(after, r.n)?.amount;
      return `confirmed tranche ${r.n}${amount ? ` (${amount} yuan)` : ''} paid on ${r.paidOn}, treasury reference ${r.treasuryReference}`;
    },
  },
  withdrawal: { path: 'withdrawal', phrase: (r) => `withdrew the application: ${r.reason}` },
  fraudReport: { path: 'fraud-report', phrase: (r) => `reported fraud: ${r.findings}` },
  breachReport: { path: 'breach-report', phrase: (r) => `reported a breach of obligation ${r.obligation}: ${r.findings}` },
  clawbackDecision: {
    path: 'clawback-decision',
    phrase: (r) =>
      r.decision === 'dismiss'
        ? `dismissed the report: ${r.reason}`
        : `decided to recover the funds paid${r.referToJudiciary ? ' and refer the case to the judicial authorities' : ''}: ${r.reason}`,
  },
  repayment: {
    path: 'repayments',
    phrase: (r, after) => {
      const outstanding = after?.clawback?.outstanding;
      return `recorded a repayment of ${r.amount} yuan paid on ${r.paidOn}${outstanding ? `; ${outstanding} yuan now outstanding` : ''}`;
    },
  },
};

function actionSpec(name: string): ActionSpec<Record<string, unknown>> | undefined {
  return Object.hasOwn(ACTIONS, name) ? (ACTIONS[name as keyof RequestByUpdate] as unknown as ActionSpec<Record<string, unknown>>) : undefined;
}

/** Amounts, references and context an action carries beyond its request. */
function actionExtras(name: string, r: Record<string, unknown>, after: ApplicationState | undefined): Pick<AuditEntry, 'amounts' | 'paymentReference'> {
  const amounts = yuanFields(r);
  let paymentReference: AuditEntry['paymentReference'];
  if (name === 'confirmation') {
    const c = r as unknown as ConfirmationRequest;
    const t = trancheOf(after, c.n);
    if (t) amounts['tranche amount'] = t.amount;
    paymentReference = {
      tranche: c.n,
      treasuryReference: c.treasuryReference,
      ...(t?.instruction?.idempotencyKey ? { idempotencyKey: t.instruction.idempotencyKey } : {}),
    };
  }
  if (name === 'repayment' && after?.clawback) amounts['outstanding after'] = after.clawback.outstanding;
  return { amounts: orNone(amounts), ...(paymentReference ? { paymentReference } : {}) };
}

/** The fields whose change an auditor follows, flattened. */
function watched(s: Partial<ApplicationState>): Record<string, unknown> {
  const out: Record<string, unknown> = { stage: s.stage };
  if (s.award) {
    out['award.recommended'] = s.award.recommended;
    out['award.approved'] = s.award.approved;
  }
  if (s.review) out['review.lastDay'] = s.review.clock.lastDay;
  if (s.agreement) out['agreement.signedOn'] = s.agreement.signedOn;
  for (const o of s.notice?.objections ?? []) out[`objection ${o.n}.status`] = o.status;
  for (const t of s.tranches ?? []) {
    out[`tranche ${t.n}.status`] = t.status;
    out[`tranche ${t.n}.paidOn`] = t.paidOn;
    out[`tranche ${t.n}.treasuryReference`] = t.treasuryReference;
  }
  for (const r of s.reports ?? []) out[`report ${r.n}.status`] = r.status;
  if (s.clawback) {
    for (const k of ['principal', 'interest', 'repaid', 'outstanding', 'lastDay'] as const) out[`clawback.${k}`] = s.clawback[k];
  }
  return out;
}

function diff(before: Record<string, unknown>, after: Record<string, unknown>): AuditEntry['changes'] {
  const changes: NonNullable<AuditEntry['changes']> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const from = before[k] ?? null;
    const to = after[k] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[k] = { from, to };
  }
  return orNone(changes);
}

// ------------------------------------------------------------------------------------------------
// Activities
// ------------------------------------------------------------------------------------------------

/** External effects (the rest are reads and computations, recorded so replay never depends on them). */
const EFFECTS = new Set(['sendPaymentInstruction', 'publishNotice', 'notifyApplicant', 'notifyObjector', 'recordCredit', 'sendReferral', 'escalate']);

interface ActivityView {
  summary: string;
  amounts?: Record<string, string>;
  paymentReference?: AuditEntry['paymentReference'];
  idempotencyKey?: string;
}

function activityView(type: string, input: unknown, result: unknown): ActivityView {
  const i = (input ?? {}) as Record<string, unknown>;
  const key = typeof i.idempotencyKey === 'string' ? { idempotencyKey: i.idempotencyKey } : {};
  switch (type) {
    case 'sendPaymentInstruction': {
      const p = i as unknown as PaymentInstruction;
      return {
        summary: `sent the payment instruction for tranche ${p.tranche} (${p.milestone}): ${p.amount} yuan to ${p.payee?.name} (${p.payee?.creditCode}), reference ${p.idempotencyKey}`,
        amounts: orNone(yuanFields(p)),
        paymentReference: { tranche: p.tranche, idempotencyKey: p.idempotencyKey },
        ...key,
      };
    }
    case 'publishNotice': {
      const p = i as unknown as NoticePublication;
      return {
        summary: `published public notice ${p.publication} (公示): ${p.amount} yuan to ${p.applicant?.name}, objections until the end of ${p.lastDay}`,
        amounts: orNone(yuanFields(p)),
        ...key,
      };
    }
    case 'notifyApplicant':
      return { summary: `notified the applicant: ${(i as unknown as ApplicantNotification).subject}`, ...key };
    case 'notifyObjector': {
      const p = i as unknown as ObjectorNotification;
      return { summary: `sent the objector the decision on objection ${p.objection}`, ...key };
    }
    case 'recordCredit': {
      const p = i as unknown as CreditRecord;
      return { summary: `recorded ${p.name} (${p.creditCode}) in credit management (信用管理): ${p.reason}`, ...key };
    }
    case 'sendReferral': {
      const p = i as unknown as Referral;
      const to = p.to === 'judiciary' ? 'the judicial authorities' : 'enforcement';
      return {
        summary: `referred the case to ${to}: ${p.reason}${p.outstanding ? `, ${p.outstanding} yuan outstanding` : ''}`,
        amounts: orNone(yuanFields(p)),
        ...key,
      };
    }
    case 'escalate': {
      const p = i as unknown as Escalation;
      return { summary: `escalated to the ${p.role} role: ${p.subject}`, ...key };
    }
    case 'checkDishonestyList': {
      const r = result as DishonestyCheck | undefined;
      return { summary: `checked the serious-dishonesty list for ${String(i.creditCode)}${r ? `: ${r.listed ? 'listed' : 'not listed'}` : ''}` };
    }
    case 'workingDays': {
      const r = result as WorkingDaysAnswer | undefined;
      const answer = !r ? '' : r.ok ? `: the last is ${r.lastDay}` : `: no working-day calendar for ${r.missingYear}`;
      return { summary: `counted ${plural(num(i.count), 'working day')} from ${String(i.from)}${answer}` };
    }
    case 'assessAward': {
      const r = result as AwardEvaluation | undefined;
      const answer = !r ? '' : r.eligible ? `: at most ${r.amount} yuan` : `: not eligible (${r.reason ?? 'no reason given'})`;
      return {
        summary: `assessed the award by the program's formula${answer}`,
        amounts: r?.eligible ? orNone({ amountByFormula: r.amount, ...(r.cap ? { cap: r.cap } : {}) }) : undefined,
      };
    }
    case 'paymentSchedule': {
      const lines = Array.isArray(result) ? (result as ScheduleLine[]) : [];
      const amounts: Record<string, string> = yuanFields(i);
      lines.forEach((l, k) => (amounts[`tranche ${k + 1}`] = l.amount));
      const list = lines.map((l, k) => `${k + 1}. ${l.milestone} ${l.amount}`).join('; ');
      return { summary: `fixed the payment schedule for ${String(i.approved)} yuan${list ? `: ${list}` : ''}`, amounts: orNone(amounts) };
    }
    case 'lprTable': {
      const r = result as LprTable | undefined;
      return { summary: `read the LPR fixings${r ? ` (${plural(r.fixings?.length ?? 0, 'fixing')}, confirmed through ${r.confirmedThrough})` : ''}` };
    }
    default:
      return { summary: `ran activity ${type}`, amounts: orNone(yuanFields(i)), ...key };
  }
}

// ------------------------------------------------------------------------------------------------
// Timers: what each one waited for
// ------------------------------------------------------------------------------------------------

const DURATION_PURPOSES: Record<number, string> = {
  3_600_000: 'a retry in one hour',
  86_400_000: 'the daily look for a missing working-day calendar',
  604_800_000: 'the weekly refresh of the clawback statement',
};

const rec = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** Deadline instants named in the workflow's audit and state → what they are. */
function deadlinesOf(state: ApplicationState | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!state) return out;
  const add = (at: string | undefined, what: string) => at && !out.has(at) && out.set(at, what);
  for (const a of state.audit ?? []) {
    const d = rec(a.details);
    if (a.action === 'deadline') add(str(d.dueAt), `the ${str(d.for) ?? ''} deadline`.replace('  ', ' '));
    if (a.action === 'review-started' || a.action === 'review-clock-restarted') add(str(rec(d.clock).dueAt), 'the review deadline');
    if (a.action === 'review-extension') add(str(rec(d.after).dueAt), 'the extended review deadline');
    if (a.action === 'notice-published' && str(d.lastDay)) add(windowClosesAt(str(d.lastDay)!), `the end of the public-notice window (publication ${String(d.publication)})`);
    if (a.action === 'monitoring-started' && Array.isArray(d.obligations)) {
      for (const o of d.obligations.map(rec)) if (str(o.endsOn)) add(windowClosesAt(str(o.endsOn)!), `the end of obligation ${String(o.id)} (${String(o.endsOn)})`);
    }
  }
  for (const t of state.tranches ?? []) {
    if (t.claimableFrom) add(windowClosesAt(addCalendarDays(t.claimableFrom, -1)), `tranche ${t.n} becoming claimable on ${t.claimableFrom}`);
  }
  return out;
}

function timerPurpose(firesAt: string, durationMs: number, deadlines: Map<string, string>): string | null {
  return deadlines.get(firesAt) ?? DURATION_PURPOSES[durationMs] ?? null;
}

// ------------------------------------------------------------------------------------------------
// The trail
// ------------------------------------------------------------------------------------------------

/** The run id a history records for itself (WorkflowExecutionStarted.originalExecutionRunId). */
export function runIdOf(history: History): string | null {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId || null;
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
    const latest = statesOf(runs).at(-1);
    this.deadlines = deadlinesOf(latest);
    this.audit = latest?.audit ?? [];
  }

  walk({ runId, history }: Run): void {
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const input = first<ApplicationInput>(started?.input);
    // The state counts runs across continue-as-new, so numbering holds when older runs are missing.
    this.runNumber = input?.resume?.state?.runs ?? this.runNumber + 1;
    this.applicationId ??= input?.id ?? null;
    if (input?.resume?.state) this.known = watched(input.resume.state);
    this.stage = stageAttribute(started?.searchAttributes?.indexedFields) ?? input?.resume?.state?.stage ?? (this.runNumber === 1 ? null : this.stage);
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
    };
    this.infos.push(this.info);
    this.indexCloses(events);
    for (const e of events) this.event(e, input);
    this.info.stageAtEnd = this.stage;
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
    this.entries.push({ at: timeOf(e), run: this.runNumber, runId: this.info.runId, eventId: num(e.eventId), ...entry });
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
        const after = first<ApplicationState>(e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success);
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
        const what = name === 'calendarUpdated' ? `: the working-day calendar for ${String(arg.year)} was supplied` : '';
        return this.push(e, { kind: 'signal', actor: null, action: name, summary: `signal ${name} received${what}` });
      }
      default:
        return this.closed(e);
    }
  }

  private started(e: HistoryEvent, input: ApplicationInput | undefined): void {
    if (!input) return;
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
    const name = req?.input?.name ?? '(unnamed update)';
    const updateId = req?.meta?.updateId ?? undefined;
    const request = rec(first(req?.input?.args));
    const actor = (request.actor as Actor | undefined) ?? null;
    const spec = actionSpec(name);
    const close = updateId ? this.updateClose.get(updateId) : undefined;
    const outcome = close?.workflowExecutionUpdateCompletedEventAttributes?.outcome;
    const after = first<ApplicationState>(outcome?.success);
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
      ...actionExtras(name, request, after),
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
      // A wait restarted for the same instant (e.g. an update woke it) waits for the same thing.
      purpose: timerPurpose(firesAt, durationMs, this.deadlines) ?? this.purposeByInstant.get(firesAt) ?? null,
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
export const MAX_RUNS = 1000;

/** One run's history; the latest run when `runId` is absent. Unknown id or run: WorkflowNotFoundError. */
export async function fetchRunHistory(client: Client, workflowId: string, runId?: string): Promise<Run> {
  const id = runId ?? (await client.workflow.getHandle(workflowId).describe()).runId;
  try {
    return { runId: id, history: await client.workflow.getHandle(workflowId, id).fetchHistory() };
  } catch (err) {
    // fetchHistory passes gRPC errors through as they are; describe() already maps NOT_FOUND.
    if (isGrpcServiceError(err) && err.code === grpcStatus.NOT_FOUND) throw new WorkflowNotFoundError(`no run ${id} of workflow ${workflowId}`, workflowId, id);
    throw err;
  }
}

/**
 * Every run of the application, oldest first: from the latest run back through each run's
 * `continuedExecutionRunId` (the run it continued). At most `maxRuns` (the latest ones).
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
    runId = run.history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs.reverse();
}
