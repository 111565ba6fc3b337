import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ClawbackInputError,
  RepaymentExceedsOutstandingError,
  clawbackCalculation,
  clawbackStatement,
  outstandingOn,
  type ClawbackInput,
} from '../../domain/interest';
import { mergeFixings, parseLprCsv } from '../../domain/lpr';
import { sumYuan } from '../../domain/money';

const lpr = parseLprCsv(readFileSync(join(__dirname, '..', '..', 'data', 'lpr.csv'), 'utf8'));

/** One tranche of 100万 paid 2024-06-01, statement as of 2024-12-01 (183 days). */
function crossing(overrides: Partial<ClawbackInput> = {}): ClawbackInput {
  return {
    tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2024-06-01' }],
    decisionDate: '2024-11-15',
    asOf: '2024-12-01',
    rateMode: 'floating',
    dayCount: 'ACT/360',
    tenor: '1Y',
    lpr,
    ...overrides,
  };
}

const brief = (s: { lines: { from: string; to: string; days: number; ratePercent: string; interest: string }[] }) =>
  s.lines.map((l) => `${l.from}..${l.to} ${l.days}d @${l.ratePercent} = ${l.interest}`);

describe('interest across LPR changes (2024-06-01 → 2024-12-01 crosses 2024-07-22 and 2024-10-21)', () => {
  // Periods: [06-01, 07-22) 51 days, [07-22, 10-21) 91 days, [10-21, 12-01) 41 days; 51+91+41 = 183.
  // 1Y: 3.45 (fixing 2024-02-20), 3.35 (2024-07-22), 3.10 (2024-10-21).

  it('floating, ACT/360', () => {
    // 1,000,000 × 3.45% × 51/360 = 1,759,500/360 = 4887.50
    // 1,000,000 × 3.35% × 91/360 = 3,048,500/360 = 8468.0555… → 8468.06
    // 1,000,000 × 3.10% × 41/360 = 1,271,000/360 = 3530.5555… → 3530.56
    // total 4887.50 + 8468.06 + 3530.56 = 16886.12
    const s = clawbackStatement(crossing());
    assert.deepEqual(brief(s), [
      '2024-06-01..2024-07-22 51d @3.45 = 4887.50',
      '2024-07-22..2024-10-21 91d @3.35 = 8468.06',
      '2024-10-21..2024-12-01 41d @3.10 = 3530.56',
    ]);
    assert.deepEqual(
      s.lines.map((l) => l.fixingDate),
      ['2024-02-20', '2024-07-22', '2024-10-21'],
    );
    assert.equal(s.interest, '16886.12');
    assert.equal(s.principal, '1000000.00');
    assert.equal(s.total, '1016886.12');
    assert.equal(s.outstanding, '1016886.12');
    assert.equal(s.repaid, '0.00');
    assert.equal(s.costs, '0.00');
    assert.equal(s.carriedForward, false);
    assert.equal(s.rateMode, 'floating');
    assert.equal(s.dayCount, 'ACT/360');
    assert.equal(s.tenor, '1Y');
    assert.equal(s.asOf, '2024-12-01');
  });

  it('floating, ACT/365', () => {
    // 1,759,500/365 = 4820.5479… → 4820.55
    // 3,048,500/365 = 8352.0547… → 8352.05
    // 1,271,000/365 = 3482.1917… → 3482.19
    // total 16654.79
    const s = clawbackStatement(crossing({ dayCount: 'ACT/365' }));
    assert.deepEqual(
      s.lines.map((l) => l.interest),
      ['4820.55', '8352.05', '3482.19'],
    );
    assert.equal(s.interest, '16654.79');
    assert.equal(s.dayCount, 'ACT/365');
  });

  it('fixed at the decision date (2024-11-15 → 3.10 from the 2024-10-21 fixing), ACT/360 and ACT/365', () => {
    // One line of 183 days: 1,000,000 × 3.10% × 183 = 5,673,000
    //   /360 = 15758.333… → 15758.33;   /365 = 15542.4657… → 15542.47
    const s360 = clawbackStatement(crossing({ rateMode: 'fixed-at-decision' }));
    assert.deepEqual(s360.lines, [
      {
        tranche: 1,
        from: '2024-06-01',
        to: '2024-12-01',
        days: 183,
        principal: '1000000.00',
        ratePercent: '3.10',
        fixingDate: '2024-10-21',
        carriedForward: false,
        interest: '15758.33',
      },
    ]);
    assert.equal(s360.rateMode, 'fixed-at-decision');
    const s365 = clawbackStatement(crossing({ rateMode: 'fixed-at-decision', dayCount: 'ACT/365' }));
    assert.equal(s365.interest, '15542.47');
  });

  it('fixed at an earlier decision date uses the rate in force then', () => {
    // Decision 2024-07-21: 3.45 (fixing 2024-02-20). 1,000,000 × 3.45% × 183/360 = 6,313,500/360 = 17537.50
    const s = clawbackStatement(crossing({ rateMode: 'fixed-at-decision', decisionDate: '2024-07-21' }));
    assert.equal(s.lines[0]!.fixingDate, '2024-02-20');
    assert.equal(s.interest, '17537.50');
  });

  it('5Y tenor reads the five-year column', () => {
    // 5Y: 3.95, 3.85, 3.60.
    // 39,500 × 51/360 = 2,014,500/360 = 5595.8333… → 5595.83
    // 38,500 × 91/360 = 3,503,500/360 = 9731.9444… → 9731.94
    // 36,000 × 41/360 = 1,476,000/360 = 4100.00
    // total 19427.77 (1Y gave 16886.12)
    const s = clawbackStatement(crossing({ tenor: '5Y' }));
    assert.deepEqual(
      s.lines.map((l) => [l.ratePercent, l.interest]),
      [
        ['3.95', '5595.83'],
        ['3.85', '9731.94'],
        ['3.60', '4100.00'],
      ],
    );
    assert.equal(s.interest, '19427.77');
    assert.equal(s.tenor, '5Y');
  });

  it('splits at every fixing, even one that left this tenor unchanged, so each line names its fixing', () => {
    // 2024-02-20 moved only 5Y; 1Y stayed 3.45. 100,000 paid 2024-02-01, as of 2024-03-01 (29 days):
    // [02-01, 02-20) 19 days: 3,450 × 19/360 = 182.0833… → 182.08 (fixing 2023-08-21)
    // [02-20, 03-01) 10 days: 3,450 × 10/360 =  95.8333… →  95.83 (fixing 2024-02-20)
    const s = clawbackStatement(
      crossing({ tranches: [{ tranche: 1, amount: '100000.00', paidOn: '2024-02-01' }], asOf: '2024-03-01' }),
    );
    assert.deepEqual(
      s.lines.map((l) => [l.fixingDate, l.ratePercent, l.days, l.interest]),
      [
        ['2023-08-21', '3.45', 19, '182.08'],
        ['2024-02-20', '3.45', 10, '95.83'],
      ],
    );
    assert.equal(s.interest, '277.91');
  });

  it('rounds half-up to the fen, once per line', () => {
    // 50.00 × 3.60% × 1/360 = 1.8/360 = 0.005 exactly → 0.01 (half-even would give 0.00).
    const s = clawbackStatement(
      crossing({ tranches: [{ tranche: 1, amount: '50.00', paidOn: '2024-11-01' }], asOf: '2024-11-02', tenor: '5Y' }),
    );
    assert.equal(s.lines[0]!.interest, '0.01');
  });

  it('no days, no interest: asOf on the payment day', () => {
    const s = clawbackStatement(crossing({ asOf: '2024-06-01' }));
    assert.deepEqual(s.lines, []);
    assert.equal(s.interest, '0.00');
    assert.equal(s.total, '1000000.00');
  });
});

describe('carried-forward rates (table confirmed through 2025-05-20)', () => {
  // 100万 paid 2025-06-01, as of 2025-07-01, 1Y 3.00 (fixing 2025-05-20), ACT/360.
  const june = (overrides: Partial<ClawbackInput> = {}) =>
    crossing({ tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2025-06-01' }], asOf: '2025-07-01', ...overrides });

  it('floating: splits at 2025-06-20 and flags the later line', () => {
    // [06-01, 06-20) 19 days confirmed:      30,000 × 19/360 = 1583.333… → 1583.33
    // [06-20, 07-01) 11 days carried forward: 30,000 × 11/360 =  916.666… →  916.67
    const s = clawbackStatement(june());
    assert.deepEqual(
      s.lines.map((l) => [l.from, l.to, l.fixingDate, l.carriedForward, l.interest]),
      [
        ['2025-06-01', '2025-06-20', '2025-05-20', false, '1583.33'],
        ['2025-06-20', '2025-07-01', '2025-05-20', true, '916.67'],
      ],
    );
    assert.equal(s.interest, '2500.00');
    assert.equal(s.carriedForward, true);
    assert.equal(s.lprConfirmedThrough, '2025-05-20');
  });

  it('a period well past the boundary splits only once', () => {
    // [06-20, 2025-10-01) 103 days carried: 30,000 × 103/360 = 8583.333… → 8583.33
    const s = clawbackStatement(june({ asOf: '2025-10-01' }));
    assert.equal(s.lines.length, 2);
    assert.deepEqual(s.lines[1], {
      tranche: 1,
      from: '2025-06-20',
      to: '2025-10-01',
      days: 103,
      principal: '1000000.00',
      ratePercent: '3.00',
      fixingDate: '2025-05-20',
      carriedForward: true,
      interest: '8583.33',
    });
  });

  it('an admin-added fixing removes the flag (and may change the rate)', () => {
    // Hypothetical fixing 2025-06-20 at 2.90 / 3.40, confirming through 2025-07-19:
    // [06-20, 07-01) 11 days: 29,000 × 11/360 = 886.111… → 886.11; total 1583.33 + 886.11 = 2469.44
    const added = mergeFixings(lpr, [{ effectiveDate: '2025-06-20', lpr1y: '2.90', lpr5y: '3.40' }]);
    const s = clawbackStatement(june({ lpr: added }));
    assert.deepEqual(
      s.lines.map((l) => [l.from, l.fixingDate, l.ratePercent, l.carriedForward, l.interest]),
      [
        ['2025-06-01', '2025-05-20', '3.00', false, '1583.33'],
        ['2025-06-20', '2025-06-20', '2.90', false, '886.11'],
      ],
    );
    assert.equal(s.carriedForward, false);
    assert.equal(s.interest, '2469.44');
  });

  it('an admin fixing that confirms an unchanged rate keeps the amount and drops the flag', () => {
    const added = mergeFixings(lpr, [{ effectiveDate: '2025-06-20', lpr1y: '3.00', lpr5y: '3.50' }]);
    const s = clawbackStatement(june({ lpr: added }));
    assert.deepEqual(
      s.lines.map((l) => [l.fixingDate, l.carriedForward, l.interest]),
      [
        ['2025-05-20', false, '1583.33'],
        ['2025-06-20', false, '916.67'],
      ],
    );
  });

  it('fixed at decision: flagged only when the decision date itself is past the confirmed range', () => {
    // 30,000 × 30/360 = 2500.00 in one line either way.
    const known = clawbackStatement(june({ rateMode: 'fixed-at-decision', decisionDate: '2025-06-10' }));
    assert.deepEqual(
      known.lines.map((l) => [l.days, l.carriedForward, l.interest]),
      [[30, false, '2500.00']],
    );
    const unknown = clawbackStatement(june({ rateMode: 'fixed-at-decision', decisionDate: '2025-07-15' }));
    assert.deepEqual(
      unknown.lines.map((l) => [l.days, l.fixingDate, l.carriedForward, l.interest]),
      [[30, '2025-05-20', true, '2500.00']],
    );
    assert.equal(unknown.carriedForward, true);
  });
});

describe('repayments: costs, then interest, then principal (民法典 第五百六十一条)', () => {
  // 100万 paid 2024-01-01, fixed at decision 2024-11-15 (1Y 3.10), ACT/360, costs 1,000.00.
  // Interest to the repayment day 2024-07-01 (182 days, 2024 is a leap year):
  //   1,000,000 × 3.10% × 182/360 = 5,642,000/360 = 15672.222… → 15672.22
  const base = (repayments: { amount: string; paidOn: string }[], asOf = '2025-01-01'): ClawbackInput => ({
    tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2024-01-01' }],
    decisionDate: '2024-11-15',
    asOf,
    rateMode: 'fixed-at-decision',
    dayCount: 'ACT/360',
    tenor: '1Y',
    costs: '1000.00',
    repayments,
    lpr,
  });

  it('a partial repayment settles costs, interest, then principal; interest continues on the rest', () => {
    // 500,000.00 on 2024-07-01: costs 1,000.00, interest 15,672.22, principal 483,327.78 → 516,672.22 left.
    // [07-01, 2025-01-01) 184 days: 516,672.22 × 3.10% × 184/360 = 2,947,098.34288/360 = 8186.3842… → 8186.38
    // interest 15672.22 + 8186.38 = 23858.60; total 1,000,000 + 23,858.60 + 1,000 = 1,024,858.60
    // outstanding 1,024,858.60 − 500,000 = 524,858.60 = 516,672.22 + 8,186.38
    const s = clawbackStatement(base([{ amount: '500000.00', paidOn: '2024-07-01' }]));
    assert.deepEqual(s.repayments, [
      { amount: '500000.00', paidOn: '2024-07-01', toCosts: '1000.00', toInterest: '15672.22', toPrincipal: '483327.78' },
    ]);
    assert.deepEqual(
      s.lines.map((l) => [l.from, l.to, l.days, l.principal, l.interest]),
      [
        ['2024-01-01', '2024-07-01', 182, '1000000.00', '15672.22'],
        ['2024-07-01', '2025-01-01', 184, '516672.22', '8186.38'],
      ],
    );
    assert.equal(s.interest, '23858.60');
    assert.equal(s.costs, '1000.00');
    assert.equal(s.total, '1024858.60');
    assert.equal(s.repaid, '500000.00');
    assert.equal(s.outstanding, '524858.60');
    assert.deepEqual(s.outstandingBreakdown, { costs: '0.00', interest: '8186.38', principal: '516672.22' });
  });

  it('unpaid interest does not bear interest', () => {
    // 10,000.00 on 2024-07-01: costs 1,000.00, interest 9,000.00, principal 0; 6,672.22 interest stays unpaid.
    // The second line still runs on 1,000,000.00 (not 1,006,672.22):
    //   1,000,000 × 3.10% × 184/360 = 5,704,000/360 = 15844.444… → 15844.44
    // interest 15672.22 + 15844.44 = 31516.66; outstanding 1,000,000 + 31,516.66 + 1,000 − 10,000 = 1,022,516.66
    const s = clawbackStatement(base([{ amount: '10000.00', paidOn: '2024-07-01' }]));
    assert.deepEqual(s.repayments[0], {
      amount: '10000.00',
      paidOn: '2024-07-01',
      toCosts: '1000.00',
      toInterest: '9000.00',
      toPrincipal: '0.00',
    });
    assert.equal(s.lines[1]!.principal, '1000000.00');
    assert.equal(s.lines[1]!.interest, '15844.44');
    assert.equal(s.interest, '31516.66');
    assert.equal(s.outstanding, '1022516.66');
    assert.deepEqual(s.outstandingBreakdown, { costs: '0.00', interest: '22516.66', principal: '1000000.00' });
  });

  it('a small repayment goes to costs only', () => {
    const s = clawbackStatement(base([{ amount: '600.00', paidOn: '2024-03-01' }]));
    assert.deepEqual(s.repayments[0], { amount: '600.00', paidOn: '2024-03-01', toCosts: '600.00', toInterest: '0.00', toPrincipal: '0.00' });
    assert.equal(s.outstandingBreakdown.costs, '400.00');
  });

  it('refuses a repayment above what is outstanding, naming the exact amount', () => {
    // Outstanding on 2024-07-01: costs 1,000.00 + interest 15,672.22 + principal 1,000,000.00 = 1,016,672.22
    assert.equal(outstandingOn(base([]), '2024-07-01'), '1016672.22');
    assert.throws(
      () => clawbackStatement(base([{ amount: '1100000.00', paidOn: '2024-07-01' }])),
      (e: unknown) => {
        assert.ok(e instanceof RepaymentExceedsOutstandingError);
        assert.ok(e instanceof ClawbackInputError);
        assert.equal(e.field, 'repayments[0].amount');
        assert.equal(e.outstanding, '1016672.22');
        assert.equal(e.date, '2024-07-01');
        assert.match(e.message, /1100000\.00 is more than the 1016672\.22 outstanding on 2024-07-01/);
        return true;
      },
    );
    // One fen more is refused too.
    assert.throws(() => clawbackStatement(base([{ amount: '1016672.23', paidOn: '2024-07-01' }])), /1016672\.22 outstanding/);
  });

  it('the exact outstanding amount settles everything; interest stops', () => {
    const s = clawbackStatement(base([{ amount: '1016672.22', paidOn: '2024-07-01' }]));
    assert.equal(s.outstanding, '0.00');
    assert.equal(s.interest, '15672.22');
    assert.equal(s.lines.length, 1);
    assert.deepEqual(s.repayments[0], {
      amount: '1016672.22',
      paidOn: '2024-07-01',
      toCosts: '1000.00',
      toInterest: '15672.22',
      toPrincipal: '1000000.00',
    });
  });

  it('outstandingOn counts earlier repayments, including same-day ones, and checks the next one', () => {
    const first = { amount: '500000.00', paidOn: '2024-07-01' };
    // Same day: 1,016,672.22 − 500,000.00 = 516,672.22 (all principal now).
    assert.equal(outstandingOn(base([first]), '2024-07-01'), '516672.22');
    // The day before: nothing repaid yet; 181 days of interest = 5,611,000/360 = 15586.111… → 15586.11
    assert.equal(outstandingOn(base([first]), '2024-06-30'), '1016586.11');
    assert.throws(
      () => clawbackStatement(base([first, { amount: '516672.23', paidOn: '2024-07-01' }])),
      (e: unknown) => e instanceof RepaymentExceedsOutstandingError && e.outstanding === '516672.22' && e.field === 'repayments[1].amount',
    );
    // outstandingOn on the statement date equals the statement's outstanding.
    assert.equal(outstandingOn(base([first]), '2025-01-01'), clawbackStatement(base([first])).outstanding);
  });

  it('applies repayments in date order whatever order they are listed in', () => {
    // 2024-04-01 first: 91 days (Jan 31 + Feb 29 + Mar 31) → 31,000 × 91/360 = 2,821,000/360 = 7836.111… → 7836.11
    //   10,000.00 → costs 1,000.00, interest 7,836.11, principal 1,163.89.
    const s = clawbackStatement(
      base([
        { amount: '20000.00', paidOn: '2024-07-01' },
        { amount: '10000.00', paidOn: '2024-04-01' },
      ]),
    );
    assert.deepEqual(
      s.repayments.map((r) => [r.paidOn, r.toCosts, r.toInterest, r.toPrincipal]),
      [
        ['2024-04-01', '1000.00', '7836.11', '1163.89'],
        // [04-01, 07-01) 91 days on 998,836.11: 30,963.91941 × 91/360 = 2,817,716.66631/360 = 7826.9907… → 7826.99
        ['2024-07-01', '0.00', '7826.99', '12173.01'],
      ],
    );
    assert.equal(s.lines[1]!.principal, '998836.11');
    assert.equal(s.lines[1]!.interest, '7826.99');
  });
});

describe('several tranches', () => {
  it('accrues each tranche from its own payment day; principal repaid oldest tranche first', () => {
    // Fixed 3.10 (decision 2024-11-15), ACT/360, as of 2024-07-01, 700,000.00 repaid 2024-05-01.
    // T1 600,000 from 2024-01-01: [01-01, 05-01) 121 days: 18,600 × 121/360 = 6251.666… → 6251.67
    // T2 400,000 from 2024-04-01: [04-01, 05-01)  30 days: 12,400 × 30/360  = 1033.333… → 1033.33
    // Repayment: interest 7,285.00, principal 692,715.00 → T1 600,000.00 (cleared), T2 92,715.00 → 307,285.00 left.
    // T2 [05-01, 07-01) 61 days: 307,285 × 3.10% × 61/360 = 581,075.935/360 = 1614.0998… → 1614.10
    // interest 6251.67 + 1033.33 + 1614.10 = 8899.10; outstanding 307,285.00 + 1,614.10 = 308,899.10
    const s = clawbackStatement({
      tranches: [
        { tranche: 1, amount: '600000.00', paidOn: '2024-01-01' },
        { tranche: 2, amount: '400000.00', paidOn: '2024-04-01' },
      ],
      decisionDate: '2024-11-15',
      asOf: '2024-07-01',
      rateMode: 'fixed-at-decision',
      dayCount: 'ACT/360',
      tenor: '1Y',
      repayments: [{ amount: '700000.00', paidOn: '2024-05-01' }],
      lpr,
    });
    assert.deepEqual(
      s.lines.map((l) => [l.tranche, l.from, l.to, l.principal, l.interest]),
      [
        [1, '2024-01-01', '2024-05-01', '600000.00', '6251.67'],
        [2, '2024-04-01', '2024-05-01', '400000.00', '1033.33'],
        [2, '2024-05-01', '2024-07-01', '307285.00', '1614.10'],
      ],
    );
    assert.deepEqual(s.repayments[0], {
      amount: '700000.00',
      paidOn: '2024-05-01',
      toCosts: '0.00',
      toInterest: '7285.00',
      toPrincipal: '692715.00',
    });
    assert.equal(s.principal, '1000000.00');
    assert.equal(s.interest, '8899.10');
    assert.equal(s.outstanding, '308899.10');
    assert.equal(sumYuan(s.lines.map((l) => l.interest)), s.interest);
  });

  it('floating, a later tranche picks up only the fixings from its own payment day', () => {
    // T1 as in the crossing case: 16886.12.
    // T2 500,000 from 2024-09-01: [09-01, 10-21) 50 days: 16,750 × 50/360 = 2326.388… → 2326.39
    //                             [10-21, 12-01) 41 days: 15,500 × 41/360 = 1765.277… → 1765.28
    // total 16886.12 + 2326.39 + 1765.28 = 20977.79
    const s = clawbackStatement(
      crossing({
        tranches: [
          { tranche: 1, amount: '1000000.00', paidOn: '2024-06-01' },
          { tranche: 2, amount: '500000.00', paidOn: '2024-09-01' },
        ],
      }),
    );
    assert.deepEqual(
      s.lines.filter((l) => l.tranche === 2).map((l) => [l.from, l.to, l.ratePercent, l.interest]),
      [
        ['2024-09-01', '2024-10-21', '3.35', '2326.39'],
        ['2024-10-21', '2024-12-01', '3.10', '1765.28'],
      ],
    );
    assert.equal(s.interest, '20977.79');
    assert.equal(s.principal, '1500000.00');
  });

  it('floating with a repayment splits the line where the principal changes', () => {
    // 300,000.00 repaid 2024-09-01. Due then: 4887.50 ([06-01, 07-22) 51d @3.45)
    //   + [07-22, 09-01) 41 days @3.35: 33,500 × 41/360 = 3815.277… → 3815.28  = 8,702.78 interest.
    // Principal 291,297.22 → 708,702.78 left.
    // [09-01, 10-21) 50d @3.35: 708,702.78 × 3.35% × 50/360 = 3297.4365… → 3297.44
    // [10-21, 12-01) 41d @3.10: 708,702.78 × 3.10% × 41/360 = 2502.1145… → 2502.11
    // interest 4887.50 + 3815.28 + 3297.44 + 2502.11 = 14502.33; outstanding 708,702.78 + 5,799.55 = 714,502.33
    const s = clawbackStatement(crossing({ repayments: [{ amount: '300000.00', paidOn: '2024-09-01' }] }));
    assert.deepEqual(
      s.lines.map((l) => [l.from, l.to, l.principal, l.ratePercent, l.interest]),
      [
        ['2024-06-01', '2024-07-22', '1000000.00', '3.45', '4887.50'],
        ['2024-07-22', '2024-09-01', '1000000.00', '3.35', '3815.28'],
        ['2024-09-01', '2024-10-21', '708702.78', '3.35', '3297.44'],
        ['2024-10-21', '2024-12-01', '708702.78', '3.10', '2502.11'],
      ],
    );
    assert.equal(s.repayments[0]!.toInterest, '8702.78');
    assert.equal(s.repayments[0]!.toPrincipal, '291297.22');
    assert.equal(s.interest, '14502.33');
    assert.equal(s.outstanding, '714502.33');
  });

  it('outstandingOn leaves out tranches paid after the date', () => {
    const input = crossing({
      tranches: [
        { tranche: 1, amount: '1000000.00', paidOn: '2024-06-01' },
        { tranche: 2, amount: '500000.00', paidOn: '2024-09-01' },
      ],
    });
    // 2024-07-22: only T1, 51 days → 1,000,000.00 + 4,887.50
    assert.equal(outstandingOn(input, '2024-07-22'), '1004887.50');
  });
});

describe('dates before the first LPR fixing (2019-08-20)', () => {
  it('floating: a tranche paid before 2019-08-20 is refused, naming the date', () => {
    assert.throws(
      () => clawbackStatement(crossing({ tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2019-08-19' }] })),
      (e: unknown) =>
        e instanceof ClawbackInputError &&
        e.field === 'tranches[0].paidOn' &&
        /2019-08-19 is before the first LPR fixing \(2019-08-20\)/.test(e.message),
    );
  });

  it('fixed: a decision date before 2019-08-20 is refused, naming the date', () => {
    assert.throws(
      () => clawbackStatement(crossing({ rateMode: 'fixed-at-decision', decisionDate: '2019-06-30' })),
      (e: unknown) => e instanceof ClawbackInputError && e.field === 'decisionDate' && /2019-06-30 is before the first LPR fixing/.test(e.message),
    );
  });

  it('fixed: a tranche paid before the reform is recoverable at the decision date rate', () => {
    // 2018-12-01 → 2019-12-01 is 365 days; 1,000,000 × 3.10% × 365/360 = 11,315,000/360 = 31430.555… → 31430.56
    const s = clawbackStatement(
      crossing({
        rateMode: 'fixed-at-decision',
        tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2018-12-01' }],
        asOf: '2019-12-01',
      }),
    );
    assert.equal(s.interest, '31430.56');
  });
});

describe('input validation', () => {
  const fails = (overrides: Partial<ClawbackInput>, field: string, reason: RegExp) =>
    assert.throws(
      () => clawbackStatement(crossing(overrides)),
      (e: unknown) => {
        assert.ok(e instanceof ClawbackInputError, String(e));
        assert.equal(e.field, field);
        assert.match(e.reason, reason);
        return true;
      },
    );

  it('names the bad field', () => {
    fails({ asOf: '2024-05-31' }, 'asOf', /before tranche 1 was paid/);
    fails({ asOf: '2024-02-30' }, 'asOf', /not a real calendar date/);
    fails({ tranches: [] }, 'tranches', /at least one/);
    fails({ tranches: [{ tranche: 1, amount: '0.00', paidOn: '2024-06-01' }] }, 'tranches[0].amount', /more than 0\.00/);
    fails({ tranches: [{ tranche: 1, amount: '-5.00', paidOn: '2024-06-01' }] }, 'tranches[0].amount', /negative/);
    fails({ tranches: [{ tranche: 1, amount: '5.001', paidOn: '2024-06-01' }] }, 'tranches[0].amount', /more than two decimals/);
    fails({ tranches: [{ tranche: 1, amount: 5 as unknown as string, paidOn: '2024-06-01' }] }, 'tranches[0].amount', /JSON number/);
    fails({ tranches: [{ tranche: 1, amount: '5.00', paidOn: '2024/06/01' }] }, 'tranches[0].paidOn', /YYYY-MM-DD/);
    fails({ tranches: [{ tranche: 0, amount: '5.00', paidOn: '2024-06-01' }] }, 'tranches[0].tranche', /from 1/);
    fails(
      {
        tranches: [
          { tranche: 1, amount: '5.00', paidOn: '2024-06-01' },
          { tranche: 1, amount: '5.00', paidOn: '2024-06-02' },
        ],
      },
      'tranches[1].tranche',
      /repeats tranche 1/,
    );
    fails({ rateMode: 'compound' as never }, 'rateMode', /"fixed-at-decision", "floating"/);
    fails({ dayCount: '30/360' as never }, 'dayCount', /"ACT\/360", "ACT\/365"/);
    fails({ tenor: '3Y' as never }, 'tenor', /"1Y", "5Y"/);
    fails({ decisionDate: 'soon' }, 'decisionDate', /YYYY-MM-DD/);
    fails({ costs: '-1.00' }, 'costs', /negative/);
    fails({ repayments: [{ amount: '0.00', paidOn: '2024-07-01' }] }, 'repayments[0].amount', /more than 0\.00/);
    fails({ repayments: [{ amount: '1.00', paidOn: '2024-12-02' }] }, 'asOf', /before a repayment \(repayments\[0\]\.paidOn 2024-12-02\)/);
    fails({ repayments: [{ amount: '1.00', paidOn: '2024-13-01' }] }, 'repayments[0].paidOn', /not a real calendar date/);
  });

  it('a repayment before anything is owed is refused as above the outstanding 0.00', () => {
    assert.throws(
      () => clawbackStatement(crossing({ repayments: [{ amount: '1.00', paidOn: '2024-05-01' }] })),
      (e: unknown) => e instanceof RepaymentExceedsOutstandingError && e.outstanding === '0.00',
    );
  });
});

describe('calculator (POST /calculations/clawback)', () => {
  it('numbers tranches 1..n in the given order and returns principal, interest, total and lines', () => {
    // Two halves of the crossing case; each line is exactly half:
    // 17,250 × 51/360 = 2443.75; 16,750 × 91/360 = 4234.0277… → 4234.03; 15,500 × 41/360 = 1765.2777… → 1765.28
    // per tranche 8443.06, total interest 16886.12
    const c = clawbackCalculation(
      {
        tranches: [
          { amount: '500000.00', paidOn: '2024-06-01' },
          { amount: '500000.00', paidOn: '2024-06-01' },
        ],
        repaidOn: '2024-12-01',
        decisionDate: '2024-11-15',
        rateMode: 'floating',
        dayCount: 'ACT/360',
        tenor: '1Y',
      },
      lpr,
    );
    assert.equal(c.principal, '1000000.00');
    assert.equal(c.interest, '16886.12');
    assert.equal(c.total, '1016886.12');
    assert.deepEqual(
      c.lines.map((l) => [l.tranche, l.interest]),
      [
        [1, '2443.75'],
        [1, '4234.03'],
        [1, '1765.28'],
        [2, '2443.75'],
        [2, '4234.03'],
        [2, '1765.28'],
      ],
    );
    assert.equal(c.repaidOn, '2024-12-01');
    assert.equal(c.rateMode, 'floating');
    assert.equal(c.carriedForward, false);
  });

  it('equals the statement for the same input', () => {
    const s = clawbackStatement(crossing({ tenor: '5Y', dayCount: 'ACT/365' }));
    const c = clawbackCalculation(
      {
        tranches: [{ amount: '1000000.00', paidOn: '2024-06-01' }],
        repaidOn: '2024-12-01',
        decisionDate: '2024-11-15',
        rateMode: 'floating',
        dayCount: 'ACT/365',
        tenor: '5Y',
      },
      lpr,
    );
    assert.deepEqual([c.principal, c.interest, c.total, c.lines], [s.principal, s.interest, s.total, s.lines]);
  });

  it('names the request fields in errors', () => {
    const request = {
      tranches: [{ amount: '1.00', paidOn: '2024-06-01' }],
      repaidOn: '2024-05-01',
      decisionDate: '2024-11-15',
      rateMode: 'floating' as const,
      dayCount: 'ACT/360' as const,
      tenor: '1Y' as const,
    };
    assert.throws(() => clawbackCalculation(request, lpr), (e: unknown) => e instanceof ClawbackInputError && e.field === 'repaidOn');
    assert.throws(
      () => clawbackCalculation({ ...request, tranches: [null as never] }, lpr),
      (e: unknown) => e instanceof ClawbackInputError && e.field === 'tranches[0]',
    );
  });
});

describe('recovery costs recorded over time (追偿费用), each due from the day it was incurred', () => {
  // As above: 100万 paid 2024-01-01, fixed at decision 2024-11-15 (1Y 3.10), ACT/360; no lump costs.
  // A litigation fee of 2,000.00 incurred 2024-12-01, a preservation fee of 500.00 on 2024-12-20.
  const input = (repayments: { amount: string; paidOn: string }[], asOf = '2025-01-01'): ClawbackInput => ({
    tranches: [{ tranche: 1, amount: '1000000.00', paidOn: '2024-01-01' }],
    decisionDate: '2024-11-15',
    asOf,
    rateMode: 'fixed-at-decision',
    dayCount: 'ACT/360',
    tenor: '1Y',
    costItems: [
      { amount: '500.00', incurredOn: '2024-12-20' },
      { amount: '2000.00', incurredOn: '2024-12-01' },
    ],
    repayments,
    lpr,
  });

  it('a repayment before a cost was incurred does not pay it; one after pays the costs due first', () => {
    // 2024-11-20: no cost incurred yet → all 10,000.00 to interest.
    // 2024-12-10: the 2,000.00 fee is due (not the 500.00 one): 2,000.00 to costs first, 1,000.00 to interest.
    const s = clawbackStatement(input([{ amount: '10000.00', paidOn: '2024-11-20' }, { amount: '3000.00', paidOn: '2024-12-10' }]));
    assert.deepEqual(s.repayments.map((r) => [r.paidOn, r.toCosts, r.toInterest, r.toPrincipal]), [
      ['2024-11-20', '0.00', '10000.00', '0.00'],
      ['2024-12-10', '2000.00', '1000.00', '0.00'],
    ]);
    // Every cost incurred by the statement date is on it, and the unpaid one is outstanding.
    assert.equal(s.costs, '2500.00');
    assert.equal(s.outstandingBreakdown.costs, '500.00');
    assert.equal(s.total, sumYuan([s.principal, s.interest, s.costs]));
  });

  it('the amount outstanding on a day counts only the costs incurred by then', () => {
    const none = input([]);
    const before = outstandingOn(none, '2024-11-30');
    const after = outstandingOn(none, '2024-12-01');
    // One more day of interest on 1,000,000 at 3.10 % ACT/360 (86.11), and the 2,000.00 fee.
    assert.equal(sumYuan([before, '86.11', '2000.00']), after);
  });

  it('a statement date before a cost was incurred is refused, naming the cost', () => {
    assert.throws(() => clawbackStatement(input([], '2024-12-15')), /costItems\[0\]\.incurredOn 2024-12-20/);
  });
});

describe('calculator with recovery costs and repayments (issue 15)', () => {
  const request = {
    tranches: [{ amount: '1000000.00', paidOn: '2024-01-01' }],
    decisionDate: '2024-11-15',
    rateMode: 'fixed-at-decision' as const,
    dayCount: 'ACT/360' as const,
    tenor: '1Y' as const,
  };

  it('allocates each repayment in the legal order and answers what repaying the rest costs, as the statement does', () => {
    const costs = [{ amount: '2000.00', incurredOn: '2024-12-01' }];
    const repayments = [{ amount: '3000.00', paidOn: '2024-12-10' }];
    const c = clawbackCalculation({ ...request, repaidOn: '2025-01-01', costs, repayments }, lpr);
    const s = clawbackStatement({ ...request, tranches: [{ tranche: 1, ...request.tranches[0]! }], asOf: '2025-01-01', costItems: costs, repayments, lpr });
    assert.deepEqual(c.repayments, s.repayments);
    assert.deepEqual(c.repayments[0], { amount: '3000.00', paidOn: '2024-12-10', toCosts: '2000.00', toInterest: '1000.00', toPrincipal: '0.00' });
    assert.deepEqual([c.costs, c.total, c.repaid, c.outstanding], [s.costs, s.total, s.repaid, s.outstanding]);
    assert.deepEqual(c.outstandingBreakdown, s.outstandingBreakdown);
    assert.equal(c.asOf, '2025-01-01');
  });

  it('names the calculator fields in errors: costs[i] and repayments[i]', () => {
    assert.throws(
      () => clawbackCalculation({ ...request, repaidOn: '2024-11-20', costs: [{ amount: '1.00', incurredOn: '2024-12-01' }] }, lpr),
      (e: unknown) => e instanceof ClawbackInputError && e.field === 'repaidOn' && /costs\[0\]\.incurredOn 2024-12-01/.test(e.reason),
    );
    assert.throws(
      () => clawbackCalculation({ ...request, repaidOn: '2025-01-01', repayments: [{ amount: '9999999.00', paidOn: '2024-12-01' }] }, lpr),
      (e: unknown) => e instanceof RepaymentExceedsOutstandingError && e.field === 'repayments[0].amount',
    );
  });
});
