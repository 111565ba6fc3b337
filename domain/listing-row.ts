/**
 * One application as the listing table holds it (issue 18): what `GET /applications` filters and
 * sorts by and what `GET /inbox` shows, written by the application's own workflow whenever it
 * changes (patch `2026-12-listing-table`, workflows/machinery.ts) and read by the API from the
 * engine's database (lib/listing-store.ts), with indexes instead of a search of visibility.
 *
 * Writes can arrive twice (an activity is retried) or late (a workflow task retried on
 * another worker); the row keeps the newest by `version`, which only grows along an application:
 * its workflow time, then its history length, then the write's number in its run, all fixed
 * digits so that text order is number order. A recovery case writes under the application's id, later than the closed application
 * ever did, so the case is what the listing shows.
 */
import type { PendingItem } from './application';

export interface ListingRow {
  /** The application's id (a recovery case's row is its application's). */
  id: string;
  /** The workflow that wrote it: the application's, or its recovery case's. */
  workflowId: string;
  runId: string;
  /** As Temporal names it: `RUNNING`, then `COMPLETED` written as the run finishes (a run ended otherwise, e.g. terminated by an operator, is set by the catch-up, api/listing-catch-up.ts). */
  status: 'RUNNING' | 'COMPLETED';
  stage: string;
  programId: string;
  round: string;
  /** The applicant's unified social credit code. */
  applicant: string;
  /** ISO instants (UTC, `toISOString`), so that text order is time order. */
  filedAt: string;
  nextDueAt: string | null;
  /** Exactly what the state's `pending` says, computed at the same moment. */
  pending: PendingItem[];
  version: string;
}

const VERSION_TIME_DIGITS = 15;
const VERSION_LENGTH_DIGITS = 9;
const VERSION_SEQUENCE_DIGITS = 6;

/** The largest history length a version can hold: a row marked ended by hand is newer than any write of that instant. */
export const LAST_HISTORY_LENGTH = 10 ** VERSION_LENGTH_DIGITS - 1;

/** The version of a write: workflow time (ms), history length and the write's number in its run, as fixed-width digits. */
export function listingVersion(workflowTimeMs: number, historyLength: number, sequence = 0): string {
  return `${String(workflowTimeMs).padStart(VERSION_TIME_DIGITS, '0')}.${String(historyLength).padStart(VERSION_LENGTH_DIGITS, '0')}.${String(sequence).padStart(VERSION_SEQUENCE_DIGITS, '0')}`;
}

/** The earliest deadline among pending items, if any has one. */
export function nextDueOf(pending: readonly PendingItem[]): string | null {
  return pending.flatMap((p) => (p.dueAt ? [p.dueAt] : [])).sort()[0] ?? null;
}

/** The roles something is pending for, each once, sorted. */
export function pendingRolesOf(pending: readonly PendingItem[]): string[] {
  return [...new Set(pending.map((p) => p.role))].sort();
}
