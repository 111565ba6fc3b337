import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { creditCodeCheckCharacter, creditCodeProblem, isCreditCode } from '../../domain/credit-code';

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts the standard example 91350100M000100Y43', () => {
    assert.equal(creditCodeCheckCharacter('91350100M000100Y4'), '3');
    assert.equal(creditCodeProblem('91350100M000100Y43'), null);
  });

  it('computes a check character of 0 when the weighted sum is a multiple of 31', () => {
    // Hand-computed: every character 0 gives sum 0, so (31 - 0) mod 31 = 0.
    assert.equal(creditCodeCheckCharacter('00000000000000000'), '0');
    assert.equal(isCreditCode('000000000000000000'), true);
  });

  it('maps check values above 9 onto the letter alphabet', () => {
    // 1 at position 1 (weight 1): sum 1 → check 30 → 'Y'.
    assert.equal(creditCodeCheckCharacter('10000000000000000'), 'Y');
    // 1 at position 2 (weight 3): sum 3 → check 28 → 'W'.
    assert.equal(creditCodeCheckCharacter('01000000000000000'), 'W');
  });

  it('refuses a wrong check character and says which one it must be', () => {
    assert.match(creditCodeProblem('91350100M000100Y44') ?? '', /must be "3"/);
  });

  it('refuses wrong lengths, lowercase and the excluded letters I, O, Z, S, V', () => {
    assert.match(creditCodeProblem('91350100M000100Y4') ?? '', /18 characters/);
    assert.match(creditCodeProblem('91350100m000100Y43') ?? '', /character 9/);
    for (const letter of ['I', 'O', 'Z', 'S', 'V']) {
      assert.match(creditCodeProblem(`91350100M000100${letter}43`) ?? '', /not allowed/);
    }
  });

  it('requires digits for the administrative division code', () => {
    const body = '91A50100M000100Y4';
    const code = body + creditCodeCheckCharacter(body);
    assert.match(creditCodeProblem(code) ?? '', /administrative division/);
  });
});
