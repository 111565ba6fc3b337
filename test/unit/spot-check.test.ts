import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INSPECTION_CITATION, inspectionRequirement, spotCheckDraw } from '../../domain/spot-check';

// Expected digests computed outside this code with coreutils:
//   printf '%s' 'jianghai-2024-09:APP-2024-0001' | sha256sum
//   → d8b3f23a36af3d854d7fc63f9d7e1b438484fdc707c8eb438cbcbad0fb85bb45
//   printf '%s' 'jianghai-2024-09:APP-2024-0014' | sha256sum
//   → 0580460a3c4c16c374220424712385fe6698ceebbaaa746714b6b6094a2e7656
//   printf '%s' '江海区2024年9月批次:申报-007' | sha256sum
//   → 4317f34ec26afe224625be51a2b770b7476c65a6d9a79701bfdc564649a50ca9
const SEED = 'jianghai-2024-09';
// 5 % of 2^32 = 0.05 × 4294967296 = 214748364.8, so a draw is selected when value ≤ 214748364.
const THRESHOLD_5_PERCENT = 214748364.8;

describe('spot-check draw', () => {
  it('does not select APP-2024-0001 at 5 %', () => {
    // 0xd8b3f23a = 216·2^24 + 179·2^16 + 242·2^8 + 58
    //            = 3623878656 + 11730944 + 61952 + 58 = 3635671610
    // 3635671610 / 4294967296 = 0.8464957610704004764556884765625 (exact: 32 decimals at most)
    const draw = spotCheckDraw(SEED, 'APP-2024-0001', '5');
    assert.deepEqual(draw, {
      seed: SEED,
      applicationId: 'APP-2024-0001',
      input: 'jianghai-2024-09:APP-2024-0001',
      sha256: 'd8b3f23a36af3d854d7fc63f9d7e1b438484fdc707c8eb438cbcbad0fb85bb45',
      value: '3635671610',
      fraction: '0.8464957610704004764556884765625',
      ratePercent: '5',
      selected: false,
    });
    assert.ok(3635671610 > THRESHOLD_5_PERCENT);
  });

  it('selects APP-2024-0014 at 5 %', () => {
    // 0x0580460a = 5·2^24 + 128·2^16 + 70·2^8 + 10
    //            = 83886080 + 8388608 + 17920 + 10 = 92292618
    // 92292618 / 4294967296 = 0.0214885496534407138824462890625 < 0.05
    const draw = spotCheckDraw(SEED, 'APP-2024-0014', 5);
    assert.equal(draw.sha256, '0580460a3c4c16c374220424712385fe6698ceebbaaa746714b6b6094a2e7656');
    assert.equal(draw.value, '92292618');
    assert.equal(draw.fraction, '0.0214885496534407138824462890625');
    assert.equal(draw.selected, true);
    assert.ok(92292618 < THRESHOLD_5_PERCENT);
  });

  it('hashes the UTF-8 bytes of non-ASCII seeds and ids', () => {
    // 0x4317f34e = 67·2^24 + 23·2^16 + 243·2^8 + 78 = 1124073472 + 1507328 + 62208 + 78 = 1125643086
    // 1125643086 / 2^32 = 0.2620842042379081249237060546875
    const draw = spotCheckDraw('江海区2024年9月批次', '申报-007', '5');
    assert.equal(draw.input, '江海区2024年9月批次:申报-007');
    assert.equal(draw.sha256, '4317f34ec26afe224625be51a2b770b7476c65a6d9a79701bfdc564649a50ca9');
    assert.equal(draw.value, '1125643086');
    assert.equal(draw.fraction, '0.2620842042379081249237060546875');
    assert.equal(draw.selected, false);
  });

  it('compares exactly: a fraction equal to the rate is not selected (strictly below)', () => {
    const rateEqual = '2.14885496534407138824462890625'; // = 100 × 92292618 / 2^32
    assert.equal(spotCheckDraw(SEED, 'APP-2024-0014', rateEqual).selected, false);
    assert.equal(spotCheckDraw(SEED, 'APP-2024-0014', '2.14885496534407138824462890626').selected, true);
  });

  it('never selects at 0 % and always selects at 100 %', () => {
    assert.equal(spotCheckDraw(SEED, 'APP-2024-0014', '0').selected, false);
    assert.equal(spotCheckDraw(SEED, 'APP-2024-0001', '100').selected, true);
  });

  it('is reproducible and depends on both the seed and the id', () => {
    assert.deepEqual(spotCheckDraw(SEED, 'APP-2024-0001', '5'), spotCheckDraw(SEED, 'APP-2024-0001', '5'));
    assert.notEqual(spotCheckDraw('other-seed', 'APP-2024-0001', '5').sha256, spotCheckDraw(SEED, 'APP-2024-0001', '5').sha256);
  });

  it('refuses empty inputs and rates outside 0–100', () => {
    assert.throws(() => spotCheckDraw('', 'APP-1', '5'), RangeError);
    assert.throws(() => spotCheckDraw(SEED, '', '5'), RangeError);
    assert.throws(() => spotCheckDraw(SEED, 'APP-1', '101'), RangeError);
    assert.throws(() => spotCheckDraw(SEED, 'APP-1', '-1'), RangeError);
    assert.throws(() => spotCheckDraw(SEED, 'APP-1', 'five'), RangeError);
  });

  it('stays workflow-safe: no Node built-ins, clock or randomness in the module', () => {
    const source = readFileSync(join(__dirname, '..', '..', 'domain', 'spot-check.ts'), 'utf8');
    assert.doesNotMatch(source, /from 'node:|require\(|Date\.now|Math\.random|new Date\(\)|@temporalio/);
  });
});

describe('inspection requirement (001 （三）4: 100万元 or more mandatory, below: 5 % spot check)', () => {
  const threshold = { amount: '1000000.00', inclusive: true };
  const drawSelected = { seed: SEED, applicationId: 'APP-2024-0014', ratePercent: '5' };
  const drawNotSelected = { seed: SEED, applicationId: 'APP-2024-0001', ratePercent: '5' };

  it('is mandatory at exactly 100万 (达100万元以上 includes the number)', () => {
    const d = inspectionRequirement('1000000.00', threshold, drawNotSelected);
    assert.equal(d.requirement, 'mandatory');
    assert.equal(d.rule.id, 'inspection-mandatory');
    assert.equal(d.rule.citation, INSPECTION_CITATION);
    assert.deepEqual(d.inputs, { amount: '1000000.00', threshold: '1000000.00', inclusive: true });
    assert.equal(d.draw, undefined);
  });

  it('is mandatory above 100万', () => {
    assert.equal(inspectionRequirement('3500000.00', threshold, drawNotSelected).requirement, 'mandatory');
  });

  it('draws one fen below 100万 and records the draw', () => {
    const selected = inspectionRequirement('999999.99', threshold, drawSelected);
    assert.equal(selected.requirement, 'spot-check-selected');
    assert.equal(selected.rule.id, 'inspection-spot-check');
    assert.equal(selected.draw?.value, '92292618');
    assert.equal(selected.inputs.ratePercent, '5');
    const notSelected = inspectionRequirement('999999.99', threshold, drawNotSelected);
    assert.equal(notSelected.requirement, 'spot-check-not-selected');
    assert.equal(notSelected.draw?.fraction, '0.8464957610704004764556884765625');
  });

  it('honours an exclusive threshold: equal amount is drawn', () => {
    const d = inspectionRequirement('1000000.00', { amount: '1000000.00', inclusive: false }, drawSelected);
    assert.equal(d.requirement, 'spot-check-selected');
  });

  it('refuses a malformed amount', () => {
    assert.throws(() => inspectionRequirement('1000000', threshold, drawSelected), RangeError);
  });
});
