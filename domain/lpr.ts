/**
 * Loan prime rate (贷款市场报价利率, LPR) fixings, the reference for clawback interest
 * (002 第三十三条: 收回扶持资金，并按当期贷款市场报价利率(LPR)计息).
 *
 * Pure: the table arrives as text or JSON (lib/lpr-store.ts does the I/O), so the same rules run
 * in the API, in activities and inside the workflow sandbox.
 *
 * Dates are calendar dates written YYYY-MM-DD, not instants: arithmetic goes through UTC day
 * numbers so no time zone or daylight-saving rule can move a day.
 */
import { dateOfEpochDay, dateProblem, epochDay } from './dates';
import { InputError } from './errors';
import { Decimal } from './money';

export type Tenor = '1Y' | '5Y';
export const TENORS: readonly Tenor[] = ['1Y', '5Y'];

/** The first fixing after the August 2019 reform; no LPR in today's sense exists before it. */
const LPR_REFORM_DATE = '2019-08-20';

const LPR_CSV_HEADER = 'effective_date,lpr_1y,lpr_5y';

/** LPR is published on the 20th of each month (next working day if the 20th is a holiday). */
const LPR_PUBLICATION_DAY = 20;

export interface LprFixing {
  /** The day the fixing takes effect, YYYY-MM-DD; it applies until the next fixing. */
  effectiveDate: string;
  /** Percent per year as a string, e.g. "3.45". */
  lpr1y: string;
  lpr5y: string;
  /** Where the fixing came from, e.g. 'shipped' or 'admin'. */
  source?: string;
}

export interface LprTable {
  /** Sorted by effectiveDate, no two on the same day. */
  fixings: LprFixing[];
  /** Every fixing published up to and including this date is in `fixings`. */
  confirmedThrough: string;
}

export interface RateInForce {
  ratePercent: string;
  /** The effective date of the fixing that gives the rate. */
  fixingDate: string;
  /** True when the day lies after what the table confirms: the rate is the last one carried forward. */
  carriedForward: boolean;
}

/** Bad input from a caller (an admin's fixing, a date asked about): the API answers 400. */
export class LprInputError extends InputError {
  constructor(field: string, reason: string) {
    super(field, reason);
    this.name = 'LprInputError';
  }
}

/** The LPR data itself is broken (shipped CSV, persisted fixings): a deployment problem, not a 400. */
export class LprDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LprDataError';
  }
}

// ---------------------------------------------------------------------------------------------
// Calendar dates

/** Why a value is not a real calendar date written YYYY-MM-DD, or `null` when it is. */
export const isoDateProblem = dateProblem;

/** Days since 1970-01-01 for a YYYY-MM-DD date; throws RangeError on anything else. */
export function dayNumber(date: string): number {
  const problem = isoDateProblem(date);
  if (problem !== null) throw new RangeError(`date ${problem}`);
  return epochDay(date);
}

/** The YYYY-MM-DD date of a day number. */
export const dateOfDayNumber = dateOfEpochDay;

export function addDays(date: string, days: number): string {
  return dateOfDayNumber(dayNumber(date) + days);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

// ---------------------------------------------------------------------------------------------
// Rates

const RATE_PATTERN = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const MAX_RATE_DECIMALS = 4;

/** Why a value is not an acceptable LPR percent string, or `null` when it is. */
export function ratePercentProblem(value: unknown): string | null {
  if (typeof value === 'number') return 'must be a percent string like "3.45", not a JSON number';
  if (typeof value !== 'string') return 'must be a percent string like "3.45"';
  if (!RATE_PATTERN.test(value)) return `must be a percent string like "3.45" (got ${JSON.stringify(value)})`;
  const decimals = value.includes('.') ? value.length - value.indexOf('.') - 1 : 0;
  if (decimals > MAX_RATE_DECIMALS) {
    return `has more than ${MAX_RATE_DECIMALS} decimals (got ${JSON.stringify(value)})`;
  }
  const rate = new Decimal(value);
  if (rate.lte(0)) return `must be above 0 percent (got ${JSON.stringify(value)})`;
  if (rate.gte(100)) return `must be below 100 percent (got ${JSON.stringify(value)})`;
  return null;
}

/**
 * One spelling per rate, so statements and comparisons agree: at least two decimals, no trailing
 * zeros beyond them ("3" → "3.00", "3.4500" → "3.45", "3.125" stays).
 */
export function normaliseRatePercent(value: string): string {
  const rate = new Decimal(value);
  return rate.toFixed(Math.max(2, rate.decimalPlaces()));
}

function fixingRate(fixing: LprFixing, tenor: Tenor): string {
  return tenor === '1Y' ? fixing.lpr1y : fixing.lpr5y;
}

// ---------------------------------------------------------------------------------------------
// Fixings

interface Issue {
  field: string;
  reason: string;
}

function fixingIssue(value: unknown): Issue | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { field: 'fixing', reason: 'must be an object {effectiveDate, lpr1y, lpr5y}' };
  }
  const v = value as Record<string, unknown>;
  const dateProblem = isoDateProblem(v.effectiveDate);
  if (dateProblem !== null) return { field: 'effectiveDate', reason: dateProblem };
  if ((v.effectiveDate as string) < LPR_REFORM_DATE) {
    return {
      field: 'effectiveDate',
      reason: `${v.effectiveDate as string} is before the first LPR fixing after the 2019 reform (${LPR_REFORM_DATE})`,
    };
  }
  for (const field of ['lpr1y', 'lpr5y'] as const) {
    const problem = ratePercentProblem(v[field]);
    if (problem !== null) return { field, reason: problem };
  }
  if (v.source !== undefined && typeof v.source !== 'string') return { field: 'source', reason: 'must be a string' };
  return null;
}

/** Why a value is not an acceptable fixing ("lpr1y has more than 4 decimals ..."), or `null`. */
export function fixingProblem(value: unknown): string | null {
  const issue = fixingIssue(value);
  return issue === null ? null : `${issue.field} ${issue.reason}`;
}

/**
 * Checks a fixing and returns it with normalised rates; throws `LprInputError` naming the field
 * (prefixed with `fieldPrefix`, e.g. "fixings[2].") when it is not acceptable.
 */
export function validateFixing(value: unknown, fieldPrefix = ''): LprFixing {
  const issue = fixingIssue(value);
  if (issue !== null) throw new LprInputError(`${fieldPrefix}${issue.field}`, issue.reason);
  const v = value as LprFixing;
  const fixing: LprFixing = {
    effectiveDate: v.effectiveDate,
    lpr1y: normaliseRatePercent(v.lpr1y),
    lpr5y: normaliseRatePercent(v.lpr5y),
  };
  if (v.source !== undefined) fixing.source = v.source;
  return fixing;
}

function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}

/**
 * Parses the LPR CSV: `#` comment lines (one of them `# Confirmed through: YYYY-MM-DD`), the
 * header `effective_date,lpr_1y,lpr_5y`, then one row per change. Throws `LprDataError` naming
 * the line on anything unexpected: a silently skipped row would silently change interest.
 * Without a "Confirmed through" line the table confirms only up to its last fixing.
 */
export function parseLprCsv(text: string, source = 'shipped'): LprTable {
  const fixings: LprFixing[] = [];
  let confirmedThrough: string | null = null;
  let headerSeen = false;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s*Confirmed through:\s*([^\s.,;]+)/i.exec(line);
      if (m) {
        const date = m[1]!;
        const problem = isoDateProblem(date);
        if (problem !== null) throw new LprDataError(`LPR CSV line ${lineNo}: "Confirmed through" ${problem}`);
        if (confirmedThrough !== null) throw new LprDataError(`LPR CSV line ${lineNo}: a second "Confirmed through" line`);
        confirmedThrough = date;
      }
      return;
    }
    if (!headerSeen) {
      if (line.replace(/\s+/g, '') !== LPR_CSV_HEADER) {
        throw new LprDataError(`LPR CSV line ${lineNo}: expected the header "${LPR_CSV_HEADER}", got ${JSON.stringify(line)}`);
      }
      headerSeen = true;
      return;
    }
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 3) {
      throw new LprDataError(`LPR CSV line ${lineNo}: expected 3 columns (${LPR_CSV_HEADER}), got ${cells.length}`);
    }
    const candidate = { effectiveDate: cells[0], lpr1y: cells[1], lpr5y: cells[2], source };
    const issue = fixingIssue(candidate);
    if (issue !== null) throw new LprDataError(`LPR CSV line ${lineNo}: ${issue.field} ${issue.reason}`);
    const fixing = validateFixing(candidate);
    if (fixings.some((f) => f.effectiveDate === fixing.effectiveDate)) {
      throw new LprDataError(`LPR CSV line ${lineNo}: a second row for ${fixing.effectiveDate}`);
    }
    fixings.push(fixing);
  });
  if (!headerSeen) throw new LprDataError(`LPR CSV has no header "${LPR_CSV_HEADER}"`);
  if (fixings.length === 0) throw new LprDataError('LPR CSV has no fixings');
  fixings.sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : 1));
  const last = fixings[fixings.length - 1]!.effectiveDate;
  return { fixings, confirmedThrough: maxDate(confirmedThrough ?? last, last) };
}

/**
 * The table with admin-added fixings merged in. A fixing on the same effective date as an
 * existing one replaces it (an admin correcting a row, or the later of two additions wins);
 * `confirmedThrough` moves to the latest of the table's own date and every fixing's date, since
 * adding a fixing means the admin has checked publications up to that day. Throws `LprInputError`
 * (field `fixings[i].…`) for an unacceptable fixing.
 */
export function mergeFixings(table: LprTable, added: readonly LprFixing[], defaultSource = 'admin'): LprTable {
  const byDate = new Map<string, LprFixing>();
  for (const f of table.fixings) byDate.set(f.effectiveDate, f);
  let confirmedThrough = table.confirmedThrough;
  added.forEach((raw, i) => {
    const fixing = validateFixing(raw, `fixings[${i}].`);
    if (fixing.source === undefined) fixing.source = defaultSource;
    byDate.set(fixing.effectiveDate, fixing);
    confirmedThrough = maxDate(confirmedThrough, fixing.effectiveDate);
  });
  const fixings = [...byDate.values()].sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : 1));
  return { fixings, confirmedThrough };
}

// ---------------------------------------------------------------------------------------------
// Rate in force on a day

/**
 * The first day whose rate the table does not confirm.
 *
 * Fixings are published on the 20th of each month (next working day if the 20th is a holiday).
 * A table confirmed through day C contains every publication up to C, so the next publication
 * that could change the rate is the 20th after C: the 20th of the month after C's month when C is
 * on or after the 20th (e.g. C = 2025-05-20 → days up to 2025-06-19 are confirmed, 2025-06-20
 * onwards are carried forward), or the 20th of C's own month when C is earlier (confirmed through
 * 2025-05-10 says nothing about the fixing of 2025-05-20).
 *
 * Using the 20th even when the publication slips to the next working day is deliberately
 * cautious: the domain has no holiday calendar here, and flagging a day or two too many is
 * harmless, while calling an unknown rate confirmed is not.
 */
export function firstUnconfirmedDate(table: Pick<LprTable, 'confirmedThrough'>): string {
  const c = table.confirmedThrough;
  if (isoDateProblem(c) !== null) throw new LprDataError(`LPR table confirmedThrough ${isoDateProblem(c)}`);
  let year = Number(c.slice(0, 4));
  let month = Number(c.slice(5, 7));
  const day = Number(c.slice(8, 10));
  if (day >= LPR_PUBLICATION_DAY) {
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${LPR_PUBLICATION_DAY}`;
}

/** Whether the rate for `date` is confirmed by the table (see `firstUnconfirmedDate`). */
export function isConfirmed(table: Pick<LprTable, 'confirmedThrough'>, date: string): boolean {
  return date < firstUnconfirmedDate(table);
}

/** Index of the fixing in force on `date` (the last one effective on or before it), or -1. */
function fixingIndexOn(fixings: readonly LprFixing[], date: string): number {
  let lo = 0;
  let hi = fixings.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fixings[mid]!.effectiveDate <= date) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The rate in force on `date` for a tenor: the fixing effective on or before that day (a fixing
 * applies from its effective date), flagged when the day is past what the table confirms.
 * Throws `LprInputError` (field `date`) for a malformed date or one before the first fixing.
 */
export function rateOn(table: LprTable, date: string, tenor: Tenor): RateInForce {
  const problem = isoDateProblem(date);
  if (problem !== null) throw new LprInputError('date', problem);
  const index = fixingIndexOn(table.fixings, date);
  if (index < 0) {
    const first = table.fixings[0]?.effectiveDate;
    throw new LprInputError(
      'date',
      first === undefined
        ? `${date}: the LPR table has no fixings`
        : `${date} is before the first LPR fixing (${first}): no LPR was in force on that day`,
    );
  }
  const fixing = table.fixings[index]!;
  return {
    ratePercent: fixingRate(fixing, tenor),
    fixingDate: fixing.effectiveDate,
    carriedForward: !isConfirmed(table, date),
  };
}

/** Effective dates of fixings strictly inside (from, to): where a floating rate may change. */
export function fixingDatesBetween(table: LprTable, from: string, to: string): string[] {
  return table.fixings.map((f) => f.effectiveDate).filter((d) => d > from && d < to);
}
