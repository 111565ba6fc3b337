/**
 * What an action handler (workflows/handlers.ts) and the clawback (workflows/clawback.ts) may do
 * with a running application: the contract the workflow's machinery (workflows/machinery.ts)
 * implements. Types only, in domain/, so that what an action does can be written against it
 * without depending on Temporal; every shared field is named in one place.
 */
import type { ApplicationInput, ApplicationState, AuditEntry, EngineActor } from './application';
import type { ApplicantNotification, CreditRecord, ObjectorNotification, WorkingDaysAnswer } from './effects';
import type { KeyRecord } from './idempotency';
import type { LprTable } from './lpr';
import type { Actor } from './roles';
import type { Stage } from './stages';

/** An instant to wait for, and what it is: the timer's summary in history, read by the audit trail. */
export interface Deadline {
  at: string;
  purpose: string;
}

export interface ApplicationRun {
  readonly state: ApplicationState;
  readonly program: ApplicationInput['program'];
  /** Set by the objection handler when an upheld objection reduced the award: notice it again. */
  republishRequested: boolean;
  /** Calendar years an admin has supplied since the application started waiting. */
  readonly calendarYearsAnnounced: Set<number>;
  /** The Idempotency-Keys of the actions applied so far, in every run (domain/idempotency.ts). */
  readonly keys: Record<string, KeyRecord>;
  /** The LPR table as last read (refreshed at a clawback decision, after each event and weekly). */
  lpr: LprTable | null;

  /** The external effects an action may ask for, each sent by its activity (pass to `enqueue`). */
  readonly send: {
    notifyApplicant(message: ApplicantNotification): Promise<unknown>;
    notifyObjector(message: ObjectorNotification): Promise<unknown>;
    recordCredit(message: CreditRecord): Promise<unknown>;
  };
  /** Delivers an external effect, retrying a refused delivery hourly; a failure is recorded, never fatal. */
  effect(what: string, send: () => Promise<unknown>): Promise<void>;
  /** An admin's request (`retryEffects`) to try the effects waiting for their hourly retry now; recorded with the admin and the reason. */
  retryEffects(actor: Actor, reason: string): void;
  /** Queues an external effect for the courier, which delivers in order, so no update waits on a receiver. */
  enqueue(what: string, send: () => Promise<unknown>): void;
  /** Waits until `done()` or the deadline `until` (null: none); false when the deadline came first. */
  waitFor(done: () => boolean, until?: Deadline | null): Promise<boolean>;
  /** Called by a handler after it changed the state; `settled(ticket)` waits until the engine has reacted. */
  acted(): number;
  settled(ticket: number): Promise<void>;
  /** `count` working days after `from`, waiting for a missing calendar year while `stillNeeded()`. */
  workingDays(from: string, count: number, purpose: string, stillNeeded?: () => boolean): Promise<Extract<WorkingDaysAnswer, { ok: true }> | null>;
  /** The stage review actions return to: `inspection` while one is required and not done, else `review`. */
  reviewStage(): Stage;
  moveTo(to: Stage, actor: Actor | EngineActor, action: string, comment: string | undefined, details: Record<string, unknown>): void;
  end(stage: Stage, actor: Actor | EngineActor, action: string, reason: string, details: Record<string, unknown>): void;
  ended(): boolean;
  refreshLpr(): Promise<void>;
  continueAsNewIfDue(): Promise<void>;
  /** The state as the state query answers it: the clawback statement as of `asOf` (a reader's Shanghai date) or today. */
  snapshot(asOf?: string): ApplicationState;
  record(entry: Omit<AuditEntry, 'at'>): void;
  /** Recomputes what is pending and keeps the listing fields in visibility current. */
  changed(): void;
  /** Workflow time: ISO instant, Shanghai date. */
  now(): string;
  today(): string;
}
