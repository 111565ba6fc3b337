/**
 * The newer formula kinds (multi-fact tiers, marginal bands, per unit, rate above a threshold) and
 * split payees, pinned on the seeds' own boundary cases, with the explanation each preview carries.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  disbursementSchedule,
  evaluateAward,
  programProblems,
  type AwardEvaluation,
  type BreakdownStep,
  type Facts,
  type Program,
  type StepExplanation,
} from '../../domain/catalog';
import { programSchema } from '../../domain/catalog-schema';
import { Decimal, compareYuan, formatYuan, parseYuan, sumYuan } from '../../domain/money';
import { catalogProgram } from '../helpers/fixtures';

const program = catalogProgram;
function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
function explained<K extends StepExplanation['kind']>(r: AwardEvaluation, kind: K): Array<Extract<StepExplanation, { kind: K }>> {
  return r.breakdown.flatMap((s: BreakdownStep) => (s.explains?.kind === kind ? [s.explains as Extract<StepExplanation, { kind: K }>] : []));
}

const TECH = 'jianghai-tech-innovation';
/** Facts meeting every threshold of tier (2) but revenue, which each test sets. */
const tier2 = (revenue: string): Facts => ({
  mainBusinessRevenue: revenue,
  rndExpenseRatioPercent: '2',
  inventionPatents3y: 25,
  provincialResearchProjects: 2,
  nationalKeyLabs: 0,
});
const leader = { teamLeaderName: '张三', teamLeaderAccount: '中国工商银行 6222020000000000000' };

describe('jianghai-tech-innovation (001 四（二）5): revenue tiers, each with its own thresholds', () => {
  it('exactly 100亿 is tier (2) by its （含）: up to 2000万, and the explanation names the words that decided it', () => {
    const r = evaluateAward(program(TECH), tier2('10000000000.00'));
    assert.equal(r.eligible, true, r.reason);
    assert.equal(r.amount, '20000000.00');
    const [tier] = explained(r, 'tier');
    assert.equal(tier!.chosen, 'revenue-10-100yi');
    const upper = tier!.boundaries.find((b) => b.tier === 'revenue-10-100yi' && b.fact === 'mainBusinessRevenue' && b.side === 'upper')!;
    assert.deepEqual([upper.bound.word, upper.bound.inclusive, upper.met], ['（含）', true, true]);
    const over = tier!.boundaries.find((b) => b.tier === 'revenue-over-100yi' && b.fact === 'mainBusinessRevenue')!;
    assert.deepEqual([over.bound.word, over.bound.inclusive, over.met], ['以上', false, false]);
    assert.match(over.bound.reading ?? '', /tier \(2\)/);
    assert.equal(r.payees?.length, 1, 'no team leader named: the applicant takes it all');
  });

  it('one fen over 100亿 is tier (3), which needs 100 patents and a national key laboratory', () => {
    const over = '10000000000.01';
    const r = evaluateAward(program(TECH), tier2(over));
    assert.equal(r.eligible, false);
    assert.match(r.reason!, /no tier/);
    assert.equal(r.failedRule?.ruleId, 'tiers');
    const missed = explained(r, 'tier')[0]!;
    assert.equal(missed.chosen, null);
    assert.ok(missed.boundaries.some((b) => b.tier === 'revenue-over-100yi' && b.fact === 'inventionPatents3y' && !b.met));
    const t3 = evaluateAward(program(TECH), { ...tier2(over), rndExpenseRatioPercent: '1.5', inventionPatents3y: 100, nationalKeyLabs: 1 });
    assert.equal(t3.amount, '30000000.00');
  });

  it('exactly 10亿 is tier (1) by its （含）, and exactly 5亿 opens tier (1); below 5亿 no tier', () => {
    const t1 = (revenue: string): Facts => ({ ...tier2(revenue), rndExpenseRatioPercent: '3', inventionPatents3y: 5 });
    assert.equal(evaluateAward(program(TECH), t1('1000000000.00')).amount, '10000000.00');
    assert.equal(evaluateAward(program(TECH), t1('500000000.00')).amount, '10000000.00');
    assert.equal(evaluateAward(program(TECH), t1('499999999.99')).eligible, false);
    // 10亿 with only tier (2)'s 2 % R&D: tier (1) wants ≥ 3 %, so no tier.
    assert.equal(evaluateAward(program(TECH), tier2('1000000000.00')).eligible, false);
    // Each tier's thresholds include their number: ≥ 3 %, 5个以上（含）, 两项以上.
    assert.equal(evaluateAward(program(TECH), { ...t1('800000000.00'), rndExpenseRatioPercent: '2.99' }).eligible, false);
    assert.equal(evaluateAward(program(TECH), { ...t1('800000000.00'), inventionPatents3y: 4 }).eligible, false);
    assert.equal(evaluateAward(program(TECH), { ...t1('800000000.00'), provincialResearchProjects: 1 }).eligible, false);
  });

  it('a team-leader share above 200万 is cut to 200万; the applicant keeps the rest; payees sum to the award', () => {
    const r = evaluateAward(program(TECH), { ...tier2('5000000000.00'), ...leader });
    assert.equal(r.amount, '20000000.00');
    assert.deepEqual(
      r.payees?.map((p) => [p.payee, p.amount]),
      [
        ['applicant', '18000000.00'],
        ['team-leader', '2000000.00'],
      ],
    );
    assert.deepEqual(r.payees?.[1]?.identity, { name: leader.teamLeaderName, account: leader.teamLeaderAccount });
    assert.deepEqual(explained(r, 'cap'), [{ kind: 'cap', cap: '2000000.00', applied: true }]);
    assert.deepEqual(
      explained(r, 'payee').map((p) => [p.payee, p.amount]),
      [
        ['team-leader', '2000000.00'],
        ['applicant', '18000000.00'],
      ],
    );
    // One schedule line per payee, the payee's own tranche; together the award.
    assert.deepEqual(
      r.schedule.map((l) => [l.tranche, l.payee, l.amount]),
      [
        ['lump-sum', 'applicant', '18000000.00'],
        ['lump-sum-team-leader', 'team-leader', '2000000.00'],
      ],
    );
  });

  it('tier (1): 20 % of 1000万 is exactly 200万, within the cap (不高于 includes it)', () => {
    const r = evaluateAward(program(TECH), { ...tier2('600000000.00'), rndExpenseRatioPercent: '3', inventionPatents3y: 5, ...leader });
    assert.deepEqual(explained(r, 'cap'), [{ kind: 'cap', cap: '2000000.00', applied: false }]);
    assert.equal(r.payees?.find((p) => p.payee === 'team-leader')?.amount, '2000000.00');
  });

  it('splits a lower approved amount again: 20 % of what was approved, under the cap', () => {
    const lines = disbursementSchedule(program(TECH), { ...tier2('5000000000.00'), ...leader }, '5000000.01');
    assert.deepEqual(
      lines.map((l) => [l.payee, l.amount, l.milestone]),
      [
        ['applicant', '4000000.01', 'lump-sum'],
        ['team-leader', '1000000.00', 'lump-sum'],
      ],
    );
  });

  it('a team leader named without an account (or the reverse) is a fact problem, not a silent full award', () => {
    const r = evaluateAward(program(TECH), { ...tier2('5000000000.00'), teamLeaderName: '张三' });
    assert.equal(r.eligible, false);
    assert.match(r.factProblems?.join() ?? '', /teamLeaderName and teamLeaderAccount name the team-leader together/);
  });

  it('leaves the older programs without payees: no payees field, no payee on a schedule line', () => {
    const r = evaluateAward(program('jianghai-national-innovation-platform'), { investment: '400000000.00' });
    assert.equal(r.eligible, true);
    assert.equal('payees' in r, false);
    assert.ok(r.schedule.every((l) => !('payee' in l)));
    assert.ok(r.breakdown.every((s) => !('explains' in s)));
  });
});

const FISCAL = 'shangyu-fiscal-contribution';
const fiscal = (growth: string, contribution = '12000000.00', tax = '60000000.00'): Facts => ({
  industrialTax: tax,
  taxGrowthPercent: growth,
  localFiscalContribution: contribution,
});

describe('shangyu-fiscal-contribution (004 四、2): marginal bands of growth', () => {
  it('growth exactly 10 % qualifies (以上) but has no growth above 10 %: nothing to award', () => {
    const r = evaluateAward(program(FISCAL), fiscal('10'));
    assert.equal(r.eligible, false);
    assert.match(r.reason!, /no award \(0\.00\)/);
    assert.ok(r.breakdown.some((s) => s.rule.ruleId === 'growth-10' && s.result === 'met'));
    const band = explained(r, 'band').find((b) => b.band === 'growth-10-to-20')!;
    assert.deepEqual([band.reached, band.part], [true, '0']);
    assert.equal(band.boundaries.find((b) => b.side === 'lower')?.bound.word, '以上');
  });

  it('growth 9.99 % fails the eligibility condition; tax exactly 5000万 qualifies (及以上), one fen less does not', () => {
    assert.equal(evaluateAward(program(FISCAL), fiscal('9.99')).failedRule?.ruleId, 'growth-10');
    assert.equal(evaluateAward(program(FISCAL), fiscal('15', '12000000.00', '50000000.00')).eligible, true);
    assert.equal(evaluateAward(program(FISCAL), fiscal('15', '12000000.00', '49999999.99')).failedRule?.ruleId, 'industrial-tax-5000wan');
  });

  it('growth exactly 20 % stays in the first band (以内): 50 % of the contribution from 10 to 20 points', () => {
    // 1200万 this year at 20 % growth: 1000万 last year; the points 10–20 are 100万, half of it paid.
    const r = evaluateAward(program(FISCAL), fiscal('20'));
    assert.equal(r.amount, '500000.00');
    const bands = explained(r, 'band');
    assert.deepEqual(
      bands.map((b) => [b.band, b.reached, b.part]),
      [
        ['growth-10-to-20', true, '500000'],
        ['growth-over-20', false, '0'],
      ],
    );
    const upper = bands[0]!.boundaries.find((b) => b.side === 'upper')!;
    assert.deepEqual([upper.bound.word, upper.met], ['以内', true]);
    assert.deepEqual([bands[1]!.boundaries[0]!.bound.word, bands[1]!.boundaries[0]!.met], ['超过', false]);
  });

  it('growth over 20 % pays both bands: 50 % of 10–20 and all of the points above 20 (the note\'s example)', () => {
    assert.equal(evaluateAward(program(FISCAL), fiscal('30', '13000000.00')).amount, '1500000.00');
    const r = evaluateAward(program(FISCAL), fiscal('20.01'));
    assert.deepEqual(
      explained(r, 'band').map((b) => b.reached),
      [false, true],
    );
    assert.ok(compareYuan(r.amount, '500000.00') > 0);
  });

  it('sums the bands unrounded and rounds half-up to the fen once', () => {
    // 1000 × 5 / 115 × 50 % = 21.7391… → 21.74
    assert.equal(evaluateAward(program(FISCAL), fiscal('15', '1000.00')).amount, '21.74');
  });
});

describe('shangyu-supplier-matching (004 四、6): 10万 per new local supplier, at most 100万', () => {
  const p = () => program('shangyu-supplier-matching');
  it('pays per supplier up to the cap; a count over the cap is cut to 100万', () => {
    assert.equal(evaluateAward(p(), { newLocalSuppliers: 1 }).amount, '100000.00');
    const ten = evaluateAward(p(), { newLocalSuppliers: 10 });
    assert.deepEqual([ten.amount, explained(ten, 'cap')[0]?.applied], ['1000000.00', false]);
    const many = evaluateAward(p(), { newLocalSuppliers: 11 });
    assert.deepEqual([many.amount, many.cap, explained(many, 'cap')[0]?.applied], ['1000000.00', '1000000.00', true]);
    assert.equal(evaluateAward(p(), { newLocalSuppliers: 0 }).eligible, false);
  });

  it('says what makes a supplier count: ≥ 500万 invoiced (及以上)', () => {
    const r = evaluateAward(p(), { newLocalSuppliers: 3 });
    assert.match(r.breakdown.find((s) => s.rule.ruleId === 'per-new-supplier')!.inputs['a unit counts when']!, /≥ 5000000\.00 元 \(及以上\)/);
  });
});

describe('shangyu-local-procurement (004 四、6): 2 % of local purchases over 500万, at most 100万', () => {
  const p = () => program('shangyu-local-procurement');
  it('exactly 500万 is not eligible: 超过 excludes the number', () => {
    const r = evaluateAward(p(), { localPurchases: '5000000.00' });
    assert.equal(r.eligible, false);
    assert.equal(r.failedRule?.ruleId, 'local-purchases-2pct');
    const [threshold] = explained(r, 'threshold');
    assert.deepEqual([threshold!.boundaries[0]!.bound.word, threshold!.boundaries[0]!.met], ['超过', false]);
  });

  it('one fen over pays 2 % of the whole purchase amount (按照采购额的2%); the cap is reached at 5000万', () => {
    assert.equal(evaluateAward(p(), { localPurchases: '5000000.01' }).amount, '100000.00');
    assert.equal(evaluateAward(p(), { localPurchases: '50000000.00' }).amount, '1000000.00');
    const over = evaluateAward(p(), { localPurchases: '80000000.00' });
    assert.deepEqual([over.amount, explained(over, 'cap')[0]?.applied], ['1000000.00', true]);
  });

  it("rateOn 'excess' pays the rate on the part above the threshold only", () => {
    const excess = clone(p());
    if (excess.formula.kind !== 'rate-above-threshold') throw new Error('kind');
    excess.formula.rateOn = 'excess';
    assert.deepEqual(programProblems(excess), []);
    assert.equal(evaluateAward(excess, { localPurchases: '6000000.00' }).amount, '20000.00');
  });
});

describe('the catalog checks the new kinds', () => {
  it('refuses overlapping multi-fact tiers, bands that leave a gap, shares of 100 % and a required payee fact', () => {
    const tech = clone(program(TECH));
    if (tech.formula.kind !== 'multi-fact-tiers') throw new Error('kind');
    tech.formula.tiers[1]!.conditions[0]!.range.lower!.inclusive = true;
    tech.formula.split![0]!.sharePercent = '100';
    tech.facts.find((f) => f.name === 'teamLeaderName')!.required = true;
    const reasons = programProblems(tech).map((x) => x.reason);
    assert.ok(reasons.some((r) => /tier revenue-10-100yi overlaps tier revenue-5-10yi/.test(r)), reasons.join('\n'));
    assert.ok(reasons.some((r) => /shares add up to 100 %/.test(r)));
    assert.ok(reasons.some((r) => /teamLeaderName names the payee only when given/.test(r)));

    const fiscalP = clone(program(FISCAL));
    if (fiscalP.formula.kind !== 'marginal-bands') throw new Error('kind');
    fiscalP.formula.bands[1]!.selector.lower = { value: '25', inclusive: false };
    fiscalP.formula.bands[0]!.ratePercent = '150';
    const bandReasons = programProblems(fiscalP).map((x) => x.reason);
    assert.ok(bandReasons.some((r) => /must start where growth-10-to-20 ends/.test(r)));
    assert.ok(bandReasons.some((r) => /at most the whole/.test(r)));
  });

  it('the schema refuses a split to the applicant and an unknown rateOn', () => {
    const tech = clone(program(TECH)) as unknown as { formula: { split: Array<{ payee: string }> } };
    tech.formula.split[0]!.payee = 'applicant';
    assert.equal(programSchema.safeParse(tech).success, false);
    const proc = clone(program('shangyu-local-procurement')) as unknown as { formula: { rateOn: string } };
    proc.formula.rateOn = 'part';
    assert.equal(programSchema.safeParse(proc).success, false);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const fen = (max: bigint) => fc.bigInt({ min: 0n, max }).map((n) => formatYuan(new Decimal(n.toString()).dividedBy(100)));
const percent = fc.integer({ min: -5000, max: 100000 }).map((n) => new Decimal(n).dividedBy(100).toFixed());

/** A copy of 科技创新 paid in three yearly instalments, with a second payee, to exercise the split across tranches. */
function twoPayeesYearly(): Program {
  const p = clone(program(TECH));
  p.disbursement = { kind: 'yearly-instalments', years: 3, sharesPercent: ['33.33', '33.33', '33.34'], remainder: 'last-tranche', condition: 'yearly', citation: p.citation };
  p.facts.push(
    { name: 'deputyName', type: 'text', required: false, description: 'deputy' },
    { name: 'deputyAccount', type: 'text', required: false, description: 'deputy account' },
  );
  p.formula.split!.push({ payee: 'deputy', description: 'the deputy: 79.99 %', sharePercent: '79.99', nameFact: 'deputyName', accountFact: 'deputyAccount', citation: p.citation });
  return p;
}

describe('payees and bands (property)', () => {
  const techFacts = fc.record({
    mainBusinessRevenue: fc.constantFrom('500000000.00', '1000000000.00', '1000000000.01', '10000000000.00', '10000000000.01'),
    rndExpenseRatioPercent: fc.constantFrom('1.5', '2', '3'),
    inventionPatents3y: fc.constantFrom(5, 25, 100),
    provincialResearchProjects: fc.constant(2),
    nationalKeyLabs: fc.constantFrom(0, 1),
  });
  const approvedShare = fc.integer({ min: 1, max: 1_000_000 });

  it('payees always sum exactly to the award, and schedule lines to the approved amount, per payee too', () => {
    const programs = [program(TECH), twoPayeesYearly()];
    assert.deepEqual(programProblems(programs[1]!), []);
    fc.assert(
      fc.property(fc.constantFrom(0, 1), techFacts, fc.boolean(), fc.boolean(), approvedShare, (which, base, named, deputy, permille) => {
        const p = programs[which]!;
        const facts: Facts = { ...base, ...(named ? leader : {}), ...(which === 1 && deputy ? { deputyName: '李四', deputyAccount: '62220000' } : {}) };
        const r = evaluateAward(p, facts);
        if (!r.eligible) return r.schedule.length === 0;
        if (sumYuan(r.payees!.map((x) => x.amount)) !== r.amount) return false;
        if (r.payees!.some((x) => x.amount.startsWith('-'))) return false;
        const lead = r.payees!.find((x) => x.payee === 'team-leader');
        if (lead && compareYuan(lead.amount, '2000000.00') > 0) return false;
        const approved = formatYuan(
          Decimal.max(new Decimal('0.01'), parseYuan(r.amount).times(permille).dividedBy(1_000_000)).toDecimalPlaces(2, Decimal.ROUND_DOWN),
        );
        const lines = disbursementSchedule(p, facts, approved);
        if (sumYuan(lines.map((l) => l.amount)) !== approved) return false;
        if (lines.some((l) => !(parseYuan(l.amount).greaterThan(0)) || l.payee === undefined)) return false;
        // Each payee's lines add up to its part of the approved amount: 20 % (≤ 200万), then 79.99 % of it, the applicant the rest.
        const total = parseYuan(approved);
        const pct = (s: string) => total.times(s).dividedBy(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
        const lead2 = named ? Decimal.min(pct('20'), '2000000') : new Decimal(0);
        const dep = which === 1 && deputy ? Decimal.min(pct('79.99'), total.minus(lead2)) : new Decimal(0);
        const share = (id: string) => sumYuan(lines.filter((l) => l.payee === id).map((l) => l.amount));
        return (
          new Set(lines.map((l) => l.tranche)).size === lines.length &&
          share('team-leader') === formatYuan(lead2) &&
          share('deputy') === formatYuan(dep) &&
          share('applicant') === formatYuan(total.minus(lead2).minus(dep))
        );
      }),
      { numRuns: 300 },
    );
  });

  it('marginal bands never exceed the contribution, nor the part of it from growth; more growth never pays less', () => {
    const p = program(FISCAL);
    const all100 = clone(p);
    if (all100.formula.kind !== 'marginal-bands') throw new Error('kind');
    for (const b of all100.formula.bands) b.ratePercent = '100';
    fc.assert(
      fc.property(fen(2_000_000_000_000n), percent, percent, (contribution, g1, g2) => {
        const [lo, hi] = new Decimal(g1).lessThanOrEqualTo(g2) ? [g1, g2] : [g2, g1];
        const a = evaluateAward(p, fiscal(lo, contribution));
        const b = evaluateAward(p, fiscal(hi, contribution));
        const full = evaluateAward(all100, fiscal(hi, contribution));
        const growthPart = new Decimal(hi).greaterThan(0)
          ? parseYuan(contribution).times(hi).dividedBy(new Decimal(hi).plus(100)).toDecimalPlaces(2, Decimal.ROUND_CEIL)
          : new Decimal(0);
        return (
          compareYuan(a.amount, contribution) <= 0 &&
          compareYuan(full.amount, contribution) <= 0 &&
          parseYuan(full.amount).lessThanOrEqualTo(growthPart) &&
          compareYuan(a.amount, b.amount) <= 0
        );
      }),
      { numRuns: 500 },
    );
  });
});
