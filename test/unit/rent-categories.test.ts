/**
 * 001 四（二）4 用房扶持 as data: the 5元/㎡/月, 50 % and free-rent categories (formula kind
 * unit-rate-by-category), the seed's boundary words (exactly 5000㎡, exactly 36 months), the
 * explanation naming the item and its words, item (7)'s missing area cap; and the quantity limits
 * across one enterprise's applications as the entitlement entity applies them (pure part).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAward, programProblems, type Facts, type Program, type StepExplanation } from '../../domain/catalog';
import { programSchema } from '../../domain/catalog-schema';
import { grantWithinLimits, grantedFacts, quantityCutReason, quantityRequest, type QuantityHolding } from '../../domain/quantity-limits';
import { catalogProgram } from '../helpers/fixtures';

const RENT = 'jianghai-rent-subsidy';
const program = (): Program => JSON.parse(JSON.stringify(catalogProgram(RENT))) as Program;
const facts = (item: string, support: string, rentedArea: string, months: number | string, rentPerSquareMetre = '20.00'): Facts => ({
  item,
  support,
  rentedArea,
  months,
  rentPerSquareMetre,
});
const amount = (f: Facts) => evaluateAward(catalogProgram(RENT), f).amount;

describe('rent categories (001 四（二）4 (1)–(8))', () => {
  it('the 5元/㎡/月 items (1), (4), (6): 5 × area × months, whatever the rent', () => {
    for (const item of ['item-1', 'item-4', 'item-6']) {
      assert.equal(amount(facts(item, 'subsidy-5-yuan', '1000', 12)), '60000.00', item); // 5 × 1000 × 12
      assert.equal(amount(facts(item, 'subsidy-5-yuan', '1000', 12, '99.99')), '60000.00', item);
    }
  });

  it('the 50 % and free-rent items (2), (3), (5), (7), (8): that share of the lease\'s rent per ㎡ and month', () => {
    for (const item of ['item-2', 'item-3', 'item-5', 'item-7', 'item-8']) {
      assert.equal(amount(facts(item, 'half-rent', '1000', 12, '18.50')), '111000.00', item); // 9.25 × 1000 × 12
      assert.equal(amount(facts(item, 'free-rent', '1000', 12, '18.50')), '222000.00', item); // 18.50 × 1000 × 12
    }
    // Rounded half-up to the fen once: 50 % × 18.33 × 100.1 × 1 = 917.4165 → 917.42
    assert.equal(amount(facts('item-2', 'half-rent', '100.1', 1, '18.33')), '917.42');
  });

  it('exactly 5000㎡ and exactly 36 months are paid in full (上限, 最长不超过 include the number); one more is not', () => {
    assert.equal(amount(facts('item-1', 'subsidy-5-yuan', '5000', 36)), '900000.00');
    assert.equal(amount(facts('item-1', 'subsidy-5-yuan', '5000.001', 37)), '900000.00');
    assert.equal(amount(facts('item-2', 'free-rent', '5000', 36, '10.00')), '1800000.00');
    assert.equal(amount(facts('item-2', 'free-rent', '5001', 37, '10.00')), '1800000.00');
  });

  it('item (7) has no 5000㎡ sentence: the actual rented area (按实际租赁面积), months still at most 36', () => {
    const r = evaluateAward(catalogProgram(RENT), facts('item-7', 'half-rent', '8000', 40, '10.00'));
    assert.equal(r.amount, '1440000.00'); // 5 × 8000 × 36
    const step = r.breakdown.at(-1)!;
    assert.equal(step.inputs['rentedArea used (at most 5000)'], undefined);
    assert.equal(step.inputs['months used (at most 36)'], '36');
  });

  it('a basis the item does not give is refused with the item named: 5元 items pay no share of the rent, the others no 5元', () => {
    const r = evaluateAward(catalogProgram(RENT), facts('item-1', 'free-rent', '1000', 12));
    assert.equal(r.eligible, false);
    assert.equal(r.failedRule?.ruleId, 'item-1');
    assert.match(r.reason ?? '', /free-rent is not available under this item, which allows subsidy-5-yuan/);
    assert.equal(evaluateAward(catalogProgram(RENT), facts('item-5', 'subsidy-5-yuan', '1000', 12)).failedRule?.ruleId, 'item-5');
    assert.match(evaluateAward(catalogProgram(RENT), facts('item-9', 'half-rent', '1000', 12)).reason ?? '', /item/);
  });

  it('the explanation names the item chosen, the basis and the seed\'s words for that item', () => {
    const r = evaluateAward(catalogProgram(RENT), facts('item-3', 'half-rent', '1000', 12));
    const chosen = r.breakdown.flatMap((s) => (s.explains?.kind === 'category' ? [s.explains as Extract<StepExplanation, { kind: 'category' }>] : []));
    assert.equal(chosen.length, 1);
    assert.equal(chosen[0]!.category, 'item-3');
    assert.equal(chosen[0]!.basis, 'half-rent');
    assert.match(chosen[0]!.words, /院士牵头或主持/);
    assert.match(chosen[0]!.words, /50%优惠或免租/);
    assert.match(r.breakdown.find((s) => s.explains?.kind === 'category')!.rule.citation, /评价和扶持细则\(3\)/);
    const five = evaluateAward(catalogProgram(RENT), facts('item-6', 'subsidy-5-yuan', '1000', 12));
    assert.match(five.breakdown.find((s) => s.explains?.kind === 'category')!.inputs['seed words']!, /安全应急服务企业，享受场地租金补贴标准5元/);
  });
});

describe('unit-rate-by-category: schema and consistency checks', () => {
  it('the shipped program parses and has no problems', () => {
    assert.equal(programSchema.safeParse(catalogProgram(RENT)).success, true);
    assert.deepEqual(programProblems(catalogProgram(RENT)), []);
  });

  it('names a basis with both or neither of rate and rentSharePercent, a category basis or capped fact the formula lacks, options that differ', () => {
    const p = program();
    const f = p.formula as Extract<Program['formula'], { kind: 'unit-rate-by-category' }>;
    f.bases[0]!.rentSharePercent = '50';
    f.categories[0]!.bases.push('quarter-rent');
    f.categories[1]!.caps.push({ fact: 'floors', max: '3', description: 'x' });
    f.categories[2]!.caps[0]!.max = '0';
    f.categories.pop();
    const reasons = programProblems(p).map((x) => `${x.path.join('.')}: ${x.reason}`);
    assert.deepEqual(reasons, [
      'formula.categories: categories (item-1, item-2, item-3, item-4, item-5, item-6, item-7) must equal the options of fact item',
      'formula.bases.0: basis subsidy-5-yuan states exactly one of rate or rentSharePercent',
      'formula.categories.0.bases.1: basis quarter-rent is not a basis of the formula',
      'formula.categories.1.caps.2.fact: floors is not a factor of the formula',
      "formula.categories.2.caps.0.max: category item-3's cap on rentedArea must be above 0",
    ]);
  });

  it('a share of the rent needs the rent fact, at most 100 %', () => {
    const p = program();
    const f = p.formula as Extract<Program['formula'], { kind: 'unit-rate-by-category' }>;
    delete f.rentFact;
    f.bases[2]!.rentSharePercent = '120';
    const reasons = programProblems(p).map((x) => x.reason);
    assert.ok(reasons.includes('basis half-rent pays a share of the rent: the formula names its rentFact'), reasons.join('\n'));
    assert.ok(reasons.includes('a basis pays at most the whole (100 %) of the rent'), reasons.join('\n'));
  });

  it('quantity limits name a required numeric fact, a positive max and options of a text fact', () => {
    const p = program();
    p.quantityLimits![0]!.fact = 'item';
    p.quantityLimits![1]!.max = '0';
    p.quantityLimits!.push({ ...p.quantityLimits![1]!, max: '1' });
    assert.deepEqual(
      programProblems(p).map((x) => `${x.path.join('.')}: ${x.reason}`),
      [
        'quantityLimits.0.fact: fact item has type text, expected integer or decimal',
        'quantityLimits.1.max: a quantity limit is above 0',
        'quantityLimits.2.id: quantity limit id area-5000-per-enterprise-year is used twice',
      ],
    );
    assert.equal(programSchema.safeParse({ ...p, quantityLimits: [{ ...p.quantityLimits![0]!, per: 'applicant-month' }] }).success, false);
  });
});

describe('quantity limits across one enterprise\'s applications (domain/quantity-limits.ts)', () => {
  const p = catalogProgram(RENT);
  const held = (applicationId: string, limitId: string, year: number, quantity: string): QuantityHolding => ({ applicationId, limitId, year, quantity, at: '2026-01-01T00:00:00Z' });

  it('asks for months always and for area except under item (7)', () => {
    assert.deepEqual(quantityRequest(p, facts('item-1', 'subsidy-5-yuan', '1200', 24), 'a', 2026)!.asks.map((a) => [a.limitId, a.requested]), [
      ['months-36-per-enterprise', '24'],
      ['area-5000-per-enterprise-year', '1200'],
    ]);
    assert.deepEqual(quantityRequest(p, facts('item-7', 'half-rent', '8000', 12), 'a', 2026)!.asks.map((a) => a.limitId), ['months-36-per-enterprise']);
    assert.equal(quantityRequest(catalogProgram('qianhai-retail-growth'), {}, 'a', 2026), null);
  });

  it('months count over every year: 24 held last year leave 12 of 36; area counts per year: 3000㎡ held this year leave 2000', () => {
    const request = quantityRequest(p, facts('item-1', 'subsidy-5-yuan', '3000', 24), 'b', 2027)!;
    const grant = grantWithinLimits([held('a', 'months-36-per-enterprise', 2026, '24'), held('a', 'area-5000-per-enterprise-year', 2026, '3000')], request);
    assert.deepEqual(grant.lines.map((l) => [l.limitId, l.heldByOthers, l.room, l.granted]), [
      ['months-36-per-enterprise', '24', '12', '12'],
      ['area-5000-per-enterprise-year', '0', '5000', '3000'],
    ]);
    assert.deepEqual(grantedFacts(request.asks.length ? facts('item-1', 'subsidy-5-yuan', '3000', 24) : {}, grant).months, '12');
    assert.match(quantityCutReason(grant), /limit 36, already held 24, room 12 → months 24 cut to 12/);
    const sameYear = grantWithinLimits([held('a', 'area-5000-per-enterprise-year', 2027, '3000')], request);
    assert.equal(sameYear.lines[1]!.granted, '2000');
    assert.match(quantityCutReason(sameYear), /already held 3000 in 2027, room 2000 → rentedArea 3000 cut to 2000/);
  });

  it('exactly at the limit leaves nothing, never below 0; the application\'s own earlier holding is replaced, not added to', () => {
    const request = quantityRequest(p, facts('item-1', 'subsidy-5-yuan', '100', 6), 'c', 2027)!;
    const full = grantWithinLimits([held('a', 'months-36-per-enterprise', 2025, '36'), held('b', 'months-36-per-enterprise', 2026, '6')], request);
    assert.deepEqual([full.lines[0]!.room, full.lines[0]!.granted], ['0', '0']);
    const again = grantWithinLimits([held('c', 'months-36-per-enterprise', 2027, '6'), held('a', 'months-36-per-enterprise', 2025, '30')], request);
    assert.equal(again.lines[0]!.granted, '6');
  });
});
