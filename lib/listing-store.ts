/**
 * The listing table (issue 18): the read model of `GET /applications` and `GET /inbox`, in the
 * engine's database (lib/database.ts: SQLite embedded, PostgreSQL shared), one row per application
 * (domain/listing-row.ts). The applications' workflows write it through an activity
 * (activities/listing.ts) each time they change; the API pages it with indexes, so a page costs
 * about the page whatever the number of applications, in flight or closed.
 *
 * Every query is built with Kysely from validated values; nothing is glued into SQL text.
 */
import { type ExpressionBuilder, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import type { PendingItem } from '../domain/application';
import { type ListingRow, LAST_HISTORY_LENGTH, listingVersion, pendingRolesOf } from '../domain/listing-row';

/** The row an application's workflow sends, as stored. */
export function storedRowOf(row: ListingRow): StoredListingRow {
  return { ...row, pendingRoles: pendingRolesOf(row.pending) };
}
import type { EngineDatabase, EngineTables } from './database';

/** What a page is filtered by; every field optional, all of them together (AND). */
export interface ListingFilter {
  stages?: readonly string[];
  programId?: string;
  round?: string;
  applicant?: string;
  /** The caller's scope: only these applicants (none: nothing). */
  applicantIn?: readonly string[];
  /** Pending for any of these roles. */
  pendingRoleIn?: readonly string[];
  /** `next_due_at` ≥ this instant (ISO, UTC). */
  dueFrom?: string;
  /** `next_due_at` < this instant (ISO, UTC). */
  dueBefore?: string;
  open?: boolean;
}

export type ListingSortKey = 'filed_at' | 'next_due_at';

export interface ListingSort {
  key: ListingSortKey;
  descending: boolean;
}

/** Where the previous page ended: its last row's sort key and id. */
export interface ListingCursor {
  k: string | null;
  id: string;
}

/**
 * A row as stored and read back: any status Temporal names (a catch-up records a run terminated by
 * hand), the roles pending, and the pending items themselves, null when a catch-up from visibility
 * found the roles but not the items (a run from before patch `2026-12-pending-memo`).
 */
export type StoredListingRow = Omit<ListingRow, 'pending' | 'status'> & { status: string; pendingRoles: string[]; pending: PendingItem[] | null };

export interface ListingStore {
  /** Writes the row unless a newer one (by version) is there; true when it was written. */
  write(row: StoredListingRow, now: Date): Promise<boolean>;
  /** The same for many rows in one transaction (a catch-up's page); how many were written. */
  writeAll(rows: readonly StoredListingRow[], now: Date): Promise<number>;
  /**
   * Sets the status of a row this run last wrote as running, when the run ended otherwise
   * (terminated by hand): nothing pending, no deadline. True when the row was changed.
   */
  markEnded(id: string, runId: string, status: string, now: Date): Promise<boolean>;
  /** Up to `limit` rows after the cursor, in the sort's order (no key last, ties by id ascending). */
  page(filter: ListingFilter, sort: ListingSort, limit: number, after?: ListingCursor): Promise<StoredListingRow[]>;
  count(filter: ListingFilter): Promise<number>;
  get(id: string): Promise<StoredListingRow | undefined>;
}

type Tables = EngineTables;

export function listingStore(db: EngineDatabase): ListingStore {
  return {
    async write(row, now) {
      return db.transaction().execute((trx) => writeRow(trx, row, now));
    },

    async writeAll(rows, now) {
      return db.transaction().execute(async (trx) => {
        let written = 0;
        for (const row of rows) if (await writeRow(trx, row, now)) written += 1;
        return written;
      });
    },

    async markEnded(id, runId, status, now) {
      return db.transaction().execute(async (trx) => {
        // Nothing is pending for a run that ended, and no deadline applies to it any more.
        const result = await trx
          .updateTable('listed_applications')
          // Versioned now, past any write of the ended run still on its way (an activity it scheduled before it ended).
          .set({ status, next_due_at: null, pending_roles: '[]', pending: '[]', version: listingVersion(now.getTime(), LAST_HISTORY_LENGTH), written_at: now.toISOString() })
          .where('id', '=', id)
          .where('run_id', '=', runId)
          .where('status', '=', 'RUNNING')
          .executeTakeFirst();
        const ended = Number(result.numUpdatedRows) > 0;
        if (ended) await trx.deleteFrom('listed_pending_roles').where('id', '=', id).execute();
        return ended;
      });
    },

    async page(filter, sort, limit, after) {
      const { key, descending } = sort;
      const base = () => filtered(db.selectFrom('listed_applications').selectAll(), filter);
      const rows: Array<Tables['listed_applications']> = [];
      // Two index-ordered reads instead of one sort of every match: the rows with a key, in its
      // order (ties by id ascending), then those without, by id: no key last whichever the direction.
      if (!after || after.k !== null) {
        let keyed = base().where(key, 'is not', null);
        if (after) {
          const k = after.k!;
          keyed = keyed.where(key, descending ? '<=' : '>=', k).where((eb) => eb.or([eb(key, descending ? '<' : '>', k), eb('id', '>', after.id)]));
        }
        rows.push(...(await keyed.orderBy(key, descending ? 'desc' : 'asc').orderBy('id', 'asc').limit(limit).execute()));
      }
      if (rows.length < limit) {
        let keyless = base().where(key, 'is', null);
        if (after && after.k === null) keyless = keyless.where('id', '>', after.id);
        rows.push(...(await keyless.orderBy('id', 'asc').limit(limit - rows.length).execute()));
      }
      return rows.map(rowOf);
    },

    async count(filter) {
      const { n } = await filtered(db.selectFrom('listed_applications').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')), filter).executeTakeFirstOrThrow();
      return Number(n);
    },

    async get(id) {
      const row = await db.selectFrom('listed_applications').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowOf(row) : undefined;
    },
  };
}

/** Upserts one row within a transaction unless a newer one is there, and its pending roles with it. */
async function writeRow(trx: Transaction<Tables>, row: StoredListingRow, now: Date): Promise<boolean> {
  const result = await trx
    .insertInto('listed_applications')
    .values(columnsOf(row, now))
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          workflow_id: eb.ref('excluded.workflow_id'),
          run_id: eb.ref('excluded.run_id'),
          status: eb.ref('excluded.status'),
          stage: eb.ref('excluded.stage'),
          program_id: eb.ref('excluded.program_id'),
          round: eb.ref('excluded.round'),
          applicant: eb.ref('excluded.applicant'),
          filed_at: eb.ref('excluded.filed_at'),
          next_due_at: eb.ref('excluded.next_due_at'),
          pending_roles: eb.ref('excluded.pending_roles'),
          pending: eb.ref('excluded.pending'),
          version: eb.ref('excluded.version'),
          written_at: eb.ref('excluded.written_at'),
        }))
        .where('listed_applications.version', '<', (eb) => eb.ref('excluded.version')),
    )
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return false;
  await trx.deleteFrom('listed_pending_roles').where('id', '=', row.id).execute();
  if (row.pendingRoles.length) await trx.insertInto('listed_pending_roles').values(row.pendingRoles.map((role) => ({ role, id: row.id }))).execute();
  return true;
}

function filtered<O>(q: SelectQueryBuilder<Tables, 'listed_applications', O>, f: ListingFilter): SelectQueryBuilder<Tables, 'listed_applications', O> {
  let out = q;
  if (f.stages) out = out.where('stage', 'in', [...f.stages]);
  if (f.programId !== undefined) out = out.where('program_id', '=', f.programId);
  if (f.round !== undefined) out = out.where('round', '=', f.round);
  if (f.applicant !== undefined) out = out.where('applicant', '=', f.applicant);
  if (f.applicantIn) out = f.applicantIn.length ? out.where('applicant', 'in', [...f.applicantIn]) : out.where(sql<boolean>`1 = 0`);
  if (f.dueFrom !== undefined) out = out.where('next_due_at', '>=', f.dueFrom);
  if (f.dueBefore !== undefined) out = out.where('next_due_at', '<', f.dueBefore);
  if (f.open === true) out = out.where('status', '=', 'RUNNING');
  if (f.open === false) out = out.where('status', '!=', 'RUNNING');
  if (f.pendingRoleIn) {
    const roles = [...f.pendingRoleIn];
    out = roles.length
      ? out.where((eb: ExpressionBuilder<Tables, 'listed_applications'>) =>
          eb.exists(eb.selectFrom('listed_pending_roles as r').select('r.id').whereRef('r.id', '=', 'listed_applications.id').where('r.role', 'in', roles)),
        )
      : out.where(sql<boolean>`1 = 0`);
  }
  return out;
}

function columnsOf(row: StoredListingRow, now: Date) {
  return {
    id: row.id,
    workflow_id: row.workflowId,
    run_id: row.runId,
    status: row.status,
    stage: row.stage,
    program_id: row.programId,
    round: row.round,
    applicant: row.applicant,
    filed_at: row.filedAt,
    next_due_at: row.nextDueAt,
    pending_roles: JSON.stringify(row.pendingRoles),
    pending: row.pending ? JSON.stringify(row.pending) : null,
    version: row.version,
    written_at: now.toISOString(),
  };
}

function rowOf(r: Tables['listed_applications']): StoredListingRow {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    runId: r.run_id,
    status: r.status,
    stage: r.stage,
    programId: r.program_id,
    round: r.round,
    applicant: r.applicant,
    filedAt: r.filed_at,
    nextDueAt: r.next_due_at,
    pendingRoles: JSON.parse(r.pending_roles) as string[],
    pending: r.pending === null ? null : (JSON.parse(r.pending) as PendingItem[]),
    version: r.version,
  };
}

