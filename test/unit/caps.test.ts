/**
 * Annual caps per applicant (domain/caps.ts, 002 第六条, 第十一条, 第十六条): the 前海 numbers from
 * the catalog worked by hand, then a property over random sequences of sign-offs: applied one
 * after the other (as the applicant's ledger applies them), the total within every cap's scope
 * never goes over the cap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cutReason, grantWithinCaps, type Reservation } from '../../domain/caps';
import { Decimal, compareYuan, formatYuan, parseYuan, sumYuan, wan, type Yuan } from '../../domain/money';
import type { RoundCap } from '../../domain/rounds';
import { loadCatalog } from '../../lib/catalog-store';

const catalog = loadCatalog();
const capsOf = (programId: string): RoundCap[] => catalog.getProgram(programId)!.annualCaps.map(({ id, scope, amount, description }) => ({ id, scope, amount, description }));
const RETAIL = 'qianhai-retail-growth';
const WAREHOUSE = 'qianhai-warehouse-smart-upgrade';
const POLICY = 'qianhai-2024-trade-logistics';
const retailCaps = capsOf(RETAIL);
const warehouseCaps = capsOf(WAREHOUSE);

let n = 0;
function reservation(programId: string, policyId: string, amount: Yuan, applicationId = `${programId}.2026.${++n}`): Reservation {
  return { applicationId, programId, policyId, roundId: `${programId}.2026`, amount, at: '2026-09-30T02:00:00.000Z' };
}
function request(programId: string, amount: Yuan, applicationId = `${programId}.2026.91440300MA5G00000X`) {
  return { applicationId, programId, policyId: POLICY, roundId: `${programId}.2026`, amount };
}

describe('the 前海 caps in the catalog', () => {
  it('3000万 per applicant under the policy, 300万 per retailer, a merchant 300万 under the whole policy, 600万 per enterprise for 仓储', () => {
    assert.deepEqual(retailCaps.map((c) => [c.id, c.scope, c.amount]), [
      ['program-300wan', 'applicant-per-program', wan('300')],
      ['policy-3000wan', 'applicant-per-policy', wan('3000')],
      ['merchant-300wan', 'applicant-per-policy', wan('300')],
    ]);
    assert.deepEqual(warehouseCaps.map((c) => [c.id, c.scope, c.amount]), [
      ['program-600wan', 'applicant-per-program', wan('600')],
      ['policy-3000wan', 'applicant-per-policy', wan('3000')],
    ]);
    assert.equal(catalog.getProgram(RETAIL)!.policy.id, POLICY);
    assert.equal(catalog.getProgram(WAREHOUSE)!.policy.id, POLICY);
  });
});

describe('grant within caps, hand-computed', () => {
  // 2500万 held under the policy: 300万 of retail, 2200万 of another program of the same policy;
  // and 1亿 under another policy, which no 前海 cap counts.
  const held = [
    reservation(RETAIL, POLICY, wan('300')),
    reservation('qianhai-logistics-hq', POLICY, wan('2200')),
    reservation('dinghu-emergency-major-project', 'dinghu-2018-key-industries', wan('10000')),
  ];

  it('2500万 held under the policy, 800万 asked for 仓储: cut to 500万, the policy cap named', () => {
    const g = grantWithinCaps(held, request(WAREHOUSE, wan('800')), warehouseCaps);
    assert.equal(g.requested, wan('800'));
    assert.equal(g.granted, wan('500'));
    const policyCut = g.cuts.find((c) => c.capId === 'policy-3000wan');
    assert.deepEqual(policyCut, { capId: 'policy-3000wan', description: warehouseCaps[1]!.description, cap: wan('3000'), heldByOthers: wan('2500'), room: wan('500') });
    // The binding cut (the least room) is the policy's.
    assert.equal([...g.cuts].sort((a, b) => compareYuan(a.room, b.room))[0]!.capId, 'policy-3000wan');
    assert.deepEqual(g.checked.map((c) => [c.capId, c.heldByOthers, c.room]), [
      ['program-600wan', '0.00', wan('600')],
      ['policy-3000wan', wan('2500'), wan('500')],
    ]);
    const reason = cutReason(g)!;
    assert.match(reason, /At most 3000万元 a year per applicant under the whole 前海 policy/);
    assert.match(reason, /cap 30000000\.00, already held 25000000\.00, room 5000000\.00/);
    assert.match(reason, /→ 8000000\.00 cut to 5000000\.00$/);
  });

  it('2500万 held, 450万 asked for 仓储: it fits under both caps, nothing is cut', () => {
    const g = grantWithinCaps(held, request(WAREHOUSE, wan('450')), warehouseCaps);
    assert.equal(g.granted, wan('450'));
    assert.deepEqual(g.cuts, []);
    assert.equal(cutReason(g), null);
  });

  it('2500万 held, 550万 asked for 仓储: the program cap leaves 600万, the policy cap cuts to 500万', () => {
    const g = grantWithinCaps(held, request(WAREHOUSE, wan('550')), warehouseCaps);
    assert.equal(g.granted, wan('500'));
    assert.deepEqual(g.cuts.map((c) => c.capId), ['policy-3000wan']);
  });

  it('a retailer already holding 300万 of retail gets nothing more from retail, with the program cap and the merchant cap named', () => {
    const g = grantWithinCaps(held, request(RETAIL, wan('120')), retailCaps);
    assert.equal(g.granted, '0.00');
    assert.deepEqual(g.cuts.map((c) => [c.capId, c.heldByOthers, c.room]), [
      ['program-300wan', wan('300'), '0.00'],
      ['merchant-300wan', wan('2500'), '0.00'],
    ]);
    assert.match(cutReason(g)!, /At most 300万元 per retailer a year/);
  });

  it('the application’s own earlier reservation is replaced, not added to', () => {
    const own = 'qianhai-warehouse-smart-upgrade.2026.91440300MA5G00000X';
    const withOwn = [...held, reservation(WAREHOUSE, POLICY, wan('500'), own)];
    // Signed off again (a retry, or after a return) for the same 500万: the same 500万 fits.
    const again = grantWithinCaps(withOwn, request(WAREHOUSE, wan('500'), own), warehouseCaps);
    assert.equal(again.granted, wan('500'));
    assert.deepEqual(again.cuts, []);
    assert.deepEqual(again.checked.map((c) => c.heldByOthers), ['0.00', wan('2500')]);
    // Another application of the same applicant would find the room taken.
    const other = grantWithinCaps(withOwn, request(WAREHOUSE, wan('500'), `${own}-2`), warehouseCaps);
    assert.equal(other.granted, '0.00');
  });

  it('the room is never negative, even when the others already hold more than the cap', () => {
    const over = [reservation('qianhai-logistics-hq', POLICY, wan('3500'))];
    const g = grantWithinCaps(over, request(WAREHOUSE, wan('100')), warehouseCaps);
    assert.equal(g.granted, '0.00');
    const policy = g.checked.find((c) => c.capId === 'policy-3000wan')!;
    assert.equal(policy.heldByOthers, wan('3500'));
    assert.equal(policy.room, '0.00');
  });

  it('two sign-offs one after the other never exceed the policy cap: 2800万, then 600万 of 仓储 gets 200万', () => {
    const first = grantWithinCaps([], { ...request('qianhai-logistics-hq', wan('2800'), 'qianhai-logistics-hq.2026.A') }, warehouseCaps.filter((c) => c.scope === 'applicant-per-policy'));
    assert.equal(first.granted, wan('2800'));
    const ledger = [reservation('qianhai-logistics-hq', POLICY, first.granted, 'qianhai-logistics-hq.2026.A')];
    const second = grantWithinCaps(ledger, request(WAREHOUSE, wan('600')), warehouseCaps);
    assert.equal(second.granted, wan('200'));
    assert.equal(sumYuan([first.granted, second.granted]), wan('3000'));
  });

  it('the order the caps are listed in changes neither the amount granted nor the caps named', () => {
    for (const asked of [wan('800'), wan('550'), wan('450'), wan('600.01')]) {
      const forward = grantWithinCaps(held, request(WAREHOUSE, asked), warehouseCaps);
      const reversed = grantWithinCaps(held, request(WAREHOUSE, asked), [...warehouseCaps].reverse());
      assert.equal(reversed.granted, forward.granted, asked);
      const ids = (g: typeof forward) => g.cuts.map((c) => c.capId).sort();
      assert.deepEqual(ids(reversed), ids(forward), asked);
    }
  });

  it('with no caps the request is granted whole', () => {
    const g = grantWithinCaps(held, request(WAREHOUSE, wan('80000')), []);
    assert.deepEqual(g, { requested: wan('80000'), granted: wan('80000'), cuts: [], checked: [] });
  });
});

describe('grant within caps, properties', () => {
  const programs = [
    { programId: 'p-retail', policyId: 'policy-a' },
    { programId: 'p-warehouse', policyId: 'policy-a' },
    { programId: 'p-other', policyId: 'policy-b' },
  ] as const;
  const fen = (max: number) => fc.integer({ min: 0, max }).map((v) => formatYuan(new Decimal(v).dividedBy(100)));
  const setting = fc.record({
    /** A per-program cap for each program, or none. */
    programCaps: fc.tuple(fc.option(fen(1_000_000_000)), fc.option(fen(1_000_000_000)), fc.option(fen(1_000_000_000))),
    policyCaps: fc.tuple(fen(3_000_000_000), fen(3_000_000_000)),
    /** Whether each program's round lists its caps policy-first. */
    policyFirst: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
    /** Sign-offs in the order the ledger applies them: which program, which of its applications, how much. */
    requests: fc.array(fc.record({ program: fc.integer({ min: 0, max: 2 }), application: fc.integer({ min: 0, max: 3 }), amount: fen(1_500_000_000) }), {
      minLength: 1,
      maxLength: 25,
    }),
  });

  it('applied one after the other, no total within a cap’s scope ever exceeds the cap, and each grant is all the room allows', () => {
    fc.assert(
      fc.property(setting, ({ programCaps, policyCaps, policyFirst, requests }) => {
        const policyCap = (policyId: string): RoundCap => ({
          id: `${policyId}-cap`,
          scope: 'applicant-per-policy',
          amount: policyCaps[policyId === 'policy-a' ? 0 : 1],
          description: `cap of ${policyId}`,
        });
        const capsFor = (i: number): RoundCap[] => {
          const own = programCaps[i];
          const list: RoundCap[] = own === null ? [] : [{ id: `${programs[i]!.programId}-cap`, scope: 'applicant-per-program', amount: own!, description: 'per program' }];
          const policy = policyCap(programs[i]!.policyId);
          return policyFirst[i] ? [policy, ...list] : [...list, policy];
        };
        const ledger = new Map<string, Reservation>();
        for (const r of requests) {
          const { programId, policyId } = programs[r.program]!;
          const applicationId = `${programId}.2026.${r.application}`;
          const caps = capsFor(r.program);
          const held = [...ledger.values()];
          const g = grantWithinCaps(held, { applicationId, programId, policyId, roundId: `${programId}.2026`, amount: r.amount }, caps);

          // The grant: never negative, never above the request, all the least room allows.
          const others = held.filter((h) => h.applicationId !== applicationId);
          const rooms = caps.map((c) => {
            const inScope = others.filter((h) => (c.scope === 'applicant-per-program' ? h.programId === programId : h.policyId === policyId));
            const room = parseYuan(c.amount).minus(inScope.reduce((s, h) => s.plus(h.amount), new Decimal(0)));
            return room.isNegative() ? new Decimal(0) : room;
          });
          const expected = Decimal.min(parseYuan(r.amount), ...rooms);
          assert.equal(g.granted, formatYuan(expected));
          assert.ok(compareYuan(g.granted, '0.00') >= 0);
          assert.ok(compareYuan(g.granted, r.amount) <= 0);
          for (const c of g.checked) assert.ok(compareYuan(c.room, '0.00') >= 0, `room ${c.room}`);
          // A cap is named in the cut exactly when its room is below the request.
          assert.deepEqual(
            g.cuts.map((c) => c.capId).sort(),
            caps.filter((_, i) => rooms[i]!.lessThan(parseYuan(r.amount))).map((c) => c.id).sort(),
          );
          assert.equal(cutReason(g) === null, compareYuan(g.granted, r.amount) === 0);

          ledger.set(applicationId, { applicationId, programId, policyId, roundId: `${programId}.2026`, amount: g.granted, at: '2026-09-30T02:00:00.000Z' });

          // The running totals within each cap's scope.
          const all = [...ledger.values()];
          const total = (pred: (h: Reservation) => boolean) => sumYuan(all.filter(pred).map((h) => h.amount));
          programs.forEach((p, i) => {
            const own = programCaps[i];
            if (own !== null) assert.ok(compareYuan(total((h) => h.programId === p.programId), own!) <= 0, `${p.programId} over its cap`);
          });
          for (const [k, policyId] of ['policy-a', 'policy-b'].entries()) {
            assert.ok(compareYuan(total((h) => h.policyId === policyId), policyCaps[k]!) <= 0, `${policyId} over its cap`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
