/**
 * What an action handler (workflows/handlers.ts) and the clawback (workflows/clawback.ts) may do
 * with a running application: the contract the lifecycle (workflows/application.ts) implements.
 * Declared on its own so those modules depend on this contract, not on the lifecycle module
 * (no import cycle), and so that every shared field is named in one place.
 */
import type { ApplicationInput, ApplicationState, AuditEntry, EngineActor } from '../domain/application';
import type { WorkingDaysAnswer } from '../domain/effects';
import type { LprTable } from '../domain/lpr';
import type { Actor } from '../domain/roles';
import type { Stage } from '../domain/stages';

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
  /** The LPR table as last read (refreshed at a clawback decision, after each event and weekly). */
  lpr: LprTable | null;

  /** Delivers an external effect, retrying a refused delivery hourly; a failure is recorded, never fatal. */
  effect(what: string, send: () => Promise<unknown>): Promise<void>;
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
  /** A copy of the state, as an update answers with it. */
  snapshot(): ApplicationState;
  record(entry: Omit<AuditEntry, 'at'>): void;
  /** Recomputes what is pending and keeps the listing fields in visibility current. */
  changed(): void;
  /** Workflow time: ISO instant, Shanghai date. */
  now(): string;
  today(): string;
}
