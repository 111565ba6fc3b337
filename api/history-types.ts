/**
 * The shapes of the audit trail (GET /applications/:id/history): what api/history.ts assembles
 * from Temporal's event history and api/history-render.ts words.
 */
import type { temporal } from '@temporalio/proto';
import type { ApplicationState } from '../domain/application';

export type History = temporal.api.history.v1.IHistory;
export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
export type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

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
  | 'reset'
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
  /** The action (`sign-off`, also for an update recorded under an earlier name such as `signOff`), activity type (`sendPaymentInstruction`), signal name, or the kind. */
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
  /** An event of a run after the point it was reset to: it happened, but the run that replaced it does not carry it. */
  undone?: true;
}

export type RunStatus = 'running' | 'completed' | 'continued-as-new' | 'reset' | 'failed' | 'terminated' | 'cancelled' | 'timed-out';

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
  /** A run made by a reset: the run it was reset from and the event it went back to (its copy of that run's history ends before it). */
  resetFrom?: { runId: string; eventId: number; reason: string };
  /** A run that was reset: the run that replaced it. */
  resetAs?: string;
  stageAtStart: string | null;
  stageAtEnd: string | null;
}

export interface AuditOptions {
  /** Include read-only activities (working days, award, schedule, LPR, dishonesty list). Default true. */
  reads?: boolean;
  /** `fired`: only timers that fired (no timer-started entries). Default `all`. */
  timers?: 'all' | 'fired';
  /**
   * The application's state now, for a run still open: the workflow's own audit names who moved
   * each stage and why. Without it, the newest state the histories carry is used (a closed run's
   * result, a continue-as-new input, or an update answer recorded before answers were outcomes).
   */
  current?: ApplicationState;
}

export interface HistoryReport {
  applicationId: string | null;
  runs: RunInfo[];
  entries: AuditEntry[];
}
