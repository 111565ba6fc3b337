/**
 * Finding work: `GET /applications` and `GET /inbox`, through Temporal visibility.
 *
 * Filters become a visibility query built only from validated values, each quoted and escaped, so
 * no caller can change the query's shape. SQL-backed visibility (the dev server, PostgreSQL and
 * MySQL clusters) refuses `ORDER BY`, so a page is found in bounded windows of the sort key
 * (api/listing-windows.ts) and sorted here; the opaque page token is a keyset cursor (last sort
 * value and id), bound to the filters it came from.
 */
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import { createHash } from 'node:crypto';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { applicationIdOfWorkflow } from '../domain/recovery';
import { ROLES, type Role } from '../domain/roles';
import { STAGES, type Stage } from '../domain/stages';
import { Problem } from './problem';
import type { PendingItem } from '../domain/application';
import { pendingInMemo } from './pending-memo';
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

/** Where in Shanghai a calendar day starts: the bounds of a `dueFrom`/`dueTo` day. */
const shanghaiStart = (date: string) => `${date}T00:00:00+08:00`;

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

/**
 * A string literal for the visibility query. Values are validated before they get here; quoting
 * still escapes backslashes and quotes, so a value can never end the literal early.
 */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface ListScope {
  /** An applicant system bound to these credit codes sees only them. */
  applicants?: readonly string[];
  /** The inbox: pending for any of these roles, still open. */
  pendingRoles?: readonly Role[];
}

/** The visibility query for validated filters and the caller's scope. */
export function visibilityQuery(filters: ListQuery, scope: ListScope = {}): string {
  const sa = SEARCH_ATTRIBUTES;
  // Applications and recovery cases alike: a case shows its application (listAll).
  const clauses = [`WorkflowType IN ('applicationWorkflow', 'recoveryWorkflow')`];
  const inList = (name: string, values: readonly string[]) =>
    values.length === 1 ? `${name} = ${literal(values[0]!)}` : `${name} IN (${values.map(literal).join(', ')})`;
  if (filters.stage) clauses.push(inList(sa.stage.name, filters.stage));
  if (filters.programId) clauses.push(`${sa.programId.name} = ${literal(filters.programId)}`);
  if (filters.round) clauses.push(`${sa.round.name} = ${literal(filters.round)}`);
  if (filters.applicant) clauses.push(`${sa.applicantCreditCode.name} = ${literal(filters.applicant)}`);
  if (filters.pendingRole) clauses.push(`${sa.pendingRoles.name} = ${literal(filters.pendingRole)}`);
  if (filters.dueFrom) clauses.push(`${sa.nextDueAt.name} >= ${literal(shanghaiStart(filters.dueFrom))}`);
  if (filters.dueTo) clauses.push(`${sa.nextDueAt.name} < ${literal(shanghaiStart(nextDay(filters.dueTo)))}`);
  if (filters.open === 'true') clauses.push(`ExecutionStatus = 'Running'`);
  if (filters.open === 'false') clauses.push(`ExecutionStatus != 'Running'`);
  if (scope.applicants) {
    // Matches nothing (no workflow id is empty): the dev server refuses `1 = 0` as a clause.
    if (scope.applicants.length === 0) clauses.push(`WorkflowId = ''`);
    else clauses.push(inList(sa.applicantCreditCode.name, scope.applicants));
  }
  if (scope.pendingRoles) {
    clauses.push(`ExecutionStatus = 'Running'`);
    clauses.push(inList(sa.pendingRoles.name, scope.pendingRoles));
  }
  return clauses.join(' AND ');
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** One application as a listing shows it: what visibility knows, no personal data. */
export interface ListItem {
  id: string;
  stage: Stage | null;
  programId: string | null;
  round: string | null;
  applicant: string | null;
  pendingRoles: string[];
  nextDueAt: string | null;
  filedAt: string | null;
  status: string;
  runId: string;
}

function listItemOf(info: WorkflowExecutionInfo): ListItem {
  const get = info.typedSearchAttributes;
  const due = get.get(SEARCH_ATTRIBUTES.nextDueAt);
  const filed = get.get(SEARCH_ATTRIBUTES.filedAt);
  return {
    id: applicationIdOfWorkflow(info.workflowId),
    stage: (get.get(SEARCH_ATTRIBUTES.stage) as Stage | undefined) ?? null,
    programId: get.get(SEARCH_ATTRIBUTES.programId) ?? null,
    round: get.get(SEARCH_ATTRIBUTES.round) ?? null,
    applicant: get.get(SEARCH_ATTRIBUTES.applicantCreditCode) ?? null,
    pendingRoles: [...(get.get(SEARCH_ATTRIBUTES.pendingRoles) ?? [])],
    nextDueAt: due ? due.toISOString() : null,
    // Older applications were filed before the attribute existed: their first run's start is it.
    filedAt: filed ? filed.toISOString() : null,
    status: info.status.name,
    runId: info.runId,
  };
}

/**
 * A listed execution as the listing finds it: its item, and the pending items its memo holds
 * (`null` when it holds none: a run started before patch `2026-12-pending-memo`). The memo is for
 * the inbox's `pending`; `publicItem` is what a listing answers.
 */
export interface ListedItem extends ListItem {
  pendingInMemo: PendingItem[] | null;
}

export function listedItemOf(info: WorkflowExecutionInfo): ListedItem {
  return { ...listItemOf(info), pendingInMemo: pendingInMemo(info.memo) };
}

/** The item as `GET /applications` and `GET /inbox` show it: without what the memo held. */
export function publicItem({ pendingInMemo: _memo, ...item }: ListedItem): ListItem {
  return item;
}

/** The sort key of an item; missing values sort last whichever the direction. */
function keyOf(item: ListItem, sort: Sort): string | null {
  return sort.endsWith('dueAt') ? item.nextDueAt : item.filedAt;
}

export function compareItems(sort: Sort): (a: ListItem, b: ListItem) => number {
  const descending = sort.startsWith('-');
  return (a, b) => {
    const ka = keyOf(a, sort);
    const kb = keyOf(b, sort);
    if (ka !== kb) {
      if (ka === null) return 1;
      if (kb === null) return -1;
      return (ka < kb ? -1 : 1) * (descending ? -1 : 1);
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

export interface Cursor {
  v: 1;
  /** Fingerprint of the filters and sort the token belongs to. */
  f: string;
  /** The last item returned: its sort key and id. */
  k: string | null;
  id: string;
  /** The width (ms) of the key window that filled the page: where the next page's search starts. */
  w?: number;
}

export function fingerprint(query: string, sort: Sort): string {
  return createHash('sha256').update(`${sort}\n${query}`).digest('base64url').slice(0, 16);
}

export function encodeToken(cursor: Omit<Cursor, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...cursor })).toString('base64url');
}

const CursorSchema = z
  .object({ v: z.literal(1), f: z.string(), k: z.string().nullable(), id: z.string(), w: z.number().int().positive().optional() })
  .strict();

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

export interface Page<T extends ListItem = ListItem> {
  items: T[];
  nextPageToken: string | null;
}

/**
 * One page from a candidate set that holds every item between the cursor and the page's end (a
 * whole prefix of what follows the cursor, plus one more when there is a next page). Keyset
 * paging: the next page starts after the last item by (sort key, id), so an application that
 * changes between pages is neither repeated nor skipped unless its own sort key moved.
 */
export function pageOf<T extends ListItem>(candidates: T[], sort: Sort, pageSize: number, print: string, after?: Cursor, width?: number): Page<T> {
  const compare = compareItems(sort);
  const sorted = candidates.filter((item) => !after || isAfter(item, sort, after)).sort(compare);
  const items = sorted.slice(0, pageSize);
  const last = items[items.length - 1];
  const more = sorted.length > pageSize;
  return {
    items,
    nextPageToken: more && last ? encodeToken({ f: print, k: keyOf(last, sort), id: last.id, ...(width ? { w: width } : {}) }) : null,
  };
}

/** True when the item comes after the cursor in the sort order. */
function isAfter(item: ListItem, sort: Sort, after: Cursor): boolean {
  return compareItems(sort)(item, { ...item, id: after.id, ...keyFields(sort, after.k) }) > 0;
}

function keyFields(sort: Sort, k: string | null): Partial<ListItem> {
  return sort.endsWith('dueAt') ? { nextDueAt: k } : { filedAt: k };
}
