/**
 * The application as plain JSON: what the workflow keeps, what a query returns, what
 * `GET /applications/:id` shows. No Map, Set or class instances, so it survives serialisation,
 * replay and continue-as-new unchanged.
 */
import type { Program } from './catalog';
import type { KeyRecord } from './idempotency';
import type { InterestLine } from './interest';
import type { Yuan } from './money';
import type { SpotCheckDraw } from './spot-check';
import type { Grant } from './caps';
import type { QuantityGrant } from './quantity-limits';
import type { ClaimVerdict, ProjectDeclaration } from './projects';
import type { RoundCap, RoundDefinition } from './rounds';
import type { ScaledAward } from './pro-rata';
import type { Actor, Role } from './roles';
import type { Stage } from './stages';

export interface Applicant {
  /** Unified social credit code (GB 32100-2015). */
  creditCode: string;
  name: string;
}

/** What the applicant system files; validated at the API before any workflow starts. */
export interface Filing {
  programId: string;
  applicant: Applicant;
  /** Program facts; amounts are yuan strings. */
  facts: Record<string, string | number | boolean>;
  /** The project (or product, for 每品种 programs) the application is for: double dipping is judged per project. */
  project?: ProjectDeclaration;
}

/**
 * The round an application was filed into (domain/rounds.ts), as it applies to the application:
 * who signs off (the executive meeting's list, or one by one), the year and caps its award counts
 * against. Absent on applications filed before rounds existed.
 */
export interface RoundTerms {
  id: string;
  policyId: string;
  year: number;
  signOff: RoundDefinition['signOff'];
  caps: RoundCap[];
  /** The entity that holds the applicant's reservations for the year (workflows/ledger.ts). */
  ledgerId: string;
  /** The entity that holds the project's claims (workflows/project.ts). */
  projectId: string;
  /** SHA-256 of the round's spot-check seed, published when it opened. */
  seedSha256: string;
}

/** What the round decided for this application, as the application shows it. */
export interface RoundAward {
  /**
   * The program's quantity limits across the applicant's applications (months, ㎡: domain/quantity-limits.ts),
   * checked at sign-off before the caps, with the entity that holds them; absent when the program has none.
   */
  quantities?: QuantityGrant & { entitlementId: string };
  /** The annual caps checked at sign-off, and what they cut (domain/caps.ts). */
  caps: Grant | null;
  /** How the round's budget scaled the award (domain/pro-rata.ts), when it did or when it was checked. */
  proRata: (ScaledAward & { factor: string; budget: Yuan; total: Yuan; batch: number | null }) | null;
  /** The round's notice list this application is on: its publication and SHA-256. */
  notice: { publication: number; sha256: string } | null;
}

/** The workflow's input: the filing plus what the engine decided when it accepted it. */
export interface ApplicationInput extends Filing {
  id: string;
  /** The round the application belongs to: one application per program, round and applicant. */
  round: string;
  /** The catalog version the application was filed under; later catalog changes never apply. */
  catalogVersion: string;
  /** Content hash of the program as filed under, and the program itself (recorded in history). */
  programHash: string;
  program: Program;
  filedBy: Actor;
  /** Why the API accepted the filing (program window, eligibility), for the audit trail. */
  filingChecks?: Record<string, unknown>;
  /**
   * Seed of the reproducible spot-check draw (001 §（三）4), chosen by the engine at filing so the
   * applicant cannot predict it, and recorded in history so an auditor can recompute the draw.
   */
  spotCheckSeed?: string;
  /** Continue as new once the history reaches this many events (default 10 000; tests set less). */
  historyLimit?: number;
  /**
   * Set when the workflow continued as new: the state carried over from the previous run, and the
   * Idempotency-Keys of the actions applied so far (by key), so a retry is answered once in any run.
   */
  resume?: { state: ApplicationState; keys?: Record<string, KeyRecord> };
  /** The round the application was filed into; absent for applications filed before rounds. */
  roundTerms?: RoundTerms;
  /** What the project's entity answered at filing: shown to the reviewer when another policy supports the same project. */
  projectCheck?: ClaimVerdict;
  /**
   * Set for a recovery case (domain/recovery.ts, workflows/recovery.ts): the closed application it
   * acts on. `resume.state` is then that application's final state.
   */
  recoveryOf?: RecoveryOrigin;
}

/** The closed application a recovery case was opened on. */
export interface RecoveryOrigin {
  /** The stage the application ended at, and when (its outcome). */
  closedStage: Stage;
  closedAt: string | null;
  /** The application's last run, whose final state the case started from. */
  closedRunId: string;
}

/** A recovery case on a closed application, as its state shows it (`ApplicationState.recovery`). */
export interface RecoveryCase extends RecoveryOrigin {
  /** The case's own workflow id, `<application id>.recovery`; every path keeps the application's id. */
  workflowId: string;
  openedAt: string;
  /** The first report made in the case (reports before it belong to the application's life). */
  firstReport: number;
}

export interface PendingItem {
  role: Role;
  /** The last word of the endpoint, e.g. `preliminary-record`. */
  action: string;
  /**
   * The endpoint relative to the application, e.g. `tranches/2/confirmation`; an absolute path
   * (leading `/`) for work outside the application, e.g. `/calendar/years/2027` for the admin;
   * null when no endpoint takes the action: the item asks for attention, and `reason` says why
   * (a repayment overdue, escalated to the approver; a payment instruction the treasury refused).
   */
  path: string | null;
  /** ISO instant, when the item has a deadline. */
  dueAt: string | null;
  /** Why the item is there, when the action alone does not say (an escalation, a missing year). */
  reason?: string;
}

/** An engine-made entry: timers and computed routing, not a person. */
export interface EngineActor {
  id: 'engine';
  role: 'engine';
  name: string;
}

/** The actor of entries the engine makes itself: timers fired, routing computed, effects sent. */
export const ENGINE: EngineActor = { id: 'engine', role: 'engine', name: 'Approval engine' };

export interface AuditEntry {
  /** ISO instant in workflow time. */
  at: string;
  actor: Actor | EngineActor;
  action: string;
  /** The stage before and after, when the action moved it. */
  from?: Stage;
  to?: Stage;
  comment?: string;
  details?: Record<string, unknown>;
}

/** A document handed in: its name, the SHA-256 of its content, and where to fetch it. */
export interface Document {
  name: string;
  /** Lowercase hex SHA-256 of the file. */
  sha256: string;
  url: string;
  /** The program's material this document answers (`GET /programs/:id` lists them), when known. */
  materialId?: string;
}

export interface Objector {
  name: string;
  /** Where the written decision goes (address, e-mail, phone), when given. */
  contact?: string;
}

export interface Award {
  /** The formula kind and program rule that compute the amount. */
  formula: string | null;
  /** The facts and settings the formula read. */
  inputs: Record<string, unknown>;
  /** The most the formula allows, computed once when review starts and recorded in history. */
  amountByFormula: Yuan | null;
  cap?: Yuan;
  /** Each step of the computation with its rule and citation. */
  breakdown: unknown[];
  recommended: Yuan | null;
  approved: Yuan | null;
  /** Every change of the approved amount (sign-off, objection reductions), oldest first. */
  changes: Array<{ at: string; by: Actor | EngineActor; amount: Yuan; why: string }>;
}

export interface MaterialsSubmission {
  kind: 'formal-submission' | 'supplement-answer';
  at: string;
  by: Actor;
  documents: Document[];
}

export interface ReviewClock {
  /** Calendar date (Asia/Shanghai) the clock started: acceptance, an accepted supplement, a return. */
  startedOn: string;
  why: 'accepted' | 'supplement-answered' | 'returned-by-sign-off';
  days: number;
  /** The last day of the review (Asia/Shanghai) and the instant it ends. */
  lastDay: string;
  dueAt: string;
}

export interface ReviewState {
  /** Date the materials were accepted for review. */
  acceptedOn: string;
  clock: ReviewClock;
  /** Earlier clocks, replaced by a restart. */
  previousClocks: ReviewClock[];
  extension: { days: number; reason: string; by: Actor; at: string; newLastDay: string } | null;
  /** The program's limit on the one extension, in calendar days. */
  extensionMaxDays: number;
  /** Every time a clock ran out before the recommendation (the record stays). */
  overdue: Array<{ at: string; lastDay: string }>;
  /** The `dueAt` of the clock that ran out and was escalated; an extension moves `dueAt` past it. */
  escalatedFor: string | null;
  supplement: {
    items: string[];
    dueInWorkingDays: number;
    requestedAt: string;
    requestedBy: Actor;
    /** The working days that make the answer window, and the instant it closes (set once computed). */
    days: string[];
    lastDay: string | null;
    dueAt: string | null;
    answeredAt: string | null;
  } | null;
}

export interface InspectionState {
  required: boolean;
  /**
   * `threshold`: the amount under review is at or above the program's threshold; `draw`: the spot
   * check of one application; `round-draw`: the spot check over the round, drawn when its window
   * closed (named in `roundDraw`).
   */
  why: 'threshold' | 'draw' | 'round-draw';
  amount: Yuan;
  threshold: Yuan;
  inclusive: boolean;
  rule: { id: string; citation: string; text: string };
  /** The recorded draw when below the threshold: seed, input, value and fraction, for an auditor to recompute. */
  draw: Omit<SpotCheckDraw, 'applicationId'> | null;
  /** The round's draw this application took part in: pending until the window closes. */
  roundDraw?: RoundDrawResult;
  result: { result: 'pass' | 'fail'; findings: string; by: Actor; at: string } | null;
}

/** What the round's draw (domain/rounds.ts `roundDraw`) decided for one application. */
export interface RoundDrawResult {
  roundId: string;
  status: 'pending' | 'drawn';
  seedSha256: string;
  /** Revealed at the draw. */
  seed?: string;
  selected?: boolean;
  /** 1-based place in the ranking by SHA-256, of `eligible`. */
  rank?: number;
  eligible?: number;
  count?: number;
  rule?: string;
}

export interface Decision<D extends string> {
  decision: D;
  amount: Yuan | null;
  reason: string;
  by: Actor;
  at: string;
}

export interface Objection {
  n: number;
  text: string;
  objector: Objector;
  receivedAt: string;
  recordedBy: Actor;
  /** Which notice (1 = first publication) it was raised against. */
  notice: number;
  status: 'open' | 'upheld' | 'not-upheld';
  resolution: { upheld: boolean; decision: string; amount: Yuan | null; by: Actor; at: string } | null;
}

export interface NoticeState {
  /** 1 for the first publication, 2 after a reduction is noticed again, … */
  publication: number;
  publishedOn: string;
  lastDay: string;
  /** The working days that made the window, in order. */
  days: string[];
  /** The instant the window closes (24:00 Asia/Shanghai of lastDay). */
  closesAt: string;
  amount: Yuan;
  closed: boolean;
  objections: Objection[];
  /** Earlier publications of this application, when an upheld objection reduced the award. */
  previous: Array<{ publication: number; publishedOn: string; lastDay: string; days: string[]; amount: Yuan }>;
}

export interface AgreementState {
  required: boolean;
  /** The applicant's deadline to sign (working days from the end of the notice). */
  lastDay: string | null;
  dueAt: string | null;
  signedOn: string | null;
  recordedBy: Actor | null;
  recordedAt: string | null;
}

export type TrancheStatus = 'scheduled' | 'claimed' | 'verified' | 'instructed' | 'paid' | 'rejected';

export interface TrancheClaim {
  at: string;
  by: Actor;
  cumulativeInvestment: Yuan | null;
  evidence: Document[];
  verification: { accepted: boolean; reason: string; by: Actor; at: string } | null;
}

export interface Tranche {
  n: number;
  milestone: string;
  amount: Yuan;
  status: TrancheStatus;
  paidOn: string | null;
  treasuryReference: string | null;
  /** The schedule entry: condition in words, trigger, rule. */
  condition: string;
  trigger: { kind: 'after-notice' } | { kind: 'progress'; fact: string; reachesPercent: string; thresholdAmount: Yuan } | { kind: 'milestone'; milestone: string } | { kind: 'year'; index: number };
  /** For yearly instalments: the first date it may be claimed. */
  claimableFrom: string | null;
  claims: TrancheClaim[];
  instruction: { idempotencyKey: string; at: string; budgetCheck: Record<string, unknown> } | null;
  /** Why the payment instruction could not be delivered yet (the engine keeps trying). */
  instructionProblem: string | null;
  confirmation: { by: Actor; at: string } | null;
  /**
   * Who the tranche pays, when the program splits the award among payees (001 四（二）5: a share to
   * the team leader): `applicant`, or the payee's id with its name and account from the facts.
   * Absent when the whole award goes to the applicant.
   */
  payee?: { id: string; name: string; account?: string };
}

export interface ObligationState {
  id: string;
  kind: string;
  description: string;
  years: number | null;
  /** Calendar dates (Asia/Shanghai) the obligation runs between, once payment fixes them. */
  startsOn: string | null;
  endsOn: string | null;
  status: 'pending' | 'running' | 'ended';
}

/** A fraud or breach report (002 第三十三条), and what the approver decided on it. */
export interface Report {
  n: number;
  kind: 'fraud' | 'breach';
  findings: string;
  evidence: Document[];
  /** For a breach: the obligation broken. */
  obligation: string | null;
  by: Actor;
  at: string;
  /** Whether any money had been paid when it was reported (before: the report ends the application). */
  afterPayment: boolean;
  status: 'open' | 'recover' | 'dismissed' | 'rejected';
  decision: { decision: 'recover' | 'dismiss'; reason: string; by: Actor; at: string } | null;
}

/** One repayment as the statement applied it: costs, then interest, then principal (民法典 第五百六十一条). */
export interface RepaymentRecord {
  amount: Yuan;
  paidOn: string;
  toCosts: Yuan;
  toInterest: Yuan;
  toPrincipal: Yuan;
  recordedBy?: Actor;
  recordedAt?: string;
}

/** A recovery cost (追偿费用: litigation, preservation fees…) as recorded, with its evidence. */
export interface RecoveryCostRecord {
  n: number;
  amount: Yuan;
  /** The day the cost was incurred; it is due from that day. */
  incurredOn: string;
  description: string;
  evidence: Document[];
  recordedBy: Actor;
  recordedAt: string;
}

/** The live clawback statement (domain/interest.ts), recomputed as of `asOf` (today in workflow time). */
export interface ClawbackState {
  report: number;
  decisionDate: string;
  decidedBy: Actor;
  reason: string;
  rateMode: 'fixed-at-decision' | 'floating';
  dayCount: 'ACT/360' | 'ACT/365';
  tenor: '1Y' | '5Y';
  principal: Yuan;
  interest: Yuan;
  costs: Yuan;
  total: Yuan;
  repaid: Yuan;
  outstanding: Yuan;
  asOf: string;
  carriedForward: boolean;
  lprConfirmedThrough: string;
  /** As in the calculator endpoint; `tranche` is the tranche's `n`. */
  lines: InterestLine[];
  repayments: RepaymentRecord[];
  /**
   * Recovery costs (追偿费用) the finance officer recorded, each due from the day it was incurred
   * and settled before interest and principal. Absent in states from before costs were recorded.
   */
  recoveryCosts?: RecoveryCostRecord[];
  /** The repayment deadline. */
  dueInWorkingDays: number;
  lastDay: string | null;
  dueAt: string | null;
  referToJudiciary: boolean;
  /** Set when the deadline passed unsettled. */
  overdueSince: string | null;
  referredAt: string | null;
  settledAt: string | null;
}

/** An external effect whose delivery failed, waiting to be tried again. */
export interface EffectAwaitingRetry {
  /** The effect (the activity's name, e.g. `notifyApplicant`). */
  what: string;
  /** The attempt that failed. */
  attempt: number;
  problem: string;
  failedAt: string;
  /** When it is tried again unless an admin asks for it sooner. */
  retryAt: string;
}

export interface ApplicationState {
  id: string;
  programId: string;
  catalogVersion: string;
  programHash: string;
  round: string;
  /** The round's terms (absent for applications filed before rounds). */
  roundTerms?: RoundTerms;
  /** What the round decided: caps, pro rata, the notice list. */
  roundAward?: RoundAward;
  /** The declared project, and what its entity answered at filing (double dipping). */
  project?: { declared: ProjectDeclaration | null; check: ClaimVerdict | null };
  /** The round's draw, when it arrived before the review started. */
  roundDraw?: RoundDrawResult;
  applicant: Applicant;
  facts: Filing['facts'];
  stage: Stage;
  /** Why the application ended, for end stages. */
  outcome: { stage: Stage; reason: string; at: string } | null;
  filedAt: string;
  /** The serious-dishonesty list lookup made at filing (002 第四条). */
  dishonestyCheck: { listed: boolean; source: string; checkedAt: string; entry?: Record<string, unknown> } | null;
  award: Award;
  preliminaryRecord: { decision: 'pass' | 'fail'; reason: string; by: Actor; at: string } | null;
  materials: {
    /** The program's required list, for the reviewer; `missing` = required ids no document names. */
    required: Array<{ id: string; name: string }>;
    missing: string[];
    submissions: MaterialsSubmission[];
    /** The applicant's deadline for the formal submission. */
    lastDay: string | null;
    dueAt: string | null;
  };
  review: ReviewState | null;
  inspection: InspectionState | null;
  recommendation: Decision<'approve' | 'reject'> | null;
  signOff: (Decision<'approve' | 'reject' | 'return'> & { meeting?: { reference: string; date: string; round: string; batch: number } }) | null;
  /** Earlier recommendations and sign-offs, when sign-off returned the application for re-review. */
  returns: Array<{ recommendation: Decision<'approve' | 'reject'>; signOff: Decision<'approve' | 'reject' | 'return'> }>;
  notice: NoticeState | null;
  agreement: AgreementState | null;
  tranches: Tranche[];
  obligations: ObligationState[];
  /** Fraud and breach reports, oldest first. */
  reports: Report[];
  clawback: ClawbackState | null;
  /** Set once a fraud or breach report after the end opened a recovery case (absent before). */
  recovery?: RecoveryCase;
  /** Credit records written to credit management 信用管理 (002 第三十三条). */
  creditRecords: Array<{ at: string; reason: string; idempotencyKey: string }>;
  /** How many times the workflow continued as new (its history restarts; the state does not). */
  runs: number;
  /** Set while a deadline waits for a working-day calendar year nobody has supplied. */
  calendarWait: { year: number; purpose: string; since: string } | null;
  /**
   * The external effects refused by their receiver and waiting for their hourly retry, which an
   * admin may bring forward (`POST /applications/:id/effect-retry`); absent in states recorded
   * before it was kept.
   */
  effectsAwaitingRetry?: EffectAwaitingRetry[];
  pending: PendingItem[];
  audit: AuditEntry[];
}

/**
 * The workflow id of an application, derived from its natural key so that filing the same
 * application twice finds the first one instead of starting a second (domain brief, step 1).
 * Dots separate the parts: program ids use hyphens, credit codes use neither.
 */
export function applicationId(programId: string, round: string, creditCode: string, project?: string): string {
  return project === undefined ? `${programId}.${round}.${creditCode}` : `${programId}.${round}.${creditCode}.${project}`;
}
