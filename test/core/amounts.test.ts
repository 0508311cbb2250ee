import assert from 'node:assert/strict';
import {
  AmountError, convert, formatAmount, fromHour, fromScaled, parseAmount, toHour, toScaled,
} from '../../src/core/amounts';

describe('amounts', () => {
  it('parses decimal strings into stroops and back, exactly', () => {
    assert.equal(parseAmount('12.5'), 125000000n);
    assert.equal(parseAmount('0.0000001'), 1n);
    assert.equal(parseAmount('922337203685.4775807'), 0x7fffffffffffffffn);
    assert.equal(formatAmount(125000000n), '12.5000000');
    assert.equal(formatAmount(1n), '0.0000001');
    assert.equal(formatAmount(-15n), '-0.0000015');
  });

  it('refuses malformed amounts with a reason', () => {
    assert.equal(parseAmount('1.00000001'), AmountError.TooManyDecimals);
    assert.equal(parseAmount('-1'), AmountError.Negative);
    assert.equal(parseAmount('922337203685.4775808'), AmountError.Overflow);
    assert.equal(parseAmount('1e3'), AmountError.NotANumber);
    assert.equal(parseAmount('0.1.2'), AmountError.NotANumber);
    assert.equal(parseAmount(''), AmountError.NotANumber);
    assert.equal(parseAmount('0'), AmountError.Zero);
    assert.equal(parseAmount('0', { allowZero: true }), 0n);
  });

  it('converts scaled integers without losing a unit', () => {
    assert.equal(fromScaled(1234n, 2), 123400000n);
    assert.equal(toScaled(123400000n, 2, 'down'), 1234n);
    assert.equal(toScaled(123400001n, 2, 'down'), 1234n);
    assert.equal(toScaled(123400001n, 2, 'up'), 1235n);
    assert.equal(fromScaled(-1n, 2), AmountError.Negative);
  });

  it('converts through HOUR with the asked rounding and never with floats', () => {
    const tenth = { n: 1, d: 10 }; // 10 units = 1 HOUR
    const third = { n: 1, d: 3 };
    assert.equal(toHour(100n, tenth, 'down'), 10n);
    assert.equal(toHour(105n, tenth, 'down'), 10n);
    assert.equal(toHour(105n, tenth, 'up'), 11n);
    assert.equal(fromHour(10n, tenth, 'down'), 100n);
    // 1 unit of A (1/10 HOUR) in units of B (1/3 HOUR) = 0.3 → exact in stroops
    assert.equal(convert(10000000n, tenth, third, 'down'), 3000000n);
    // 1 stroop of B in A: 10/3 stroops → 3 down, 4 up
    assert.equal(convert(1n, third, tenth, 'down'), 3n);
    assert.equal(convert(1n, third, tenth, 'up'), 4n);
    // large values stay exact (a float would not)
    const big = 900000000000000000n;
    assert.equal(convert(big, { n: 2147483647, d: 1 }, { n: 2147483647, d: 1 }, 'down'), big);
  });
});
