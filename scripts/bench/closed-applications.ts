/**
 * The bench's closed applications (issue 18: listing "at 100 000 closed"): rows of the listing
 * table as finished applications of past rounds leave them, written through the listing store
 * the workflows' local activity uses (lib/listing-store.ts), into the bench engine's database.
 *
 * Running a hundred thousand applications to their end through Temporal would take hours on two
 * cores (a filing alone costs 60 ms of CPU); the listing reads only this table, so the rows are
 * what it sees of them. Filed over the five years before the bench's clock, ended as rejected,
 * withdrawn or completed, no longer pending for anyone.
 */
import { creditCodeCheckCharacter } from '../../domain/credit-code';
import { listingVersion } from '../../domain/listing-row';
import { openDatabase } from '../../lib/database';
import { listingStore, type StoredListingRow } from '../../lib/listing-store';

const PROGRAMS = ['dinghu-emergency-major-project', 'dinghu-generic-drug-consistency', 'dinghu-rnd-institution'];
const ENDS = ['completed', 'rejected', 'withdrawn'];
const YEAR_MS = 365 * 86_400_000;
const BATCH = 1000;

function closedCreditCode(n: number): string {
  const body = `91441200MC${String(n).padStart(7, '0')}`;
  return body + creditCodeCheckCharacter(body);
}

function closedRow(n: number, now: number): StoredListingRow {
  const filed = now - YEAR_MS - Math.floor(((n * 7919) % 1000) / 1000 * 4 * YEAR_MS) - n;
  const programId = PROGRAMS[n % PROGRAMS.length]!;
  const round = String(new Date(filed).getUTCFullYear());
  const id = `${programId}.${round}.${closedCreditCode(n)}`;
  return {
    id,
    workflowId: id,
    runId: `bench-closed-${n}`,
    status: 'COMPLETED',
    stage: ENDS[n % ENDS.length]!,
    programId,
    round,
    applicant: closedCreditCode(n),
    filedAt: new Date(filed).toISOString(),
    nextDueAt: null,
    pendingRoles: [],
    pending: [],
    version: listingVersion(filed + YEAR_MS, 1),
  };
}

/** Writes `count` closed applications into the listing table of the database file. */
export async function writeClosedApplications(databaseFile: string, count: number): Promise<void> {
  const db = await openDatabase({ kind: 'sqlite', file: databaseFile });
  try {
    const store = listingStore(db);
    const now = Date.now();
    for (let from = 0; from < count; from += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, count - from) }, (_, i) => closedRow(from + i, now));
      await store.writeAll(rows, new Date());
    }
  } finally {
    await db.destroy();
  }
}
