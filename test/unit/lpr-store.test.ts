import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LprDataError, LprInputError, parseLprCsv, rateOn } from '../../domain/lpr';
import { clawbackStatement } from '../../domain/interest';
import type { Actor } from '../../domain/roles';
import { ADMIN_FIXINGS_FILE, SHIPPED_LPR_CSV, createLprStore, readShippedLprTable } from '../../lib/lpr-store';

const admin: Actor = { id: 'admin-1', role: 'admin', name: '王管理' };
// A fixed clock: 2025-07-01 10:00 Beijing time.
const now = () => new Date('2025-07-01T02:00:00Z');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpr-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('LPR store', () => {
  it('ships data/lpr.csv: the published history, confirmed through 2025-05-20', () => {
    const shipped = readShippedLprTable();
    assert.equal(SHIPPED_LPR_CSV, join(__dirname, '..', '..', 'data', 'lpr.csv'));
    assert.equal(shipped.fixings.length, 15);
    assert.equal(shipped.confirmedThrough, '2025-05-20');
  });

  it('without admin fixings the table is the shipped one and every fixing is listed as shipped', () => {
    const store = createLprStore(dir, { now });
    assert.deepEqual(store.table(), parseLprCsv(readFileSync(SHIPPED_LPR_CSV, 'utf8')));
    const list = store.list();
    assert.equal(list.length, 15);
    assert.ok(list.every((f) => f.source === 'shipped' && f.addedAt === undefined));
    assert.equal(store.adminPath, join(dir, ADMIN_FIXINGS_FILE));
  });

  it('adds a fixing: persisted, listed with who and when, and in effect at once', () => {
    const store = createLprStore(dir, { now });
    const before = rateOn(store.table(), '2025-06-25', '1Y');
    assert.equal(before.carriedForward, true);

    const record = store.add({ effectiveDate: '2025-06-20', lpr1y: '3', lpr5y: '3.5' }, admin);
    assert.deepEqual(record, {
      effectiveDate: '2025-06-20',
      lpr1y: '3.00',
      lpr5y: '3.50',
      source: 'admin',
      addedAt: '2025-07-01T02:00:00.000Z',
      addedBy: admin,
    });

    const table = store.table();
    assert.equal(table.confirmedThrough, '2025-06-20');
    assert.deepEqual(rateOn(table, '2025-06-25', '1Y'), { ratePercent: '3.00', fixingDate: '2025-06-20', carriedForward: false });
    assert.equal(store.list().at(-1)!.source, 'admin');

    const file = JSON.parse(readFileSync(store.adminPath, 'utf8'));
    assert.deepEqual(file, {
      version: 1,
      fixings: [{ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50', addedAt: '2025-07-01T02:00:00.000Z', addedBy: admin }],
    });
    // Written through a temporary file and renamed: nothing else is left behind.
    assert.deepEqual(readdirSync(dir), [ADMIN_FIXINGS_FILE]);
  });

  it('another store on the same directory (another process) sees the addition', () => {
    createLprStore(dir, { now }).add({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' });
    const other = createLprStore(dir, { now });
    assert.equal(other.table().confirmedThrough, '2025-06-20');
    // No actor given: no addedBy.
    assert.equal(other.list().at(-1)!.addedBy, undefined);
  });

  it('removes the carried-forward flag from a statement', () => {
    const store = createLprStore(dir, { now });
    const input = {
      tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2025-06-01' }],
      decisionDate: '2025-06-25',
      asOf: '2025-07-01',
      rateMode: 'floating' as const,
      dayCount: 'ACT/360' as const,
      tenor: '1Y' as const,
    };
    assert.equal(clawbackStatement({ ...input, lpr: store.table() }).carriedForward, true);
    store.add({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' }, admin);
    assert.equal(clawbackStatement({ ...input, lpr: store.table() }).carriedForward, false);
  });

  it('a fixing on a shipped date replaces it and shows what it replaced; re-adding replaces the admin one', () => {
    const store = createLprStore(dir, { now });
    store.add({ effectiveDate: '2025-05-20', lpr1y: '3.05', lpr5y: '3.50' }, admin);
    store.add({ effectiveDate: '2025-05-20', lpr1y: '3.10', lpr5y: '3.55' }, admin);
    const list = store.list();
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
    assert.equal(rateOn(store.table(), '2025-05-21', '5Y').ratePercent, '3.55');
    assert.equal(JSON.parse(readFileSync(store.adminPath, 'utf8')).fixings.length, 1);
  });

  it('refuses a bad fixing, naming the field, and writes nothing', () => {
    const store = createLprStore(dir, { now });
    const refused = (fixing: unknown, field: string, reason: RegExp) =>
      assert.throws(
        () => store.add(fixing, admin),
        (e: unknown) => e instanceof LprInputError && e.field === field && reason.test(e.reason),
      );
    refused({ effectiveDate: '2025-06-31', lpr1y: '3.00', lpr5y: '3.50' }, 'effectiveDate', /not a real calendar date/);
    refused({ effectiveDate: '2019-07-22', lpr1y: '3.00', lpr5y: '3.50' }, 'effectiveDate', /before the first LPR fixing/);
    refused({ effectiveDate: '2025-06-20', lpr1y: '3.00001', lpr5y: '3.50' }, 'lpr1y', /more than 4 decimals/);
    refused({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: 3.5 }, 'lpr5y', /JSON number/);
    refused({ effectiveDate: '2025-06-20', lpr1y: '0', lpr5y: '3.50' }, 'lpr1y', /above 0/);
    // Today is 2025-07-01 in Beijing: the 2025-07-21 fixing is not published yet.
    refused({ effectiveDate: '2025-07-21', lpr1y: '3.00', lpr5y: '3.50' }, 'effectiveDate', /in the future \(today is 2025-07-01/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('uses the Beijing calendar day for "today"', () => {
    // 2025-07-20T16:30Z is already 2025-07-21 00:30 in Beijing.
    const store = createLprStore(dir, { now: () => new Date('2025-07-20T16:30:00Z') });
    store.add({ effectiveDate: '2025-07-21', lpr1y: '3.00', lpr5y: '3.50' });
    assert.equal(store.table().confirmedThrough, '2025-07-21');
  });

  it('creates the data directory when it does not exist', () => {
    const nested = join(dir, 'a', 'b');
    const store = createLprStore(nested, { now });
    store.add({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' });
    assert.equal(store.table().fixings.length, 16);
  });

  it('picks up a file changed behind its back without a restart', () => {
    const store = createLprStore(dir, { now });
    assert.equal(store.table().confirmedThrough, '2025-05-20');
    writeFileSync(
      join(dir, ADMIN_FIXINGS_FILE),
      JSON.stringify({ version: 1, fixings: [{ effectiveDate: '2025-06-20', lpr1y: '2.95', lpr5y: '3.45', addedAt: '2025-06-20T03:00:00Z' }] }),
    );
    assert.equal(rateOn(store.table(), '2025-06-20', '1Y').ratePercent, '2.95');
  });

  it('reports a corrupt fixings file as a data error naming the file', () => {
    const store = createLprStore(dir, { now });
    writeFileSync(join(dir, ADMIN_FIXINGS_FILE), '{not json');
    assert.throws(() => store.table(), (e: unknown) => e instanceof LprDataError && e.message.includes(ADMIN_FIXINGS_FILE));
    writeFileSync(join(dir, ADMIN_FIXINGS_FILE), JSON.stringify({ version: 1, fixings: [{ effectiveDate: '2025-06-20', lpr1y: 'x', lpr5y: '3.50' }] }));
    assert.throws(() => store.list(), /fixings\[0\]\.lpr1y/);
    writeFileSync(join(dir, ADMIN_FIXINGS_FILE), JSON.stringify([]));
    assert.throws(() => store.table(), /"version": 1/);
  });

  it('reports a broken shipped table as a data error naming the file', () => {
    const csv = join(dir, 'broken.csv');
    writeFileSync(csv, 'effective_date,lpr_1y,lpr_5y\n2019-08-20,4.25\n');
    const store = createLprStore(dir, { now, shippedCsvPath: csv });
    assert.throws(() => store.table(), (e: unknown) => e instanceof LprDataError && e.message.includes('broken.csv') && /line 2/.test(e.message));
    assert.throws(() => createLprStore(dir, { shippedCsvPath: join(dir, 'missing.csv') }).table(), /cannot read the shipped LPR table/);
  });
});
