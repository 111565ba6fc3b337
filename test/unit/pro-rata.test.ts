/**
 * Pro rata to the budget (002 第五条), exact to the fen by the largest-remainder method
 * (domain/pro-rata.ts): hand-computed cases, then properties over random rounds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { proRata } from '../../domain/pro-rata';
import { compareYuan, parseYuan, sumYuan } from '../../domain/money';

describe('pro rata, hand-computed', () => {
  it('three awards of 100.00 to a budget of 200.00: shares of 66.666…, the two fen left to the first ids', () => {
    const r = proRata(
      [
        { id: 'c', amount: '100.00' },
        { id: 'a', amount: '100.00' },
        { id: 'b', amount: '100.00' },
      ],
      '200.00',
    );
    assert.equal(r.scaled, true);
    assert.equal(r.total, '300.00');
    assert.equal(r.factor, '0.6666666666');
    // 10000 fen × 20000 / 30000 = 6666.66… fen each: 6666 each (19998), 2 fen left over, to the
    // smallest ids (the remainders are equal).
    assert.deepEqual(r.awards.map((a) => [a.id, a.scaled, a.roundedDown, a.fenAdded]), [
      ['c', '66.66', '66.66', 0],
      ['a', '66.67', '66.66', 1],
      ['b', '66.67', '66.66', 1],
    ]);
    assert.equal(r.awards[0]!.exactShare, '66.666666666666');
    assert.equal(sumYuan(r.awards.map((a) => a.scaled)), '200.00');
  });

  it('the largest remainders get the fen: 5,000,000.00 + 3,000,000.00 + 2,000,000.01 to 7,000,000.00', () => {
    // total 10,000,000.01; factor 0.69999999930…
    // a: 500,000,000 fen × 700,000,000 / 1,000,000,001 = 349,999,999.65 → 349,999,999 r .65
    // b: 300,000,000 × … = 209,999,999.79 → 209,999,999 r .79
    // c: 200,000,001 × … = 140,000,000.56 → 140,000,000 r .56
    // floors sum 699,999,998: two fen left over → b (.79) and a (.65)
    const r = proRata(
      [
        { id: 'a', amount: '5000000.00' },
        { id: 'b', amount: '3000000.00' },
        { id: 'c', amount: '2000000.01' },
      ],
      '7000000.00',
    );
    assert.deepEqual(r.awards.map((x) => [x.id, x.scaled, x.fenAdded]), [
      ['a', '3500000.00', 1],
      ['b', '2100000.00', 1],
      ['c', '1400000.00', 0],
    ]);
    assert.equal(sumYuan(r.awards.map((x) => x.scaled)), '7000000.00');
  });

  it('within the budget nothing changes, and the explanation says so', () => {
    const r = proRata([{ id: 'a', amount: '100.00' }, { id: 'b', amount: '50.00' }], '150.00');
    assert.equal(r.scaled, false);
    assert.equal(r.factor, '1.0000000000');
    assert.deepEqual(r.awards.map((a) => [a.scaled, a.fenAdded]), [['100.00', 0], ['50.00', 0]]);
  });
});

describe('pro rata, properties', () => {
  const fen = (max: number) => fc.integer({ min: 1, max }).map((n) => (n / 100).toFixed(2));
  const round = fc.array(fen(5_000_000_000), { minLength: 1, maxLength: 60 }).chain((amounts) =>
    fc.tuple(fc.constant(amounts), fc.integer({ min: 0, max: 1_000_000_000_000 }).map((n) => (n / 100).toFixed(2)), fc.shuffledSubarray([...amounts.keys()], { minLength: amounts.length, maxLength: amounts.length })),
  );

  it('scaled awards sum to the budget exactly, none grows, each is within one fen of its exact share, and the order given changes nothing', () => {
    fc.assert(
      fc.property(round, ([amounts, budget, order]) => {
        const awards = amounts.map((amount, i) => ({ id: `app-${String(i).padStart(3, '0')}`, amount }));
        const r = proRata(awards, budget);
        const total = sumYuan(amounts);
        if (compareYuan(total, budget) <= 0) {
          assert.equal(r.scaled, false);
          assert.deepEqual(r.awards.map((a) => a.scaled), amounts.map((a) => parseYuan(a).toFixed(2)));
          return;
        }
        assert.equal(sumYuan(r.awards.map((a) => a.scaled)), parseYuan(budget).toFixed(2));
        for (const a of r.awards) {
          assert.ok(compareYuan(a.scaled, a.approved) <= 0, `${a.id} grew`);
          const gap = parseYuan(a.scaled).minus(a.exactShare).abs();
          assert.ok(gap.lt('0.01'), `${a.id}: ${a.scaled} vs ${a.exactShare}`);
        }
        const shuffled = proRata(order.map((i) => awards[i]!), budget);
        const byId = new Map(shuffled.awards.map((a) => [a.id, a.scaled]));
        for (const a of r.awards) assert.equal(byId.get(a.id), a.scaled);
      }),
      { numRuns: 300 },
    );
  });
});
