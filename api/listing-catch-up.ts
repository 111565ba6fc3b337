/**
 * Catching the listing table (lib/listing-store.ts) up with Temporal visibility, for what the
 * workflows themselves cannot write:
 * - applications whose runs started before patch `2026-12-listing-table` and have not changed
 *   since (they write their row at their next change);
 * - a run that ended otherwise than by finishing (terminated, failed, timed out: an operator's
 *   act), which never wrote that it ended.
 *
 * Each execution's search attributes (and the pending items of its memo, patch
 * `2026-12-pending-memo`) become a row versioned at the run's start, so any row a workflow wrote
 * itself is newer and stays, and of an application and its recovery case the case wins. A row
 * still written as running by a run that visibility says ended takes that status. Run at the API's
 * first start on a database (`catchUpOnFirstStart`), and by `npm run listing:catch-up` whenever an
 * operator ended workflows by hand.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { listingVersion } from '../domain/listing-row';
import { applicationIdOfWorkflow } from '../domain/recovery';
import type { EngineDatabase } from '../lib/database';
import type { ListingStore, StoredListingRow } from '../lib/listing-store';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import { pendingInMemo } from './pending-memo';

const LISTED_TYPES = `WorkflowType IN ('applicationWorkflow', 'recoveryWorkflow')`;

export interface CatchUp {
  /** Executions read from visibility. */
  seen: number;
  /** Rows written from them (missing, or older than the run). */
  written: number;
  /** Rows that a run ended otherwise than by finishing now say so. */
  ended: number;
}

/** The row an execution's search attributes describe, or undefined when it has none to list by. */
function rowFromVisibility(info: WorkflowExecutionInfo): StoredListingRow | undefined {
  const get = info.typedSearchAttributes;
  const stage = get.get(SEARCH_ATTRIBUTES.stage);
  const programId = get.get(SEARCH_ATTRIBUTES.programId);
  const round = get.get(SEARCH_ATTRIBUTES.round);
  const applicant = get.get(SEARCH_ATTRIBUTES.applicantCreditCode);
  if (!stage || !programId || !round || !applicant) return undefined;
  const due = get.get(SEARCH_ATTRIBUTES.nextDueAt);
  // Older applications were filed before the attribute existed: their run's start stands for it.
  const filed = get.get(SEARCH_ATTRIBUTES.filedAt) ?? info.startTime;
  return {
    id: applicationIdOfWorkflow(info.workflowId),
    workflowId: info.workflowId,
    runId: info.runId,
    status: info.status.name,
    stage,
    programId,
    round,
    applicant,
    filedAt: filed.toISOString(),
    nextDueAt: due ? due.toISOString() : null,
    pendingRoles: [...(get.get(SEARCH_ATTRIBUTES.pendingRoles) ?? [])].sort(),
    pending: pendingInMemo(info.memo),
    version: listingVersion(info.startTime.getTime(), 0),
  };
}

/** How many rows a catch-up writes in one transaction. */
const BATCH = 500;

/** Reads every listed execution from visibility and brings the table up to it, a batch at a time. */
async function catchUpListing(client: Client, store: ListingStore, now: () => Date): Promise<CatchUp> {
  const result: CatchUp = { seen: 0, written: 0, ended: 0 };
  let batch: StoredListingRow[] = [];
  const flush = async () => {
    result.written += await store.writeAll(batch, now());
    // A run that ended otherwise than by finishing: its own last row still says running.
    for (const row of batch) if (row.status !== 'RUNNING' && (await store.markEnded(row.id, row.runId, row.status, now()))) result.ended += 1;
    batch = [];
  };
  for await (const info of client.workflow.list({ query: LISTED_TYPES, pageSize: 1000 })) {
    result.seen += 1;
    const row = rowFromVisibility(info);
    if (!row || info.status.name === 'CONTINUED_AS_NEW') continue;
    batch.push(row);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return result;
}

/**
 * At start-up: catches up once per database, the first time an API meets it (an upgrade from a
 * version without the table), and records it. Several APIs starting together may each do it; the
 * versions make that harmless.
 */
export async function catchUpOnFirstStart(db: EngineDatabase, client: Client, store: ListingStore, now: () => Date): Promise<CatchUp | undefined> {
  const done = await db.selectFrom('listing_catch_ups').select('seq').limit(1).executeTakeFirst();
  if (done) return undefined;
  return recordedCatchUp(db, client, store, now);
}

/** A catch-up, recorded in the database with when it ran and what it did. */
export async function recordedCatchUp(db: EngineDatabase, client: Client, store: ListingStore, now: () => Date): Promise<CatchUp> {
  const startedAt = now().toISOString();
  const result = await catchUpListing(client, store, now);
  await db.insertInto('listing_catch_ups').values({ started_at: startedAt, finished_at: now().toISOString(), seen: result.seen, written: result.written }).execute();
  return result;
}
