/**
 * The application as plain JSON: what the workflow keeps, what a query returns, what
 * `GET /applications/:id` shows. No Map, Set or class instances, so it survives serialisation,
 * replay and continue-as-new unchanged.
 */
import type { Program } from './catalog';
import type { Yuan } from './money';
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
}

export interface PendingItem {
  role: Role;
  /** The last word of the endpoint, e.g. `preliminary-record`. */
  action: string;
  /** The endpoint relative to the application, e.g. `tranches/2/confirmation`. */
  path: string;
  /** ISO instant, when the item has a deadline. */
  dueAt: string | null;
}

export interface AuditEntry {
  /** ISO instant in workflow time. */
  at: string;
  actor: Actor | { id: 'engine'; role: 'engine'; name: string };
  action: string;
  /** The stage before and after, when the action moved it. */
  from?: Stage;
  to?: Stage;
  comment?: string;
  details?: Record<string, unknown>;
}

export interface Award {
  formula: string | null;
  inputs: Record<string, unknown>;
  recommended: Yuan | null;
  approved: Yuan | null;
}

export interface ApplicationState {
  id: string;
  programId: string;
  catalogVersion: string;
  programHash: string;
  round: string;
  applicant: Applicant;
  facts: Filing['facts'];
  stage: Stage;
  /** Why the application ended, for end stages. */
  outcome: { stage: Stage; reason: string; at: string } | null;
  filedAt: string;
  award: Award;
  preliminaryRecord: { decision: 'pass' | 'fail'; reason: string; by: Actor; at: string } | null;
  pending: PendingItem[];
  audit: AuditEntry[];
}

/**
 * The workflow id of an application, derived from its natural key so that filing the same
 * application twice finds the first one instead of starting a second (domain brief, step 1).
 * Dots separate the parts: program ids use hyphens, credit codes use neither.
 */
export function applicationId(programId: string, round: string, creditCode: string): string {
  return `${programId}.${round}.${creditCode}`;
}
