/**
 * Finding work: `GET /applications` and `GET /inbox`, from the listing table (issue 18,
 * lib/listing-store.ts): one row per application, written by its workflow as it changes, paged
 * with indexes in the engine's database, so a page costs about the page however many applications
 * there are. Filters are validated here and become a query built by Kysely, never SQL text; the
 * opaque page token is a keyset cursor (last sort value and id), bound to the filters it came from.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ROLES, type Role } from '../domain/roles';
import { STAGES, type Stage } from '../domain/stages';
import { shanghaiStartOfDay } from '../domain/calendar';
import { Problem } from './problem';
import type { PendingItem } from '../domain/application';
import type { ListingCursor, ListingFilter, ListingSort, ListingStore, StoredListingRow } from '../lib/listing-store';
import { CalendarDate, CreditCode, PROGRAM_ID_PATTERN } from './schemas';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const SORTS = ['filedAt', '-filedAt', 'dueAt', '-dueAt'] as const;
export type Sort = (typeof SORTS)[number];

/** A query parameter given twice arrives as a list: say so, instead of guessing which one. */
const single = <T extends z.ZodType>(schema: T, what: string) =>
  z.unknown().superRefine((v, ctx) => {
    if (Array.isArray(v)) ctx.addIssue({ code: 'custom', message: `must be given once (${what})` });
  }).pipe(schema);

/** One stage word, or several separated by commas: the whole rule as one pattern, published as it is checked. */
const STAGE_LIST_PATTERN = new RegExp(`^(${STAGES.join('|')})(,(${STAGES.join('|')}))*$`);

/** `stage=review,sign-off`: one or more stage words, each checked, reported on `stage` itself. */
const stageList = z
  .string()
  .regex(STAGE_LIST_PATTERN, `must be stages among ${STAGES.join(', ')}, separated by commas`)
  .transform((value) => [...new Set(value.split(','))] as Stage[]);

/**
 * A page token as this API writes it: base64url. Only a token the API issued for the same filters
 * is accepted (400 otherwise); its format is all a schema can say.
 */
const PAGE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,2000}$/;

export const ListQuery = z
  .object({
    stage: single(stageList, 'a comma-separated list of stages').optional(),
    programId: single(z.string().regex(PROGRAM_ID_PATTERN, 'must be a program id such as dinghu-emergency-major-project'), 'one program').optional(),
    round: single(z.string().regex(/^[0-9A-Za-z-]{1,32}$/, 'must be a round such as 2026 or 2026-09'), 'one round').optional(),
    applicant: single(CreditCode, 'one credit code').optional(),
    pendingRole: single(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }), 'one role').optional(),
    /** Only applications whose next deadline falls on or after this Shanghai day. */
    dueFrom: single(CalendarDate, 'one date').optional(),
    /** Only applications whose next deadline falls on or before this Shanghai day (e.g. today: overdue). */
    dueTo: single(CalendarDate, 'one date').optional(),
    open: single(z.enum(['true', 'false'], { error: 'must be true or false' }), 'true or false').optional(),
    sort: single(z.enum(SORTS, { error: `must be one of ${SORTS.join(', ')}` }), 'one sort').optional(),
    pageSize: single(
      z.coerce
        .number({ error: 'must be a number' })
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`),
      'one number',
    ).optional(),
    pageToken: single(z.string().regex(PAGE_TOKEN_PATTERN, 'is not a page token from this API'), 'one token').optional(),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;

/** `GET /inbox`: the caller's pending work, oldest due first, paginated the same way. */
export const InboxQuery = z
  .object({ pageSize: ListQuery.shape.pageSize, pageToken: ListQuery.shape.pageToken })
  .strict();

export interface ListScope {
  /** An applicant system bound to these credit codes sees only them. */
  applicants?: readonly string[];
  /** The inbox: pending for any of these roles, still open. */
  pendingRoles?: readonly Role[];
}

/** The listing table's filter for validated filters and the caller's scope. */
export function listingFilterOf(filters: ListQuery, scope: ListScope = {}): ListingFilter {
  return {
    ...(filters.stage ? { stages: filters.stage } : {}),
    ...(filters.programId ? { programId: filters.programId } : {}),
    ...(filters.round ? { round: filters.round } : {}),
    ...(filters.applicant ? { applicant: filters.applicant } : {}),
    ...(scope.applicants ? { applicantIn: scope.applicants } : {}),
    ...(filters.pendingRole ? { pendingRoleIn: [filters.pendingRole] } : {}),
    ...(scope.pendingRoles ? { pendingRoleIn: scope.pendingRoles, open: true } : {}),
    ...(filters.dueFrom ? { dueFrom: shanghaiStartOfDay(filters.dueFrom) } : {}),
    ...(filters.dueTo ? { dueBefore: shanghaiStartOfDay(nextDay(filters.dueTo)) } : {}),
    ...(filters.open ? { open: filters.open === 'true' } : {}),
  };
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** One application as a listing shows it: no personal data. */
export interface ListItem {
  id: string;
  stage: Stage | null;
  programId: string | null;
  round: string | null;
  applicant: string | null;
  pendingRoles: string[];
  nextDueAt: string | null;
  filedAt: string | null;
  /** As Temporal names a run's status: `RUNNING`, `COMPLETED`, … */
  status: string;
  runId: string;
}

/** A listed application with its pending items (null: a row caught up without them), for the inbox. */
export interface ListedItem extends ListItem {
  pending: PendingItem[] | null;
}

function listedItemOf(row: StoredListingRow): ListedItem {
  return {
    id: row.id,
    stage: row.stage as Stage,
    programId: row.programId,
    round: row.round,
    applicant: row.applicant,
    pendingRoles: row.pendingRoles,
    nextDueAt: row.nextDueAt,
    filedAt: row.filedAt,
    status: row.status,
    runId: row.runId,
    pending: row.pending,
  };
}

/** The item as `GET /applications` and `GET /inbox` show it: without the pending items. */
export function publicItem({ pending: _pending, ...item }: ListedItem): ListItem {
  return item;
}

const SORT_KEYS: Record<Sort, ListingSort> = {
  filedAt: { key: 'filed_at', descending: false },
  '-filedAt': { key: 'filed_at', descending: true },
  dueAt: { key: 'next_due_at', descending: false },
  '-dueAt': { key: 'next_due_at', descending: true },
};

export interface Cursor extends ListingCursor {
  v: 1;
  /** Fingerprint of the filters and sort the token belongs to. */
  f: string;
}

/** The filters and sort a token belongs to, as a short hash. */
export function fingerprint(filter: ListingFilter, sort: Sort): string {
  return createHash('sha256').update(`${sort}\n${JSON.stringify(filter)}`).digest('base64url').slice(0, 16);
}

export function encodeToken(cursor: Omit<Cursor, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...cursor })).toString('base64url');
}

const CursorSchema = z.object({ v: z.literal(1), f: z.string(), k: z.string().nullable(), id: z.string() }).strict();

function badToken(reason: string): Problem {
  return new Problem('validation', `pageToken ${reason}`, { errors: [{ field: 'pageToken', reason }] });
}

export function decodeToken(token: string, expected: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badToken('is not a page token from this API');
  }
  const cursor = CursorSchema.safeParse(parsed);
  if (!cursor.success) throw badToken('is not a page token from this API');
  if (cursor.data.f !== expected) throw badToken('belongs to other filters or another sort; start again without it');
  return cursor.data;
}

export interface Page {
  items: ListedItem[];
  nextPageToken: string | null;
  /** How many match in all. */
  total: number;
}

/**
 * One page, keyset-paged: the next page starts after the last item by (sort key, id), so an
 * application that changes between pages is neither repeated nor skipped unless its own sort key
 * moved. No key sorts last whichever the direction; ties by id.
 */
export async function listingPage(store: ListingStore, filter: ListingFilter, sort: Sort, pageSize: number, token?: string): Promise<Page> {
  const print = fingerprint(filter, sort);
  const after = token === undefined ? undefined : decodeToken(token, print);
  const order = SORT_KEYS[sort];
  const [rows, total] = await Promise.all([store.page(filter, order, pageSize + 1, after), store.count(filter)]);
  const items = rows.slice(0, pageSize).map(listedItemOf);
  const last = items.at(-1);
  const key = (item: ListItem) => (order.key === 'filed_at' ? item.filedAt : item.nextDueAt);
  return {
    items,
    total,
    nextPageToken: rows.length > pageSize && last ? encodeToken({ f: print, k: key(last), id: last.id }) : null,
  };
}
