/**
 * RMB amounts, exact to the fen.
 *
 * On the wire and in workflow state an amount is a string in yuan with exactly two decimals
 * ("1000000.00"): plain JSON that survives serialisation, continue-as-new and replay. Arithmetic
 * happens on `Decimal` values (decimal.js, never binary floats) and is rounded once, half-up to the
 * fen, at the end of each statement line (domain brief, "Money").
 */
import DecimalBase from 'decimal.js';

/** A private Decimal constructor: 40 significant digits, half-up rounding, no exponent notation. */
export const Decimal = DecimalBase.clone({
  precision: 40,
  rounding: DecimalBase.ROUND_HALF_UP,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

/** A yuan amount as it travels: digits, a dot, exactly two decimals. */
export type Yuan = string;

const YUAN_PATTERN = /^-?(0|[1-9][0-9]*)\.[0-9]{2}$/;

/** Why a value is not an acceptable amount, or `null` when it is. */
export function yuanProblem(value: unknown, options: { allowNegative?: boolean } = {}): string | null {
  if (typeof value === 'number') {
    return 'must be a string in yuan with exactly two decimals, e.g. "1000000.00", not a JSON number';
  }
  if (typeof value !== 'string') {
    return 'must be a string in yuan with exactly two decimals, e.g. "1000000.00"';
  }
  if (!YUAN_PATTERN.test(value)) {
    if (/^-?[0-9]+\.[0-9]{3,}$/.test(value)) return 'has more than two decimals (amounts are exact to the fen)';
    return 'must be a string in yuan with exactly two decimals, e.g. "1000000.00"';
  }
  if (!options.allowNegative && value.startsWith('-')) return 'must not be negative';
  return null;
}

/** The largest amount a request may state: just under 1万亿 yuan, far above any program's award or investment. */
export const MAX_YUAN = '999999999999.99';

/** Why an amount a caller states (a body, a fact) cannot be taken, or `null`: `yuanProblem`, or above MAX_YUAN. */
export function statedYuanProblem(value: unknown): string | null {
  const problem = yuanProblem(value);
  if (problem) return problem;
  return compareYuan(value as Yuan, MAX_YUAN) > 0 ? `must be at most ${MAX_YUAN}` : null;
}

/** Parses a wire amount; throws on anything that is not a valid two-decimal yuan string. */
export function parseYuan(value: Yuan, options: { allowNegative?: boolean } = {}): Decimal {
  const problem = yuanProblem(value, options);
  if (problem !== null) throw new RangeError(`amount ${JSON.stringify(value)} ${problem}`);
  return new Decimal(value);
}

/** Rounds half-up to the fen. */
export function roundFen(value: Decimal): Decimal {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Formats a value as a wire amount, rounding half-up to the fen. */
export function formatYuan(value: Decimal): Yuan {
  const rounded = roundFen(value);
  // Avoid "-0.00" when a negative value rounds to zero.
  return (rounded.isZero() ? new Decimal(0) : rounded).toFixed(2);
}

/** Sums wire amounts exactly. */
export function sumYuan(values: readonly Yuan[]): Yuan {
  return formatYuan(values.reduce((acc, v) => acc.plus(parseYuan(v, { allowNegative: true })), new Decimal(0)));
}

/** Compares two wire amounts: -1, 0 or 1. */
export function compareYuan(a: Yuan, b: Yuan): -1 | 0 | 1 {
  return parseYuan(a, { allowNegative: true }).comparedTo(parseYuan(b, { allowNegative: true })) as -1 | 0 | 1;
}

/** 万元 (ten thousand yuan) to a wire amount: 100万 = "1000000.00". */
export function wan(tenThousands: string): Yuan {
  return formatYuan(new Decimal(tenThousands).times(10_000));
}

/** 亿元 (hundred million yuan) to a wire amount: 1亿 = "100000000.00". */
export function yi(hundredMillions: string): Yuan {
  return formatYuan(new Decimal(hundredMillions).times(100_000_000));
}
