import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CxpFailure } from '../../../protocols/cxp/errors';
import { readJson } from '../../../protocols/cxp/json';
import { decimalText, readAmounts, stroopsOf } from '../../../protocols/cxp/translate';
import { jsonNumberText } from './helpers';

const INT64_MAX = 0x7fffffffffffffffn;

/** An amount as a client sends it: a member of a JSON body, as the JSON text says it. */
function quantityOf(body: string): bigint {
  const json = readJson(body);
  return readAmounts(['quantity'], (f) => json.numbers.get(f))('quantity');
}

const refusedNaming = (field: string) => (err: unknown) => {
  assert.ok(err instanceof CxpFailure, String(err));
  assert.equal(err.code, 8);
  assert.equal(err.args['@field'], field);
  return true;
};

/**
 * CXP amounts are JSON numbers; a float is not what the client wrote (1e-7, and beyond
 * 15 digits anything), so they are read from their text, exactly.
 */
describe('CXP amounts: read from the JSON text, exactly', () => {
  it('reads the issue\'s examples, and refuses what really has more than 7 decimals', () => {
    const cases: Array<[string, bigint]> = [
      ['0.0000001', 1n], ['1e-7', 1n], ['1E-7', 1n], ['10e-8', 1n], ['1.5E+2', 1500000000n], ['12.50', 125000000n], ['12.500000000', 125000000n],
      ['922337203685.4775807', INT64_MAX], ['0', 0n], ['0e5', 0n], ['0.00000000', 0n], ['-0.0000001', -1n],
    ];
    for (const [text, stroops] of cases) assert.equal(quantityOf(`{"quantity":${text}}`), stroops, text);
    for (const text of ['1e-8', '0.00000001', '1.000000000000000001', '1e-400', '1.00000001', '-1e-8', '12.500000001']) {
      assert.throws(() => quantityOf(`{"quantity":${text}}`), refusedNaming('quantity'), text);
    }
    // Beyond the ledger: refused, and an exponent is never written out.
    for (const text of ['922337203685.4775808', '1e19', '1e999999999', '1e-999999999']) {
      assert.throws(() => quantityOf(`{"quantity":${text}}`), refusedNaming('quantity'), text);
    }
  });

  it('takes the number of the member JSON.parse takes: escaped keys, the last of repeated ones, nested ones aside', () => {
    assert.equal(quantityOf('{"qu\\u0061ntity": 2e-7}'), 2n);
    assert.equal(quantityOf('{"quantity": 1, "x": {"quantity": 5}, "y": ["a\\"", 3], "quantity": 3e-7 }'), 3n);
    assert.throws(() => quantityOf('{"quantity": 1, "quantity": "1"}'), refusedNaming('quantity'), 'a string last: not a number, the schema\'s (15) to say');
  });

  it('forms and query strings: their text, signs and all; text that is no number is the schema\'s', () => {
    const read = (text: string) => readAmounts(['balance'], () => text)('balance');
    assert.equal(read(' 0.0000001 '), 1n);
    assert.equal(read('-1e-7'), -1n);
    assert.equal(read('+3'), 30000000n);
    assert.equal(read('.5'), 5000000n);
    assert.equal(read('5.'), 50000000n);
    // Text Number() reads but that is no decimal (the schema's coercion takes "0x10" as 16).
    assert.throws(() => read('0x10'), refusedNaming('balance'));
    assert.throws(() => read('Infinity'), refusedNaming('balance'));
    assert.equal(stroopsOf('abc'), 'not_a_number');
  });

  it('property: any amount with at most 7 decimals, written in any JSON number form, round-trips exactly', () => {
    fc.assert(fc.property(
      fc.oneof(fc.bigInt({ min: 0n, max: INT64_MAX }), fc.bigInt({ min: 0n, max: 10n ** 10n })).chain((s) => jsonNumberText(s, -7).map((text) => ({ s, text }))),
      fc.constantFrom('', ' ', '\n\t'),
      ({ s, text }, ws) => {
        assert.equal(quantityOf(`{${ws}"quantity"${ws}:${ws}${text}${ws},"description":"1.5"}`), s, text);
        assert.equal(stroopsOf(`-${text}`), -s, `-${text}`);
        // And back out: the answer writes the same value (decimalText, a bare JSON number).
        assert.equal(quantityOf(`{"quantity":${decimalText(s)}}`), s);
      },
    ), { numRuns: 5000 });
  });

  it('property: more than 7 decimals, in any JSON number form, is refused naming the field', () => {
    // m × 10^e with m not a multiple of 10 and e < -7: its last digit is beyond the seventh decimal.
    const texts = fc.tuple(
      fc.bigInt({ min: 1n, max: 10n ** 20n }).filter((m) => m % 10n !== 0n),
      fc.oneof(fc.integer({ min: -30, max: -8 }), fc.integer({ min: -500, max: -8 })),
    ).chain(([m, e]) => jsonNumberText(m, e));
    fc.assert(fc.property(texts, (text) => {
      assert.throws(() => quantityOf(`{"quantity":${text}}`), refusedNaming('quantity'), text);
    }), { numRuns: 5000 });
  });
});
