import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { disbursementSchedule, evaluateAward, type Program } from '../../domain/catalog';
import { Decimal, compareYuan, formatYuan, parseYuan, sumYuan, type Yuan } from '../../domain/money';
import { loadCatalog } from '../../lib/catalog-store';

const catalog = loadCatalog();
const programs = Object.values(catalog.catalog);
const get = (id: string): Program => catalog.getProgram(id)!;

/** Fen amounts from 0 to 2000亿, biased towards the seeds' boundaries. */
const yuan = fc.oneof(
  fc.bigInt({ min: 0n, max: 20_000_000_000_000n }).map((fen) => formatYuan(new Decimal(fen.toString()).dividedBy(100))),
  fc
    .constantFrom('100000000.00', '1000000000.00', '5000000000.00', '6250000000.00', '200000000.00', '1000000.00', '1666666666.66')
    .chain((b) => fc.integer({ min: -3, max: 3 }).map((d) => formatYuan(parseYuan(b).plus(new Decimal(d).dividedBy(100))))),
);
const percent = fc.integer({ min: -5000, max: 50000 }).map((n) => new Decimal(n).dividedBy(100).toFixed());

/** The smallest cap the program's formula states for the tier or the whole award, if any. */
function maxAllowed(p: Program): Yuan | undefined {
  const f = p.formula;
  const caps: Yuan[] = [];
  if (f.kind === 'tiered-rate') {
    if (f.tiers.every((t) => t.cap !== undefined)) caps.push(f.tiers.map((t) => t.cap!).sort((a, b) => compareYuan(b, a))[0]!);
    if (f.cap) caps.push(f.cap.amount);
  }
  if (f.kind === 'unit-rate' && f.cap) caps.push(f.cap.amount);
  return caps.sort(compareYuan)[0];
}

describe('awards never exceed their caps (property)', () => {
  it('dinghu-emergency-major-project: at most 3亿 below 50亿, at most 5亿 from 50亿', () => {
    const p = get('dinghu-emergency-major-project');
    fc.assert(
      fc.property(yuan, (investment) => {
        const r = evaluateAward(p, { fixedInvestment: investment });
        if (compareYuan(investment, '1000000000.00') < 0) return !r.eligible && r.amount === '0.00';
        const cap = compareYuan(investment, '5000000000.00') < 0 ? '300000000.00' : '500000000.00';
        return r.eligible && compareYuan(r.amount, cap) <= 0 && r.cap === cap;
      }),
    );
  });

  it('dinghu-emergency-major-project: the award never falls as investment rises', () => {
    const p = get('dinghu-emergency-major-project');
    fc.assert(
      fc.property(yuan, yuan, (a, b) => {
        const [lo, hi] = compareYuan(a, b) <= 0 ? [a, b] : [b, a];
        return compareYuan(evaluateAward(p, { fixedInvestment: lo }).amount, evaluateAward(p, { fixedInvestment: hi }).amount) <= 0;
      }),
    );
  });

  it('dinghu-energy-saving-equipment: at most 1亿', () => {
    const p = get('dinghu-energy-saving-equipment');
    fc.assert(fc.property(yuan, (i) => compareYuan(evaluateAward(p, { fixedInvestment: i }).amount, '100000000.00') <= 0));
  });

  it('qianhai-retail-growth: at most 300万, and more growth never pays less', () => {
    const p = get('qianhai-retail-growth');
    fc.assert(
      fc.property(yuan, percent, percent, (sales, g1, g2) => {
        const [lo, hi] = new Decimal(g1).lessThanOrEqualTo(g2) ? [g1, g2] : [g2, g1];
        const a = evaluateAward(p, { annualSales: sales, salesGrowthPercent: lo });
        const b = evaluateAward(p, { annualSales: sales, salesGrowthPercent: hi });
        return compareYuan(a.amount, '3000000.00') <= 0 && compareYuan(b.amount, '3000000.00') <= 0 && compareYuan(a.amount, b.amount) <= 0;
      }),
    );
  });

  it('jianghai-rent-subsidy: at most 5 × 5000 × 36 = 90万 on the 5元 items; at most the rent of 5000㎡ for 36 months on the others but (7)', () => {
    const p = get('jianghai-rent-subsidy');
    const area = fc.integer({ min: 0, max: 10_000_000 }).map((n) => new Decimal(n).dividedBy(1000).toFixed());
    const rent = fc.integer({ min: 0, max: 20_000 }).map((fen) => formatYuan(new Decimal(fen).dividedBy(100)));
    const choice = fc.constantFrom(
      ['item-1', 'subsidy-5-yuan'],
      ['item-4', 'subsidy-5-yuan'],
      ['item-6', 'subsidy-5-yuan'],
      ['item-2', 'half-rent'],
      ['item-3', 'free-rent'],
      ['item-5', 'half-rent'],
      ['item-8', 'free-rent'],
    );
    fc.assert(
      fc.property(area, fc.integer({ min: 0, max: 120 }), rent, choice, (rentedArea, months, rentPerSquareMetre, [item, support]) => {
        const amount = evaluateAward(p, { item, support, rentedArea, months, rentPerSquareMetre }).amount;
        const most = support === 'subsidy-5-yuan' ? '900000.00' : formatYuan(new Decimal(rentPerSquareMetre).times(5000 * 36));
        return compareYuan(amount, most) <= 0;
      }),
    );
  });

  it('every tiered program: the award is at most its largest stated cap', () => {
    for (const p of programs) {
      const f = p.formula;
      const cap = maxAllowed(p);
      if (f.kind !== 'tiered-rate' || !cap) continue;
      fc.assert(
        fc.property(yuan, percent, (basis, selector) => {
          const facts: Record<string, string> = { [f.basisFact]: basis };
          if (f.selectorFact) facts[f.selectorFact] = selector;
          return compareYuan(evaluateAward(p, facts).amount, cap) <= 0;
        }),
        { numRuns: 300 },
      );
    }
  });
});

describe('schedules always pay exactly the award (property)', () => {
  const factsFor: Record<string, fc.Arbitrary<Record<string, string | number>>> = {
    'dinghu-emergency-major-project': yuan.map((v) => ({ fixedInvestment: v })),
    'dinghu-energy-saving-equipment': yuan.map((v) => ({ fixedInvestment: v })),
    'jianghai-major-project': yuan.map((v) => ({ agreedInvestment: v })),
    'qianhai-retail-growth': fc.tuple(yuan, percent).map(([s, g]) => ({ annualSales: s, salesGrowthPercent: g })),
    'qianhai-warehouse-smart-upgrade': yuan.map((v) => ({ actualInvestment: v })),
    'jianghai-national-innovation-platform': yuan.map((v) => ({ investment: v })),
    'dinghu-generic-drug-consistency': fc.constant({ drugName: 'X' }),
  };

  for (const [id, facts] of Object.entries(factsFor)) {
    it(`${id}: tranches sum to the award, and to any smaller approved amount`, () => {
      const p = get(id);
      fc.assert(
        fc.property(facts, fc.integer({ min: 1, max: 1_000_000 }), (f, permille) => {
          const r = evaluateAward(p, f);
          if (!r.eligible) return r.schedule.length === 0;
          if (sumYuan(r.schedule.map((s) => s.amount)) !== r.amount) return false;
          // An approved amount between 0.01 and the award, proportionally.
          const approved = formatYuan(Decimal.max(new Decimal('0.01'), parseYuan(r.amount).times(permille).dividedBy(1_000_000)).toDecimalPlaces(2, Decimal.ROUND_DOWN));
          const s = disbursementSchedule(p, f, approved);
          return sumYuan(s.map((x) => x.amount)) === approved && s.every((x) => !x.amount.startsWith('-'));
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('the catalog used by these properties', () => {
  it('has a stated cap on every tiered program', () => {
    for (const p of programs) if (p.formula.kind === 'tiered-rate') assert.ok(maxAllowed(p), p.id);
  });
});
