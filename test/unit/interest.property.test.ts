import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  RepaymentExceedsOutstandingError,
  clawbackStatement,
  outstandingOn,
  type ClawbackInput,
  type DayCount,
  type RateMode,
} from '../../domain/interest';
import { dateOfDayNumber, dayNumber, parseLprCsv, rateOn, type Tenor } from '../../domain/lpr';
import { Decimal, formatYuan, parseYuan, sumYuan } from '../../domain/money';

const lpr = parseLprCsv(readFileSync(join(__dirname, '..', '..', 'data', 'lpr.csv'), 'utf8'));

// Days from the first fixing to a year past the confirmed range, so carried-forward periods occur.
const FIRST = dayNumber('2019-08-20');
const LAST = dayNumber('2026-06-30');

const day = (min = FIRST, max = LAST) => fc.integer({ min, max });
const fen = (min: number, max: number) => fc.integer({ min, max }).map((n) => formatYuan(new Decimal(n).div(100)));
const settings = fc.record({
  rateMode: fc.constantFrom<RateMode>('fixed-at-decision', 'floating'),
  dayCount: fc.constantFrom<DayCount>('ACT/360', 'ACT/365'),
  tenor: fc.constantFrom<Tenor>('1Y', '5Y'),
  decisionDay: day(),
});

const toFen = (yuan: string) => parseYuan(yuan).times(100).toNumber();

/** Tranches (up to 4), paid on random days, with an asOf on or after all of them. */
const scenario = fc
  .record({
    settings,
    tranches: fc.array(fc.record({ amount: fen(1, 5_000_000_000), paidDay: day() }), { minLength: 1, maxLength: 4 }),
    extraDays: fc.integer({ min: 0, max: 900 }),
  })
  .map(({ settings: s, tranches, extraDays }) => {
    const lastPaid = Math.max(...tranches.map((t) => t.paidDay));
    const input: ClawbackInput = {
      tranches: tranches.map((t, i) => ({ tranche: i + 1, amount: t.amount, paidOn: dateOfDayNumber(t.paidDay) })),
      decisionDate: dateOfDayNumber(s.decisionDay),
      asOf: dateOfDayNumber(lastPaid + extraDays),
      rateMode: s.rateMode,
      dayCount: s.dayCount,
      tenor: s.tenor,
      lpr,
    };
    return input;
  });

describe('clawback interest properties', () => {
  it('splitting a tranche into two paid the same day changes total interest by at most one fen per line', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 3 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (input, pick, share) => {
        const index = pick % input.tranches.length;
        const original = input.tranches[index]!;
        const fens = toFen(original.amount);
        fc.pre(fens >= 2);
        // The share only chooses where to cut; the amounts themselves are exact fen.
        const firstFen = Math.min(fens - 1, Math.max(1, Math.floor(fens * share)));
        const first = formatYuan(new Decimal(firstFen).div(100));
        const second = formatYuan(new Decimal(fens - firstFen).div(100));
        const split: ClawbackInput = {
          ...input,
          tranches: [
            ...input.tranches.filter((_, i) => i !== index),
            { tranche: 101, amount: first, paidOn: original.paidOn },
            { tranche: 102, amount: second, paidOn: original.paidOn },
          ],
        };
        const whole = clawbackStatement(input);
        const parts = clawbackStatement(split);
        const linesOfOriginal = whole.lines.filter((l) => l.tranche === original.tranche).length;
        const diff = parseYuan(whole.interest).minus(parseYuan(parts.interest)).abs();
        assert.ok(
          diff.lte(new Decimal(linesOfOriginal).times('0.01')),
          `whole ${whole.interest} vs split ${parts.interest}: ${diff} over ${linesOfOriginal} lines`,
        );
        assert.equal(parts.principal, whole.principal);
      }),
      { numRuns: 200 },
    );
  });

  it('interest is never negative and never falls as asOf moves later', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 800 }), (input, more) => {
        const earlier = clawbackStatement(input);
        const later = clawbackStatement({ ...input, asOf: dateOfDayNumber(dayNumber(input.asOf) + more) });
        for (const s of [earlier, later]) {
          assert.ok(!parseYuan(s.interest, { allowNegative: true }).isNegative(), s.interest);
          for (const l of s.lines) assert.ok(!parseYuan(l.interest, { allowNegative: true }).isNegative(), l.interest);
        }
        assert.ok(parseYuan(later.interest).gte(parseYuan(earlier.interest)), `${earlier.interest} > ${later.interest}`);
      }),
      { numRuns: 200 },
    );
  });

  it('with repayments, interest still never falls as asOf moves later', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 400 }), tenths: fc.integer({ min: 1, max: 3 }) }), { maxLength: 3 }),
        fc.integer({ min: 0, max: 800 }),
        (input, raw, more) => {
          // Repayments after the last payment, each at most 3/10 of the principal: never above what is owed.
          const lastPaid = Math.max(...input.tranches.map((t) => dayNumber(t.paidOn)));
          const principal = input.tranches.reduce((s, t) => s.plus(parseYuan(t.amount)), new Decimal(0));
          fc.pre(principal.gte(1));
          const repayments = raw.map((r) => ({
            paidOn: dateOfDayNumber(Math.min(lastPaid + r.offset, dayNumber(input.asOf))),
            amount: formatYuan(principal.times(r.tenths).div(10).toDecimalPlaces(2, Decimal.ROUND_DOWN)),
          }));
          const withRepayments = { ...input, repayments };
          const earlier = clawbackStatement(withRepayments);
          const later = clawbackStatement({ ...withRepayments, asOf: dateOfDayNumber(dayNumber(input.asOf) + more) });
          assert.ok(parseYuan(later.interest).gte(parseYuan(earlier.interest)));
          assert.ok(!parseYuan(earlier.outstanding, { allowNegative: true }).isNegative());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('statements reconcile: lines, totals, allocations and outstanding agree', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.record({ offset: fc.integer({ min: 0, max: 400 }), fen: fc.integer({ min: 1, max: 100_000_000 }) }), { maxLength: 3 }),
        fen(0, 1_000_000),
        (input, raw, costs) => {
          const lastPaid = Math.max(...input.tranches.map((t) => dayNumber(t.paidOn)));
          const repayments = raw.map((r) => ({
            paidOn: dateOfDayNumber(Math.min(lastPaid + r.offset, dayNumber(input.asOf))),
            amount: formatYuan(new Decimal(r.fen).div(100)),
          }));
          let s;
          try {
            s = clawbackStatement({ ...input, costs, repayments });
          } catch (err) {
            // Random repayments may exceed what is owed; that refusal is tested elsewhere.
            fc.pre(!(err instanceof RepaymentExceedsOutstandingError));
            throw err;
          }
          assert.equal(sumYuan(s.lines.map((l) => l.interest)), s.interest);
          assert.equal(sumYuan([s.principal, s.interest, s.costs]), s.total);
          assert.equal(sumYuan(repayments.map((r) => r.amount)), s.repaid);
          assert.equal(formatYuan(parseYuan(s.total).minus(parseYuan(s.repaid))), s.outstanding);
          assert.equal(sumYuan(Object.values(s.outstandingBreakdown)), s.outstanding);
          for (const r of s.repayments) assert.equal(sumYuan([r.toCosts, r.toInterest, r.toPrincipal]), r.amount);
          assert.equal(sumYuan(s.repayments.map((r) => r.toPrincipal)), formatYuan(parseYuan(s.principal).minus(parseYuan(s.outstandingBreakdown.principal))));
          assert.equal(outstandingOn({ ...input, costs, repayments }, s.asOf), s.outstanding);
          for (const l of s.lines) {
            assert.equal(l.days, dayNumber(l.to) - dayNumber(l.from));
            assert.ok(l.days > 0);
            if (input.rateMode === 'floating') {
              // Every day of a line has the line's rate, fixing and flag.
              for (const d of [l.from, dateOfDayNumber(dayNumber(l.to) - 1)]) {
                const r = rateOn(lpr, d, input.tenor);
                assert.deepEqual([r.ratePercent, r.fixingDate, r.carriedForward], [l.ratePercent, l.fixingDate, l.carriedForward]);
              }
            } else {
              const r = rateOn(lpr, input.decisionDate, input.tenor);
              assert.deepEqual([r.ratePercent, r.fixingDate, r.carriedForward], [l.ratePercent, l.fixingDate, l.carriedForward]);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('without repayments, each tranche\'s lines cover [paidOn, asOf) exactly, at its full principal', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const s = clawbackStatement(input);
        for (const t of input.tranches) {
          const lines = s.lines.filter((l) => l.tranche === t.tranche);
          let cursor = t.paidOn;
          for (const l of lines) {
            assert.equal(l.from, cursor);
            assert.equal(l.principal, t.amount);
            cursor = l.to;
          }
          assert.equal(cursor, lines.length === 0 ? t.paidOn : input.asOf);
          if (lines.length === 0) assert.equal(t.paidOn, input.asOf);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('repaying exactly outstandingOn(d) leaves nothing owed on d; one fen more is refused naming it', () => {
    fc.assert(
      fc.property(scenario, fen(0, 100_000), (input, costs) => {
        const withCosts = { ...input, costs };
        const d = input.asOf;
        const owed = outstandingOn(withCosts, d);
        const settled = clawbackStatement({ ...withCosts, repayments: [{ amount: owed, paidOn: d }] });
        assert.equal(settled.outstanding, '0.00');
        const over = formatYuan(parseYuan(owed).plus('0.01'));
        assert.throws(
          () => clawbackStatement({ ...withCosts, repayments: [{ amount: over, paidOn: d }] }),
          (e: unknown) => e instanceof RepaymentExceedsOutstandingError && e.outstanding === owed,
        );
      }),
      { numRuns: 100 },
    );
  });
});
