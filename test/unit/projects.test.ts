/**
 * One application per project or product and round, and no double dipping (domain/projects.ts,
 * 000 每个品种, 002 第十一条, 002 第三十六条): the verdict on a new claim beside the claims already
 * held on the same project.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PROJECT_CODE_PATTERN, judgeClaim, projectKey, type ProjectClaim } from '../../domain/projects';

const DRUG_PROGRAM = 'dinghu-generic-drug-consistency';
const DRUG_POLICY = 'dinghu-2018-key-industries';

function claim(overrides: Partial<ProjectClaim> & Pick<ProjectClaim, 'applicationId'>): ProjectClaim {
  return {
    applicant: { creditCode: '91441203MA4UXXXX1A', name: '鼎湖制药有限公司' },
    programId: DRUG_PROGRAM,
    policyId: DRUG_POLICY,
    roundId: `${DRUG_PROGRAM}.2026`,
    nature: 'generic-drug-consistency',
    per: 'product',
    doubleDipping: 'refuse',
    claimedAt: '2026-09-03T01:00:00.000Z',
    released: null,
    ...overrides,
  };
}

describe('project key', () => {
  it('is the declared project code, or the applicant when none is declared', () => {
    assert.equal(projectKey({ code: 'H20263001', name: '阿莫西林胶囊' }, '91441203MA4UXXXX1A'), 'project.H20263001');
    assert.equal(projectKey(null, '91441203MA4UXXXX1A'), 'project.enterprise-91441203MA4UXXXX1A');
  });
});

describe('project code', () => {
  it('is letters, digits, "-" and "_", starting with a letter or digit, at most 64 characters', () => {
    for (const ok of ['H20263001', 'WH-01', 'qh_2026_warehouse', '9'.repeat(64)]) assert.ok(PROJECT_CODE_PATTERN.test(ok), ok);
    for (const bad of ['', '-WH', '_WH', 'WH 01', 'WH.01', '国药准字H20263001', 'WH-01\n', '9'.repeat(65)]) assert.ok(!PROJECT_CODE_PATTERN.test(bad), bad);
  });
});

describe('one application per product and round', () => {
  const first = claim({ applicationId: `${DRUG_PROGRAM}.2026.H20263001.91441203MA4UXXXX1A` });

  it('a second application for the same product in the same round is refused, naming the first', () => {
    const second = claim({ applicationId: `${DRUG_PROGRAM}.2026.H20263001.91441203MA4UYYYY2B`, applicant: { creditCode: '91441203MA4UYYYY2B', name: '另一药业有限公司' } });
    const v = judgeClaim([first], second);
    assert.equal(v.verdict, 'refused');
    if (v.verdict !== 'refused') return;
    assert.deepEqual(v.others, [first]);
    assert.ok(v.reason.includes(first.applicationId), v.reason);
    assert.ok(v.reason.includes(`${DRUG_PROGRAM}.2026`), v.reason);
    assert.match(v.rule, /000 每个品种/);
  });

  it('the same product in the next round is accepted', () => {
    const next = claim({ applicationId: `${DRUG_PROGRAM}.2027.H20263001.91441203MA4UXXXX1A`, roundId: `${DRUG_PROGRAM}.2027` });
    assert.deepEqual(judgeClaim([first], next), { verdict: 'accepted', others: [] });
  });

  it('a program awarding per applicant does not refuse a second claim on the project in the round', () => {
    const perApplicant = { per: 'applicant' as const, programId: 'jianghai-major-project', policyId: 'jianghai-2024', roundId: 'jianghai-major-project.2026-09', nature: 'major-project' };
    const a = claim({ ...perApplicant, applicationId: 'jianghai-major-project.2026-09.A' });
    const b = claim({ ...perApplicant, applicationId: 'jianghai-major-project.2026-09.B' });
    assert.equal(judgeClaim([a], b).verdict, 'accepted');
  });

  it('the application’s own claim (a retry of the filing) is accepted', () => {
    assert.deepEqual(judgeClaim([first], { ...first, claimedAt: '2026-09-03T01:00:05.000Z' }), { verdict: 'accepted', others: [] });
  });

  it('a released claim (rejected, withdrawn, lapsed) no longer counts', () => {
    const released = { ...first, released: { at: '2026-09-20T08:00:00.000Z', reason: 'withdrawn by the applicant' } };
    const second = claim({ applicationId: `${DRUG_PROGRAM}.2026.H20263001.91441203MA4UYYYY2B` });
    assert.deepEqual(judgeClaim([released], second), { verdict: 'accepted', others: [] });
  });
});

describe('no double dipping (002 第三十六条)', () => {
  const qianhai = claim({
    applicationId: 'qianhai-warehouse-smart-upgrade.2026.WH-01.91440300MA5G000001',
    applicant: { creditCode: '91440300MA5G000001', name: '前海仓储有限公司' },
    programId: 'qianhai-warehouse-smart-upgrade',
    policyId: 'qianhai-2024-trade-logistics',
    roundId: 'qianhai-warehouse-smart-upgrade.2026',
    nature: 'equipment-investment',
    per: 'project',
    doubleDipping: 'refuse',
  });
  const other = (overrides: Partial<ProjectClaim> = {}): ProjectClaim =>
    claim({
      applicationId: 'dinghu-energy-saving-equipment.2026.91440300MA5G000001',
      applicant: qianhai.applicant,
      programId: 'dinghu-energy-saving-equipment',
      policyId: 'dinghu-2018-key-industries',
      roundId: 'dinghu-energy-saving-equipment.2026',
      nature: 'equipment-investment',
      per: 'applicant',
      ...overrides,
    });

  it('the same nature under another policy that says refuse is refused, citing 002 第三十六条 and naming the other', () => {
    const v = judgeClaim([qianhai], other({ doubleDipping: 'refuse' }));
    assert.equal(v.verdict, 'refused');
    if (v.verdict !== 'refused') return;
    assert.match(v.rule, /^002 第三十六条/);
    assert.deepEqual(v.others, [qianhai]);
    assert.ok(v.reason.includes(qianhai.applicationId) && v.reason.includes('qianhai-2024-trade-logistics'), v.reason);
  });

  it('refused when either side says refuse', () => {
    assert.equal(judgeClaim([qianhai], other({ doubleDipping: 'show-reviewer' })).verdict, 'refused');
    assert.equal(judgeClaim([{ ...qianhai, doubleDipping: 'show-reviewer' }], other({ doubleDipping: 'refuse' })).verdict, 'refused');
  });

  it('with show-reviewer on both sides, shown to the reviewer with the other application named', () => {
    const held = { ...qianhai, doubleDipping: 'show-reviewer' as const };
    const v = judgeClaim([held], other({ doubleDipping: 'show-reviewer' }));
    assert.equal(v.verdict, 'shown-to-reviewer');
    if (v.verdict !== 'shown-to-reviewer') return;
    assert.deepEqual(v.others, [held]);
    assert.ok(v.reason.includes(held.applicationId), v.reason);
    assert.match(v.rule, /^002 第三十六条/);
  });

  it('a released claim under the other policy does not count', () => {
    const released = { ...qianhai, released: { at: '2026-10-01T00:00:00.000Z', reason: 'rejected at review' } };
    assert.deepEqual(judgeClaim([released], other()), { verdict: 'accepted', others: [] });
  });

  it('support of another nature under another policy is accepted', () => {
    assert.deepEqual(judgeClaim([qianhai], other({ nature: 'rent' })), { verdict: 'accepted', others: [] });
  });

  it('the same policy, another program, is accepted (第三十六条 is about two policies)', () => {
    const samePolicy = other({
      applicationId: 'qianhai-retail-growth.2026.91440300MA5G000001',
      programId: 'qianhai-retail-growth',
      policyId: 'qianhai-2024-trade-logistics',
      roundId: 'qianhai-retail-growth.2026',
    });
    assert.deepEqual(judgeClaim([qianhai], samePolicy), { verdict: 'accepted', others: [] });
  });

  it('only the claims of the same nature under another policy are named', () => {
    // Same nature, but under the new claim's own policy (another program of it).
    const samePolicy = other({ applicationId: 'dinghu-emergency-major-project.2026.X', programId: 'dinghu-emergency-major-project', roundId: 'dinghu-emergency-major-project.2026' });
    const otherNature = other({ applicationId: 'jianghai-rent-subsidy.2026.X', programId: 'jianghai-rent-subsidy', policyId: 'jianghai-2024', nature: 'rent' });
    const v = judgeClaim([samePolicy, otherNature, qianhai], other());
    assert.equal(v.verdict, 'refused');
    assert.deepEqual(v.others, [qianhai]);
  });
});

describe('judge claim, properties', () => {
  const arb = fc.record({
    applicationId: fc.constantFrom('a', 'b', 'c', 'd'),
    programId: fc.constantFrom('p1', 'p2', 'p3'),
    policyId: fc.constantFrom('x', 'y'),
    round: fc.constantFrom('2026', '2027'),
    nature: fc.constantFrom('n1', 'n2'),
    per: fc.constantFrom('applicant' as const, 'project' as const, 'product' as const),
    doubleDipping: fc.constantFrom('refuse' as const, 'show-reviewer' as const),
    released: fc.boolean(),
  }).map(({ round, released, ...c }) => claim({ ...c, roundId: `${c.programId}.${round}`, released: released ? { at: '2026-10-01T00:00:00.000Z', reason: 'withdrawn' } : null }));

  it('the order of the held claims changes nothing; released claims and the application’s own claim change nothing; the named others are live and not its own', () => {
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 8 }), arb, (held, c) => {
        const v = judgeClaim(held, c);
        assert.deepEqual(judgeClaim([...held].reverse(), c).verdict, v.verdict);
        const relevant = held.filter((h) => h.released === null && h.applicationId !== c.applicationId);
        assert.deepEqual(judgeClaim(relevant, c), v);
        for (const o of v.others) {
          assert.equal(o.released, null);
          assert.notEqual(o.applicationId, c.applicationId);
        }
        if (relevant.length === 0) assert.equal(v.verdict, 'accepted');
      }),
    );
  });
});
