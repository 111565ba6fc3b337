import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LprDataError, LprInputError, parseLprCsv, rateOn } from '../../domain/lpr';
import { clawbackStatement } from '../../domain/interest';
import type { Actor } from '../../domain/roles';
import { ADMIN_FIXINGS_FILE, SHIPPED_LPR_CSV, createLprStore, importLprFile, readShippedLprTable } from '../../lib/lpr-store';
import { twoConnectionsPerTest } from '../helpers/two-connections';

const admin: Actor = { id: 'admin-1', role: 'admin', name: '王管理' };
// A fixed clock: 2025-07-01 10:00 Beijing time.
const now = () => new Date('2025-07-01T02:00:00Z');

/** Two connections to one database, as two processes have. */
const conn = twoConnectionsPerTest('lpr-store-');

const adminRows = () => conn.db.selectFrom('lpr_fixings').selectAll().execute();

describe('LPR store', () => {
  it('ships data/lpr.csv: the published history, confirmed through 2025-05-20', () => {
    const shipped = readShippedLprTable();
    assert.equal(SHIPPED_LPR_CSV, join(__dirname, '..', '..', 'data', 'lpr.csv'));
    assert.equal(shipped.fixings.length, 15);
    assert.equal(shipped.confirmedThrough, '2025-05-20');
  });

  it('without admin fixings the table is the shipped one and every fixing is listed as shipped', async () => {
    const lpr = await createLprStore(conn.db, { now }).current();
    assert.deepEqual(lpr.table(), parseLprCsv(readFileSync(SHIPPED_LPR_CSV, 'utf8')));
    const list = lpr.list();
    assert.equal(list.length, 15);
    assert.ok(list.every((f) => f.source === 'shipped' && f.addedAt === undefined));
  });

  it('adds a fixing: stored in the engine database, listed with who and when, and in effect at once', async () => {
    const store = createLprStore(conn.db, { now });
    const before = rateOn((await store.current()).table(), '2025-06-25', '1Y');
    assert.equal(before.carriedForward, true);

    const record = await store.add({ effectiveDate: '2025-06-20', lpr1y: '3', lpr5y: '3.5' }, admin);
    assert.deepEqual(record, {
      effectiveDate: '2025-06-20',
      lpr1y: '3.00',
      lpr5y: '3.50',
      source: 'admin',
      addedAt: '2025-07-01T02:00:00.000Z',
      addedBy: admin,
    });

    const lpr = await store.current();
    assert.equal(lpr.table().confirmedThrough, '2025-06-20');
    assert.deepEqual(rateOn(lpr.table(), '2025-06-25', '1Y'), { ratePercent: '3.00', fixingDate: '2025-06-20', carriedForward: false });
    assert.equal(lpr.list().at(-1)!.source, 'admin');
    assert.deepEqual(await adminRows(), [
      { effective_date: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50', added_at: '2025-07-01T02:00:00.000Z', added_by: JSON.stringify(admin) },
    ]);
  });

  it('another process on the same database (a worker, another API) sees the addition', async () => {
    await createLprStore(conn.db, { now }).add({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' });
    const other = await createLprStore(conn.otherDb, { now }).current();
    assert.equal(other.table().confirmedThrough, '2025-06-20');
    // No actor given: no addedBy.
    assert.equal(other.list().at(-1)!.addedBy, undefined);
  });

  it('removes the carried-forward flag from a statement', async () => {
    const store = createLprStore(conn.db, { now });
    const input = {
      tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2025-06-01' }],
      decisionDate: '2025-06-25',
      asOf: '2025-07-01',
      rateMode: 'floating' as const,
      dayCount: 'ACT/360' as const,
      tenor: '1Y' as const,
    };
    assert.equal(clawbackStatement({ ...input, lpr: (await store.current()).table() }).carriedForward, true);
    await store.add({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' }, admin);
    assert.equal(clawbackStatement({ ...input, lpr: (await store.current()).table() }).carriedForward, false);
  });

  it('a fixing on a shipped date replaces it and shows what it replaced; re-adding replaces the admin one', async () => {
    const store = createLprStore(conn.db, { now });
    await store.add({ effectiveDate: '2025-05-20', lpr1y: '3.05', lpr5y: '3.50' }, admin);
    await store.add({ effectiveDate: '2025-05-20', lpr1y: '3.10', lpr5y: '3.55' }, admin);
    const lpr = await store.current();
    const list = lpr.list();
    assert.equal(list.length, 15);
    assert.deepEqual(list.at(-1), {
      effectiveDate: '2025-05-20',
      lpr1y: '3.10',
      lpr5y: '3.55',
      source: 'admin',
      addedAt: '2025-07-01T02:00:00.000Z',
      addedBy: admin,
      replaces: { lpr1y: '3.00', lpr5y: '3.50' },
    });
    assert.equal(rateOn(lpr.table(), '2025-05-21', '5Y').ratePercent, '3.55');
    assert.equal((await adminRows()).length, 1);
  });

  it('refuses a bad fixing, naming the field, and stores nothing', async () => {
    const store = createLprStore(conn.db, { now });
    const refused = (fixing: unknown, field: string, reason: RegExp) =>
      assert.rejects(store.add(fixing, admin), (e: unknown) => e instanceof LprInputError && e.field === field && reason.test(e.reason));
    await refused({ effectiveDate: '2025-06-31', lpr1y: '3.00', lpr5y: '3.50' }, 'effectiveDate', /not a real calendar date/);
    await refused({ effectiveDate: '2019-07-22', lpr1y: '3.00', lpr5y: '3.50' }, 'effectiveDate', /before the first LPR fixing/);
    await refused({ effectiveDate: '2025-06-20', lpr1y: '3.00001', lpr5y: '3.50' }, 'lpr1y', /more than 4 decimals/);
    await refused({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: 3.5 }, 'lpr5y', /JSON number/);
    await refused({ effectiveDate: '2025-06-20', lpr1y: '0', lpr5y: '3.50' }, 'lpr1y', /above 0/);
    // Today is 2025-07-01 in Beijing: the 2025-07-21 fixing is not published yet.
    await refused({ effectiveDate: '2025-07-21', lpr1y: '3.00', lpr5y: '3.50' }, 'effectiveDate', /in the future \(today is 2025-07-01/);
    assert.deepEqual(await adminRows(), []);
  });

  it('uses the Beijing calendar day for "today"', async () => {
    // 2025-07-20T16:30Z is already 2025-07-21 00:30 in Beijing.
    const store = createLprStore(conn.db, { now: () => new Date('2025-07-20T16:30:00Z') });
    await store.add({ effectiveDate: '2025-07-21', lpr1y: '3.00', lpr5y: '3.50' });
    assert.equal((await store.current()).table().confirmedThrough, '2025-07-21');
  });

  it('reports a row edited by hand that breaks the rules as a data error naming the row', async () => {
    await conn.db.insertInto('lpr_fixings').values({ effective_date: '2025-06-20', lpr1y: 'x', lpr5y: '3.50', added_at: '', added_by: null }).execute();
    await assert.rejects(createLprStore(conn.db, { now }).current(), (e: unknown) => e instanceof LprDataError && /lpr_fixings row 2025-06-20/.test(e.message) && /lpr1y/.test(e.message));
  });

  it('moves the fixings of an older deployment, the file <dataDir>/lpr-fixings.json, into the database once', async () => {
    writeFileSync(
      join(conn.dir, ADMIN_FIXINGS_FILE),
      JSON.stringify({ version: 1, fixings: [{ effectiveDate: '2025-06-20', lpr1y: '2.95', lpr5y: '3.45', addedAt: '2025-06-20T03:00:00Z', addedBy: admin }] }),
    );
    assert.deepEqual(await importLprFile(conn.db, conn.dir), ['2025-06-20']);
    const lpr = await createLprStore(conn.db, { now }).current();
    assert.equal(rateOn(lpr.table(), '2025-06-20', '1Y').ratePercent, '2.95');
    assert.deepEqual(lpr.list().at(-1)!.addedBy, admin);
    assert.deepEqual(await importLprFile(conn.db, conn.dir), [], 'once');
    writeFileSync(join(conn.dir, ADMIN_FIXINGS_FILE), JSON.stringify([]));
    await assert.rejects(importLprFile(conn.db, conn.dir), /"version": 1/);
  });

  it('reports a broken shipped table as a data error naming the file', async () => {
    const csv = join(conn.dir, 'broken.csv');
    writeFileSync(csv, 'effective_date,lpr_1y,lpr_5y\n2019-08-20,4.25\n');
    await assert.rejects(createLprStore(conn.db, { now, shippedCsvPath: csv }).current(), (e: unknown) => e instanceof LprDataError && e.message.includes('broken.csv') && /line 2/.test(e.message));
    await assert.rejects(createLprStore(conn.db, { shippedCsvPath: join(conn.dir, 'missing.csv') }).current(), /cannot read the shipped LPR table/);
  });
});
