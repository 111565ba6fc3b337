/**
 * End to end, issue 18: `GET /applications` and `GET /inbox` over more than 5 000 matching
 * applications, on the dev server (`npm start`), page by page, from the listing table.
 *
 * Cheap seeding, as applications from before the listing table: 5 150 application workflows
 * started on a task queue no worker polls, with the engine's search attributes set at start, then
 * brought into the listing table by `npm run listing:catch-up` (api/listing-catch-up.ts), the
 * way an upgraded engine lists its older applications. They stay Running and never run a task,
 * so the listing sees exactly the attributes given here: filing times a few seconds apart in groups of three with
 * the very same instant, a few filed long ago, due dates spread over two days with many equal,
 * some overdue, every fifth with none. Each sort is paged through, 100 at a time, and must give
 * every id once, in the order computed here from the same attributes (no deadline last, ties by
 * id), with `total` right on every page. Nothing here asserts time; the time per page is printed.
 *
 * Each is started with the memo an application keeps (patch `2026-12-pending-memo`: its pending
 * items, encrypted with the engine's key), except a few started without one, as before the patch:
 * with no worker, the inbox can show pending items only from the memo, and shows `null` for those.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readKeyFile } from '../../lib/codec-keys';
import { dataConverterFor } from '../../lib/data-converter';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { creditCode } from '../helpers/fixtures';
import { http, type HttpAnswer, type RunningEngine, startEngine } from '../helpers/engine';
import { tempDir } from '../helpers/temporal';
import { PROJECT_ROOT } from '../../lib/settings';
import type { Role } from '../../domain/roles';

const PROGRAM = 'listing-many-program';
const ROUND = '2026';
const COUNT = 5150;
const MINUTE = 60_000;
/** The one an operator terminates. */
const TERMINATED = 4000;

/** `npm run listing:catch-up` against the engine: what it printed. */
function catchUp(engine: RunningEngine): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'scripts/listing-catch-up.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATA_DIR: engine.dataDir, TEMPORAL_ADDRESS: `127.0.0.1:${engine.ports.temporal}` },
    encoding: 'utf8',
  });
}

interface Seeded {
  id: string;
  filedAt: string;
  nextDueAt: string | null;
  /** The pending items in its memo; null: started without the memo. */
  pending: Array<{ role: Role; action: string; path: string | null; dueAt: string | null }> | null;
}

type Sort = 'filedAt' | '-filedAt' | 'dueAt' | '-dueAt';

/** The order the contract promises, written out again here: no key last both ways, ties by id. */
function expectedOrder(items: readonly Seeded[], sort: Sort): string[] {
  const key = (s: Seeded) => (sort.endsWith('dueAt') ? s.nextDueAt : s.filedAt);
  const sign = sort.startsWith('-') ? -1 : 1;
  return [...items]
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) {
        if (ka === null) return 1;
        if (kb === null) return -1;
        return (Date.parse(ka) - Date.parse(kb)) * sign;
      }
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    })
    .map((s) => s.id);
}

describe(`listing over ${COUNT} matching applications, on the dev server`, { timeout: 280_000 }, () => {
  let engine: RunningEngine;
  let connection: Connection;
  const dataDir = tempDir('e2e-listing-many');
  const seeded: Seeded[] = [];

  const get = (path: string, role: Role = 'auditor', headers: Record<string, string> = {}): Promise<HttpAnswer> =>
    http(engine, 'GET', path, { role, headers });

  before(async () => {
    // Hundreds of pages in a minute: the per-credential limit is not what is tested here.
    // No worker runs the seeded applications: the inbox lists one without a memo without its details after 100 ms.
    engine = await startEngine(dataDir, undefined, { DEV_API_KEYS: 'true', RATE_LIMIT_PER_MINUTE: '100000', INBOX_DETAIL_TIMEOUT_MS: '100' });
    connection = await Connection.connect({ address: `127.0.0.1:${engine.ports.temporal}` });
    // The engine's data converter, so the memo is encrypted with its key as a worker's would be.
    const client = new Client({ connection, dataConverter: dataConverterFor(readKeyFile(join(dataDir, 'payload-keys.json'))) });
    const now = Date.now();
    const firstFiled = now - 2 * 24 * 60 * MINUTE;
    for (let n = 0; n < COUNT; n++) {
      const filedAt = n % 1000 === 999 ? now - (400 + n / 1000) * 24 * 60 * MINUTE : firstFiled + Math.floor(n / 3) * 7_000;
      const due =
        n % 5 === 0 ? null : n % 11 === 0 ? now - (n % 7) * 24 * 60 * MINUTE - (n % 13) * MINUTE : now + ((n * 7919) % 2880) * MINUTE;
      const nextDueAt = due === null ? null : new Date(due).toISOString();
      const pending = n % 1000 === 500 ? null : [{ role: 'reviewer' as const, action: 'recommendation', path: 'recommendation', dueAt: nextDueAt }];
      seeded.push({ id: `${PROGRAM}.${ROUND}.${creditCode(100_000 + n)}`, filedAt: new Date(filedAt).toISOString(), nextDueAt, pending });
    }
    let next = 0;
    const starter = async () => {
      while (next < seeded.length) {
        const s = seeded[next++]!;
        await client.workflow.start('applicationWorkflow', {
          taskQueue: 'listing-many-no-worker',
          workflowId: s.id,
          args: [],
          ...(s.pending ? { memo: { pending: { v: 1, items: s.pending } } } : {}),
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.stage, value: 'review' },
            { key: SEARCH_ATTRIBUTES.programId, value: PROGRAM },
            { key: SEARCH_ATTRIBUTES.round, value: ROUND },
            { key: SEARCH_ATTRIBUTES.applicantCreditCode, value: s.id.split('.')[2]! },
            { key: SEARCH_ATTRIBUTES.pendingRoles, value: ['reviewer'] },
            { key: SEARCH_ATTRIBUTES.filedAt, value: new Date(s.filedAt) },
            ...(s.nextDueAt ? [{ key: SEARCH_ATTRIBUTES.nextDueAt, value: new Date(s.nextDueAt) }] : []),
          ],
        });
      }
    };
    await Promise.all(Array.from({ length: 20 }, starter));
    // Visibility is eventually consistent: wait until it counts every one.
    const query = `WorkflowType = 'applicationWorkflow' AND ${SEARCH_ATTRIBUTES.programId.name} = '${PROGRAM}'`;
    const deadline = Date.now() + 60_000;
    while ((await client.workflow.count(query)).count < COUNT) {
      if (Date.now() > deadline) assert.fail(`visibility did not count ${COUNT} seeded applications within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // For comparison (printed, not asserted): what every page cost before issue 18, one read of every match.
    const started = performance.now();
    const read: string[] = [];
    for await (const info of client.workflow.list({ query, pageSize: 1000 })) read.push(info.workflowId);
    console.log(`# reading all ${read.length} matches once (every page before issue 18): ${(performance.now() - started).toFixed(0)} ms`);
    const first = catchUp(engine);
    assert.match(first, new RegExp(`${COUNT} executions read, ${COUNT} rows written, 0 marked ended`), first);
    // The one an operator terminates: listed as it ended once caught up again; nothing else changes.
    await client.workflow.getHandle(seeded[TERMINATED]!.id).terminate('listing-many: ended by hand');
    while ((await client.workflow.count(`${query} AND ExecutionStatus = 'Terminated'`)).count < 1) {
      if (Date.now() > deadline + 30_000) assert.fail('visibility did not show the terminated one');
      await new Promise((r) => setTimeout(r, 200));
    }
    const second = catchUp(engine);
    assert.match(second, new RegExp(`${COUNT} executions read, 0 rows written, 1 marked ended`), second);
  });
  after(async () => {
    await connection?.close();
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  /** Every page of a listing: the ids in order, and the total of each page. */
  async function walk(path: string, role: Role = 'auditor'): Promise<{ ids: string[]; totals: number[]; msPerPage: number[]; items: any[] }> {
    const ids: string[] = [];
    const items: any[] = [];
    const totals: number[] = [];
    const msPerPage: number[] = [];
    let token: string | null = null;
    do {
      const started = performance.now();
      const answer = await get(`${path}${token ? `${path.includes('?') ? '&' : '?'}pageToken=${token}` : ''}`, role);
      msPerPage.push(performance.now() - started);
      assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 1000));
      assert.ok(answer.body.items.length <= 100);
      ids.push(...answer.body.items.map((i: { id: string }) => i.id));
      items.push(...answer.body.items);
      totals.push(answer.body.total);
      token = answer.body.nextPageToken;
      assert.ok(ids.length <= COUNT + 100, 'paging ends');
    } while (token);
    return { ids, totals, msPerPage, items };
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  for (const sort of ['-filedAt', 'filedAt', 'dueAt', '-dueAt'] as const) {
    it(`sort=${sort}: every application once, in order, 100 a page, total ${COUNT} on each page`, async () => {
      const { ids, totals, msPerPage } = await walk(`/applications?stage=review&programId=${PROGRAM}&sort=${encodeURIComponent(sort)}&pageSize=100`);
      assert.equal(new Set(ids).size, ids.length, 'no id twice');
      assert.deepEqual(ids, expectedOrder(seeded, sort));
      assert.equal(ids.length, COUNT);
      assert.deepEqual([...new Set(totals)], [COUNT]);
      console.log(`# sort=${sort}: ${msPerPage.length} pages, median ${median(msPerPage).toFixed(0)} ms a page (not asserted)`);
    });
  }

  it('the inbox: every application pending for the reviewer once, due first, no deadline last, its pending items from its memo (caught up)', async () => {
    const { ids, totals, msPerPage, items } = await walk('/inbox?pageSize=100', 'reviewer');
    const open = seeded.filter((s) => s !== seeded[TERMINATED]);
    assert.deepEqual(ids, expectedOrder(open, 'dueAt'));
    assert.deepEqual([...new Set(totals)], [COUNT - 1]);
    // No worker: the pending items come from the memo, or are null (no memo, and the query unanswered).
    const seededById = new Map(seeded.map((s) => [s.id, s]));
    for (const item of items) assert.deepEqual(item.pending, seededById.get(item.id)!.pending, item.id);
    assert.equal(items.filter((i) => i.pending === null).length, seeded.filter((s) => s.pending === null).length);
    const slowest = [...msPerPage].sort((a, b) => a - b).at(-1)!;
    console.log(`# inbox: ${msPerPage.length} pages, median ${median(msPerPage).toFixed(0)} ms a page, slowest ${slowest.toFixed(0)} ms (not asserted)`);
  });

  it('open=false: the one an operator terminated, as Temporal names its end', async () => {
    const closed = await get(`/applications?programId=${PROGRAM}&open=false`);
    assert.deepEqual(closed.body.items.map((i: { id: string; status: string }) => [i.id, i.status]), [[seeded[TERMINATED]!.id, 'TERMINATED']]);
    assert.equal(closed.body.total, 1);
  });

  it('the default sort is -filedAt, and a page token is refused with other filters or another sort', async () => {
    const first = await get(`/applications?stage=review&programId=${PROGRAM}&pageSize=100`);
    assert.equal(first.status, 200);
    assert.equal(first.body.sort, '-filedAt');
    assert.deepEqual(first.body.items.map((i: { id: string }) => i.id), expectedOrder(seeded, '-filedAt').slice(0, 100));
    const token = first.body.nextPageToken as string;
    for (const other of [`stage=review&pageSize=100`, `stage=review&programId=${PROGRAM}&sort=dueAt&pageSize=100`, `stage=review,sign-off&programId=${PROGRAM}&pageSize=100`]) {
      const refused = await get(`/applications?${other}&pageToken=${token}`);
      assert.equal(refused.status, 400, other);
      assert.equal(refused.body.errors[0].field, 'pageToken');
    }
    // The same filters in another order of parameters are the same filters.
    const second = await get(`/applications?pageSize=100&programId=${PROGRAM}&stage=review&pageToken=${token}`);
    assert.deepEqual(second.body.items.map((i: { id: string }) => i.id), expectedOrder(seeded, '-filedAt').slice(100, 200));
  });

  it('filters narrow the windows: dueTo today gives the overdue and today\'s, in order', async () => {
    const today = new Date(Date.now() + 8 * 60 * MINUTE).toISOString().slice(0, 10); // Asia/Shanghai
    const endOfToday = Date.parse(`${today}T00:00:00+08:00`) + 24 * 60 * MINUTE;
    const due = seeded.filter((s) => s.nextDueAt !== null && Date.parse(s.nextDueAt) < endOfToday);
    const { ids, totals } = await walk(`/applications?programId=${PROGRAM}&dueTo=${today}&sort=dueAt&pageSize=100`);
    assert.deepEqual(ids, expectedOrder(due, 'dueAt'));
    assert.deepEqual([...new Set(totals)], [due.length]);
  });
});
