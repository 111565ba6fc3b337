/**
 * How a listing page is found without reading every match (issue 18): SQL-backed visibility has no
 * `ORDER BY` on custom search attributes, so the page is looked for in windows of the sort key
 * (`SubsidyFiledAt` or `SubsidyNextDueAt`), starting at the cursor and going in the sort's
 * direction. Each window is counted first (CountWorkflowExecutions, cheap); one holding too many
 * is narrowed, an empty one is skipped and the next one widened, and only windows of a bounded
 * size are listed, until the page and one item more are found or the matches run out. Items
 * without a key (no deadline; filed before `SubsidyFiledAt` existed) come last, by id, in windows
 * of the id found by bisecting it with counts. The work per page is about the page, not the whole
 * match.
 *
 * A recovery case stands for its closed application (domain/recovery.ts): a case is shown under
 * the application's id, and a closed application that has a case is left out, whether or not the
 * case matched the filters (its stage, deadlines and pending roles are now the case's). Both
 * rules look at one item at a time, so they hold within every window.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { applicationIdOfWorkflow, isRecoveryCaseId, recoveryCaseId } from '../domain/recovery';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';
import { type Cursor, type ListedItem, listedItemOf, literal, type Page, pageOf, type Sort } from './listing';

const HOUR_MS = 3_600_000;
/** The key space searched: beyond these, windows are open-ended. */
const EARLIEST_MS = Date.parse('1970-01-01T00:00:00Z');
const LATEST_MS = Date.parse('9000-01-01T00:00:00Z');

export interface PageRequest {
  /** The visibility query of the filters (api/listing.ts visibilityQuery). */
  query: string;
  sort: Sort;
  pageSize: number;
  /** The fingerprint of the filters and sort, written into the next token. */
  print: string;
  after?: Cursor;
  /** The API's clock: where the search for a first page starts. */
  now: Date;
}

/**
 * One page: the windows of the key from the cursor on, then the items without a key. The key is
 * queried with `>=`/`<=` from the cursor's key, and the items that share it are limited to ids
 * after the cursor's (`WorkflowId >`); the exact cut (by application id, a case under its
 * application's id) is made in memory by `pageOf`.
 */
export async function findPage(client: Client, request: PageRequest): Promise<Page<ListedItem>> {
  const { query, sort, pageSize, after } = request;
  const field = sort.endsWith('dueAt') ? SEARCH_ATTRIBUTES.nextDueAt.name : SEARCH_ATTRIBUTES.filedAt.name;
  // Positions along the sort: s = t ascending, s = -t descending, so "further" is always larger s.
  const dir = sort.startsWith('-') ? -1 : 1;
  const need = pageSize + 1;
  const cap = 4 * need;
  const found: ListedItem[] = [];
  const count = async (q: string) => (await client.workflow.count(q)).count;
  const list = (q: string) => itemsOf(client, q);

  const iso = (t: number) => new Date(t).toISOString();
  /** The clause for positions lo ≤ s < hi (an infinite bound: no clause). */
  const between = (lo: number, hi: number): string => {
    const parts: string[] = [];
    const [tFrom, tTo] = dir === 1 ? [lo, hi] : [-hi, -lo];
    if (dir === 1) {
      if (Number.isFinite(tFrom)) parts.push(`${field} >= ${literal(iso(tFrom))}`);
      if (Number.isFinite(tTo)) parts.push(`${field} < ${literal(iso(tTo))}`);
    } else {
      if (Number.isFinite(tFrom)) parts.push(`${field} > ${literal(iso(tFrom))}`);
      if (Number.isFinite(tTo)) parts.push(`${field} <= ${literal(iso(tTo))}`);
    }
    return parts.length ? parts.join(' AND ') : `${field} IS NOT NULL`;
  };
  const sMin = dir === 1 ? EARLIEST_MS : -LATEST_MS;
  const sMax = dir === 1 ? LATEST_MS : -EARLIEST_MS;

  let width = after?.w ?? HOUR_MS;
  if (!after || after.k !== null) {
    // Items sharing the cursor's key with an id at or before it are not asked for.
    const base = after
      ? `${query} AND (${field} ${dir === 1 ? '>' : '<'} ${literal(after.k!)} OR WorkflowId > ${literal(after.id)})`
      : query;
    let lo = after ? dir * Date.parse(after.k!) : await startOf(base);
    while (found.length < need && lo < sMax) {
      const hi = lo + width >= sMax ? Infinity : lo + width;
      const inWindow = `${base} AND ${between(lo, hi)}`;
      const n = await count(inWindow);
      if (n > cap && width > 1) {
        // Too many in this window: narrow it in proportion, at least by half.
        width = Math.max(1, Math.min(Math.floor(width / 2), Math.floor((width * need) / n)));
        continue;
      }
      if (n === 0) {
        if (hi === Infinity || (await count(`${base} AND ${between(hi, Infinity)}`)) === 0) break;
        lo = hi;
        width *= 8;
        continue;
      }
      found.push(...(await list(inWindow)));
      if (hi === Infinity) break;
      lo = hi;
      // Fewer than a page: the next window wider, in proportion to what this one held.
      if (n < need) width *= Math.min(16, Math.max(2, Math.ceil(need / n)));
    }
  }
  if (found.length < need) {
    // No key: last whichever the direction, by id; only the ids after the cursor's when it is there.
    const tail = `${query} AND ${field} IS NULL${after && after.k === null ? ` AND WorkflowId > ${literal(after.id)}` : ''}`;
    const anyId = async (q: string) => {
      for await (const info of client.workflow.list({ query: q, pageSize: 1 })) return info.workflowId;
      return undefined;
    };
    found.push(...(await list(`${tail}${await idWindowEnd(tail, need - found.length, cap, count, anyId)}`)));
  }
  return pageOf(found, sort, pageSize, request.print, after, width);

  /**
   * Where the first page's search starts: at the API's clock when nothing lies before it in the
   * sort's direction, else at a point found by going back from it by 1 h, 8 h, 64 h, … until
   * nothing lies before.
   */
  async function startOf(base: string): Promise<number> {
    const pivot = dir * request.now.getTime();
    let back = 0;
    let step = HOUR_MS;
    while (pivot - back > sMin && (await count(`${base} AND ${between(-Infinity, pivot - back)}`)) > 0) {
      back += step;
      step *= 8;
    }
    return Math.max(sMin, pivot - back);
  }
}

/**
 * The characters of a workflow id here (api/schemas.ts APPLICATION_ID_PATTERN, and `.recovery`),
 * in ASCII order, so that comparing numbers compares ids as visibility does. Digit 0 is the end of
 * the id: a shorter id sorts first. Only these characters are ever written into a query.
 */
const ID_ALPHABET = '-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const ID_CHARS = [...ID_ALPHABET];
const ID_BASE = BigInt(ID_CHARS.length + 1);
/** How many characters of an id the bisection tells apart. */
const ID_DIGITS = 128;
/** At most this many counts halve the range; then the window ends at the tightest bound found. */
const ID_WINDOW_STEPS = 16;

/** An id as a number of ID_DIGITS digits (a character outside the alphabet counts as the next one in it). */
function idNumber(id: string): bigint {
  let n = 0n;
  for (let i = 0; i < ID_DIGITS; i++) {
    const c = id[i];
    const digit = c === undefined ? 0 : ID_CHARS.findIndex((a) => a >= c) + 1 || ID_CHARS.length;
    n = n * ID_BASE + BigInt(digit);
  }
  return n;
}

/** The id a number stands for, up to its first end digit. */
function idString(n: bigint): string {
  const digits: number[] = [];
  for (let i = 0; i < ID_DIGITS; i++) {
    digits.unshift(Number(n % ID_BASE));
    n /= ID_BASE;
  }
  const end = digits.indexOf(0);
  return (end < 0 ? digits : digits.slice(0, end)).map((d) => ID_CHARS[d - 1]).join('');
}

/**
 * The clause that ends the window of the keyless items after `from`, so that it holds at least
 * `need` and at most `cap` of them; '' when all of them fit. One of them (any) bounds the search:
 * the longest prefix of it with fewer than a page before it starts the bisection within the ids
 * that share it (a program's, a round's), where the page lies; the
 * counts then halve the id range until the window fits, at most ID_WINDOW_STEPS times: ids in
 * several bands far apart (two programs) are cut at the tightest bound found, which reads a band.
 */
export async function idWindowEnd(query: string, need: number, cap: number, count: (q: string) => Promise<number>, anyId: (q: string) => Promise<string | undefined>): Promise<string> {
  const all = await count(query);
  if (all <= cap) return '';
  const sample = (await anyId(query))?.slice(0, ID_DIGITS);
  if (sample === undefined) return '';
  const upToSample = await count(`${query} AND WorkflowId <= ${literal(sample)}`);
  if (upToSample >= need && upToSample <= cap) return ` AND WorkflowId <= ${literal(sample)}`;
  let lo: bigint;
  let hi: bigint;
  if (upToSample > cap) {
    // The longest prefix of the sample with fewer than a page before it: the page lies among the
    // ids that start with it (and the few before), so the halving starts there, not at ''.
    let known = 0;
    let unknown = sample.length + 1;
    while (unknown - known > 1) {
      const length = Math.floor((known + unknown) / 2);
      if ((await count(`${query} AND WorkflowId < ${literal(sample.slice(0, length))}`)) < need) known = length;
      else unknown = length;
    }
    lo = idNumber(sample.slice(0, known));
    hi = idNumber(sample);
  } else {
    // Fewer than a page up to the sample: the page ends somewhere above it.
    lo = idNumber(sample);
    hi = idNumber('z'.repeat(ID_DIGITS));
  }
  // Bounded: ids in several bands (two programs) can need more halvings than reading the band costs.
  for (let step = 0; step < ID_WINDOW_STEPS; step++) {
    const mid = idString((lo + hi) / 2n);
    const at = idNumber(mid);
    if (at <= lo || at >= hi) break;
    const n = await count(`${query} AND WorkflowId < ${literal(mid)}`);
    if (n > cap) hi = at;
    else if (n < need) lo = at;
    else return ` AND WorkflowId < ${literal(mid)}`;
  }
  return ` AND WorkflowId < ${literal(idString(hi))}`;
}

/**
 * The items of one window, each application once (a recovery case under its application's id),
 * with the pending items each one's memo holds (listed with it: no query per item).
 */
async function itemsOf(client: Client, query: string): Promise<ListedItem[]> {
  const infos: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query, pageSize: 1000 })) infos.push(info);
  const closed = infos.filter((i) => !isRecoveryCaseId(i.workflowId) && i.status.name !== 'RUNNING').map((i) => i.workflowId);
  const withCase = await recoveryCasesOf(client, closed);
  return infos.filter((i) => isRecoveryCaseId(i.workflowId) || !withCase.has(i.workflowId)).map(listedItemOf);
}

/** Which of these closed applications have a recovery case, a hundred ids per visibility query. */
async function recoveryCasesOf(client: Client, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 100) {
    const cases = ids.slice(i, i + 100).map((id) => literal(recoveryCaseId(id)));
    const query = `WorkflowType = 'recoveryWorkflow' AND WorkflowId IN (${cases.join(', ')})`;
    for await (const info of client.workflow.list({ query, pageSize: 1000 })) found.add(applicationIdOfWorkflow(info.workflowId));
  }
  return found;
}

/**
 * How many applications match: CountWorkflowExecutions of the query, less the closed applications
 * it counted whose recovery case stands for them. Those are found among the namespace's recovery
 * cases (one per fraud or breach report on a closed application, so few), a hundred per count; a
 * query for open workflows only (`openOnly`) counts no closed application and needs none of that.
 */
export async function totalOf(client: Client, query: string, openOnly: boolean): Promise<number> {
  const all = (await client.workflow.count(query)).count;
  if (openOnly) return all;
  const applications: string[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowType = 'recoveryWorkflow'`, pageSize: 1000 })) {
    applications.push(applicationIdOfWorkflow(info.workflowId));
  }
  let superseded = 0;
  for (let i = 0; i < applications.length; i += 100) {
    const ids = applications.slice(i, i + 100).map(literal).join(', ');
    const closedWithCase = `${query} AND WorkflowType = 'applicationWorkflow' AND ExecutionStatus != 'Running' AND WorkflowId IN (${ids})`;
    superseded += (await client.workflow.count(closedWithCase)).count;
  }
  return all - superseded;
}
