import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  boundaryWordInclusive,
  defaultRoundWindow,
  describeRange,
  disbursementSchedule,
  evaluateAward,
  factProblems,
  filingWindowStatus,
  filingWindowWorkingDayProblems,
  inRange,
  programProblems,
  progressReached,
  progressThreshold,
  rangesOverlap,
  roundWindowProblems,
  splitByShares,
  type Facts,
  type FilingWindow,
} from '../../domain/catalog';
import { UnknownCalendarYearError, addCalendarDays, dayOfWeek, workingDaysFrom, type CalendarData } from '../../domain/calendar';
import { sumYuan } from '../../domain/money';
import type { DayCount, RateMode } from '../../domain/interest';
import type { Tenor } from '../../domain/lpr';
import { loadCatalog } from '../../lib/catalog-store';
import { catalogProgram } from '../helpers/fixtures';

const catalog = loadCatalog();
const program = catalogProgram;
function award(id: string, facts: Facts) {
  return evaluateAward(program(id), facts);
}
function amountOf(id: string, facts: Facts): string {
  const r = award(id, facts);
  assert.equal(r.eligible, true, r.reason);
  return r.amount;
}
function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

describe('boundary words (002 第三十七条（九）)', () => {
  it('includes the number for 不少于 / 不低于 / 不超过 / 以上, excludes it for 少于 / 低于 / 超过 / 以下', () => {
    for (const w of ['不少于', '不低于', '不超过', '以上', '及以上', '不少於', '以下（含）']) assert.equal(boundaryWordInclusive(w), true, w);
    for (const w of ['少于', '低于', '超过', '以下', '超', '超過']) assert.equal(boundaryWordInclusive(w), false, w);
    assert.equal(boundaryWordInclusive('左右'), undefined);
  });

  it('every bound in the seeded catalog that records a word agrees with that reading, or states why not', () => {
    const words: Array<[string, string, boolean, string | undefined]> = [];
    const visit = (v: unknown, path: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.word === 'string' && typeof o.inclusive === 'boolean') words.push([path, o.word, o.inclusive, o.reading as string | undefined]);
        for (const [k, x] of Object.entries(o)) visit(x, `${path}.${k}`);
      }
    };
    visit(catalog.catalog, '$');
    assert.ok(words.length >= 10);
    for (const [path, word, inclusive, reading] of words) {
      // A stated reading is only there when the table's reading of the word does not give `inclusive`.
      if (reading !== undefined) assert.notEqual(boundaryWordInclusive(word), inclusive, `${path}: ${word} needs no reading`);
      else assert.equal(boundaryWordInclusive(word), inclusive, `${path}: ${word}`);
    }
    // 001 四（二）5: 100亿元以上 starts above 100亿, which tier (2) takes by its （含）.
    assert.ok(words.some(([, w, inc, why]) => w === '以上' && !inc && why !== undefined));
  });

  it('checks ranges on both sides with their inclusivity', () => {
    const r = { lower: { value: '10', inclusive: true }, upper: { value: '15', inclusive: false } };
    assert.equal(inRange('10', r), true);
    assert.equal(inRange('9.999', r), false);
    assert.equal(inRange('14.999', r), true);
    assert.equal(inRange('15', r), false);
    assert.equal(describeRange(r, '%'), '≥ 10 % and < 15 %');
  });

  it('detects overlapping ranges, touching at an included point or not', () => {
    const a = { upper: { value: '50', inclusive: false } };
    assert.equal(rangesOverlap(a, { lower: { value: '50', inclusive: true } }), false);
    assert.equal(rangesOverlap({ upper: { value: '50', inclusive: true } }, { lower: { value: '50', inclusive: true } }), true);
    assert.equal(rangesOverlap(a, { lower: { value: '49', inclusive: false } }), true);
    assert.equal(rangesOverlap(undefined, a), true);
  });
});

describe('dinghu-emergency-major-project (000 四（一）4): 10亿 ≤ I < 50亿 → 6 % cap 3亿; I ≥ 50亿 → 8 % cap 5亿', () => {
  const id = 'dinghu-emergency-major-project';

  it('refuses one fen below 10亿 with the rule and the reason', () => {
    const r = award(id, { fixedInvestment: '999999999.99' });
    assert.equal(r.eligible, false);
    assert.equal(r.amount, '0.00');
    assert.equal(r.failedRule?.ruleId, 'investment-at-least-10yi');
    assert.equal(r.failedRule?.programId, id);
    assert.match(r.failedRule?.citation ?? '', /^000_37c1f488162303ab\.txt 四（一）4/);
    assert.match(r.reason ?? '', /999999999\.99 is not ≥ 1000000000\.00/);
    assert.deepEqual(r.schedule, []);
  });

  it('gives 6 % at exactly 10亿 (以上 includes 10亿): 6000万', () => {
    const r = award(id, { fixedInvestment: '1000000000.00' });
    assert.equal(r.amount, '60000000.00');
    assert.ok(r.breakdown.some((s) => s.rule.ruleId === 'tier-6pct' && s.result === 'tier-6pct'));
  });

  it('rounds 6 % of 10亿 + 1 fen half-up at the end of the line', () => {
    // 1000000000.01 × 6 % = 60000000.0006 → 60000000.00
    const r = award(id, { fixedInvestment: '1000000000.01' });
    assert.equal(r.amount, '60000000.00');
    const line = r.breakdown.find((s) => s.description === '6 % of fixedInvestment')!;
    assert.equal(line.inputs.unrounded, '60000000.0006');
    assert.equal(line.inputs.fixedInvestment, '1000000000.01');
  });

  it('49.99亿 → 6 % = 2.9994亿, below the 3亿 cap (which 6 % reaches only at 50亿)', () => {
    // 4999000000.00 × 6 % = 299940000.00
    assert.equal(amountOf(id, { fixedInvestment: '4999000000.00' }), '299940000.00');
  });

  it('one fen below 50亿 → 6 %: 299999999.9994 rounds to 300000000.00, equal to (not above) the cap', () => {
    const r = award(id, { fixedInvestment: '4999999999.99' });
    assert.equal(r.amount, '300000000.00');
    assert.equal(r.cap, '300000000.00');
    assert.ok(r.breakdown.some((s) => s.rule.ruleId === 'tier-6pct' && s.inputs.unrounded === '299999999.9994'));
  });

  it('exactly 50亿 takes 8 % (50亿元及以上): 4亿', () => {
    const r = award(id, { fixedInvestment: '5000000000.00' });
    assert.equal(r.amount, '400000000.00');
    assert.equal(r.cap, '500000000.00');
    assert.ok(r.breakdown.some((s) => s.rule.ruleId === 'tier-8pct'));
  });

  it('62.5亿 → 8 % = 5亿, exactly the cap; beyond it stays at 5亿', () => {
    assert.equal(amountOf(id, { fixedInvestment: '6250000000.00' }), '500000000.00');
    // 6250000000.01 × 8 % = 500000000.0008 → 500000000.00
    assert.equal(amountOf(id, { fixedInvestment: '6250000000.01' }), '500000000.00');
    const r = award(id, { fixedInvestment: '10000000000.00' }); // 8亿 before the cap
    assert.equal(r.amount, '500000000.00');
    assert.ok(r.breakdown.some((s) => s.result === 'capped to 500000000.00' && s.inputs.computed === '800000000.00'));
  });

  it('pays by construction progress: 30 % / 30 % / 40 % at 30 / 60 / 100 % of fixed investment', () => {
    const r = award(id, { fixedInvestment: '5000000000.00' });
    assert.deepEqual(
      r.schedule.map((s) => [s.tranche, s.amount, s.trigger.kind === 'progress' ? s.trigger.thresholdAmount : '']),
      [
        ['progress-30', '120000000.00', '1500000000.00'],
        ['progress-60', '120000000.00', '3000000000.00'],
        ['progress-100', '160000000.00', '5000000000.00'],
      ],
    );
    assert.match(r.schedule[0]!.condition, /reaches 30 % of the approved fixedInvestment/);
    assert.match(r.schedule[0]!.condition, /pays 30 % of the award/);
  });

  it('gives the rounding remainder to the last tranche and rounds thresholds up to the fen', () => {
    // I = 1234567890.12: award 6 % = 74074073.4072 → 74074073.41
    // 30 % of the award = 22222222.023 → 22222222.02 (twice); last = 74074073.41 − 44444444.04 = 29629629.37
    // thresholds: 30 % of I = 370370367.036 → 370370367.04; 60 % = 740740734.072 → 740740734.08
    const r = award(id, { fixedInvestment: '1234567890.12' });
    assert.equal(r.amount, '74074073.41');
    assert.deepEqual(r.schedule.map((s) => s.amount), ['22222222.02', '22222222.02', '29629629.37']);
    assert.equal(sumYuan(r.schedule.map((s) => s.amount)), r.amount);
    const t = r.schedule.map((s) => s.trigger);
    assert.deepEqual(t.map((x) => (x.kind === 'progress' ? x.thresholdAmount : '')), ['370370367.04', '740740734.08', '1234567890.12']);
    assert.equal(progressReached(t[0]!, '370370367.03'), false);
    assert.equal(progressReached(t[0]!, '370370367.04'), true);
  });

  it('names the use-of-funds obligation and the program settings', () => {
    const p = program(id);
    assert.deepEqual(p.obligations.map((o) => o.id), ['use-funds-for-project']);
    assert.equal(p.review.inspection.amount, '1000000.00');
    assert.equal(p.review.inspection.inclusive, true);
    assert.equal(p.review.spotCheckRatePercent, '5');
    assert.equal(p.notice.workingDays, 5);
    assert.deepEqual(
      { tenor: p.clawback.tenor, dayCount: p.clawback.dayCount, rateMode: p.clawback.rateMode },
      { tenor: '1Y', dayCount: 'ACT/360', rateMode: 'fixed-at-decision' },
    );
    assert.equal(p.filingWindow.kind, 'all-year');
  });

  it('has clawback settings the interest rules accept as they are', () => {
    // Compile-time: the catalog's literals are the ones domain/interest.ts and domain/lpr.ts use.
    const settings: { tenor: Tenor; dayCount: DayCount; rateMode: RateMode } = program(id).clawback;
    assert.equal(settings.rateMode, 'fixed-at-decision');
    assert.equal(program(id).clawback.referOnOverdue, true);
  });

  it('lists the officer checks it cannot compute', () => {
    const r = award(id, { fixedInvestment: '5000000000.00' });
    assert.deepEqual(
      r.officerChecks.map((c) => c.rule.ruleId),
      ['registered-in-dinghu', 'recognised-major-project', 'industry-emergency-rescue', 'not-seriously-dishonest'],
    );
  });
});

describe('dinghu-energy-saving-equipment (000 四（三）1): I ≥ 1亿 → 6 %, cap 1亿', () => {
  const id = 'dinghu-energy-saving-equipment';

  it('refuses one fen below 1亿', () => {
    const r = award(id, { fixedInvestment: '99999999.99' });
    assert.equal(r.eligible, false);
    assert.equal(r.failedRule?.ruleId, 'investment-at-least-1yi');
  });

  it('gives 6 % at exactly 1亿 (以上 includes 1亿): 600万', () => {
    assert.equal(amountOf(id, { fixedInvestment: '100000000.00' }), '6000000.00');
  });

  it('reaches the 1亿 cap at 1亿 / 6 % = 16.666…亿', () => {
    // 1666666666.50 × 6 % = 99999999.99 exactly
    assert.equal(amountOf(id, { fixedInvestment: '1666666666.50' }), '99999999.99');
    // 1666666666.66 × 6 % = 99999999.9996 → 100000000.00 (rounds to the cap, not above)
    assert.equal(amountOf(id, { fixedInvestment: '1666666666.66' }), '100000000.00');
    // 20亿 × 6 % = 1.2亿 → capped at 1亿
    const r = award(id, { fixedInvestment: '2000000000.00' });
    assert.equal(r.amount, '100000000.00');
    assert.ok(r.breakdown.some((s) => s.result === 'capped to 100000000.00'));
  });

  it('is phased by progress like the emergency projects', () => {
    const r = award(id, { fixedInvestment: '100000000.00' });
    assert.deepEqual(r.schedule.map((s) => [s.tranche, s.amount]), [
      ['progress-30', '1800000.00'],
      ['progress-60', '1800000.00'],
      ['progress-100', '2400000.00'],
    ]);
  });
});

describe('dinghu-generic-drug-consistency (000 四（二）1): 100万 + 100万 + 150万 at milestones', () => {
  const id = 'dinghu-generic-drug-consistency';

  it('awards 350万 per product in three named milestones', () => {
    const r = award(id, { drugName: '盐酸二甲双胍片' });
    assert.equal(r.amount, '3500000.00');
    assert.deepEqual(r.schedule.map((s) => [s.tranche, s.milestone, s.amount]), [
      ['be-filing', 'be-filing', '1000000.00'],
      ['be-trial-submitted', 'be-trial-submitted', '1000000.00'],
      ['consistency-passed', 'consistency-passed', '1500000.00'],
    ]);
    assert.ok(r.schedule.every((s) => s.trigger.kind === 'milestone'));
  });

  it('binds the holder to stay 5 years, counted from the last payment', () => {
    const stay = program(id).obligations.find((o) => o.id === 'stay-5-years')!;
    assert.equal(stay.kind, 'stay-in-district');
    assert.equal(stay.years, 5);
    assert.equal(stay.runsFrom, 'last-payment');
    assert.match(stay.citation.quote ?? '', /在获得政府资金支持后5年内不能迁出鼎湖区/);
    assert.equal(program(id).agreement.required, true);
  });

  it('is ineligible, not an exception, without the product name', () => {
    const r = award(id, {});
    assert.equal(r.eligible, false);
    assert.deepEqual(r.factProblems, ['drugName is required (Product (preparation) name 制剂品种名称; the award is per product)']);
  });

  it('scales the milestone amounts when less is approved', () => {
    // 3000000 / 3500000 of each line: 1000000 × 6/7 = 857142.857… → 857142.86 (twice);
    // last = 3000000.00 − 1714285.72 = 1285714.28
    assert.deepEqual(disbursementSchedule(program(id), { drugName: 'X' }, '3000000.00').map((s) => s.amount), [
      '857142.86',
      '857142.86',
      '1285714.28',
    ]);
    assert.throws(() => disbursementSchedule(program(id), { drugName: 'X' }, '3500000.01'), /exceeds the 3500000.00/);
  });
});

describe('dinghu-generic-drug-partner-firms and dinghu-rnd-institution (fixed by category)', () => {
  it('gives 50万 to the local pharmaceutical-study firm and to the BE firm', () => {
    assert.equal(amountOf('dinghu-generic-drug-partner-firms', { drugName: 'X', partnerRole: 'pharmaceutical-study' }), '500000.00');
    assert.equal(amountOf('dinghu-generic-drug-partner-firms', { drugName: 'X', partnerRole: 'be-trial' }), '500000.00');
  });

  it('gives 200万 / 50万 / 30万 by institution category', () => {
    const f = (c: string) => amountOf('dinghu-rnd-institution', { institutionCategory: c, recognitionDocument: '粤科函〔2024〕1号' });
    assert.equal(f('national-key-lab-or-engineering-centre'), '2000000.00');
    assert.equal(f('provincial-key-lab'), '500000.00');
    assert.equal(f('provincial-engineering-technology-centre'), '300000.00');
  });

  it('refuses an unknown category with the allowed values', () => {
    const r = award('dinghu-rnd-institution', { institutionCategory: 'city-lab', recognitionDocument: 'x' });
    assert.equal(r.eligible, false);
    assert.match(r.reason ?? '', /must be one of national-key-lab-or-engineering-centre/);
  });
});

describe('jianghai-major-project (001 四（二）3): 0.3 % / 0.3 % / 0.4 % of the agreed investment', () => {
  const id = 'jianghai-major-project';

  it('pays 30万 / 30万 / 40万 on an agreed 1亿', () => {
    const r = award(id, { agreedInvestment: '100000000.00' });
    assert.equal(r.amount, '1000000.00');
    assert.deepEqual(r.schedule.map((s) => [s.tranche, s.amount]), [
      ['progress-30', '300000.00'],
      ['progress-60', '300000.00'],
      ['progress-100', '400000.00'],
    ]);
  });

  it('rounds each line, so the total is the sum of rounded lines', () => {
    // 123456789.00 × 0.3 % = 370370.367 → 370370.37 (twice); × 0.4 % = 493827.156 → 493827.16
    // total 1234567.90 (one fen above 1 % rounded once, 1234567.89: rounding is per line)
    const r = award(id, { agreedInvestment: '123456789.00' });
    assert.deepEqual(r.schedule.map((s) => s.amount), ['370370.37', '370370.37', '493827.16']);
    assert.equal(r.amount, '1234567.90');
    assert.deepEqual(
      r.schedule.map((s) => (s.trigger.kind === 'progress' ? s.trigger.thresholdAmount : '')),
      ['37037036.70', '74074073.40', '123456789.00'],
    );
    assert.match(r.schedule[0]!.condition, /累计达投资协议投资额30%/);
  });

  it('is filed only in September (每年9月为申报月，逾期无效)', () => {
    const w = program(id).filingWindow;
    assert.deepEqual(filingWindowStatus(w, '2024-09-01'), { open: true, round: '2024-09', lastDay: '2024-09-30', rule: 'monthly: 001_952e377b9ed2fef7.txt 四（三）申报程序 1.申报时间' });
    assert.equal(filingWindowStatus(w, '2024-09-30').open, true);
    assert.equal(filingWindowStatus(w, '2024-08-31').open, false);
    const closed = filingWindowStatus(w, '2024-10-01');
    assert.equal(closed.open, false);
    assert.match(closed.open ? '' : closed.reason, /month 9/);
  });
});

describe('jianghai-rent-subsidy (001 四（二）4): 5元/㎡/月, ≤ 5000㎡, ≤ 36 months (the categories: test/unit/rent-categories.test.ts)', () => {
  const id = 'jianghai-rent-subsidy';
  /** Item (1), the 5元/㎡/月 subsidy. */
  const item1 = (rentedArea: string | number, months: string | number): Facts => ({ item: 'item-1', support: 'subsidy-5-yuan', rentedArea, months, rentPerSquareMetre: '18.00' });

  it('computes 5 × area × months', () => {
    assert.equal(amountOf(id, item1('1000', 12)), '60000.00'); // 5 × 1000 × 12
    assert.equal(amountOf(id, item1('1234.5', '7')), '43207.50'); // 5 × 1234.5 × 7
  });

  it('caps area at 5000㎡ and months at 36, inclusive', () => {
    assert.equal(amountOf(id, item1('5000', 36)), '900000.00');
    const r = award(id, item1('6000', 40));
    assert.equal(r.amount, '900000.00'); // 5 × 5000 × 36
    assert.equal(r.breakdown.at(-1)!.inputs['rentedArea used (at most 5000)'], '5000');
    assert.equal(r.breakdown.at(-1)!.inputs['months used (at most 36)'], '36');
  });

  it('rounds half-up to the fen once at the end', () => {
    // 5 × 1000.333 × 1 = 5001.665 → 5001.67
    assert.equal(amountOf(id, item1('1000.333', 1)), '5001.67');
  });

  it('refuses zero area or zero months, and floats', () => {
    assert.equal(award(id, item1('0', 12)).failedRule?.ruleId, 'area-positive');
    assert.equal(award(id, item1('10', 0)).failedRule?.ruleId, 'months-at-least-1');
    const r = award(id, item1(1000.5, 12));
    assert.equal(r.eligible, false);
    assert.match(r.reason ?? '', /rentedArea must be a decimal string/);
  });
});

describe('jianghai-national-innovation-platform (001 四（二）5(4)): > 3亿 → up to 3000万 over three years', () => {
  const id = 'jianghai-national-innovation-platform';

  it('refuses exactly 3亿 (超 excludes the number) and accepts 3亿 + 1 fen', () => {
    assert.equal(award(id, { investment: '300000000.00' }).failedRule?.ruleId, 'investment-over-3yi');
    assert.equal(amountOf(id, { investment: '300000000.01' }), '30000000.00');
  });

  it('splits into yearly instalments, the remainder to the last year', () => {
    // 33.33 % of 30000000 = 9999000.00 (twice); last = 30000000 − 19998000 = 10002000.00
    const r = award(id, { investment: '500000000.00' });
    assert.deepEqual(r.schedule.map((s) => [s.tranche, s.amount]), [
      ['year-1', '9999000.00'],
      ['year-2', '9999000.00'],
      ['year-3', '10002000.00'],
    ]);
  });
});

describe('qianhai-retail-growth (002 第十六条): sales ≥ 2亿 and growth ≥ 10 / 15 / 20 % → 0.1 / 0.15 / 0.2 %, ≤ 300万', () => {
  const id = 'qianhai-retail-growth';
  const at = (sales: string, growth: string) => award(id, { annualSales: sales, salesGrowthPercent: growth });

  it('refuses sales one fen below 2亿 (不少于 includes 2亿)', () => {
    const r = at('199999999.99', '25');
    assert.equal(r.eligible, false);
    assert.equal(r.failedRule?.ruleId, 'sales-at-least-2yi');
  });

  it('refuses growth just below 10 % (不低于 includes 10 %), and a decline', () => {
    assert.equal(at('200000000.00', '9.99').failedRule?.ruleId, 'growth-at-least-10');
    assert.equal(at('200000000.00', '-5').failedRule?.ruleId, 'growth-at-least-10');
  });

  it('takes each growth tier at its boundary, and the lower tier just below it', () => {
    const cases: Array<[string, string, string]> = [
      ['10', '200000.00', 'growth-10'], // 2亿 × 0.1 %
      ['14.99', '200000.00', 'growth-10'],
      ['15', '300000.00', 'growth-15'], // 2亿 × 0.15 %
      ['19.999', '300000.00', 'growth-15'],
      ['20', '400000.00', 'growth-20'], // 2亿 × 0.2 %
      ['85', '400000.00', 'growth-20'],
    ];
    for (const [growth, amount, tier] of cases) {
      const r = at('200000000.00', growth);
      assert.equal(r.amount, amount, `growth ${growth}`);
      assert.ok(r.breakdown.some((s) => s.rule.ruleId === tier && s.result === tier), `growth ${growth} → ${tier}`);
    }
  });

  it('caps at 300万 (每家每年最高300万元) in every tier', () => {
    assert.equal(at('1500000000.00', '20').amount, '3000000.00'); // 15亿 × 0.2 % = 300万 exactly
    assert.equal(at('2000000000.00', '20').amount, '3000000.00'); // 400万 → 300万
    assert.equal(at('2000000000.00', '15').amount, '3000000.00'); // 20亿 × 0.15 % = 300万 exactly
    assert.equal(at('3000000000.00', '10').amount, '3000000.00'); // 30亿 × 0.1 % = 300万 exactly
    assert.equal(at('3500000000.00', '12').amount, '3000000.00'); // 350万 → 300万
    assert.equal(at('2999999999.99', '10').amount, '3000000.00'); // 2999999.99999 → 3000000.00
  });

  it('rounds half-up: 234567890.12 × 0.15 % = 351851.83518 → 351851.84', () => {
    assert.equal(at('234567890.12', '16').amount, '351851.84');
  });

  it('wants percentages as strings, never binary floats', () => {
    const r = award(id, { annualSales: '200000000.00', salesGrowthPercent: 15 });
    assert.equal(r.eligible, false);
    assert.match(r.reason ?? '', /salesGrowthPercent must be a decimal string/);
  });

  it('records the 前海 annual caps for cross-application checks, with the merchant cap of 第六条 (a retailer is a 第三章 merchant)', () => {
    assert.deepEqual(
      program(id).annualCaps.map((c) => [c.id, c.scope, c.amount]),
      [
        ['program-300wan', 'applicant-per-program', '3000000.00'],
        ['policy-3000wan', 'applicant-per-policy', '30000000.00'],
        ['merchant-300wan', 'applicant-per-policy', '3000000.00'],
      ],
    );
  });

  it('takes applications only in a round opened with the announced dates (002 第二十九条（一）): no dates in the catalog', () => {
    const w = program(id).filingWindow;
    assert.deepEqual(w, {
      kind: 'announced',
      minWorkingDays: 10,
      citation: {
        seed: '002_578fbfc7518154ec.excerpt.txt',
        section: '第二十九条（一）',
        quote: '扶持資金申請集中受理,受理時間以前海管理局發布公告為準,受理期限不少于10個工作日。',
      },
    });
    const status = filingWindowStatus(w, '2025-09-15');
    assert.deepEqual(status, { open: false, reason: 'closed: announced by notice; open a round with the announced dates', rule: 'announced: 002_578fbfc7518154ec.excerpt.txt 第二十九条（一）' });
    assert.equal(defaultRoundWindow(w, 2025), null);
  });
});

describe('qianhai-warehouse-smart-upgrade (002 第十一条): investment ≥ 100万 → 10 %, ≤ 300万', () => {
  const id = 'qianhai-warehouse-smart-upgrade';
  it('applies the boundaries and the cap', () => {
    assert.equal(award(id, { actualInvestment: '999999.99' }).failedRule?.ruleId, 'investment-at-least-100wan');
    assert.equal(amountOf(id, { actualInvestment: '1000000.00' }), '100000.00');
    assert.equal(amountOf(id, { actualInvestment: '30000000.00' }), '3000000.00');
    assert.equal(amountOf(id, { actualInvestment: '30000000.01' }), '3000000.00'); // 3000000.001 → 3000000.00
    assert.equal(amountOf(id, { actualInvestment: '50000000.00' }), '3000000.00'); // 500万 → 300万
  });
});

describe('facts', () => {
  it('reports missing, malformed and unknown facts together', () => {
    const problems = factProblems(program('qianhai-retail-growth'), { annualSales: '2亿', bogus: '1' });
    assert.equal(problems.length, 3);
    assert.match(problems.join('\n'), /annualSales must be a string in yuan/);
    assert.match(problems.join('\n'), /salesGrowthPercent is required/);
    assert.match(problems.join('\n'), /bogus is not a fact of qianhai-retail-growth/);
  });

  it('refuses absurd values: a 40-digit amount, area or month count, and a text fact with nothing visible or hidden controls', () => {
    const emergency = program('dinghu-emergency-major-project');
    const forty = `${'9'.repeat(38)}.00`;
    assert.deepEqual(factProblems(emergency, { fixedInvestment: forty }), ['fixedInvestment must be at most 999999999999.99']);
    assert.deepEqual(factProblems(emergency, { fixedInvestment: '999999999999.99' }), []);
    const rent = program('jianghai-rent-subsidy');
    assert.match(factProblems(rent, { item: 'item-1', support: 'subsidy-5-yuan', rentPerSquareMetre: '18.00', rentedArea: '9'.repeat(40), months: 12 }).join('\n'), /rentedArea must have at most 15 digits/);
    assert.match(factProblems(rent, { item: 'item-1', support: 'subsidy-5-yuan', rentPerSquareMetre: '18.00', rentedArea: '1.12345678901', months: 12 }).join('\n'), /rentedArea must have at most 15 digits before the decimal point and 10 after/);
    assert.match(factProblems(rent, { item: 'item-1', support: 'subsidy-5-yuan', rentPerSquareMetre: '18.00', rentedArea: '1200.5', months: '9'.repeat(40) }).join('\n'), /months must be a whole number from 0 to 9007199254740991/);
    assert.deepEqual(factProblems(rent, { item: 'item-1', support: 'subsidy-5-yuan', rentPerSquareMetre: '18.00', rentedArea: '1200.5', months: '12' }), []);
    for (const [name, reason] of [
      ['\u0000', /control characters/],
      ['\u200B\u200D', /visible characters/],
      ['\u202E园业产', /bidirectional/],
      ['园\uD800', /lone surrogate/],
    ] as const) {
      assert.match(factProblems(emergency, { fixedInvestment: '1000000000.00', projectName: name }).join('\n'), new RegExp(`projectName .*${reason.source}`), JSON.stringify(name));
    }
  });

  it('accepts optional facts and ignores their absence', () => {
    assert.deepEqual(factProblems(program('dinghu-emergency-major-project'), { fixedInvestment: '1000000000.00', projectName: '应急装备产业园' }), []);
  });
});

describe('schedules and shares', () => {
  it('splits by shares with the remainder last', () => {
    assert.deepEqual(splitByShares('0.10', ['30', '30', '40']), ['0.03', '0.03', '0.04']);
    assert.deepEqual(splitByShares('100.00', ['33.33', '33.33', '33.34']), ['33.33', '33.33', '33.34']);
    assert.deepEqual(splitByShares('0.01', ['30', '30', '40']), ['0.00', '0.00', '0.01']);
  });

  it('computes progress thresholds rounded up to the fen', () => {
    assert.equal(progressThreshold('0.01', '30'), '0.01'); // 0.003 → 0.01
    assert.equal(progressThreshold('100.00', '30'), '30.00');
  });

  it('schedules an approved amount below the formula by the same shares', () => {
    // 3亿 approved of 4亿: 9000万 / 9000万 / 1.2亿
    const p = program('dinghu-emergency-major-project');
    assert.deepEqual(disbursementSchedule(p, { fixedInvestment: '5000000000.00' }, '300000000.00').map((s) => s.amount), [
      '90000000.00',
      '90000000.00',
      '120000000.00',
    ]);
    assert.throws(() => disbursementSchedule(p, { fixedInvestment: '900000000.00' }, '1.00'), /no schedule/);
  });
});

describe('programProblems: consistency the schema cannot see', () => {
  const base = () => clone(program('dinghu-emergency-major-project'));

  it('finds none in the seeded catalog', () => {
    for (const p of Object.values(catalog.catalog)) assert.deepEqual(programProblems(p), [], p.id);
  });

  it('refuses tiers that overlap at 50亿 when both include it', () => {
    const p = base();
    if (p.formula.kind !== 'tiered-rate') throw new Error('tiered');
    p.formula.tiers[0]!.basis!.upper!.inclusive = true;
    assert.deepEqual(programProblems(p), [{ path: ['formula', 'tiers', 1], reason: 'tier tier-8pct overlaps tier tier-6pct: a value would match both' }]);
  });

  it('refuses shares that do not add up to 100 %', () => {
    const p = base();
    if (p.disbursement.kind !== 'progress') throw new Error('progress');
    p.disbursement.tranches[2]!.sharePercent = '39';
    assert.deepEqual(programProblems(p), [{ path: ['disbursement', 'tranches'], reason: 'shares add up to 99 %, not 100 %' }]);
  });

  it('refuses a rule on an undeclared or optional fact', () => {
    const p = base();
    if (p.formula.kind !== 'tiered-rate') throw new Error('tiered');
    p.formula.basisFact = 'investment';
    assert.match(programProblems(p)[0]!.reason, /fact "investment" is not declared/);
    const q = base();
    q.facts[0]!.required = false;
    assert.match(programProblems(q)[0]!.reason, /must be required/);
  });

  it('refuses milestone tranches that do not pay each formula line once', () => {
    const p = clone(program('dinghu-generic-drug-consistency'));
    if (p.disbursement.kind !== 'milestones') throw new Error('milestones');
    p.disbursement.tranches.pop();
    assert.match(programProblems(p)[0]!.reason, /missing: consistency-passed/);
  });
});

describe('support and rounds: what one application is for, double dipping, sign-off', () => {
  it('records per program the nature, the unit of an application, the double-dipping rule and the sign-off', () => {
    const table = Object.fromEntries(
      Object.values(catalog.catalog).map((p) => [p.id, [p.support.nature, p.support.per, p.support.doubleDipping, p.rounds.signOff]]),
    );
    assert.deepEqual(table, {
      'dinghu-emergency-major-project': ['fixed-asset-investment', 'project', 'show-reviewer', 'single'],
      'dinghu-energy-saving-equipment': ['fixed-asset-investment', 'project', 'show-reviewer', 'single'],
      'dinghu-generic-drug-consistency': ['drug-consistency-evaluation', 'product', 'show-reviewer', 'single'],
      'dinghu-generic-drug-partner-firms': ['drug-consistency-evaluation', 'product', 'show-reviewer', 'single'],
      'dinghu-rnd-institution': ['rnd-platform', 'project', 'show-reviewer', 'single'],
      'jianghai-major-project': ['fixed-asset-investment', 'project', 'show-reviewer', 'batch'],
      'jianghai-national-innovation-platform': ['rnd-platform', 'applicant', 'show-reviewer', 'batch'],
      'jianghai-rent-subsidy': ['rent', 'applicant', 'show-reviewer', 'batch'],
      'jianghai-tech-innovation': ['rnd-innovation', 'applicant', 'show-reviewer', 'batch'],
      'qianhai-retail-growth': ['sales-growth', 'applicant', 'refuse', 'batch'],
      'qianhai-warehouse-smart-upgrade': ['fixed-asset-investment', 'project', 'refuse', 'batch'],
      'shangyu-fiscal-contribution': ['fiscal-contribution', 'applicant', 'show-reviewer', 'batch'],
      'shangyu-local-procurement': ['local-procurement', 'applicant', 'show-reviewer', 'batch'],
      'shangyu-supplier-matching': ['supply-chain-matching', 'applicant', 'show-reviewer', 'batch'],
    });
  });

  it('refuses double dipping in 前海 by 第三十六条, as the seed words it', () => {
    for (const id of ['qianhai-retail-growth', 'qianhai-warehouse-smart-upgrade']) {
      const c = program(id).support.citation;
      assert.equal(c?.section, '第三十六条', id);
      assert.match(c?.quote ?? '', /其他同類性質支持政策規定的,不得重復享受/, id);
    }
  });

  it('matches fixed-investment awards across the three policies, and R&D platforms across 000 and 001', () => {
    const policiesOf = (nature: string) =>
      [...new Set(Object.values(catalog.catalog).filter((p) => p.support.nature === nature).map((p) => p.policy.id))].sort();
    assert.equal(policiesOf('fixed-asset-investment').length, 3);
    assert.equal(policiesOf('rnd-platform').length, 2);
  });

  it('names what the applicant declares for each per-project or per-product program, and only there', () => {
    for (const p of Object.values(catalog.catalog)) assert.equal(p.support.projectLabel !== undefined, p.support.per !== 'applicant', p.id);
    assert.match(program('dinghu-generic-drug-consistency').support.projectLabel ?? '', /制剂品种/);
  });

  it('grounds batch sign-off in 001 报江海区政府审定 and 002 第五条 pro rata; 000 is an office setting with its reason', () => {
    assert.match(program('jianghai-rent-subsidy').rounds.citation?.quote ?? '', /报江海区政府审定/);
    assert.match(program('qianhai-retail-growth').rounds.citation?.quote ?? '', /按適當比例/);
    const dinghu = program('dinghu-emergency-major-project').rounds;
    assert.equal(dinghu.citation, undefined);
    assert.match(dinghu.note ?? '', /office setting/);
  });
});

/** A working-day calendar for one year, built here: weekends off, 1–7 October off, no make-up days. */
function calendarFor(year: number): CalendarData {
  const nationalDay = `${year}-10-01`;
  return { [String(year)]: { year, holidays: [0, 1, 2, 3, 4, 5, 6].map((n) => addCalendarDays(nationalDay, n)), workdays: [], source: 'test' } };
}

describe('defaultRoundWindow: the window a round is opened with by default', () => {
  const citation = { seed: 's.txt', section: '§1' };
  it('all-year → the calendar year; monthly → that month, leap years included', () => {
    assert.deepEqual(defaultRoundWindow({ kind: 'all-year' }, 2025), { opens: '2025-01-01', closes: '2025-12-31', rule: 'all-year' });
    assert.deepEqual(defaultRoundWindow(program('jianghai-major-project').filingWindow, 2024), {
      opens: '2024-09-01',
      closes: '2024-09-30',
      rule: 'monthly: 001_952e377b9ed2fef7.txt 四（三）申报程序 1.申报时间',
    });
    const february: FilingWindow = { kind: 'monthly', month: 2, citation };
    assert.equal(defaultRoundWindow(february, 2024)?.closes, '2024-02-29');
    assert.equal(defaultRoundWindow(february, 2025)?.closes, '2025-02-28');
    assert.equal(defaultRoundWindow({ kind: 'monthly', month: 12, citation }, 2025)?.closes, '2025-12-31');
  });

  it('dates → the listed window of that round, else the one opening in that year, else none', () => {
    const w: FilingWindow = {
      kind: 'dates',
      windows: [
        { round: 'spring', opens: '2024-03-01', closes: '2024-03-20' },
        { round: '2025', opens: '2024-12-15', closes: '2025-01-20' },
      ],
      citation,
    };
    assert.deepEqual(defaultRoundWindow(w, 2025), { opens: '2024-12-15', closes: '2025-01-20', rule: 'dates: s.txt §1' });
    assert.deepEqual(defaultRoundWindow(w, 2024), { opens: '2024-03-01', closes: '2024-03-20', rule: 'dates: s.txt §1' });
    assert.equal(defaultRoundWindow(w, 2026), null);
  });

  it('announced → none: the admin gives the announced dates; a year that is not a year is refused', () => {
    assert.equal(defaultRoundWindow({ kind: 'announced', minWorkingDays: 10, citation }, 2025), null);
    assert.throws(() => defaultRoundWindow({ kind: 'all-year' }, 2025.5), RangeError);
  });
});

describe('roundWindowProblems: the dates an admin opens a round with', () => {
  const year = 2024;
  const calendar = calendarFor(year);
  const announced = program('qianhai-warehouse-smart-upgrade').filingWindow;

  it('accepts exactly 10 working days and refuses 9, naming window.closes and the rule', () => {
    // Start on the first Monday of September, so the window is plain working weeks.
    let opens = `${year}-09-01`;
    while (dayOfWeek(opens) !== 1) opens = addCalendarDays(opens, 1);
    const tenth = workingDaysFrom(calendar, opens, 10).lastDay;
    assert.deepEqual(roundWindowProblems(announced, { opens, closes: tenth }, calendar), []);
    const short = addCalendarDays(tenth, -1);
    assert.deepEqual(roundWindowProblems(announced, { opens, closes: short }, calendar), [
      {
        field: 'window.closes',
        reason: `the window ${opens}–${short} has 9 working days, fewer than 10 (002_578fbfc7518154ec.excerpt.txt 第二十九条（一）)`,
      },
    ]);
  });

  it('does not count holidays: a window over 1–7 October needs more calendar days', () => {
    // 30 September (a working day, Monday in 2024) to 11 October: 30/9 and 8–11/10 → 5 working days.
    assert.equal(dayOfWeek(`${year}-09-30`), 1);
    const problems = roundWindowProblems(announced, { opens: `${year}-09-30`, closes: `${year}-10-11` }, calendar);
    assert.match(problems[0]?.reason ?? '', /has 5 working days, fewer than 10/);
  });

  it('refuses dates that are not real dates, and a window that closes before it opens', () => {
    assert.deepEqual(roundWindowProblems(announced, { opens: `${year}-02-30`, closes: 'soon' }, calendar), [
      { field: 'window.opens', reason: `"${year}-02-30" is not a real date written YYYY-MM-DD` },
      { field: 'window.closes', reason: '"soon" is not a real date written YYYY-MM-DD' },
    ]);
    assert.deepEqual(roundWindowProblems({ kind: 'all-year' }, { opens: `${year}-05-02`, closes: `${year}-05-01` }, calendar), [
      { field: 'window.closes', reason: `${year}-05-01 is before window.opens ${year}-05-02` },
    ]);
  });

  it('needs no calendar without a minimum, and throws UnknownCalendarYearError for a year the calendar lacks', () => {
    assert.deepEqual(roundWindowProblems({ kind: 'all-year' }, { opens: `${year + 5}-05-01`, closes: `${year + 5}-05-01` }, {}), []);
    assert.throws(
      () => roundWindowProblems(announced, { opens: `${year}-12-20`, closes: `${year + 1}-01-10` }, calendar),
      (e: unknown) => e instanceof UnknownCalendarYearError && e.year === year + 1,
    );
  });

  it('applies a dates window minimum too, and filingWindowWorkingDayProblems still checks listed windows', () => {
    const dates: FilingWindow = { kind: 'dates', minWorkingDays: 10, windows: [{ round: 'x', opens: `${year}-09-30`, closes: `${year}-10-11` }], citation: { seed: 's.txt', section: '§1' } };
    assert.match(roundWindowProblems(dates, dates.windows[0]!, calendar)[0]?.reason ?? '', /5 working days/);
    assert.deepEqual(filingWindowWorkingDayProblems(dates, calendar), [`window x (${year}-09-30–${year}-10-11) has 5 working days, fewer than 10`]);
    assert.deepEqual(filingWindowStatus(dates, `${year}-10-08`), { open: true, round: 'x', lastDay: `${year}-10-11`, rule: 'dates: s.txt §1' });
    assert.equal(filingWindowStatus(dates, `${year}-10-12`).open, false);
    assert.deepEqual(filingWindowWorkingDayProblems(announced, calendar), []);
  });
});

describe('programProblems: support and rounds', () => {
  it('wants a projectLabel exactly when one application is per project or product', () => {
    const p = clone(program('dinghu-generic-drug-consistency'));
    delete p.support.projectLabel;
    assert.deepEqual(programProblems(p), [
      { path: ['support', 'projectLabel'], reason: 'a program that takes one application per product says what the applicant names at filing (projectLabel)' },
    ]);
    const q = clone(program('jianghai-rent-subsidy'));
    q.support.projectLabel = '租赁场地';
    assert.deepEqual(programProblems(q).map((x) => x.path), [['support', 'projectLabel']]);
  });

  it('wants a note wherever a value has no citation', () => {
    const p = clone(program('jianghai-rent-subsidy'));
    delete p.support.citation;
    assert.deepEqual(programProblems(p), []); // the note is there
    delete p.support.note;
    delete p.rounds.citation;
    delete p.rounds.note;
    assert.deepEqual(programProblems(p), [
      { path: ['support', 'note'], reason: 'support without a citation needs a note saying why its values are an office setting' },
      { path: ['rounds', 'note'], reason: 'rounds without a citation needs a note saying why its values are an office setting' },
    ]);
  });
});

describe('purity of domain/catalog.ts', () => {
  it('imports no zod, Node built-ins or Temporal, and reads no clock', () => {
    const source = readFileSync(join(__dirname, '..', '..', 'domain', 'catalog.ts'), 'utf8');
    assert.doesNotMatch(source, /from 'zod'|from 'node:|@temporalio|Date\.now|Math\.random|new Date\(\)/);
  });
});
