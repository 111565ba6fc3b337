/**
 * Pro rata scaling of a round's awards to its budget (002 第五条: approved amounts above the
 * year's budget are scaled in proportion), exact to the fen.
 *
 * Each award's exact share is amount × budget / total. Shares are rarely whole fen, so each is
 * first rounded down to the fen and the fen left over (fewer than one per award) go one each to
 * the awards with the largest remainders: the largest-remainder method. The awards then sum to
 * the budget exactly, no award is more than one fen from its exact share, and none grows.
 * Equal remainders are broken by the order of the awards' ids, so the result does not depend on
 * the order the awards are given in, and anyone can recompute it from the published list.
 *
 * The arithmetic is on whole fen as BigInt: the remainders are compared exactly, never as
 * rounded decimals.
 */
import { parseYuan, type Yuan } from './money';

export interface AwardToScale {
  /** The application's id: breaks ties between equal remainders (ascending). */
  id: string;
  /** The approved amount before scaling. */
  amount: Yuan;
}

/** How one award was scaled, for the application to show. */
export interface ScaledAward {
  id: string;
  /** Approved before scaling. */
  approved: Yuan;
  /** After scaling: what the notice lists and the tranches are cut from. */
  scaled: Yuan;
  /** amount × budget / total, exact, as a decimal of 10 places after the fen (rounded down). */
  exactShare: string;
  /** The share rounded down to the fen. */
  roundedDown: Yuan;
  /** 0 or 1: the fen the largest-remainder rule added. */
  fenAdded: 0 | 1;
}

export interface ProRata {
  budget: Yuan;
  /** The approved amounts' sum. */
  total: Yuan;
  /** Whether the total exceeded the budget (otherwise every award stands as approved). */
  scaled: boolean;
  /** budget / total (1 when not scaled), to 10 decimal places, rounded down: for reading only. */
  factor: string;
  awards: ScaledAward[];
}

const FRACTION_DIGITS = 10n;

/** `numerator / denominator` (non-negative BigInts) as a decimal string, rounded down. */
function decimalOf(numerator: bigint, denominator: bigint, places: bigint): string {
  const scale = 10n ** places;
  const scaled = (numerator * scale) / denominator;
  const whole = scaled / scale;
  const fraction = (scaled % scale).toString().padStart(Number(places), '0');
  return `${whole}.${fraction}`;
}

const fenOf = (yuan: Yuan): bigint => BigInt(parseYuan(yuan).times(100).toFixed(0));

/** Yuan from a whole number of fen, exactly (no floating point for large amounts). */
function yuanFromFen(fen: bigint): Yuan {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

/**
 * The round's awards, scaled to its budget when their total exceeds it; each with its own
 * explanation. A budget of 0.00 scales every award to 0.00.
 */
export function proRata(awards: readonly AwardToScale[], budget: Yuan): ProRata {
  const budgetFen = fenOf(budget);
  const amounts = awards.map((a) => ({ id: a.id, fen: fenOf(a.amount) }));
  const totalFen = amounts.reduce((sum, a) => sum + a.fen, 0n);
  const scaled = totalFen > budgetFen;

  if (!scaled) {
    return {
      budget: yuanFromFen(budgetFen),
      total: yuanFromFen(totalFen),
      scaled: false,
      factor: '1.0000000000',
      awards: amounts.map((a) => ({
        id: a.id,
        approved: yuanFromFen(a.fen),
        scaled: yuanFromFen(a.fen),
        exactShare: decimalOf(a.fen, 100n, 2n + FRACTION_DIGITS),
        roundedDown: yuanFromFen(a.fen),
        fenAdded: 0,
      })),
    };
  }

  // Exact share in fen: quotient + remainder / total.
  const shares = amounts.map((a) => ({ ...a, quotient: (a.fen * budgetFen) / totalFen, remainder: (a.fen * budgetFen) % totalFen }));
  const leftOver = budgetFen - shares.reduce((sum, s) => sum + s.quotient, 0n);
  const byRemainder = [...shares].sort((x, y) => (x.remainder === y.remainder ? (x.id < y.id ? -1 : x.id > y.id ? 1 : 0) : x.remainder > y.remainder ? -1 : 1));
  const added = new Set(byRemainder.slice(0, Number(leftOver)));

  return {
    budget: yuanFromFen(budgetFen),
    total: yuanFromFen(totalFen),
    scaled: true,
    factor: decimalOf(budgetFen, totalFen, FRACTION_DIGITS),
    awards: shares.map((s) => {
      const fenAdded = added.has(s) ? 1 : 0;
      return {
        id: s.id,
        approved: yuanFromFen(s.fen),
        scaled: yuanFromFen(s.quotient + BigInt(fenAdded)),
        exactShare: decimalOf(s.fen * budgetFen, totalFen * 100n, 2n + FRACTION_DIGITS),
        roundedDown: yuanFromFen(s.quotient),
        fenAdded,
      };
    }),
  };
}
