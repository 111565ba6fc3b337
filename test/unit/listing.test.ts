/**
 * Finding work: validated filters become the listing table's filter (never query text), and the
 * opaque page token walks the table once, in the contract's order, bound to the filters it came
 * from. The paging runs on a real SQLite database in memory (lib/listing-store.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeToken, fingerprint, ListQuery, listingFilterOf, listingPage, publicItem, type Sort } from '../../api/listing';
import { pendingInMemo } from '../../api/pending-memo';
import { Problem } from '../../api/problem';
import { literal } from '../../api/temporal-calls';
import { type EngineDatabase, openDatabase } from '../../lib/database';
import { type ListingStore, listingStore, type StoredListingRow } from '../../lib/listing-store';
import { listingVersion } from '../../domain/listing-row';
import { creditCode } from '../helpers/fixtures';

const row = (id: string, filedAt: string, nextDueAt: string | null, more: Partial<StoredListingRow> = {}): StoredListingRow => ({
  id,
  workflowId: id,
  runId: `run-${id}`,
  status: 'RUNNING',
  stage: 'review',
  programId: 'p',
  round: '2026',
  applicant: creditCode(1),
  filedAt,
  nextDueAt,
  pendingRoles: ['reviewer'],
  pending: [{ role: 'reviewer', action: 'recommendation', path: 'recommendation', dueAt: nextDueAt }],
  version: listingVersion(1, 1),
  ...more,
});

describe('the visibility literal (the filing-key lookup)', () => {
  it('quotes every value and escapes quotes and backslashes, so a value cannot end its literal', () => {
    assert.equal(literal("it's"), "'it\\'s'");
    assert.equal(literal('a\\'), "'a\\\\'");
    assert.equal(literal("x' OR '1'='1"), "'x\\' OR \\'1\\'=\\'1'");
  });
});

describe('the listing filter', () => {
  it('has one condition per filter, the stage list deduplicated, due dates as Shanghai days', () => {
    const filters = ListQuery.parse({
      stage: 'review,sign-off,review',
      programId: 'dinghu-emergency-major-project',
      round: '2026',
      applicant: creditCode(1),
      pendingRole: 'reviewer',
      dueFrom: '2026-12-01',
      dueTo: '2026-12-31',
      open: 'true',
    });
    assert.deepEqual(listingFilterOf(filters), {
      stages: ['review', 'sign-off'],
      programId: 'dinghu-emergency-major-project',
      round: '2026',
      applicant: creditCode(1),
      pendingRoleIn: ['reviewer'],
      dueFrom: '2026-11-30T16:00:00.000Z',
      // dueTo is inclusive: before the start of the next Shanghai day (across a year end too).
      dueBefore: '2026-12-31T16:00:00.000Z',
      open: true,
    });
  });

  it("keeps an applicant system to its credit codes, and the inbox to open applications pending for the caller's roles", () => {
    assert.deepEqual(listingFilterOf({}, { applicants: [creditCode(1)] }), { applicantIn: [creditCode(1)] });
    assert.deepEqual(listingFilterOf({}, { pendingRoles: ['reviewer', 'approver'] }), { pendingRoleIn: ['reviewer', 'approver'], open: true });
  });
});

describe('filter validation', () => {
  const attack = "review' OR SubsidyStage != 'x";
  for (const field of ['stage', 'programId', 'round', 'applicant', 'pendingRole', 'dueFrom', 'dueTo', 'open', 'sort', 'pageSize']) {
    it(`refuses an injection in ${field}, naming it`, () => {
      const parsed = ListQuery.safeParse({ [field]: attack });
      assert.equal(parsed.success, false);
      assert.deepEqual(parsed.error!.issues.map((i) => i.path.join('.')), [field]);
    });
  }

  it('refuses a filter given twice, and an unknown one', () => {
    const twice = ListQuery.safeParse({ stage: ['review', 'sign-off'] });
    assert.equal(twice.success, false);
    assert.match(twice.error!.issues[0]!.message, /given once/);
    const unknown = ListQuery.safeParse({ query: "1=1" });
    assert.equal(unknown.success, false);
  });
});

describe('the listing table: sorting and the page token', () => {
  let db: EngineDatabase;
  let store: ListingStore;
  const rows = [
    row('c', '2026-01-03T00:00:00.000Z', null),
    row('a', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'),
    row('b', '2026-01-02T00:00:00.000Z', '2026-01-15T00:00:00.000Z'),
    row('d', '2026-01-02T00:00:00.000Z', '2026-01-15T00:00:00.000Z'),
    row('e', '2026-01-04T00:00:00.000Z', null, { status: 'COMPLETED', stage: 'rejected', pendingRoles: [], pending: [] }),
  ];
  before(async () => {
    db = await openDatabase({ kind: 'sqlite', file: ':memory:' });
    store = listingStore(db);
    for (const r of rows) assert.equal(await store.write(r, new Date()), true);
  });
  after(async () => db.destroy());

  /** Every page of a sort, `size` at a time: the ids in order, and the totals. */
  async function walk(sort: Sort, size: number, filter = {}) {
    const seen: string[] = [];
    const totals = new Set<number>();
    let token: string | undefined;
    do {
      const page = await listingPage(store, filter, sort, size, token);
      seen.push(...page.items.map((i) => i.id));
      totals.add(page.total);
      token = page.nextPageToken ?? undefined;
    } while (token);
    return { seen, totals: [...totals] };
  }

  it('sorts by due date with no deadline last whichever the direction, ties by id, one page or many', async () => {
    for (const size of [1, 2, 100]) {
      assert.deepEqual((await walk('dueAt', size)).seen, ['b', 'd', 'a', 'c', 'e']);
      assert.deepEqual((await walk('-dueAt', size)).seen, ['a', 'b', 'd', 'c', 'e']);
      assert.deepEqual((await walk('filedAt', size)).seen, ['a', 'b', 'd', 'c', 'e']);
      assert.deepEqual((await walk('-filedAt', size)).seen, ['e', 'c', 'b', 'd', 'a']);
    }
    assert.deepEqual((await walk('dueAt', 2)).totals, [5]);
  });

  it('filters: open, stage, the inbox (pending roles of open applications)', async () => {
    assert.deepEqual((await walk('filedAt', 2, { open: true })).seen, ['a', 'b', 'd', 'c']);
    assert.deepEqual((await walk('filedAt', 2, { open: false })).seen, ['e']);
    assert.deepEqual((await walk('filedAt', 2, { stages: ['rejected'] })).seen, ['e']);
    assert.deepEqual((await walk('dueAt', 2, listingFilterOf({}, { pendingRoles: ['reviewer'] }))).seen, ['b', 'd', 'a', 'c']);
    assert.deepEqual((await walk('dueAt', 2, listingFilterOf({}, { pendingRoles: ['approver'] }))).seen, []);
    assert.deepEqual((await walk('dueAt', 2, listingFilterOf({}, { applicants: [] }))).seen, []);
    assert.deepEqual((await walk('dueAt', 2, { dueFrom: '2026-01-16T00:00:00.000Z' })).seen, ['a']);
  });

  it('keeps its place when an earlier item moves away between pages', async () => {
    const first = await listingPage(store, {}, 'filedAt', 2);
    assert.deepEqual(first.items.map((i) => i.id), ['a', 'b']);
    await store.write(row('a', '2026-01-01T00:00:00.000Z', null, { stage: 'sign-off', version: listingVersion(2, 1) }), new Date());
    const rest = await listingPage(store, { stages: ['review'] }, 'filedAt', 2);
    assert.deepEqual(rest.items.map((i) => i.id), ['b', 'd']);
    const next = await listingPage(store, {}, 'filedAt', 2, first.nextPageToken!);
    assert.deepEqual(next.items.map((i) => i.id), ['d', 'c']);
    // A listing shows no pending items, only the roles.
    const { pending: _pending, ...shown } = next.items[0]!;
    assert.deepEqual(publicItem(next.items[0]!), shown);
  });

  it('refuses a token of other filters, and anything that is not a token', async () => {
    const token = (await listingPage(store, {}, 'filedAt', 1)).nextPageToken!;
    const refused = (fn: () => unknown, reason: RegExp) =>
      assert.throws(fn, (err: unknown) => err instanceof Problem && err.type === 'validation' && reason.test(err.detail));
    refused(() => decodeToken(token, fingerprint({ open: true }, 'filedAt')), /other filters/);
    refused(() => decodeToken(token, fingerprint({}, 'dueAt')), /other filters/);
    refused(() => decodeToken('bm90IGpzb24', fingerprint({}, 'filedAt')), /not a page token/);
    refused(() => decodeToken(Buffer.from('{"v":2}').toString('base64url'), fingerprint({}, 'filedAt')), /not a page token/);
  });
});

describe('a run ended by hand (the catch-up)', () => {
  it('marks the row of that very run ended, with nothing pending, once; a newer run is left alone', async () => {
    const db = await openDatabase({ kind: 'sqlite', file: ':memory:' });
    try {
      const store = listingStore(db);
      await store.write(row('f', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'), new Date());
      assert.equal(await store.markEnded('f', 'another-run', 'TERMINATED', new Date()), false);
      assert.equal(await store.markEnded('f', 'run-f', 'TERMINATED', new Date()), true);
      assert.equal(await store.markEnded('f', 'run-f', 'TERMINATED', new Date()), false);
      const ended = await store.get('f');
      assert.deepEqual([ended!.status, ended!.pendingRoles, ended!.pending, ended!.nextDueAt], ['TERMINATED', [], [], null]);
      assert.equal(await store.count(listingFilterOf({}, { pendingRoles: ['reviewer'] })), 0);
      assert.equal(await store.count({ open: false }), 1);
    } finally {
      await db.destroy();
    }
  });
});

describe("the pending items in an application's memo (patch 2026-12-pending-memo, read by the catch-up)", () => {
  const items = [
    { role: 'reviewer' as const, action: 'recommendation', path: 'recommendation', dueAt: '2026-06-30T16:00:00.000Z' },
    { role: 'approver' as const, action: 'repayment-overdue', path: null, dueAt: null, reason: 'repayment overdue' },
  ];

  it('reads the items the workflow wrote (what a catch-up lists a run by)', () => {
    assert.deepEqual(pendingInMemo({ filing: { keyHash: 'h' }, pending: { v: 1, items } }), items);
    assert.deepEqual(pendingInMemo({ pending: { v: 1, items: [] } }), []);
  });

  it('gives null (the inbox then asks the workflow) for no memo, another version, or an item it does not know', () => {
    assert.equal(pendingInMemo(undefined), null);
    assert.equal(pendingInMemo({ filing: {} }), null);
    assert.equal(pendingInMemo({ pending: { v: 2, items } }), null);
    assert.equal(pendingInMemo({ pending: { v: 1, items: [{ ...items[0], extra: 'x' }] } }), null);
    assert.equal(pendingInMemo({ pending: { v: 1, items: [{ ...items[0], role: 'janitor' }] } }), null);
  });
});
