/**
 * The pure rules of a funding round (domain/rounds.ts, issue 16): the round id, the spot check
 * drawn over the round (001 §（三）4) and the notice list's canonical form and hash (002 第三十四条).
 * Every digest is recomputed here with node:crypto, independently of the @noble/hashes the domain
 * uses, so a change in what is hashed, or how, fails.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Decimal, compareYuan, formatYuan } from '../../domain/money';
import {
  ROUND_LABEL_PATTERN,
  belowThreshold,
  noticeCanonicalForm,
  parseRoundId,
  roundDraw,
  roundId,
  roundTotals,
  roundWorkflowId,
  sealNotice,
  seedSha256,
  type Allocation,
  type NoticeEntry,
  type RoundDefinition,
  type RoundNotice,
} from '../../domain/rounds';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const CITATION = '001 （三）4';
const FIVE_PERCENT = { ratePercent: '5', threshold: '1000000.00', inclusive: true };

/** `n` applications below 100万, ids APP-001…, amounts varied but all eligible. */
function applications(n: number): Array<{ applicationId: string; amountByFormula: string }> {
  return Array.from({ length: n }, (_, i) => ({
    applicationId: `jianghai-major-project.2026-09.APP-${String(i + 1).padStart(3, '0')}`,
    amountByFormula: formatYuan(new Decimal(1000 * (i + 1)).plus('0.37')),
  }));
}

/** The draw as the public would recompute it: sort by SHA-256 of `<seed>:<id>`, take the lowest `count`. */
function expectedSelection(seed: string, ids: readonly string[], count: number): string[] {
  return ids
    .map((id) => ({ id, hash: sha256(`${seed}:${id}`) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
    .slice(0, count)
    .map((x) => x.id);
}

describe('round id', () => {
  it('is `<program>.<label>` and parses back', () => {
    assert.equal(roundId('qianhai-retail-growth', '2026'), 'qianhai-retail-growth.2026');
    assert.deepEqual(parseRoundId('qianhai-retail-growth.2026'), { programId: 'qianhai-retail-growth', label: '2026' });
    assert.deepEqual(parseRoundId('jianghai-major-project.2026-09'), { programId: 'jianghai-major-project', label: '2026-09' });
    assert.deepEqual(parseRoundId(roundId('dinghu-rnd-institution', 'QH2026-1')), { programId: 'dinghu-rnd-institution', label: 'QH2026-1' });
  });

  for (const bad of [
    '',
    'qianhai-retail-growth',
    '.2026',
    'qianhai-retail-growth.',
    'Qianhai-retail-growth.2026',
    'qianhai--retail.2026',
    '-qianhai.2026',
    'qianhai-.2026',
    'qianhai_retail.2026',
    'qianhai-retail-growth.-2026',
    'qianhai-retail-growth.2026.91440300MA5DXXXX0X',
    'qianhai-retail-growth..2026',
    'qianhai-retail-growth.2026 ',
    'qianhai-retail-growth.2026\n',
    'qianhai-retail-growth.二〇二六',
    `qianhai-retail-growth.${'9'.repeat(33)}`,
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(parseRoundId(bad), null);
    });
  }

  it('a label is a year, a month or an announcement’s name, without dots', () => {
    for (const ok of ['2026', '2026-09', 'QH2026-1', 'a']) assert.ok(ROUND_LABEL_PATTERN.test(ok), ok);
    for (const bad of ['', '-2026', '2026.09', '2026 09', '二〇二六', '9'.repeat(33)]) assert.ok(!ROUND_LABEL_PATTERN.test(bad), bad);
  });

  it('the round’s entity workflow id is `round.<round id>`', () => {
    assert.equal(roundWorkflowId('qianhai-retail-growth.2026'), 'round.qianhai-retail-growth.2026');
  });

  it('takes a label of up to 32 characters', () => {
    assert.deepEqual(parseRoundId(`qianhai-retail-growth.${'9'.repeat(32)}`), { programId: 'qianhai-retail-growth', label: '9'.repeat(32) });
  });
});

describe('below the inspection threshold', () => {
  it('inclusive (达100万元以上 is inspected anyway): an amount equal to the threshold is not below it', () => {
    assert.equal(belowThreshold('999999.99', '1000000.00', true), true);
    assert.equal(belowThreshold('1000000.00', '1000000.00', true), false);
    assert.equal(belowThreshold('1000000.01', '1000000.00', true), false);
  });

  it('not inclusive: an amount equal to the threshold is below it', () => {
    assert.equal(belowThreshold('999999.99', '1000000.00', false), true);
    assert.equal(belowThreshold('1000000.00', '1000000.00', false), true);
    assert.equal(belowThreshold('1000000.01', '1000000.00', false), false);
  });
});

describe('the spot check over the round', () => {
  it('the seed hash published at opening is node:crypto SHA-256 of the seed (UTF-8)', () => {
    for (const seed of ['jianghai-2024-09', '江海区2024年9月批次', 'seed with spaces: 1', '🎲']) {
      assert.equal(seedSha256(seed), sha256(seed));
    }
    // The known digest of the spot-check tests' seed (printf '%s' … | sha256sum).
    assert.equal(createHash('sha256').update('jianghai-2024-09:APP-2024-0001').digest('hex'), 'd8b3f23a36af3d854d7fc63f9d7e1b438484fdc707c8eb438cbcbad0fb85bb45');
    assert.equal(roundDraw('jianghai-2024-09', [], FIVE_PERCENT, CITATION).seedSha256, sha256('jianghai-2024-09'));
  });

  for (const [n, count] of [
    [0, 0],
    [1, 1],
    [19, 1],
    [20, 1],
    [21, 2],
    [40, 2],
    [41, 3],
  ] as const) {
    it(`draws ceil(${n} × 5 / 100) = ${count} of ${n} application(s)`, () => {
      const apps = applications(n);
      const draw = roundDraw('round-seed-2026', apps, FIVE_PERCENT, CITATION);
      assert.equal(draw.count, count);
      assert.equal(draw.selected.length, count);
      assert.equal(draw.ranking.length, n);
      assert.deepEqual(draw.selected, expectedSelection('round-seed-2026', apps.map((a) => a.applicationId), count));
    });
  }

  it('a fractional rate rounds up: 2.5 % of 40 is 1, of 41 is 2', () => {
    const rate = { ...FIVE_PERCENT, ratePercent: '2.5' };
    assert.equal(roundDraw('s', applications(40), rate, CITATION).count, 1);
    assert.equal(roundDraw('s', applications(41), rate, CITATION).count, 2);
  });

  it('the ranking is by SHA-256 of `<seed>:<id>`, recomputed with node:crypto, lowest first', () => {
    const seed = '江海区2026年9月批次';
    const apps = applications(21);
    const draw = roundDraw(seed, apps, FIVE_PERCENT, CITATION);
    const expected = apps
      .map((a) => ({ applicationId: a.applicationId, input: `${seed}:${a.applicationId}`, sha256: sha256(`${seed}:${a.applicationId}`) }))
      .sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
    assert.deepEqual(draw.ranking, expected);
    assert.deepEqual(draw.selected, expected.slice(0, 2).map((e) => e.applicationId));
    assert.equal(draw.seed, seed);
    assert.equal(draw.seedSha256, sha256(seed));
    // Another seed ranks differently (the seed matters).
    assert.notDeepEqual(roundDraw('another seed', apps, FIVE_PERCENT, CITATION).ranking.map((r) => r.applicationId), draw.ranking.map((r) => r.applicationId));
  });

  it('the order the applications are given in changes nothing', () => {
    const apps = applications(45);
    const forward = roundDraw('order-seed', apps, FIVE_PERCENT, CITATION);
    const backward = roundDraw('order-seed', [...apps].reverse(), FIVE_PERCENT, CITATION);
    assert.deepEqual(backward, forward);
    assert.equal(forward.count, 3);
  });

  const atThreshold = [
    { applicationId: 'r.2026.A-below', amountByFormula: '999999.99' },
    { applicationId: 'r.2026.B-equal', amountByFormula: '1000000.00' },
    { applicationId: 'r.2026.C-above', amountByFormula: '1000000.01' },
    { applicationId: 'r.2026.D-far-above', amountByFormula: '50000000.00' },
    { applicationId: 'r.2026.E-zero', amountByFormula: '0.00' },
  ];

  it('inclusive threshold: only the applications below it take part; one equal to it is inspected anyway, not drawn', () => {
    const draw = roundDraw('threshold-seed', atThreshold, { ratePercent: '100', threshold: '1000000.00', inclusive: true }, CITATION);
    assert.deepEqual(draw.ranking.map((r) => r.applicationId).sort(), ['r.2026.A-below', 'r.2026.E-zero']);
    assert.equal(draw.count, 2);
    assert.deepEqual([...draw.selected].sort(), ['r.2026.A-below', 'r.2026.E-zero']);
    assert.match(draw.rule, /of the 2 application\(s\) with an amount < 1000000\.00, ceil\(2 × 100 \/ 100\) = 2 /);
    assert.ok(draw.rule.startsWith(`${CITATION}: `));
  });

  it('non-inclusive threshold: an application equal to it takes part in the draw', () => {
    const draw = roundDraw('threshold-seed', atThreshold, { ratePercent: '100', threshold: '1000000.00', inclusive: false }, CITATION);
    assert.deepEqual(draw.ranking.map((r) => r.applicationId).sort(), ['r.2026.A-below', 'r.2026.B-equal', 'r.2026.E-zero']);
    assert.equal(draw.count, 3);
    assert.match(draw.rule, /with an amount ≤ 1000000\.00/);
  });

  it('records the inputs it was drawn with', () => {
    const draw = roundDraw('inputs-seed', applications(3), { ratePercent: '5', threshold: '1000000.00', inclusive: false }, CITATION);
    assert.deepEqual(
      { seed: draw.seed, ratePercent: draw.ratePercent, threshold: draw.threshold, inclusive: draw.inclusive },
      { seed: 'inputs-seed', ratePercent: '5', threshold: '1000000.00', inclusive: false },
    );
  });
});

describe('the spot check over the round, properties', () => {
  const fen = fc.integer({ min: 0, max: 300_000_000 }).map((n) => formatYuan(new Decimal(n).dividedBy(100)));
  /** Amounts, often exactly at the threshold the round is drawn with. */
  const amount = fc.oneof(fen, fc.constant('1000000.00'));
  /** The rate in hundredths of a percent, so the expected count is integer arithmetic: ceil(n × bp / 10000). */
  const basisPoints = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.constantFrom(500, 250, 1, 9_999, 10_000));
  const round = fc.record({
    seed: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }),
    ids: fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), { maxLength: 60 }),
    amounts: fc.array(amount, { minLength: 60, maxLength: 60 }),
    /** Sort keys that give a permutation of the applications. */
    order: fc.array(fc.integer(), { minLength: 60, maxLength: 60 }),
    threshold: fc.oneof(fen, fc.constant('1000000.00')),
    inclusive: fc.boolean(),
    basisPoints,
  });

  it('selected ⊆ eligible, |selected| = count = ceil(eligible × rate / 100), the lowest hashes, whatever the order given', () => {
    fc.assert(
      fc.property(round, ({ seed, ids, amounts, order, threshold, inclusive, basisPoints: bp }) => {
        const apps = ids.map((applicationId, i) => ({ applicationId, amountByFormula: amounts[i]! }));
        const ratePercent = new Decimal(bp).dividedBy(100).toFixed();
        const spotCheck = { ratePercent, threshold, inclusive };
        const draw = roundDraw(seed, apps, spotCheck, CITATION);

        const eligible = apps
          .filter((a) => {
            const c = compareYuan(a.amountByFormula, threshold);
            return c < 0 || (c === 0 && !inclusive);
          })
          .map((a) => a.applicationId);
        const count = Math.ceil((eligible.length * bp) / 10_000);
        assert.equal(draw.count, count);
        assert.equal(draw.selected.length, count);
        assert.deepEqual([...draw.ranking.map((r) => r.applicationId)].sort(), [...eligible].sort());
        assert.ok(draw.selected.every((id) => eligible.includes(id)));
        assert.equal(new Set(draw.selected).size, draw.selected.length);
        assert.deepEqual(draw.selected, expectedSelection(seed, eligible, count));
        assert.equal(draw.seedSha256, sha256(seed));

        // A permutation of the input gives the same draw.
        const shuffled = apps.map((a, i) => ({ a, key: order[i]! })).sort((x, y) => x.key - y.key).map((x) => x.a);
        assert.deepEqual(roundDraw(seed, shuffled, spotCheck, CITATION), draw);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the notice list', () => {
  const base: Omit<RoundNotice, 'sha256' | 'canonical'> = {
    roundId: 'qianhai-retail-growth.2026',
    publication: 1,
    kind: 'list',
    publishedOn: '2026-10-12',
    lastDay: '2026-10-19',
    closesAt: '2026-10-19T15:59:59.999Z',
    entries: [
      { applicationId: 'qianhai-retail-growth.2026.91440300MA5G000002', applicant: { creditCode: '91440300MA5G000002', name: '乙商贸有限公司' }, programId: 'qianhai-retail-growth', amount: '1500000.00' },
      { applicationId: 'qianhai-retail-growth.2026.91440300MA5G000001', applicant: { creditCode: '91440300MA5G000001', name: '甲零售有限公司' }, programId: 'qianhai-retail-growth', amount: '3000000.00' },
    ],
  };

  it('the canonical form is the documented JSON: keys sorted at every level, no whitespace, entries sorted by application id', () => {
    const expected =
      '{"entries":[' +
      '{"amount":"3000000.00","applicant":{"creditCode":"91440300MA5G000001","name":"甲零售有限公司"},"applicationId":"qianhai-retail-growth.2026.91440300MA5G000001","programId":"qianhai-retail-growth"},' +
      '{"amount":"1500000.00","applicant":{"creditCode":"91440300MA5G000002","name":"乙商贸有限公司"},"applicationId":"qianhai-retail-growth.2026.91440300MA5G000002","programId":"qianhai-retail-growth"}' +
      '],"kind":"list","lastDay":"2026-10-19","publication":1,"publishedOn":"2026-10-12","roundId":"qianhai-retail-growth.2026"}';
    assert.equal(noticeCanonicalForm(base), expected);
    const sealed = sealNotice(base);
    assert.equal(sealed.canonical, expected);
    // The hash is SHA-256 of the canonical text's UTF-8 bytes.
    assert.equal(sealed.sha256, sha256(expected));
    assert.match(sealed.sha256, /^[0-9a-f]{64}$/);
  });

  it('the sealed notice lists its entries sorted by application id, and keeps the rest as given', () => {
    const sealed = sealNotice(base);
    assert.deepEqual(sealed.entries.map((e) => e.applicationId), ['qianhai-retail-growth.2026.91440300MA5G000001', 'qianhai-retail-growth.2026.91440300MA5G000002']);
    assert.equal(sealed.closesAt, base.closesAt);
    assert.equal(sealed.publication, 1);
    // The input is not reordered in place.
    assert.equal(base.entries[0]!.applicationId, 'qianhai-retail-growth.2026.91440300MA5G000002');
  });

  it('the published JSON re-serialised the same way gives the same hash', () => {
    const sealed = sealNotice(base);
    const published = JSON.parse(JSON.stringify(sealed)) as RoundNotice;
    assert.equal(sealNotice(published).sha256, sealed.sha256);
    assert.equal(noticeCanonicalForm(published), sealed.canonical);
  });

  it('neither the entries’ order nor the key order of any input object changes the hash', () => {
    const reversedKeys = (e: NoticeEntry): NoticeEntry => ({
      amount: e.amount,
      programId: e.programId,
      applicant: { name: e.applicant.name, creditCode: e.applicant.creditCode },
      applicationId: e.applicationId,
    });
    const shuffled: Omit<RoundNotice, 'sha256' | 'canonical'> = {
      entries: [...base.entries].reverse().map(reversedKeys),
      closesAt: base.closesAt,
      lastDay: base.lastDay,
      publishedOn: base.publishedOn,
      kind: base.kind,
      publication: base.publication,
      roundId: base.roundId,
    };
    assert.equal(sealNotice(shuffled).sha256, sealNotice(base).sha256);
    // An absent `change` and one set to undefined (a spread of an optional field) are the same entry.
    const withUndefined = { ...base, entries: base.entries.map((e) => ({ ...e, change: undefined })) };
    assert.equal(sealNotice(withUndefined).sha256, sealNotice(base).sha256);
  });

  it('a changed amount, applicant, entry, publication or day changes the hash', () => {
    const original = sealNotice(base).sha256;
    const variants: Array<Omit<RoundNotice, 'sha256' | 'canonical'>> = [
      { ...base, entries: [{ ...base.entries[0]!, amount: '1499999.99' }, base.entries[1]!] },
      { ...base, entries: [{ ...base.entries[0]!, applicant: { ...base.entries[0]!.applicant, name: '丙商贸有限公司' } }, base.entries[1]!] },
      { ...base, entries: [base.entries[0]!] },
      { ...base, entries: [{ ...base.entries[0]!, change: 'objection upheld: reduced' }, base.entries[1]!] },
      { ...base, publication: 2, kind: 'correction' },
      { ...base, publishedOn: '2026-10-13' },
      { ...base, lastDay: '2026-10-20' },
      { ...base, roundId: 'qianhai-retail-growth.2027' },
    ];
    const hashes = variants.map((v) => sealNotice(v).sha256);
    for (const h of hashes) assert.notEqual(h, original);
    assert.equal(new Set(hashes).size, hashes.length);
  });
});

describe('round totals', () => {
  const allocation = (id: string, allocated: string, status: Allocation['status']): Allocation => ({
    applicationId: id,
    applicant: { creditCode: '91440300MA5G000001', name: '甲' },
    programId: 'qianhai-retail-growth',
    decidedBy: 'batch 1',
    approved: allocated,
    allocated,
    proRata: null,
    changes: [],
    status,
  });

  it('sums what is allocated, leaves the rest of the budget, and does not count removed entries', () => {
    const definition = { budget: '10000000.00' } as RoundDefinition;
    const totals = roundTotals({
      definition,
      allocations: [allocation('a', '3333333.33', 'allocated'), allocation('b', '2000000.01', 'reduced'), allocation('c', '0.00', 'removed')],
    });
    assert.deepEqual(totals, { budget: '10000000.00', allocated: '5333333.34', remaining: '4666666.66', applications: 2 });
    assert.deepEqual(roundTotals({ definition, allocations: [] }), { budget: '10000000.00', allocated: '0.00', remaining: '10000000.00', applications: 0 });
  });
});
