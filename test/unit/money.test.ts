import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareYuan, Decimal, formatYuan, parseYuan, roundFen, sumYuan, wan, yi, yuanProblem } from '../../domain/money';

describe('money: RMB exact to the fen', () => {
  it('accepts two-decimal yuan strings only', () => {
    assert.equal(yuanProblem('1000000.00'), null);
    assert.equal(yuanProblem('0.01'), null);
    assert.match(yuanProblem(1000000) ?? '', /not a JSON number/);
    assert.match(yuanProblem('1000000.001') ?? '', /more than two decimals/);
    assert.match(yuanProblem('1000000') ?? '', /exactly two decimals/);
    assert.match(yuanProblem('1e6') ?? '', /exactly two decimals/);
    assert.match(yuanProblem('01.00') ?? '', /exactly two decimals/);
    assert.match(yuanProblem('-5.00') ?? '', /must not be negative/);
    assert.equal(yuanProblem('-5.00', { allowNegative: true }), null);
    assert.match(yuanProblem(null) ?? '', /must be a string/);
  });

  it('rounds half-up to the fen, including halves that binary floats get wrong', () => {
    // 1.005 is 1.00499999… as a double; as a decimal it is exactly half a fen, so it rounds up.
    assert.equal(formatYuan(new Decimal('1.005')), '1.01');
    assert.equal(formatYuan(new Decimal('1.004999')), '1.00');
    assert.equal(formatYuan(new Decimal('2.675')), '2.68');
    assert.equal(formatYuan(new Decimal('-0.001')), '0.00');
    assert.equal(roundFen(new Decimal('299999999.9994')).toFixed(2), '300000000.00');
    assert.equal(roundFen(new Decimal('299999999.9949')).toFixed(2), '299999999.99');
  });

  it('adds exactly where floats drift', () => {
    // 0.1 + 0.2 = 0.30000000000000004 in binary floating point.
    assert.equal(sumYuan(['0.10', '0.20']), '0.30');
    assert.equal(sumYuan(Array.from({ length: 1000 }, () => '0.01')), '10.00');
    assert.equal(parseYuan('5000000000.00').times('0.08').toFixed(2), '400000000.00');
  });

  it('compares and converts 万 and 亿', () => {
    assert.equal(compareYuan('1000000.00', wan('100')), 0);
    assert.equal(compareYuan('999999.99', wan('100')), -1);
    assert.equal(yi('50'), '5000000000.00');
    assert.throws(() => parseYuan('1.234'), /more than two decimals/);
  });
});
