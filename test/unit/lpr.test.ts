import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LprDataError,
  LprInputError,
  addDays,
  daysBetween,
  firstUnconfirmedDate,
  fixingProblem,
  isConfirmed,
  isoDateProblem,
  mergeFixings,
  normaliseRatePercent,
  parseLprCsv,
  rateOn,
  ratePercentProblem,
  validateFixing,
  type LprTable,
} from '../../domain/lpr';

const SHIPPED = readFileSync(join(__dirname, '..', '..', 'data', 'lpr.csv'), 'utf8');
const table = parseLprCsv(SHIPPED);

const csv = (...rows: string[]) => ['# comment', '# Confirmed through: 2020-02-20', 'effective_date,lpr_1y,lpr_5y', ...rows].join('\n');

describe('LPR CSV', () => {
  it('parses the shipped table: 15 changes since 2019-08-20, confirmed through 2025-05-20', () => {
    assert.equal(table.fixings.length, 15);
    assert.equal(table.confirmedThrough, '2025-05-20');
    assert.deepEqual(table.fixings[0], { effectiveDate: '2019-08-20', lpr1y: '4.25', lpr5y: '4.85', source: 'shipped' });
    assert.deepEqual(table.fixings.at(-1), { effectiveDate: '2025-05-20', lpr1y: '3.00', lpr5y: '3.50', source: 'shipped' });
    const dates = table.fixings.map((f) => f.effectiveDate);
    assert.deepEqual(dates, [...dates].sort());
  });

  it('sorts rows, accepts CRLF, a BOM and blank lines', () => {
    const t = parseLprCsv('\uFEFF' + csv('2019-09-20,4.20,4.85', '', '2019-08-20,4.25,4.85').replace(/\n/g, '\r\n'));
    assert.deepEqual(
      t.fixings.map((f) => f.effectiveDate),
      ['2019-08-20', '2019-09-20'],
    );
    assert.equal(t.confirmedThrough, '2020-02-20');
  });

  it('without a "Confirmed through" line confirms only up to the last fixing', () => {
    const t = parseLprCsv('effective_date,lpr_1y,lpr_5y\n2019-08-20,4.25,4.85\n2019-09-20,4.20,4.85\n');
    assert.equal(t.confirmedThrough, '2019-09-20');
  });

  it('never lets the header date fall behind a row in the file', () => {
    const t = parseLprCsv(csv('2019-08-20,4.25,4.85', '2020-04-20,3.85,4.65'));
    assert.equal(t.confirmedThrough, '2020-04-20');
  });

  it('normalises rate spellings', () => {
    const t = parseLprCsv(csv('2019-08-20,4.2500,5'));
    assert.equal(t.fixings[0]!.lpr1y, '4.25');
    assert.equal(t.fixings[0]!.lpr5y, '5.00');
  });

  it('refuses a bad header, a bad row or a duplicate date, naming the line', () => {
    assert.throws(() => parseLprCsv('date,one,five\n2019-08-20,4.25,4.85'), (e: unknown) => {
      assert.ok(e instanceof LprDataError);
      assert.match(e.message, /line 1: expected the header/);
      return true;
    });
    assert.throws(() => parseLprCsv(csv('2019-08-20,4.25,4.85', '2019-02-30,4.20,4.85')), /line 5: effectiveDate is not a real calendar date/);
    assert.throws(() => parseLprCsv(csv('2019-08-20,4.25')), /line 4: expected 3 columns/);
    assert.throws(() => parseLprCsv(csv('2019-08-20,4.25,abc')), /line 4: lpr5y must be a percent string/);
    assert.throws(() => parseLprCsv(csv('2019-08-20,4.25,4.85', '2019-08-20,4.20,4.85')), /line 5: a second row for 2019-08-20/);
    assert.throws(() => parseLprCsv(csv()), /no fixings/);
    assert.throws(() => parseLprCsv('# only comments\n'), /no header/);
    assert.throws(() => parseLprCsv('# Confirmed through: 2025-13-01\n'), /line 1: "Confirmed through" is not a real calendar date/);
  });
});

describe('validation helpers', () => {
  it('dates: format and real calendar days', () => {
    assert.equal(isoDateProblem('2024-02-29'), null);
    assert.match(isoDateProblem('2023-02-29')!, /not a real calendar date/);
    assert.match(isoDateProblem('2024-2-29')!, /YYYY-MM-DD/);
    assert.match(isoDateProblem('2024-06-01T00:00:00Z')!, /YYYY-MM-DD/);
    assert.match(isoDateProblem(20240601)!, /YYYY-MM-DD/);
    assert.match(isoDateProblem('0050-01-01')!, /implausible year/);
  });

  it('rates: a percent string, at most 4 decimals, 0 < rate < 100', () => {
    for (const ok of ['3.45', '3', '0.0001', '99.9999', '3.1234']) assert.equal(ratePercentProblem(ok), null, ok);
    assert.match(ratePercentProblem('3.12345')!, /more than 4 decimals/);
    assert.match(ratePercentProblem('0')!, /above 0/);
    assert.match(ratePercentProblem('0.0000')!, /above 0/);
    assert.match(ratePercentProblem('100')!, /below 100/);
    assert.match(ratePercentProblem('-1.00')!, /percent string/);
    assert.match(ratePercentProblem('03.45')!, /percent string/);
    assert.match(ratePercentProblem('3.45%')!, /percent string/);
    assert.match(ratePercentProblem(3.45)!, /not a JSON number/);
  });

  it('normalises to at least two decimals without trailing zeros', () => {
    assert.equal(normaliseRatePercent('3'), '3.00');
    assert.equal(normaliseRatePercent('3.1'), '3.10');
    assert.equal(normaliseRatePercent('3.4500'), '3.45');
    assert.equal(normaliseRatePercent('3.125'), '3.125');
  });

  it('fixings: names the bad field', () => {
    assert.equal(fixingProblem({ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' }), null);
    assert.match(fixingProblem({ effectiveDate: '2025-06-31', lpr1y: '3.00', lpr5y: '3.50' })!, /^effectiveDate is not a real/);
    assert.match(fixingProblem({ effectiveDate: '2019-08-19', lpr1y: '3.00', lpr5y: '3.50' })!, /^effectiveDate 2019-08-19 is before the first LPR fixing/);
    assert.match(fixingProblem({ effectiveDate: '2025-06-20', lpr1y: '3.00001', lpr5y: '3.50' })!, /^lpr1y has more than 4 decimals/);
    assert.match(fixingProblem({ effectiveDate: '2025-06-20', lpr1y: '3.00' })!, /^lpr5y must be a percent string/);
    assert.match(fixingProblem(null)!, /must be an object/);
    assert.throws(
      () => validateFixing({ effectiveDate: '2025-06-20', lpr1y: '120', lpr5y: '3.50' }, 'body.'),
      (e: unknown) => e instanceof LprInputError && e.field === 'body.lpr1y' && /below 100/.test(e.reason),
    );
  });

  it('date arithmetic is by calendar day, across leap days and year ends', () => {
    assert.equal(daysBetween('2024-02-28', '2024-03-01'), 2);
    assert.equal(daysBetween('2023-02-28', '2023-03-01'), 1);
    assert.equal(daysBetween('2024-06-01', '2024-12-01'), 183);
    assert.equal(addDays('2024-12-31', 1), '2025-01-01');
    assert.equal(addDays('2025-03-30', -30), '2025-02-28');
  });
});

describe('rateOn', () => {
  it('a fixing applies from its effective date', () => {
    assert.deepEqual(rateOn(table, '2024-07-21', '1Y'), { ratePercent: '3.45', fixingDate: '2024-02-20', carriedForward: false });
    assert.deepEqual(rateOn(table, '2024-07-22', '1Y'), { ratePercent: '3.35', fixingDate: '2024-07-22', carriedForward: false });
    assert.deepEqual(rateOn(table, '2024-07-22', '5Y'), { ratePercent: '3.85', fixingDate: '2024-07-22', carriedForward: false });
  });

  it('1Y and 5Y read their own column', () => {
    // 2022-05-20 moved only the 5-year rate: 1Y stays 3.70, 5Y goes 4.60 → 4.45.
    assert.equal(rateOn(table, '2022-05-20', '1Y').ratePercent, '3.70');
    assert.equal(rateOn(table, '2022-05-20', '5Y').ratePercent, '4.45');
    assert.equal(rateOn(table, '2022-05-19', '5Y').ratePercent, '4.60');
  });

  it('the first fixing is 2019-08-20; an earlier date is an error naming it', () => {
    assert.deepEqual(rateOn(table, '2019-08-20', '1Y'), { ratePercent: '4.25', fixingDate: '2019-08-20', carriedForward: false });
    assert.throws(
      () => rateOn(table, '2019-08-19', '1Y'),
      (e: unknown) =>
        e instanceof LprInputError && e.field === 'date' && /2019-08-19 is before the first LPR fixing \(2019-08-20\)/.test(e.message),
    );
    assert.throws(() => rateOn(table, '2024-13-01', '1Y'), LprInputError);
    assert.throws(() => rateOn({ fixings: [], confirmedThrough: '2025-01-01' }, '2024-01-01', '1Y'), /no fixings/);
  });

  it('carried forward from the 20th of the month after the confirmation date', () => {
    // Confirmed through 2025-05-20: the next publication is 2025-06-20.
    assert.equal(firstUnconfirmedDate(table), '2025-06-20');
    assert.deepEqual(rateOn(table, '2025-06-19', '1Y'), { ratePercent: '3.00', fixingDate: '2025-05-20', carriedForward: false });
    assert.deepEqual(rateOn(table, '2025-06-20', '1Y'), { ratePercent: '3.00', fixingDate: '2025-05-20', carriedForward: true });
    assert.deepEqual(rateOn(table, '2031-01-01', '5Y'), { ratePercent: '3.50', fixingDate: '2025-05-20', carriedForward: true });
  });

  it('the confirmation boundary across a year end and before the 20th', () => {
    assert.equal(firstUnconfirmedDate({ confirmedThrough: '2025-12-22' }), '2026-01-20');
    assert.equal(firstUnconfirmedDate({ confirmedThrough: '2025-05-31' }), '2025-06-20');
    // Confirmed through 2025-05-10 says nothing about the fixing published on 2025-05-20.
    assert.equal(firstUnconfirmedDate({ confirmedThrough: '2025-05-10' }), '2025-05-20');
    assert.equal(firstUnconfirmedDate({ confirmedThrough: '2025-05-19' }), '2025-05-20');
    assert.equal(isConfirmed({ confirmedThrough: '2025-05-10' }, '2025-05-19'), true);
    assert.equal(isConfirmed({ confirmedThrough: '2025-05-10' }, '2025-05-20'), false);
  });
});

describe('mergeFixings', () => {
  it('an added fixing extends the table and the confirmation date, and removes the flag', () => {
    // Hypothetical fixing, for the test only.
    const merged = mergeFixings(table, [{ effectiveDate: '2025-06-20', lpr1y: '2.9', lpr5y: '3.4' }]);
    assert.equal(merged.fixings.length, 16);
    assert.equal(merged.confirmedThrough, '2025-06-20');
    assert.deepEqual(merged.fixings.at(-1), { effectiveDate: '2025-06-20', lpr1y: '2.90', lpr5y: '3.40', source: 'admin' });
    assert.deepEqual(rateOn(merged, '2025-06-20', '1Y'), { ratePercent: '2.90', fixingDate: '2025-06-20', carriedForward: false });
    assert.deepEqual(rateOn(merged, '2025-07-19', '1Y'), { ratePercent: '2.90', fixingDate: '2025-06-20', carriedForward: false });
    assert.equal(rateOn(merged, '2025-07-20', '1Y').carriedForward, true);
    // The input table is not changed.
    assert.equal(table.fixings.length, 15);
  });

  it('a fixing on the same date replaces the shipped one; the later of two additions wins', () => {
    const merged = mergeFixings(table, [
      { effectiveDate: '2024-10-21', lpr1y: '3.15', lpr5y: '3.60' },
      { effectiveDate: '2024-10-21', lpr1y: '3.10', lpr5y: '3.65' },
    ]);
    assert.equal(merged.fixings.length, 15);
    assert.equal(rateOn(merged, '2024-11-01', '5Y').ratePercent, '3.65');
    assert.equal(merged.confirmedThrough, '2025-05-20');
  });

  it('confirmedThrough is the max of the header date and every fixing', () => {
    const small: LprTable = { fixings: table.fixings.slice(0, 2), confirmedThrough: '2020-01-31' };
    assert.equal(mergeFixings(small, [{ effectiveDate: '2019-11-20', lpr1y: '4.15', lpr5y: '4.80' }]).confirmedThrough, '2020-01-31');
    assert.equal(mergeFixings(small, [{ effectiveDate: '2020-02-20', lpr1y: '4.05', lpr5y: '4.75' }]).confirmedThrough, '2020-02-20');
  });

  it('refuses a bad added fixing, naming it', () => {
    assert.throws(
      () => mergeFixings(table, [{ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '0' }]),
      (e: unknown) => e instanceof LprInputError && e.field === 'fixings[0].lpr5y',
    );
  });
});
