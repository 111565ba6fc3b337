/**
 * Clawback statements: the funds to recover with interest at the LPR (002 第三十三条:
 * 收回扶持资金，并按当期贷款市场报价利率(LPR)计息; domain brief, "Clawback" step 9).
 *
 * - Interest runs on each disbursed tranche for every day d in [paidOn, asOf), at the rate in
 *   force on d (`floating`) or on the clawback decision date (`fixed-at-decision`); the policy's
 *   setting and day count are shown on every statement.
 * - One statement line per tranche and period of constant principal, fixing and carried-forward
 *   flag; line interest = principal × rate/100 × days / (360 or 365), rounded once, half-up to the
 *   fen (domain brief, "Money").
 * - A repayment settles costs, then accrued unpaid interest, then principal (民法典 第五百六十一条).
 *   Interest accrues on unpaid principal only, never on interest.
 *
 * Pure and deterministic: the LPR table is an input.
 */
import { InputError } from './errors';
import { Decimal, formatYuan, parseYuan, roundFen, yuanProblem, type Yuan } from './money';
import {
  LprInputError,
  dateOfDayNumber,
  dayNumber,
  firstUnconfirmedDate,
  fixingDatesBetween,
  isoDateProblem,
  rateOn,
  type LprTable,
  type RateInForce,
  type Tenor,
} from './lpr';

export type RateMode = 'fixed-at-decision' | 'floating';
export type DayCount = 'ACT/360' | 'ACT/365';
export const RATE_MODES: readonly RateMode[] = ['fixed-at-decision', 'floating'];
export const DAY_COUNTS: readonly DayCount[] = ['ACT/360', 'ACT/365'];
const TENOR_VALUES: readonly Tenor[] = ['1Y', '5Y'];

export interface DisbursedTranche {
  /** The tranche's number, from 1. */
  tranche: number;
  amount: Yuan;
  /** The day the money reached the applicant; interest runs from this day. */
  paidOn: string;
}

export interface Repayment {
  amount: Yuan;
  paidOn: string;
}

export interface RecoveryCost {
  amount: Yuan;
  /** The day the cost was incurred (paid by the government); due from that day. */
  incurredOn: string;
}

export interface ClawbackInput {
  tranches: DisbursedTranche[];
  decisionDate: string;
  /** Statement date: interest runs up to, not including, this day. */
  asOf: string;
  rateMode: RateMode;
  dayCount: DayCount;
  tenor: Tenor;
  /** Recovery costs due with the clawback from the start; "0.00" when absent. */
  costs?: Yuan;
  /**
   * Recovery costs (追偿费用: litigation, preservation fees…) each due from the day it was
   * incurred: a repayment settles the costs incurred on or before its day first.
   */
  costItems?: RecoveryCost[];
  repayments?: Repayment[];
  lpr: LprTable;
}

export interface InterestLine {
  tranche: number;
  /** First day of the period (inclusive). */
  from: string;
  /** Day after the period (exclusive). */
  to: string;
  days: number;
  /** Unpaid principal of the tranche during the period. */
  principal: Yuan;
  ratePercent: string;
  fixingDate: string;
  carriedForward: boolean;
  /** principal × ratePercent/100 × days / basis, rounded half-up to the fen. */
  interest: Yuan;
}

export interface RepaymentAllocation {
  amount: Yuan;
  paidOn: string;
  toCosts: Yuan;
  toInterest: Yuan;
  toPrincipal: Yuan;
}

export interface ClawbackStatement {
  /** Everything disbursed. */
  principal: Yuan;
  /** All interest accrued up to asOf. */
  interest: Yuan;
  costs: Yuan;
  /** principal + interest + costs. */
  total: Yuan;
  repaid: Yuan;
  /** total − repaid. */
  outstanding: Yuan;
  /** What `outstanding` consists of, after every repayment was allocated. */
  outstandingBreakdown: { costs: Yuan; interest: Yuan; principal: Yuan };
  asOf: string;
  decisionDate: string;
  rateMode: RateMode;
  dayCount: DayCount;
  tenor: Tenor;
  /** True when any line uses a rate the LPR table does not confirm yet. */
  carriedForward: boolean;
  lprConfirmedThrough: string;
  /** Sorted by tranche, then date. */
  lines: InterestLine[];
  /** In the order applied: by paidOn, same-day repayments in the order given. */
  repayments: RepaymentAllocation[];
}

/** Bad input, naming the field (e.g. `tranches[1].paidOn`): the API answers 400. */
export class ClawbackInputError extends InputError {
  constructor(field: string, reason: string) {
    super(field, reason);
    this.name = 'ClawbackInputError';
  }
}

/** A repayment larger than what is outstanding on its day; `outstanding` is the exact amount. */
export class RepaymentExceedsOutstandingError extends ClawbackInputError {
  constructor(
    field: string,
    readonly amount: Yuan,
    readonly date: string,
    readonly outstanding: Yuan,
    breakdown: { costs: Yuan; interest: Yuan; principal: Yuan },
  ) {
    super(
      field,
      `${amount} is more than the ${outstanding} outstanding on ${date} ` +
        `(costs ${breakdown.costs}, interest ${breakdown.interest}, principal ${breakdown.principal})`,
    );
    this.name = 'RepaymentExceedsOutstandingError';
  }
}

// ---------------------------------------------------------------------------------------------
// Validation

interface Normalised {
  tranches: { tranche: number; amount: Decimal; paidOn: string; paidOnDay: number }[];
  repayments: { index: number; amount: Decimal; paidOn: string; paidOnDay: number }[];
  costs: Decimal;
  /** By day incurred. */
  costItems: { index: number; amount: Decimal; incurredOn: string; incurredOnDay: number }[];
  decisionDate: string;
  rateMode: RateMode;
  dayCount: DayCount;
  tenor: Tenor;
  lpr: LprTable;
}

function checkDate(value: unknown, field: string): string {
  const problem = isoDateProblem(value);
  if (problem !== null) throw new ClawbackInputError(field, problem);
  return value as string;
}

function checkAmount(value: unknown, field: string, allowZero: boolean): Decimal {
  const problem = yuanProblem(value);
  if (problem !== null) throw new ClawbackInputError(field, problem);
  const amount = parseYuan(value as Yuan);
  if (!allowZero && amount.isZero()) throw new ClawbackInputError(field, 'must be more than 0.00');
  return amount;
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ClawbackInputError(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
  }
  return value as T;
}

function firstFixingDate(lpr: LprTable): string {
  const first = lpr.fixings[0]?.effectiveDate;
  if (first === undefined) throw new ClawbackInputError('lpr', 'the LPR table has no fixings');
  return first;
}

/** Validates everything that does not depend on the statement date. */
function normaliseParts(input: ClawbackInput, options: { requireTranches: boolean }): Normalised {
  if (typeof input !== 'object' || input === null) throw new ClawbackInputError('input', 'must be an object');
  const rateMode = checkEnum(input.rateMode, RATE_MODES, 'rateMode');
  const dayCount = checkEnum(input.dayCount, DAY_COUNTS, 'dayCount');
  const tenor = checkEnum(input.tenor, TENOR_VALUES, 'tenor');
  const decisionDate = checkDate(input.decisionDate, 'decisionDate');
  const lpr = input.lpr;
  if (typeof lpr !== 'object' || lpr === null || !Array.isArray(lpr.fixings)) {
    throw new ClawbackInputError('lpr', 'must be an LPR table');
  }
  const first = firstFixingDate(lpr);
  if (rateMode === 'fixed-at-decision' && decisionDate < first) {
    throw new ClawbackInputError(
      'decisionDate',
      `${decisionDate} is before the first LPR fixing (${first}): no LPR was in force on that day`,
    );
  }

  if (!Array.isArray(input.tranches)) throw new ClawbackInputError('tranches', 'must be a list');
  if (options.requireTranches && input.tranches.length === 0) {
    throw new ClawbackInputError('tranches', 'must list at least one disbursed tranche');
  }
  const seen = new Set<number>();
  const tranches = input.tranches.map((t, i) => {
    const field = `tranches[${i}]`;
    if (typeof t !== 'object' || t === null) throw new ClawbackInputError(field, 'must be an object');
    if (!Number.isSafeInteger(t.tranche) || t.tranche < 1) {
      throw new ClawbackInputError(`${field}.tranche`, 'must be a whole number from 1');
    }
    if (seen.has(t.tranche)) throw new ClawbackInputError(`${field}.tranche`, `repeats tranche ${t.tranche}`);
    seen.add(t.tranche);
    const amount = checkAmount(t.amount, `${field}.amount`, false);
    const paidOn = checkDate(t.paidOn, `${field}.paidOn`);
    // Floating interest needs an LPR for every day from the payment on. (Fixed-at-decision needs
    // only the decision date's rate, so a tranche paid before the reform can still be recovered.)
    if (rateMode === 'floating' && paidOn < first) {
      throw new ClawbackInputError(
        `${field}.paidOn`,
        `${paidOn} is before the first LPR fixing (${first}): no LPR was in force on that day, ` +
          'so floating interest cannot be computed',
      );
    }
    return { tranche: t.tranche, amount, paidOn, paidOnDay: dayNumber(paidOn) };
  });

  const costs = input.costs === undefined ? new Decimal(0) : checkAmount(input.costs, 'costs', true);
  const rawCostItems = input.costItems ?? [];
  if (!Array.isArray(rawCostItems)) throw new ClawbackInputError('costItems', 'must be a list');
  const costItems = rawCostItems.map((c, index) => {
    const field = `costItems[${index}]`;
    if (typeof c !== 'object' || c === null) throw new ClawbackInputError(field, 'must be an object');
    const amount = checkAmount(c.amount, `${field}.amount`, false);
    const incurredOn = checkDate(c.incurredOn, `${field}.incurredOn`);
    return { index, amount, incurredOn, incurredOnDay: dayNumber(incurredOn) };
  });
  costItems.sort((a, b) => a.incurredOnDay - b.incurredOnDay);

  const rawRepayments = input.repayments ?? [];
  if (!Array.isArray(rawRepayments)) throw new ClawbackInputError('repayments', 'must be a list');
  const repayments = rawRepayments.map((r, index) => {
    const field = `repayments[${index}]`;
    if (typeof r !== 'object' || r === null) throw new ClawbackInputError(field, 'must be an object');
    const amount = checkAmount(r.amount, `${field}.amount`, false);
    const paidOn = checkDate(r.paidOn, `${field}.paidOn`);
    return { index, amount, paidOn, paidOnDay: dayNumber(paidOn) };
  });
  // Applied in date order; Array.prototype.sort is stable, so same-day repayments keep their order.
  repayments.sort((a, b) => a.paidOnDay - b.paidOnDay);

  return { tranches, repayments, costs, costItems, decisionDate, rateMode, dayCount, tenor, lpr };
}

/** The statement date must not precede any payment in or out. */
function checkAsOf(parts: Normalised, asOf: unknown, asOfField: string): string {
  const date = checkDate(asOf, asOfField);
  for (const [i, t] of parts.tranches.entries()) {
    if (date < t.paidOn) {
      throw new ClawbackInputError(asOfField, `${date} is before tranche ${t.tranche} was paid (tranches[${i}].paidOn ${t.paidOn})`);
    }
  }
  for (const r of parts.repayments) {
    if (date < r.paidOn) {
      throw new ClawbackInputError(asOfField, `${date} is before a repayment (repayments[${r.index}].paidOn ${r.paidOn})`);
    }
  }
  for (const c of parts.costItems) {
    if (date < c.incurredOn) {
      throw new ClawbackInputError(asOfField, `${date} is before a cost was incurred (costItems[${c.index}].incurredOn ${c.incurredOn})`);
    }
  }
  return date;
}

// ---------------------------------------------------------------------------------------------
// Computation

interface RatePeriod extends RateInForce {
  from: number;
  to: number;
}

function rateAt(parts: Normalised, date: string): RateInForce {
  try {
    return rateOn(parts.lpr, date, parts.tenor);
  } catch (err) {
    if (err instanceof LprInputError) throw new ClawbackInputError('lpr', err.reason);
    throw err;
  }
}

/**
 * Splits [from, to) into periods of one rate. Floating: a new period at every fixing's effective
 * date (so each line names exactly the fixing in force on all of its days) and where the
 * carried-forward flag turns on. Fixed: one period at the decision date's rate; its flag is that
 * rate's flag, since no later fixing can change it.
 */
function ratePeriods(parts: Normalised, fixed: RateInForce | null, from: number, to: number): RatePeriod[] {
  if (fixed !== null) return [{ ...fixed, from, to }];
  const fromDate = dateOfDayNumber(from);
  const toDate = dateOfDayNumber(to);
  const cuts = new Set(fixingDatesBetween(parts.lpr, fromDate, toDate));
  const unconfirmed = firstUnconfirmedDate(parts.lpr);
  if (unconfirmed > fromDate && unconfirmed < toDate) cuts.add(unconfirmed);
  const starts = [fromDate, ...[...cuts].sort()];
  return starts.map((start, i) => ({
    ...rateAt(parts, start),
    from: dayNumber(start),
    to: i + 1 < starts.length ? dayNumber(starts[i + 1]!) : to,
  }));
}

interface Computed {
  lines: InterestLine[];
  allocations: RepaymentAllocation[];
  interest: Decimal;
  costsDue: Decimal;
  interestDue: Decimal;
  principalDue: Decimal;
}

function compute(parts: Normalised, asOf: string): Computed {
  const basis = parts.dayCount === 'ACT/360' ? 360 : 365;
  const fixed = parts.rateMode === 'fixed-at-decision' ? rateAt(parts, parts.decisionDate) : null;
  const asOfDay = dayNumber(asOf);

  // Principal reductions go to the oldest tranche first. Every tranche falls due at the same
  // clawback decision and accrues at the same rate, so the order cannot change what is owed
  // beyond per-line rounding; it only decides which tranche's lines show the lower principal.
  const tranches = parts.tranches
    .map((t) => ({ ...t, unpaid: t.amount }))
    .sort((a, b) => a.paidOnDay - b.paidOnDay || a.tranche - b.tranche);

  const lines: InterestLine[] = [];
  const allocations: RepaymentAllocation[] = [];
  let interest = new Decimal(0);
  let costsDue = parts.costs;
  let interestDue = new Decimal(0);
  /** Costs fall due on the day they were incurred. */
  let nextCost = 0;
  const costsIncurredBy = (day: number): void => {
    for (; nextCost < parts.costItems.length && parts.costItems[nextCost]!.incurredOnDay <= day; nextCost++) {
      costsDue = costsDue.plus(parts.costItems[nextCost]!.amount);
    }
  };

  /**
   * Accrues every tranche over [from, to). Lines are cut at every repayment day (the caller's
   * epochs), so the interest due on a repayment day is an exact sum of rounded lines and the
   * statement reconciles line by line.
   */
  const accrue = (from: number, to: number): void => {
    for (const t of tranches) {
      const start = Math.max(from, t.paidOnDay);
      if (start >= to || t.unpaid.isZero()) continue;
      for (const p of ratePeriods(parts, fixed, start, to)) {
        const days = p.to - p.from;
        // One division, then one rounding. 40 significant digits keep the quotient far closer to
        // its exact value than any half-fen tie it could be confused with.
        const lineInterest = roundFen(t.unpaid.times(p.ratePercent).times(days).div(100 * basis));
        lines.push({
          tranche: t.tranche,
          from: dateOfDayNumber(p.from),
          to: dateOfDayNumber(p.to),
          days,
          principal: formatYuan(t.unpaid),
          ratePercent: p.ratePercent,
          fixingDate: p.fixingDate,
          carriedForward: p.carriedForward,
          interest: formatYuan(lineInterest),
        });
        interest = interest.plus(lineInterest);
        interestDue = interestDue.plus(lineInterest);
      }
    }
  };

  const principalDueOn = (day: number): Decimal =>
    tranches.filter((t) => t.paidOnDay <= day).reduce((sum, t) => sum.plus(t.unpaid), new Decimal(0));

  let cursor = Number.NEGATIVE_INFINITY;
  for (const r of parts.repayments) {
    // Interest accrued up to, not including, the repayment day is due on that day.
    if (r.paidOnDay > cursor) {
      accrue(cursor, r.paidOnDay);
      cursor = r.paidOnDay;
    }
    costsIncurredBy(r.paidOnDay);
    const principalDue = principalDueOn(r.paidOnDay);
    const outstanding = costsDue.plus(interestDue).plus(principalDue);
    if (r.amount.gt(outstanding)) {
      throw new RepaymentExceedsOutstandingError(
        `repayments[${r.index}].amount`,
        formatYuan(r.amount),
        r.paidOn,
        formatYuan(outstanding),
        { costs: formatYuan(costsDue), interest: formatYuan(interestDue), principal: formatYuan(principalDue) },
      );
    }
    // 民法典 第五百六十一条: costs, then interest, then principal.
    let rest = r.amount;
    const toCosts = Decimal.min(rest, costsDue);
    rest = rest.minus(toCosts);
    costsDue = costsDue.minus(toCosts);
    const toInterest = Decimal.min(rest, interestDue);
    rest = rest.minus(toInterest);
    interestDue = interestDue.minus(toInterest);
    const toPrincipal = rest;
    for (const t of tranches) {
      if (rest.isZero()) break;
      if (t.paidOnDay > r.paidOnDay) continue;
      const take = Decimal.min(rest, t.unpaid);
      t.unpaid = t.unpaid.minus(take);
      rest = rest.minus(take);
    }
    allocations.push({
      amount: formatYuan(r.amount),
      paidOn: r.paidOn,
      toCosts: formatYuan(toCosts),
      toInterest: formatYuan(toInterest),
      toPrincipal: formatYuan(toPrincipal),
    });
  }
  accrue(cursor, asOfDay);
  costsIncurredBy(asOfDay);

  lines.sort((a, b) => a.tranche - b.tranche || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const principalDue = tranches.reduce((sum, t) => sum.plus(t.unpaid), new Decimal(0));
  return { lines, allocations, interest, costsDue, interestDue, principalDue };
}

function statementOf(parts: Normalised, asOf: string): ClawbackStatement {
  const c = compute(parts, asOf);
  const principal = parts.tranches.reduce((sum, t) => sum.plus(t.amount), new Decimal(0));
  const repaid = parts.repayments.reduce((sum, r) => sum.plus(r.amount), new Decimal(0));
  const costs = parts.costItems.reduce((sum, x) => sum.plus(x.amount), parts.costs);
  const total = principal.plus(c.interest).plus(costs);
  return {
    principal: formatYuan(principal),
    interest: formatYuan(c.interest),
    costs: formatYuan(costs),
    total: formatYuan(total),
    repaid: formatYuan(repaid),
    outstanding: formatYuan(total.minus(repaid)),
    outstandingBreakdown: {
      costs: formatYuan(c.costsDue),
      interest: formatYuan(c.interestDue),
      principal: formatYuan(c.principalDue),
    },
    asOf,
    decisionDate: parts.decisionDate,
    rateMode: parts.rateMode,
    dayCount: parts.dayCount,
    tenor: parts.tenor,
    carriedForward: c.lines.some((l) => l.carriedForward),
    lprConfirmedThrough: parts.lpr.confirmedThrough,
    lines: c.lines,
    repayments: c.allocations,
  };
}

/**
 * The clawback statement as of `input.asOf`. Throws `ClawbackInputError` for bad input and
 * `RepaymentExceedsOutstandingError` (naming the exact amount outstanding on that day) when a
 * repayment is larger than what was owed when it was made.
 */
export function clawbackStatement(input: ClawbackInput): ClawbackStatement {
  const parts = normaliseParts(input, { requireTranches: true });
  const asOf = checkAsOf(parts, input.asOf, 'asOf');
  return statementOf(parts, asOf);
}

/**
 * The exact amount outstanding on `date`: costs, interest accrued up to (not including) that day
 * and unpaid principal, less every repayment made on or before it. Tranches paid and repayments
 * made after `date` do not count; `input.asOf` is ignored. A new repayment on `date` larger than
 * this is refused.
 */
export function outstandingOn(input: ClawbackInput, date: string): Yuan {
  const parts = normaliseParts(input, { requireTranches: false });
  const day = checkDate(date, 'date');
  const upTo: Normalised = {
    ...parts,
    tranches: parts.tranches.filter((t) => t.paidOn <= day),
    repayments: parts.repayments.filter((r) => r.paidOn <= day),
    costItems: parts.costItems.filter((c) => c.incurredOn <= day),
  };
  return statementOf(upTo, day).outstanding;
}

// ---------------------------------------------------------------------------------------------
// The calculator endpoint: POST /calculations/clawback

export interface ClawbackCalculationRequest {
  tranches: { amount: Yuan; paidOn: string }[];
  /**
   * The statement date: interest runs up to, not including, this day; what repaying the rest on
   * this day costs. The API fills in today (Asia/Shanghai) when the caller leaves it out.
   */
  repaidOn: string;
  decisionDate: string;
  rateMode: RateMode;
  dayCount: DayCount;
  tenor: Tenor;
  /** Recovery costs (追偿费用), each due from the day incurred. */
  costs?: RecoveryCost[];
  /** Repayments already made, allocated costs → interest → principal (民法典 第五百六十一条). */
  repayments?: Repayment[];
}

/** The statement on `repaidOn` (its `asOf`), under the name the request gave the date. */
export type ClawbackCalculation = ClawbackStatement & { repaidOn: string };

/**
 * The statement a clawback would have on `repaidOn`: principal, LPR interest, recovery costs,
 * earlier repayments allocated in the legal order, and what repaying the rest that day costs.
 * Tranches are numbered 1..n in the order given. Errors name the request's fields (`repaidOn`,
 * `tranches[i].amount`, `costs[i].incurredOn`, `repayments[i].amount`, ...).
 */
export function clawbackCalculation(request: ClawbackCalculationRequest, lpr: LprTable): ClawbackCalculation {
  if (typeof request !== 'object' || request === null) throw new ClawbackInputError('body', 'must be an object');
  if (!Array.isArray(request.tranches)) throw new ClawbackInputError('tranches', 'must be a list');
  const input: ClawbackInput = {
    tranches: request.tranches.map((t, i) => {
      if (typeof t !== 'object' || t === null) throw new ClawbackInputError(`tranches[${i}]`, 'must be an object');
      return { tranche: i + 1, amount: t.amount, paidOn: t.paidOn };
    }),
    decisionDate: request.decisionDate,
    asOf: request.repaidOn,
    rateMode: request.rateMode,
    dayCount: request.dayCount,
    tenor: request.tenor,
    ...(request.costs === undefined ? {} : { costItems: request.costs }),
    ...(request.repayments === undefined ? {} : { repayments: request.repayments }),
    lpr,
  };
  const parts = renamed(() => normaliseParts(input, { requireTranches: true }));
  const repaidOn = renamed(() => checkAsOf(parts, request.repaidOn, 'repaidOn'));
  return { ...statementOf(parts, repaidOn), repaidOn };
}

/** The calculator's request calls the cost items `costs`: errors name its field. */
function renamed<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ClawbackInputError && !(err instanceof RepaymentExceedsOutstandingError) && /costItems/.test(err.field + err.reason)) {
      throw new ClawbackInputError(err.field.replace(/^costItems/, 'costs'), err.reason.replace(/costItems\[/g, 'costs['));
    }
    throw err;
  }
}
