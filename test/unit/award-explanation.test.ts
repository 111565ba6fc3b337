/**
 * The explanation on every award preview (issue 17; domain/award-explanation.ts): the tier,
 * category or band chosen and the seed's boundary words that decided it, each threshold, each cap
 * and whether it cut, and the payees. Asked for with `explain`, every formula kind explains; without
 * it, the older kinds' steps stay as running applications recorded them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explainAward } from '../../domain/award-explanation';
import { evaluateAward, type Facts } from '../../domain/catalog';
import { parseYuan, formatYuan } from '../../domain/money';
import { loadCatalog } from '../../lib/catalog-store';
import { catalogProgram as program } from '../helpers/fixtures';

const preview = (id: string, facts: Facts) => {
  const evaluation = evaluateAward(program(id), facts, { explain: true });
  return { evaluation, explanation: explainAward(evaluation) };
};

/** Facts every shipped program is eligible with: one set per program. */
const ELIGIBLE: Record<string, Facts> = {
  'dinghu-emergency-major-project': { fixedInvestment: '1000000000.00' },
  'dinghu-energy-saving-equipment': { fixedInvestment: '100000000.00' },
  'dinghu-generic-drug-consistency': { drugName: '阿莫西林胶囊' },
  'dinghu-generic-drug-partner-firms': { drugName: '阿莫西林胶囊', partnerRole: 'be-trial' },
  'dinghu-rnd-institution': { institutionCategory: 'provincial-key-lab', recognitionDocument: '粤科函〔2025〕1号' },
  'jianghai-major-project': { agreedInvestment: '400000000.00' },
  'jianghai-national-innovation-platform': { investment: '300000000.01' },
  'jianghai-rent-subsidy': { item: 'item-2', support: 'half-rent', rentedArea: '6000', months: 12, rentPerSquareMetre: '30.00' },
  'jianghai-tech-innovation': { mainBusinessRevenue: '10000000000.00', rndExpenseRatioPercent: '2', inventionPatents3y: 25, provincialResearchProjects: 2, nationalKeyLabs: 0 },
  'qianhai-retail-growth': { annualSales: '500000000.00', salesGrowthPercent: '15' },
  'qianhai-warehouse-smart-upgrade': { actualInvestment: '10000000.00' },
  'shangyu-fiscal-contribution': { industrialTax: '60000000.00', taxGrowthPercent: '25', localFiscalContribution: '12500000.00' },
  'shangyu-local-procurement': { localPurchases: '20000000.00' },
  'shangyu-supplier-matching': { newLocalSuppliers: 12 },
};

describe('the explanation on every award preview', () => {
  it('covers every shipped program: each is eligible with its facts, and its payees sum exactly to the award', () => {
    const shipped = Object.keys(loadCatalog().catalog).sort();
    assert.deepEqual(Object.keys(ELIGIBLE).sort(), shipped, 'one set of facts per shipped program');
    for (const id of shipped) {
      const { evaluation, explanation } = preview(id, ELIGIBLE[id]!);
      assert.equal(evaluation.eligible, true, `${id}: ${evaluation.reason}`);
      const paid = explanation.payees.reduce((sum, p) => sum.plus(parseYuan(p.amount)), parseYuan('0.00'));
      assert.equal(formatYuan(paid), evaluation.amount, `${id}: the payees sum to the award`);
    }
  });

  it('a tier chosen by one fact and a selector (前海 第十六条): the tier, the words 不少于 and 不低于, the cap', () => {
    const { evaluation, explanation } = preview('qianhai-retail-growth', { annualSales: '5000000000.00', salesGrowthPercent: '15' });
    assert.equal(evaluation.amount, '3000000.00');
    const [tier] = explanation.chosen;
    assert.equal(tier!.kind, 'tier');
    assert.equal(tier!.chosen, 'growth-15');
    const atFifteen = tier!.boundaries.find((b) => b.tier === 'growth-15' && b.fact === 'salesGrowthPercent' && b.comparison === '≥')!;
    assert.deepEqual([atFifteen.bound, atFifteen.word, atFifteen.met], ['15', '不低于', true]);
    const belowFifteen = tier!.boundaries.find((b) => b.tier === 'growth-10' && b.fact === 'salesGrowthPercent' && b.comparison === '<')!;
    assert.equal(belowFifteen.met, false, 'exactly 15 % is not in the tier below');
    assert.deepEqual(
      explanation.thresholds.flatMap((t) => t.boundaries.map((b) => [b.fact, b.word, b.met])),
      [['annualSales', '不少于', true], ['salesGrowthPercent', '不低于', true]],
    );
    assert.deepEqual(explanation.caps.map((c) => [c.cap, c.applied]), [['3000000.00', true]], '0.15 % of 50亿 is 750万, cut to 300万');
  });

  it('a category and a quantity cap (001 四（二）4 item (2)): the item, its words, 6000㎡ cut to 5000', () => {
    const { evaluation, explanation } = preview('jianghai-rent-subsidy', ELIGIBLE['jianghai-rent-subsidy']!);
    assert.equal(evaluation.amount, '900000.00', '50 % of 30元 × 5000㎡ × 12 months');
    const [category] = explanation.chosen;
    assert.deepEqual([category!.kind, category!.chosen, category!.basis], ['category', 'item-2', 'half-rent']);
    assert.match(category!.words!, /50%优惠或免租/);
    assert.deepEqual(
      explanation.caps.map((c) => [c.on, c.cap, c.applied]),
      [['rentedArea', '5000', true], ['months', '36', false]],
    );
  });

  it('marginal bands (004 四、2): growth of 25 % lies in the band over 20 % and pays on both; the payee is the applicant', () => {
    const { explanation, evaluation } = preview('shangyu-fiscal-contribution', ELIGIBLE['shangyu-fiscal-contribution']!);
    assert.deepEqual(explanation.bands.map((b) => [b.band, b.reached]), [['growth-10-to-20', false], ['growth-over-20', true]]);
    assert.ok(explanation.bands.every((b) => !/^0(\.0*)?$/.test(b.part)), 'both bands pay a part');
    assert.deepEqual(explanation.payees.map((p) => [p.payee, p.amount]), [['applicant', evaluation.amount]]);
  });

  it('a fixed category (dinghu 研发机构): the category chosen and its seed words', () => {
    const { explanation } = preview('dinghu-rnd-institution', ELIGIBLE['dinghu-rnd-institution']!);
    assert.deepEqual(explanation.chosen.map((c) => [c.kind, c.chosen]), [['category', 'provincial-key-lab']]);
    assert.ok(explanation.chosen[0]!.words!.length > 0);
  });

  it('ineligible facts are explained too: exactly 500万 of purchases is not 超过 500万', () => {
    const { evaluation, explanation } = preview('shangyu-local-procurement', { localPurchases: '5000000.00' });
    assert.equal(evaluation.eligible, false);
    const b = explanation.thresholds.flatMap((t) => t.boundaries).find((x) => x.fact === 'localPurchases')!;
    assert.deepEqual([b.comparison, b.bound, b.met], ['>', '5000000.00', false]);
    assert.deepEqual(explanation.payees, []);
  });

  it('without explain, the older kinds record exactly the steps running applications recorded', () => {
    for (const id of ['qianhai-retail-growth', 'dinghu-rnd-institution', 'qianhai-warehouse-smart-upgrade']) {
      const plain = evaluateAward(program(id), ELIGIBLE[id]!);
      assert.equal(plain.breakdown.some((step) => step.explains !== undefined), false, id);
      const explained = evaluateAward(program(id), ELIGIBLE[id]!, { explain: true });
      assert.equal(explained.amount, plain.amount, `${id}: explaining changes no amount`);
      assert.deepEqual(
        explained.breakdown.map(({ explains: _e, ...step }) => step),
        plain.breakdown,
        `${id}: the same steps, only explained`,
      );
    }
  });
});
