/**
 * Each pattern the OpenAPI document publishes (domain/patterns.ts) accepts exactly what the
 * server's own check accepts: a schema-valid value the server refuses is a broken contract, and
 * so is a refused-by-schema value the server takes. Exhaustive where the space is small (dates),
 * generated values elsewhere, biased towards the edges of each rule.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { comment, PositiveYuan, YuanText } from '../../domain/actions/body-parts';
import { characterProblem, textProblem } from '../../domain/text';
import { dateProblem } from '../../domain/dates';
import { ratePercentProblem } from '../../domain/lpr';
import { BOUNDED_YUAN_PATTERN, CHARACTERS_PATTERN, COMMENT_PATTERN, DATE_PATTERN, HTTP_URL_PATTERN, POSITIVE_BOUNDED_YUAN_PATTERN, RATE_PERCENT_PATTERN, TEXT_PATTERN, wholeNumberAtMostPattern } from '../../domain/patterns';

/** As a JSON Schema validator reads a pattern: ECMAScript, with the `u` flag (code points). */
const re = (pattern: string) => new RegExp(pattern, 'u');

function agrees(pattern: string, accepts: (value: string) => boolean, values: fc.Arbitrary<string>, runs = 3000): void {
  const regex = re(pattern);
  fc.assert(
    fc.property(values, (value) => {
      assert.equal(regex.test(value), accepts(value), `pattern and rule disagree on ${JSON.stringify(value)}`);
    }),
    { numRuns: runs },
  );
}

const of = (chars: readonly string[], maxLength = 20) => fc.array(fc.constantFrom(...chars), { maxLength }).map((a) => a.join(''));
const DIGITS = ['0', '1', '2', '5', '9'];

describe('the published patterns accept exactly what the server accepts', () => {
  it('dates: every month 0-13 and day 0-32 of years around each leap rule, and odd strings', () => {
    const regex = re(DATE_PATTERN);
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    for (const year of [0, 999, 1000, 1600, 1700, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9996, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const value = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          assert.equal(regex.test(value), dateProblem(value) === null, value);
        }
      }
    }
    agrees(DATE_PATTERN, (v) => dateProblem(v) === null, of([...DIGITS, '-', '3', '4'], 12));
  });

  it('yuan amounts, at most 999999999999.99', () => {
    const amounts = fc.oneof(
      of([...DIGITS, '.', '-'], 18),
      fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 99 })).map(([y, f]) => `${y}.${String(f).padStart(2, '0')}`),
    );
    agrees(BOUNDED_YUAN_PATTERN, (v) => YuanText.safeParse(v).success, amounts);
    agrees(POSITIVE_BOUNDED_YUAN_PATTERN, (v) => PositiveYuan.safeParse(v).success, amounts);
    for (const edge of ['0.00', '0.01', '0.10', '999999999999.99', '1000000000000.00', '00.01']) {
      assert.equal(re(BOUNDED_YUAN_PATTERN).test(edge), YuanText.safeParse(edge).success, edge);
      assert.equal(re(POSITIVE_BOUNDED_YUAN_PATTERN).test(edge), PositiveYuan.safeParse(edge).success, edge);
    }
  });

  it('LPR rates in percent, above 0 and below 100, at most four decimals', () => {
    agrees(RATE_PERCENT_PATTERN, (v) => ratePercentProblem(v) === null, of([...DIGITS, '.', '.', '0', '0'], 8));
    for (const edge of ['0', '0.0', '0.0001', '0.00001', '3.45', '99.9999', '100', '05', '3.']) {
      assert.equal(re(RATE_PERCENT_PATTERN).test(edge), ratePercentProblem(edge) === null, edge);
    }
  });

  it('text a person wrote: no control, surrogate or bidi character, at least one visible character', () => {
    const chars = ['a', '名', '😀', ' ', '\t', '\n', '\r', '\u000B', '\u0000', '\u001F', '\u007F', '\u0085', '\u00A0', '\u00AD', '\u200B', '\u200E', '\u202E', '\u2066', '\u2028', '\u3000', '\uFEFF', '\u061C', '\u180E', '\u2060'];
    agrees(TEXT_PATTERN, (v) => textProblem(v) === null, of(chars, 6), 5000);
    // Every string of a request: the character rule alone (api/strict-input.ts).
    agrees(CHARACTERS_PATTERN, (v) => characterProblem(v) === null, of(chars, 6), 3000);
    // A comment: white space alone is no comment; otherwise text. Both under the character rule.
    agrees(COMMENT_PATTERN, (v) => characterProblem(v) === null && comment.safeParse(v).success, of(chars, 6), 5000);
    // A lone surrogate is no Unicode scalar value, so no JSON Schema pattern can name it; the rule refuses it.
    for (const lone of ['a\uD800', '\uDC00b']) assert.match(textProblem(lone) ?? '', /lone surrogate/);
  });

  it('every pattern compiles as JSON Schema tools read it: Unicode mode, no surrogates', () => {
    for (const pattern of [DATE_PATTERN, BOUNDED_YUAN_PATTERN, POSITIVE_BOUNDED_YUAN_PATTERN, RATE_PERCENT_PATTERN, TEXT_PATTERN, CHARACTERS_PATTERN, COMMENT_PATTERN, HTTP_URL_PATTERN]) {
      assert.doesNotThrow(() => re(pattern));
      assert.doesNotMatch(pattern, /\\uD[89A-F]/i, 'Rust and Python regex engines refuse surrogate code points');
    }
  });

  it('document URLs: whatever the pattern takes is an http(s) URL with a host that a URL parser reads', () => {
    const regex = re(HTTP_URL_PATTERN);
    const urls = fc
      .tuple(
        fc.constantFrom('http://', 'https://', 'HTTPS://', 'ftp://', 'http:/', ''),
        of(['a', 'b', '1', '0', '9', '2', '5', '-', '.', 'x', 'n'], 16),
        fc.constantFrom('', ':80', ':8443', ':99999', ':'),
        fc.constantFrom('', '/', '/a b', '/x.pdf?q=1#f', '/%zz', '/\\', '?', '#'),
      )
      .map((parts) => parts.join(''));
    let accepted = 0;
    fc.assert(
      fc.property(urls, (value) => {
        if (!regex.test(value)) return;
        accepted += 1;
        const url = new URL(value);
        assert.ok(['http:', 'https:'].includes(url.protocol) && url.hostname !== '', value);
      }),
      { numRuns: 5000 },
    );
    assert.ok(accepted > 100, `the generator reaches accepted URLs (${accepted})`);
    for (const ok of ['https://files.example.gov.cn/licence.pdf', 'http://10.0.0.1/x', 'https://x/e', 'http://localhost:8080/a?b=c#d']) assert.ok(regex.test(ok), ok);
    for (const no of ['', 'ftp://files.example.cn/x', 'javascript:alert(1)', 'not a url', 'http://', 'https://1.2.3.256/', 'http://a.1/', 'http://xn--a/']) assert.ok(!regex.test(no), no);
  });
});

describe('whole numbers up to a maximum', () => {
  it('accepts exactly 0..max written without leading zeros, for several maxima', () => {
    for (const max of ['0', '7', '10', '99', '100', '305', '9007199254740991']) {
      const regex = re(wholeNumberAtMostPattern(max));
      const limit = BigInt(max);
      const values = fc.oneof(
        fc.bigInt({ min: 0n, max: limit * 3n + 20n }).map(String),
        of([...DIGITS, '7', '3', '-'], 18),
      );
      fc.assert(
        fc.property(values, (v) => {
          const expected = /^(0|[1-9][0-9]*)$/.test(v) && BigInt(v) <= limit;
          assert.equal(regex.test(v), expected, `${v} against max ${max}`);
        }),
        { numRuns: 2000 },
      );
      assert.ok(regex.test(max) && !regex.test(String(limit + 1n)), max);
    }
  });
});
