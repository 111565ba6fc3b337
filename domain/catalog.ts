/**
 * The policy catalog: what a program is, as plain JSON data, and the pure rules that turn an
 * applicant's facts into an award, a breakdown an auditor can follow, and a disbursement schedule.
 *
 * A program is added by adding data (data/catalog/*.json), not code: formulas and schedules are a
 * small set of general kinds. Every threshold states whether its number is included, because the
 * seeds' boundary words are read differently by different texts (002 第三十七条（九） against
 * 民法典 第一千二百五十九条). Money is Decimal arithmetic on two-decimal yuan strings, rounded
 * half-up to the fen once at the end of each line (domain brief, "Money").
 *
 * Pure and workflow-safe: no Node built-ins, no clock, no randomness, no zod (see catalog-schema.ts).
 */
import { Decimal, formatYuan, parseYuan, roundFen, statedYuanProblem, yuanProblem, type Yuan } from './money';
import { textProblem } from './text';
import { countWorkingDays, isCalendarDate, type CalendarData } from './calendar';

// ---------------------------------------------------------------------------------------------
// Catalog data types
// ---------------------------------------------------------------------------------------------

/** Where a rule comes from: a seed file and the article or section within it. */
export interface Citation {
  seed: string;
  section: string;
  /** The seed's own words, so a reader can check the reading without opening the file. */
  quote?: string;
}

/** One end of a range. `inclusive` says whether the number itself belongs to the range. */
export interface Bound {
  /** A decimal string in the fact's unit: yuan "1000000000.00", percent "10", integer "5". */
  value: string;
  inclusive: boolean;
  /** The seed's boundary word (以上, 不少于, 以下 …), kept for the record. */
  word?: string;
  /**
   * Why `inclusive` departs from the reference reading of `word` (boundaryWordInclusive), when the
   * seed's own structure says so: 001 四（二）5 "100亿元以上" excludes 100亿, which tier (2) takes by （含）.
   */
  reading?: string;
}

export interface Range {
  lower?: Bound;
  upper?: Bound;
}

/** 'decimal' is for measured quantities such as a rented area in ㎡. */
export type FactType = 'yuan' | 'percent' | 'integer' | 'decimal' | 'text';

export interface FactSpec {
  name: string;
  type: FactType;
  required: boolean;
  description: string;
  unit?: string;
  /** Allowed values of a text fact. */
  options?: string[];
}

/** Facts as they arrive: yuan, percent and decimal as strings (never floats); integers as numbers or digit strings. */
export type FactValue = string | number;
export type Facts = Record<string, FactValue | undefined>;

export type Condition =
  | { id: string; kind: 'range'; fact: string; range: Range; description: string; citation: Citation }
  /** Checked by the intake officer against documents and registers; not computable from facts. */
  | { id: string; kind: 'officer-check'; description: string; citation: Citation };

export interface Cap {
  amount: Yuan;
  citation: Citation;
}

export interface Tier {
  id: string;
  description: string;
  /** Range of the basis fact this tier applies to; absent = any. */
  basis?: Range;
  /** Range of the selector fact (e.g. sales growth); absent = any. */
  selector?: Range;
  ratePercent: string;
  cap?: Yuan;
  citation: Citation;
}

export interface FormulaLine {
  id: string;
  description: string;
  citation: Citation;
}

/**
 * A share of the award paid to someone other than the applicant (001 四（二）5: 奖励20%可用于奖励团队
 * 牵头人，不高于200万元): `sharePercent` % of the award, rounded half-up to the fen, at most `cap`; the
 * applicant takes the rest. The share applies only when the payee is named: `nameFact` and
 * `accountFact` are optional text facts, given both or neither, and carry the payee's identity for
 * the payment instruction.
 */
export interface PayeeShare {
  /** Kebab-case id of the payee, e.g. 'team-leader'; never 'applicant'. */
  payee: string;
  description: string;
  sharePercent: string;
  cap?: Yuan;
  /** Text fact with the payee's name, e.g. teamLeaderName. */
  nameFact: string;
  /** Text fact with the payee's bank account for the payment instruction, e.g. teamLeaderAccount. */
  accountFact: string;
  citation: Citation;
}

/** A condition of a multi-fact tier: a range of one numeric fact. */
export interface TierCondition {
  fact: string;
  range: Range;
  description: string;
}

/** One band of a marginal-bands formula: the growth points in `selector` pay `ratePercent` % of their part. */
export interface Band {
  id: string;
  description: string;
  /** Growth points this band covers; a lower bound is required, the last band may be open above. */
  selector: Range;
  ratePercent: string;
  citation: Citation;
}

/** A basis of a unit-rate-by-category formula: a fixed rate, or a share of the actual rent (exactly one). */
export interface RateBasis {
  id: string;
  description: string;
  /** Yuan per unit and period, e.g. "5.00" (元/㎡/月). */
  rate?: Yuan;
  /** Percent of the rent fact, e.g. "50" (租金50%优惠) or "100" (免租). */
  rentSharePercent?: string;
  citation: Citation;
}

/** A category of a unit-rate-by-category formula: the bases it allows and the caps on its factors. */
export interface RateCategory {
  id: string;
  description: string;
  bases: string[];
  caps: Array<{ fact: string; max: string; description: string }>;
  /** The seed's words for the item; its quote is shown as what decided the category. */
  citation: Citation;
}

type FormulaKind =
  /** rate × basis, by the first (and only, tiers are disjoint) matching tier, capped. */
  | {
      kind: 'tiered-rate';
      basisFact: string;
      selectorFact?: string;
      tiers: Tier[];
      /** Why facts matching no tier get nothing, in the seed's terms. */
      noTierReason: string;
      cap?: Cap;
    }
  /** Named fixed amounts, one line per milestone; the award is their sum. */
  | { kind: 'fixed-milestones'; lines: Array<FormulaLine & { amount: Yuan }> }
  /** A percentage of one fact per milestone; each line rounded, the award is their sum. */
  | { kind: 'rate-of-fact-per-milestone'; basisFact: string; lines: Array<FormulaLine & { ratePercent: string }> }
  /** rate (yuan per unit per period) × Π min(factor, cap), e.g. 5元/㎡/月 × min(area, 5000) × min(months, 36). */
  | {
      kind: 'unit-rate';
      id: string;
      description: string;
      rate: Yuan;
      rateUnit: string;
      factors: Array<{ fact: string; cap?: string; description: string }>;
      cap?: Cap;
      citation: Citation;
    }
  /**
   * One unit rate of several, chosen by two text facts (001 四（二）4 用房扶持): the category the
   * applicant claims under (`categoryFact`, the seed's item) and the basis it asks for (`basisFact`):
   * a fixed rate (5元/㎡/月) or a share of the actual rent (`rentFact`, e.g. 元/㎡/月: 50 % or 100 %
   * for 场地租金50%优惠或免租). The award is rate × Π min(factor, the category's cap on it), rounded
   * half-up to the fen once. Each category allows some bases and caps some factors: the caps are
   * the category's own (item (7) has no area cap), so the difference between items is data.
   */
  | {
      kind: 'unit-rate-by-category';
      id: string;
      description: string;
      categoryFact: string;
      basisFact: string;
      /** The actual rent per unit and period (a yuan fact), for bases that pay a share of it. */
      rentFact?: string;
      rateUnit: string;
      factors: Array<{ fact: string; description: string }>;
      bases: RateBasis[];
      categories: RateCategory[];
      cap?: Cap;
      citation: Citation;
    }
  /** A fixed amount chosen by a text fact's value. */
  | {
      kind: 'fixed-by-category';
      categoryFact: string;
      categories: Array<{ id: string; description: string; amount: Yuan; citation: Citation }>;
    }
  /** One fixed (maximum) amount. */
  | { kind: 'fixed-amount'; id: string; description: string; amount: Yuan; citation: Citation }
  /**
   * Marginal bands of growth (004 四、2): the part of `basisFact` (the year's amount, e.g. the local
   * fiscal contribution) attributable to the growth points of each band pays that band's rate.
   * `attribution: 'growth-share-of-current'`: with growth g % (`selectorFact`), the year's amount is
   * 100 + g parts of which g came from growth, so the part from the growth points p..q is
   * basis × |[p, q] ∩ [0, g]| / (100 + g) — the prior year's amount times (q − p) %, when the basis
   * grew at g %. The band lines are summed unrounded and the total rounded half-up to the fen once,
   * so the award never exceeds the growth part of the basis (rates at most 100 %).
   */
  | {
      kind: 'marginal-bands';
      id: string;
      description: string;
      basisFact: string;
      selectorFact: string;
      attribution: 'growth-share-of-current';
      bands: Band[];
      cap?: Cap;
      citation: Citation;
    }
  /** `amountPerUnit` × the counted units (`countFact`), capped (004 四、6: 每增加1家……奖励10万元，最高100万元). */
  | {
      kind: 'per-unit';
      id: string;
      description: string;
      countFact: string;
      amountPerUnit: Yuan;
      /** What one counted unit is, in words. */
      unit: string;
      /** What a unit must reach to be counted (checked by the officer against invoices), e.g. ≥ 500万 invoiced (及以上). */
      unitQualifies?: { description: string; lower: Bound; unit?: string };
      cap?: Cap;
      citation: Citation;
    }
  /**
   * A rate once a basis passes a threshold (004 四、6: 采购……超过500万元的，按照采购额的2%给予补助，
   * 最高100万元). `threshold.inclusive` says whether the number itself qualifies (超过: not).
   * `rateOn: 'whole'` applies the rate to the whole basis, 'excess' to the part above the threshold.
   */
  | {
      kind: 'rate-above-threshold';
      id: string;
      description: string;
      basisFact: string;
      threshold: Bound;
      rateOn: 'whole' | 'excess';
      ratePercent: string;
      cap?: Cap;
      citation: Citation;
    }
  /**
   * Tiers selected by several facts, each tier with its own qualifying thresholds (001 四（二）5): the
   * award is the `amount` (a maximum) of the tier whose every condition holds. Tiers are disjoint:
   * for each pair, some fact's ranges do not overlap, so at most one tier can hold.
   */
  | {
      kind: 'multi-fact-tiers';
      tiers: Array<{ id: string; description: string; conditions: TierCondition[]; amount: Yuan; citation: Citation }>;
      /** Why facts meeting no tier get nothing, in the seed's terms. */
      noTierReason: string;
    };

/** A formula of one kind, with an optional split of the award among payees. */
export type Formula = FormulaKind & { split?: PayeeShare[] };

export type Disbursement =
  | { kind: 'lump-sum'; tranche: string; condition: string; citation?: Citation }
  /**
   * Phased by construction progress: tranche i becomes payable when cumulative investment reaches
   * `reachesPercent` % of `basisFact` (inclusive: 达到) and pays `sharePercent` % of the award,
   * rounded half-up to the fen; the last tranche pays the remainder so the tranches sum to the award.
   */
  | {
      kind: 'progress';
      basisFact: string;
      description: string;
      remainder: 'last-tranche';
      tranches: Array<{ id: string; reachesPercent: string; sharePercent: string }>;
      citation: Citation;
    }
  /**
   * Named milestones. Each tranche pays either the formula line it names (`formulaLine`) or a
   * share of the award (`sharePercent`, remainder to the last tranche); `progress` makes the
   * milestone a construction-progress threshold that staff verify against reported investment.
   */
  | {
      kind: 'milestones';
      remainder: 'last-tranche';
      tranches: Array<{
        id: string;
        milestone: string;
        condition: string;
        formulaLine?: string;
        sharePercent?: string;
        progress?: { basisFact: string; reachesPercent: string };
      }>;
      citation?: Citation;
    }
  /** One tranche a year: `sharesPercent[i]` % of the award in year i + 1, remainder to the last. */
  | {
      kind: 'yearly-instalments';
      years: number;
      sharesPercent: string[];
      remainder: 'last-tranche';
      condition: string;
      citation: Citation;
    };

export type FilingWindow =
  /** `note`: why all year, when the seed names no window (004 leaves its procedure to rules made later). */
  | { kind: 'all-year'; citation?: Citation; note?: string }
  /** Every year in `month` (1–12), e.g. 江海: 每年9月为申报月. */
  | { kind: 'monthly'; month: number; citation: Citation }
  /** Announced windows; each must span at least `minWorkingDays` working days when set. */
  | {
      kind: 'dates';
      windows: Array<{ round: string; opens: string; closes: string; note?: string }>;
      minWorkingDays?: number;
      citation: Citation;
    }
  /**
   * Windows announced by notice, round by round (002 第二十九条（一）: 受理时间以前海管理局发布公告为准);
   * the catalog knows only their minimum length. An admin opens each round with the announced dates.
   */
  | { kind: 'announced'; minWorkingDays: number; citation: Citation };

export interface Material {
  id: string;
  name: string;
  description?: string;
  citation?: Citation;
}

export interface ReviewSettings {
  /** On-site inspection is mandatory at or above this amount (when inclusive). */
  inspection: { amount: Yuan; inclusive: boolean; word?: string; citation: Citation };
  /** Below the threshold, this share is drawn for a spot check. */
  spotCheckRatePercent: string;
  /** Review must finish within this many calendar days of acceptance (002 第三十一条: 60日). */
  reviewDays: number;
  /** One extension of at most this many days, with a reason. */
  extensionMaxDays: number;
  citation: Citation;
}

export type ObligationKind = 'stay-in-district' | 'use-funds-for-project';

export interface Obligation {
  id: string;
  kind: ObligationKind;
  description: string;
  /** Length of a time-bound obligation. */
  years?: number;
  /** The payment its period runs from. */
  runsFrom?: 'first-payment' | 'last-payment';
  /** How the seed's words were read, when that was a choice. */
  reading?: string;
  citation: Citation;
}

export type LprTenor = '1Y' | '5Y';
export type DayCount = 'ACT/360' | 'ACT/365';
// Same literals as domain/interest.ts (RateMode, DayCount) and domain/lpr.ts (Tenor), so a program's settings pass straight through.
export type LprRateMode = 'fixed-at-decision' | 'floating';

export interface ClawbackSettings {
  tenor: LprTenor;
  dayCount: DayCount;
  rateMode: LprRateMode;
  /** Working days the applicant has to repay after the clawback decision. */
  repaymentDueWorkingDays: number;
  /** Refer to enforcement when the repayment deadline passes unsettled. */
  referOnOverdue: boolean;
  citation: Citation;
}

/** Deadlines the seeds leave to the office; settings, not law. */
export interface ProgramDeadlines {
  /** Working days after a passed preliminary record to hand in the full materials; none when absent (older catalogs). */
  formalSubmissionWorkingDays?: number;
  supplementAnswerWorkingDays: number;
  agreementSigningWorkingDays: number;
  note: string;
}

/** Cross-application caps: enforced over all of an applicant's awards in a year, not by evaluateAward. */
export interface AnnualCap {
  id: string;
  scope: 'applicant-per-program' | 'applicant-per-policy';
  amount: Yuan;
  description: string;
  citation: Citation;
}

/**
 * A limit on a quantity (months, ㎡) across one applicant's applications under the program
 * (001 四（二）4: 最长不超过36个月; 单个法人企业每年享受补助租赁面积上限为5000平方米): enforced at
 * sign-off by the applicant's entitlement entity (domain/quantity-limits.ts), not by evaluateAward,
 * which keeps its per-application min() for one application.
 */
export interface QuantityLimit {
  id: string;
  /** The numeric fact whose value an application uses up. */
  fact: string;
  max: string;
  /** Over every application of the applicant under the program, or per the round's year. */
  per: 'applicant-lifetime' | 'applicant-year';
  /** Only applications whose text fact has one of these values count and are limited; absent: all. */
  when?: { fact: string; in: string[] };
  description: string;
  citation: Citation;
}

/** What kind of support a program gives and what one application is for: double dipping is judged on it. */
export interface SupportSettings {
  /**
   * Kebab-case id of the kind of support, compared across policies for double dipping
   * ("fixed-asset-investment", "sales-growth", "rent", "rnd-platform", "drug-consistency-evaluation").
   */
  nature: string;
  /** What one application is for: one per applicant and round, or one per project / product and round (000 每品种, 002 第十一条). */
  per: 'applicant' | 'project' | 'product';
  /** For per 'project' / 'product': what the applicant names at filing, in words. Required then, absent otherwise. */
  projectLabel?: string;
  /** 'refuse' a second application for the same project and nature under another policy, or 'show-reviewer' the other application. */
  doubleDipping: 'refuse' | 'show-reviewer';
  /** The seed rule, when there is one. */
  citation?: Citation;
  /** Why, when a value is an office setting rather than a seed rule (required without a citation). */
  note?: string;
}

/** How a program's rounds are decided. */
export interface RoundSettings {
  /**
   * 'batch': the executive meeting decides the round's list in one act (POST /rounds/:id/sign-off);
   * 'single': each application is signed off on its own (POST /applications/:id/sign-off).
   */
  signOff: 'batch' | 'single';
  citation?: Citation;
  /** Why, when the value is an office setting (required without a citation). */
  note?: string;
}

export interface Program {
  id: string;
  name: string;
  nameEn: string;
  /** The policy document this program belongs to (non-duplication and policy-wide caps work per policy). */
  policy: { id: string; title: string; issuer: string };
  citation: Citation;
  filingWindow: FilingWindow;
  eligibility: Condition[];
  facts: FactSpec[];
  formula: Formula;
  disbursement: Disbursement;
  materials: Material[];
  review: ReviewSettings;
  notice: { workingDays: number; citation: Citation };
  agreement: { required: boolean; citation?: Citation; note?: string };
  obligations: Obligation[];
  deadlines: ProgramDeadlines;
  clawback: ClawbackSettings;
  annualCaps: AnnualCap[];
  /** Limits on quantities across the applicant's applications (absent: none). */
  quantityLimits?: QuantityLimit[];
  support: SupportSettings;
  rounds: RoundSettings;
  /** How the seed's words were read where that was a choice (a formula's reading, a window the seed leaves open). */
  note?: string;
}

/** The whole catalog, keyed by program id. */
export type Catalog = Record<string, Program>;

// ---------------------------------------------------------------------------------------------
// Boundaries
// ---------------------------------------------------------------------------------------------

/**
 * How 002 第三十七条（九） reads a boundary word: "不少于/不低于/不超过/以上" include the number,
 * "少于/低于/超过/以下" exclude it. Other texts may differ (民法典 第一千二百五十九条 reads 以下
 * as inclusive), so the catalog stores `inclusive` explicitly and this is only a reference.
 */
export function boundaryWordInclusive(word: string): boolean | undefined {
  const w = word.replace(/於/g, '于').replace(/過/g, '过').replace(/\s/g, '');
  if (/[（(]含[）)]$/.test(w) || w.startsWith('及')) return true;
  if (/[（(]不含[）)]$/.test(w)) return false;
  const table: Record<string, boolean> = {
    不少于: true,
    不低于: true,
    不超过: true,
    不高于: true,
    以上: true,
    // Not in 002's list; read like 以上 (刑法 第九十九条: 以上、以下、以内，包括本数). 004 四、2: 增幅在20%以内.
    以内: true,
    // Symbols, as 001 四（二）5 writes them (研究开发经费支出占主营业务收入≥3%).
    '≥': true,
    '≤': true,
    '>': false,
    '<': false,
    达到: true,
    达: true,
    '达…以上': true,
    及以上: true,
    少于: false,
    低于: false,
    超过: false,
    超: false,
    以下: false,
  };
  return Object.prototype.hasOwnProperty.call(table, w) ? table[w] : undefined;
}

function asDecimal(v: Decimal | string): Decimal {
  return typeof v === 'string' ? new Decimal(v) : v;
}

/** Whether `value` is on the allowed side of a lower bound. */
function meetsLower(value: Decimal | string, bound: Bound): boolean {
  const c = asDecimal(value).comparedTo(bound.value);
  return bound.inclusive ? c >= 0 : c > 0;
}

/** Whether `value` is on the allowed side of an upper bound. */
function meetsUpper(value: Decimal | string, bound: Bound): boolean {
  const c = asDecimal(value).comparedTo(bound.value);
  return bound.inclusive ? c <= 0 : c < 0;
}

export function inRange(value: Decimal | string, range: Range | undefined): boolean {
  if (!range) return true;
  return (!range.lower || meetsLower(value, range.lower)) && (!range.upper || meetsUpper(value, range.upper));
}

/** "≥ 1000000000.00 and < 5000000000.00" — the range in symbols, with the seed's words when known. */
export function describeRange(range: Range | undefined, unit = ''): string {
  if (!range || (!range.lower && !range.upper)) return 'any value';
  const u = unit ? ` ${unit}` : '';
  const part = (b: Bound, op: string) => `${op} ${b.value}${u}${b.word ? ` (${b.word})` : ''}`;
  const parts: string[] = [];
  if (range.lower) parts.push(part(range.lower, range.lower.inclusive ? '≥' : '>'));
  if (range.upper) parts.push(part(range.upper, range.upper.inclusive ? '≤' : '<'));
  return parts.join(' and ');
}

/** Whether two ranges share a value (treating values as real numbers). */
export function rangesOverlap(a: Range | undefined, b: Range | undefined): boolean {
  const lower = tighter(a?.lower, b?.lower, 1);
  const upper = tighter(a?.upper, b?.upper, -1);
  if (!lower || !upper) return true;
  const c = new Decimal(lower.value).comparedTo(upper.value);
  return c < 0 || (c === 0 && lower.inclusive && upper.inclusive);
}

/** The more restrictive of two bounds on the same side (direction 1 = lower, -1 = upper). */
function tighter(x: Bound | undefined, y: Bound | undefined, direction: 1 | -1): Bound | undefined {
  if (!x) return y;
  if (!y) return x;
  const c = new Decimal(x.value).comparedTo(y.value) * direction;
  if (c > 0) return x;
  if (c < 0) return y;
  return { value: x.value, inclusive: x.inclusive && y.inclusive };
}

// ---------------------------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------------------------

const DECIMAL_PATTERN = /^-?(0|[1-9]\d*)(\.\d+)?$/;
/** A decimal fact within reason (an area, a percentage): no 40-digit values. */
const SANE_DECIMAL = /^-?\d{1,15}(\.\d{1,10})?$/;

/** Why a single fact value does not fit its spec, or null. */
export function factValueProblem(spec: FactSpec, value: FactValue): string | null {
  switch (spec.type) {
    case 'yuan': {
      const p = statedYuanProblem(value);
      return p ? `${spec.name} ${p}` : null;
    }
    case 'percent':
    case 'decimal':
      if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) {
        return `${spec.name} must be a decimal string such as "15" or "12.5" (not a JSON number: no binary floats)`;
      }
      if (spec.type === 'decimal' && value.startsWith('-')) return `${spec.name} must not be negative`;
      if (!SANE_DECIMAL.test(value)) return `${spec.name} must have at most 15 digits before the decimal point and 10 after`;
      return null;
    case 'integer': {
      const whole = typeof value === 'number' ? value : typeof value === 'string' && /^(0|[1-9]\d*)$/.test(value) ? Number(value) : NaN;
      return Number.isSafeInteger(whole) && whole >= 0 ? null : `${spec.name} must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`;
    }
    case 'text': {
      if (typeof value !== 'string' || value.trim() === '') return `${spec.name} must be a non-empty string`;
      const p = textProblem(value);
      if (p) return `${spec.name} ${p}`;
      if (spec.options && !spec.options.includes(value)) return `${spec.name} must be one of ${spec.options.join(', ')}, got ${JSON.stringify(value)}`;
      return null;
    }
  }
}

/** Every reason the facts cannot be evaluated for `program`: missing, malformed or unknown facts. */
export function factProblems(program: Program, facts: Facts): string[] {
  const problems: string[] = [];
  if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) return ['facts must be an object'];
  for (const spec of program.facts) {
    const value = facts[spec.name];
    if (value === undefined || value === null) {
      if (spec.required) problems.push(`${spec.name} is required (${spec.description})`);
      continue;
    }
    const p = factValueProblem(spec, value);
    if (p) problems.push(p);
  }
  for (const name of Object.keys(facts)) {
    if (!program.facts.some((f) => f.name === name)) problems.push(`${name} is not a fact of ${program.id}`);
  }
  return problems;
}

/**
 * A payee named by half: its name without its account, or the reverse. Checked with the award, not
 * in factProblems, which matches each fact on its own (the per-program facts JSON schema does too).
 */
function payeeIdentityProblems(program: Program, facts: Facts): string[] {
  return (program.formula.split ?? []).flatMap((share) => {
    const given = [share.nameFact, share.accountFact].filter((n) => facts[n] !== undefined && facts[n] !== null);
    return given.length === 1 ? [`${share.nameFact} and ${share.accountFact} name the ${share.payee} together: give both or neither`] : [];
  });
}

/** A fact as the applicant gave it, for breakdown inputs (no reformatting an auditor must undo). */
function shown(facts: Facts, name: string): string {
  return String(facts[name]);
}

function numericFact(facts: Facts, name: string): Decimal {
  const v = facts[name];
  // factProblems ran first, so a required numeric fact is present and well-formed here.
  return new Decimal(String(v));
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/** Names the rule behind an answer. */
export interface RuleRef {
  programId: string;
  ruleId: string;
  citation: string;
}

export interface BreakdownStep {
  rule: RuleRef;
  description: string;
  inputs: Record<string, string>;
  result: string;
  /** What the step decided, for the explanation of an award preview (set by the newer formula kinds and payee splits). */
  explains?: StepExplanation;
}

/** One bound a fact was compared against, with the seed's word, and whether the fact met it. */
export interface BoundaryCheck {
  /** The tier the bound belongs to, for a multi-fact tier selection. */
  tier?: string;
  fact: string;
  value: string;
  side: 'lower' | 'upper';
  bound: Bound;
  met: boolean;
}

/**
 * The explanation of an award, step by step: the tier or band chosen and the boundary words that
 * decided it, a threshold passed or not, each cap and whether it cut the amount, each payee's part.
 */
export type StepExplanation =
  | { kind: 'tier'; chosen: string | null; boundaries: BoundaryCheck[] }
  | { kind: 'band'; band: string; reached: boolean; boundaries: BoundaryCheck[]; part: string }
  | { kind: 'threshold'; boundaries: BoundaryCheck[] }
  | { kind: 'cap'; cap: Yuan; applied: boolean }
  | { kind: 'payee'; payee: string; amount: Yuan }
  /** The category (the seed's item) and basis chosen, and the seed's words for that item. */
  | { kind: 'category'; category: string; basis?: string; words: string }
  /** A cap on a quantity fact (㎡, months) used by the formula, and whether it cut the fact. */
  | { kind: 'quantity-cap'; fact: string; cap: string; applied: boolean };

/**
 * How an evaluation is asked for. `explain`: every step also says what it decided (`explains`),
 * for an award preview; without it the older formula kinds' steps stay exactly as running
 * applications recorded them (the newer kinds always explain).
 */
export interface EvaluationOptions {
  explain?: boolean;
}

/** 'applicant', or the id of a payee share (PayeeShare.payee). */
export interface PayeePart {
  payee: string;
  description: string;
  amount: Yuan;
  /** The payee's name and account, from the facts (absent for the applicant, who is paid as filed). */
  identity?: { name: string; account: string };
}

export type TrancheTrigger =
  | { kind: 'after-notice' }
  | { kind: 'progress'; fact: string; reachesPercent: string; thresholdAmount: Yuan }
  | { kind: 'milestone'; milestone: string }
  | { kind: 'year'; index: number };

export interface ScheduleLine {
  tranche: string;
  milestone: string;
  condition: string;
  amount: Yuan;
  trigger: TrancheTrigger;
  rule: RuleRef;
  /** Who this line pays, when the formula splits the award ('applicant' or a payee id); absent otherwise. */
  payee?: string;
  /** The payee's name and account, from the facts, for a line that does not pay the applicant. */
  payeeIdentity?: { name: string; account: string };
}

export interface AwardEvaluation {
  programId: string;
  eligible: boolean;
  reason?: string;
  /** The rule that made the facts ineligible. */
  failedRule?: RuleRef;
  /** The most the formula allows ("0.00" when ineligible); a reviewer recommends at most this. */
  amount: Yuan;
  /** The cap that bounded the amount, when one applied. */
  cap?: Yuan;
  breakdown: BreakdownStep[];
  schedule: ScheduleLine[];
  /** Conditions the intake officer checks from documents and registers. */
  officerChecks: Array<{ rule: RuleRef; description: string }>;
  /** Malformed or missing facts, when that is why the facts are ineligible. */
  factProblems?: string[];
  /** Who is paid what, summing exactly to `amount`: set when the formula splits the award (`split`). */
  payees?: PayeePart[];
}

function citationText(c: Citation): string {
  return `${c.seed} ${c.section}`;
}

function ref(program: Program, ruleId: string, citation: Citation): RuleRef {
  return { programId: program.id, ruleId, citation: citationText(citation) };
}

function factUnit(program: Program, name: string): string {
  return program.facts.find((f) => f.name === name)?.unit ?? '';
}

interface Line {
  id: string;
  amount: Decimal; // already rounded to the fen
}

/** The result when facts do not qualify: not an exception, a reasoned answer. */
function ineligible(
  program: Program,
  reason: string,
  breakdown: BreakdownStep[],
  officerChecks: AwardEvaluation['officerChecks'],
  failedRule?: RuleRef,
  problems?: string[],
): AwardEvaluation {
  return {
    programId: program.id,
    eligible: false,
    reason,
    ...(failedRule ? { failedRule } : {}),
    amount: '0.00',
    breakdown,
    schedule: [],
    officerChecks,
    ...(problems ? { factProblems: problems } : {}),
  };
}

/**
 * The award the facts qualify for under `program`, how it was computed, and how it is paid.
 * Never throws for ineligible or malformed facts: `eligible: false` says why.
 */
export function evaluateAward(program: Program, facts: Facts, options: EvaluationOptions = {}): AwardEvaluation {
  return evaluate(program, facts, options).evaluation;
}

function evaluate(program: Program, facts: Facts, options: EvaluationOptions = {}): { evaluation: AwardEvaluation; lines: Line[] } {
  const explain = options.explain === true;
  const breakdown: BreakdownStep[] = [];
  const officerChecks = program.eligibility.flatMap((c) =>
    c.kind === 'officer-check' ? [{ rule: ref(program, c.id, c.citation), description: c.description }] : [],
  );
  const no = (reason: string, failedRule?: RuleRef, problems?: string[]) => ({
    evaluation: ineligible(program, reason, breakdown, officerChecks, failedRule, problems),
    lines: [],
  });

  const problems = factProblems(program, facts);
  if (problems.length === 0) problems.push(...payeeIdentityProblems(program, facts));
  if (problems.length > 0) return no(`facts cannot be evaluated: ${problems.join('; ')}`, undefined, problems);

  for (const c of program.eligibility) {
    if (c.kind !== 'range') continue;
    const value = numericFact(facts, c.fact);
    const ok = inRange(value, c.range);
    const r = ref(program, c.id, c.citation);
    const wanted = describeRange(c.range, factUnit(program, c.fact));
    breakdown.push({
      rule: r,
      description: c.description,
      inputs: { [c.fact]: shown(facts, c.fact), required: wanted },
      result: ok ? 'met' : 'not met',
      ...(explain ? { explains: { kind: 'threshold' as const, boundaries: boundaryChecks(c.fact, value, shown(facts, c.fact), c.range) } } : {}),
    });
    if (!ok) return no(`${c.description}: ${c.fact} ${shown(facts, c.fact)} is not ${wanted}`, r);
  }

  const computed = computeFormula(program, facts, breakdown, explain);
  if ('ineligible' in computed) return no(computed.ineligible, computed.rule);

  const amount = computed.lines.reduce((acc, l) => acc.plus(l.amount), new Decimal(0));
  if (amount.isZero()) return no('the formula gives no award (0.00) for these facts');
  const award = formatYuan(amount);
  const payees = payeeParts(program, facts, award, breakdown);
  return {
    evaluation: {
      programId: program.id,
      eligible: true,
      amount: award,
      ...(computed.cap ? { cap: computed.cap } : {}),
      breakdown,
      schedule: scheduleFor(program, facts, award, computed.lines),
      officerChecks,
      ...(payees ? { payees } : {}),
    },
    lines: computed.lines,
  };
}

/** The program's schedule for `award`, one line per payee and tranche when the formula splits the award. */
function scheduleFor(program: Program, facts: Facts, award: Yuan, lines: Line[]): ScheduleLine[] {
  const schedule = buildSchedule(program, facts, award, lines);
  const parts = payeeParts(program, facts, award, []);
  return parts ? splitScheduleByPayee(schedule, parts) : schedule;
}

/**
 * Who is paid what out of `award` when the formula has a `split`, else undefined. Each named payee
 * gets its share rounded half-up to the fen, at most its cap and at most what is left; the
 * applicant takes the rest, so the parts sum exactly to the award. An unnamed payee gets nothing.
 */
function payeeParts(program: Program, facts: Facts, award: Yuan, breakdown: BreakdownStep[]): PayeePart[] | undefined {
  const split = program.formula.split;
  if (!split) return undefined;
  const total = parseYuan(award);
  let others = new Decimal(0);
  const parts: PayeePart[] = [];
  for (const share of split) {
    const r = ref(program, share.payee, share.citation);
    const name = facts[share.nameFact];
    const account = facts[share.accountFact];
    if (name === undefined || name === null || account === undefined || account === null) {
      breakdown.push({
        rule: r,
        description: `${share.description}: no ${share.payee} named`,
        inputs: { [share.nameFact]: '(not given)' },
        result: `0.00 (the applicant keeps the ${share.sharePercent} %)`,
        explains: { kind: 'payee', payee: share.payee, amount: '0.00' },
      });
      continue;
    }
    const raw = total.times(share.sharePercent).dividedBy(100);
    let amount = roundFen(raw);
    breakdown.push({
      rule: r,
      description: `${share.description}: ${share.sharePercent} % of the award`,
      inputs: { award, sharePercent: share.sharePercent, unrounded: raw.toFixed() },
      result: formatYuan(amount),
    });
    if (share.cap !== undefined) amount = applyCap(program, breakdown, share.payee, share.citation, amount, share.cap, true).amount;
    // Shares add up to less than 100 % (programProblems); this keeps rounding from taking more than is left.
    amount = Decimal.min(amount, total.minus(others));
    others = others.plus(amount);
    const part = formatYuan(amount);
    breakdown.push({
      rule: r,
      description: `paid to the ${share.payee}: ${String(name)}`,
      inputs: { [share.nameFact]: String(name), [share.accountFact]: String(account) },
      result: part,
      explains: { kind: 'payee', payee: share.payee, amount: part },
    });
    parts.push({ payee: share.payee, description: share.description, amount: part, identity: { name: String(name), account: String(account) } });
  }
  const rest = formatYuan(total.minus(others));
  breakdown.push({
    rule: ref(program, 'applicant', program.citation),
    description: 'paid to the applicant: the rest of the award',
    inputs: { award, ...Object.fromEntries(parts.map((p) => [p.payee, p.amount])) },
    result: rest,
    explains: { kind: 'payee', payee: 'applicant', amount: rest },
  });
  return [{ payee: 'applicant', description: 'the applicant: the rest of the award', amount: rest }, ...parts];
}

/**
 * One schedule line per payee and tranche: each payee's part is spread over the tranches in
 * proportion to their amounts (cumulative amounts rounded down to the fen, the last tranche taking
 * the remainder, then any tranche overfilled by rounding hands fen to tranches with room), and the
 * applicant takes the rest of each tranche. Lines of 0.00 are left out. The applicant's line keeps
 * the tranche id; a payee's line is `<tranche>-<payee>` with the same milestone and trigger.
 */
function splitScheduleByPayee(lines: ScheduleLine[], parts: PayeePart[]): ScheduleLine[] {
  const amounts = lines.map((l) => parseYuan(l.amount));
  const total = amounts.reduce((a, b) => a.plus(b), new Decimal(0));
  const others = parts.filter((p) => p.payee !== 'applicant');
  const cells = others.map((p) => {
    const part = parseYuan(p.amount);
    let running = new Decimal(0);
    let given = new Decimal(0);
    return amounts.map((a, i) => {
      running = running.plus(a);
      const upTo = i === amounts.length - 1 ? part : part.times(running).dividedBy(total).toDecimalPlaces(2, Decimal.ROUND_DOWN);
      const cell = upTo.minus(given);
      given = upTo;
      return cell;
    });
  });
  const room = (i: number) => cells.reduce((acc, row) => acc.minus(row[i]!), amounts[i]!);
  for (let i = 0; i < amounts.length; i++) {
    for (const row of cells) {
      let excess = Decimal.min(room(i).negated(), row[i]!);
      for (let j = 0; excess.greaterThan(0) && j < amounts.length; j++) {
        if (j === i) continue;
        const move = Decimal.min(excess, room(j));
        if (move.lessThanOrEqualTo(0)) continue;
        row[i] = row[i]!.minus(move);
        row[j] = row[j]!.plus(move);
        excess = excess.minus(move);
      }
    }
  }
  return lines.flatMap((line, i) => {
    const out: ScheduleLine[] = [{ ...line, amount: formatYuan(room(i)), payee: 'applicant' }];
    others.forEach((p, k) => {
      out.push({
        ...line,
        tranche: `${line.tranche}-${p.payee}`,
        condition: `${line.condition} — ${p.description}: ${p.identity?.name ?? p.payee}`,
        amount: formatYuan(cells[k]![i]!),
        payee: p.payee,
        ...(p.identity ? { payeeIdentity: p.identity } : {}),
      });
    });
    return out.filter((l) => parseYuan(l.amount).greaterThan(0));
  });
}

/**
 * The disbursement schedule for the amount actually approved, which may be below the formula's
 * (a reviewer recommends at most the formula amount, the government approves at most that, and a
 * budget shortfall scales awards pro rata, 002 第五条). Shares apply to the approved amount; fixed
 * milestone lines are scaled in proportion, each rounded half-up, the last taking the remainder.
 * Throws RangeError when the facts are ineligible or the amount exceeds what the formula allows.
 */
export function disbursementSchedule(program: Program, facts: Facts, approvedAmount: Yuan): ScheduleLine[] {
  const { evaluation, lines } = evaluate(program, facts);
  if (!evaluation.eligible) throw new RangeError(`no schedule: ${evaluation.reason}`);
  const approved = parseYuan(approvedAmount);
  if (approved.isZero()) throw new RangeError('no schedule for an approved amount of 0.00');
  if (approved.greaterThan(parseYuan(evaluation.amount))) {
    throw new RangeError(`approved amount ${approvedAmount} exceeds the ${evaluation.amount} the formula allows`);
  }
  return scheduleFor(program, facts, formatYuan(approved), lines);
}

type Computed = { lines: Line[]; cap?: Yuan } | { ineligible: string; rule?: RuleRef };

/** Applies a cap to a rounded line, recording the step; returns the capped amount. */
function applyCap(
  program: Program,
  breakdown: BreakdownStep[],
  ruleId: string,
  citation: Citation,
  amount: Decimal,
  cap: Yuan,
  explain = false,
): { amount: Decimal; capped: boolean } {
  const c = parseYuan(cap);
  const capped = amount.greaterThan(c);
  breakdown.push({
    rule: ref(program, ruleId, citation),
    description: `cap: at most ${cap}`,
    inputs: { computed: formatYuan(amount), cap },
    result: capped ? `capped to ${cap}` : `${formatYuan(amount)} (within the cap)`,
    // The older kinds' steps stay exactly as recorded in running applications' histories.
    ...(explain ? { explains: { kind: 'cap' as const, cap, applied: capped } } : {}),
  });
  return { amount: capped ? c : amount, capped };
}

/** The bounds of `range` that `value` of `fact` was compared against, each with whether it was met. */
function boundaryChecks(fact: string, value: Decimal, given: string, range: Range | undefined, tier?: string): BoundaryCheck[] {
  const out: BoundaryCheck[] = [];
  const base = { ...(tier !== undefined ? { tier } : {}), fact, value: given };
  if (range?.lower) out.push({ ...base, side: 'lower', bound: range.lower, met: meetsLower(value, range.lower) });
  if (range?.upper) out.push({ ...base, side: 'upper', bound: range.upper, met: meetsUpper(value, range.upper) });
  return out;
}

/** `explain`: the older kinds' steps say what they decided too (EvaluationOptions). */
function computeFormula(program: Program, facts: Facts, breakdown: BreakdownStep[], explain: boolean): Computed {
  const f = program.formula;
  switch (f.kind) {
    case 'tiered-rate': {
      const basis = numericFact(facts, f.basisFact);
      const selector = f.selectorFact !== undefined ? numericFact(facts, f.selectorFact) : undefined;
      const tier = f.tiers.find((t) => inRange(basis, t.basis) && (selector === undefined || inRange(selector, t.selector)));
      // The bounds of each tier tried, up to the one chosen: the words that decided it.
      const tried = f.tiers.slice(0, tier ? f.tiers.indexOf(tier) + 1 : f.tiers.length);
      const boundaries = tried.flatMap((t) => [
        ...boundaryChecks(f.basisFact, basis, shown(facts, f.basisFact), t.basis, t.id),
        ...(selector !== undefined && f.selectorFact ? boundaryChecks(f.selectorFact, selector, shown(facts, f.selectorFact), t.selector, t.id) : []),
      ]);
      const tierExplains = (chosen: string | null) => (explain ? { explains: { kind: 'tier' as const, chosen, boundaries } } : {});
      const inputs: Record<string, string> = { [f.basisFact]: shown(facts, f.basisFact) };
      if (f.selectorFact !== undefined) inputs[f.selectorFact] = shown(facts, f.selectorFact);
      if (!tier) {
        const rule = ref(program, 'tiers', f.tiers[0]?.citation ?? program.citation);
        breakdown.push({
          rule,
          description: 'tier selection',
          inputs: {
            ...inputs,
            tiers: f.tiers
              .map((t) => `${t.id}: ${f.basisFact} ${describeRange(t.basis)}${t.selector && f.selectorFact ? `, ${f.selectorFact} ${describeRange(t.selector)}` : ''}`)
              .join('; '),
          },
          result: 'no tier applies',
          ...tierExplains(null),
        });
        return { ineligible: f.noTierReason, rule };
      }
      const tierRef = ref(program, tier.id, tier.citation);
      breakdown.push({
        rule: tierRef,
        description: `tier selection: ${tier.description}`,
        inputs: {
          ...inputs,
          [`${f.basisFact} range`]: describeRange(tier.basis, factUnit(program, f.basisFact)),
          ...(f.selectorFact ? { [`${f.selectorFact} range`]: describeRange(tier.selector, factUnit(program, f.selectorFact)) } : {}),
        },
        result: tier.id,
        ...tierExplains(tier.id),
      });
      const raw = basis.times(tier.ratePercent).dividedBy(100);
      let amount = roundFen(raw);
      breakdown.push({
        rule: tierRef,
        description: `${tier.ratePercent} % of ${f.basisFact}`,
        inputs: { [f.basisFact]: shown(facts, f.basisFact), ratePercent: tier.ratePercent, unrounded: raw.toFixed() },
        result: formatYuan(amount),
      });
      let cap: Yuan | undefined;
      if (tier.cap !== undefined) {
        const r = applyCap(program, breakdown, tier.id, tier.citation, amount, tier.cap, explain);
        amount = r.amount;
        cap = tier.cap;
      }
      if (f.cap) {
        const r = applyCap(program, breakdown, 'cap', f.cap.citation, amount, f.cap.amount, explain);
        amount = r.amount;
        if (cap === undefined || parseYuan(f.cap.amount).lessThan(parseYuan(cap))) cap = f.cap.amount;
      }
      return { lines: [{ id: tier.id, amount }], ...(cap !== undefined ? { cap } : {}) };
    }

    case 'fixed-milestones': {
      const lines = f.lines.map((l) => {
        breakdown.push({ rule: ref(program, l.id, l.citation), description: l.description, inputs: { amount: l.amount }, result: l.amount });
        return { id: l.id, amount: parseYuan(l.amount) };
      });
      return { lines };
    }

    case 'rate-of-fact-per-milestone': {
      const basis = numericFact(facts, f.basisFact);
      const lines = f.lines.map((l) => {
        const raw = basis.times(l.ratePercent).dividedBy(100);
        const amount = roundFen(raw);
        breakdown.push({
          rule: ref(program, l.id, l.citation),
          description: `${l.description}: ${l.ratePercent} % of ${f.basisFact}`,
          inputs: { [f.basisFact]: shown(facts, f.basisFact), ratePercent: l.ratePercent, unrounded: raw.toFixed() },
          result: formatYuan(amount),
        });
        return { id: l.id, amount };
      });
      return { lines };
    }

    case 'unit-rate': {
      const inputs: Record<string, string> = { rate: `${f.rate} ${f.rateUnit}` };
      let raw = parseYuan(f.rate);
      for (const factor of f.factors) {
        const value = numericFact(facts, factor.fact);
        const used = factor.cap !== undefined && value.greaterThan(factor.cap) ? new Decimal(factor.cap) : value;
        inputs[factor.fact] = shown(facts, factor.fact);
        if (factor.cap !== undefined) inputs[`${factor.fact} used (at most ${factor.cap})`] = used.toFixed();
        raw = raw.times(used);
      }
      let amount = roundFen(raw);
      const rule = ref(program, f.id, f.citation);
      if (explain) for (const factor of f.factors) if (factor.cap !== undefined) quantityCapStep(breakdown, rule, factor.fact, shown(facts, factor.fact), factor.cap, factor.description);
      breakdown.push({
        rule,
        description: f.description,
        inputs: { ...inputs, unrounded: raw.toFixed() },
        result: formatYuan(amount),
      });
      if (f.cap) amount = applyCap(program, breakdown, 'cap', f.cap.citation, amount, f.cap.amount, explain).amount;
      return { lines: [{ id: f.id, amount }], ...(f.cap ? { cap: f.cap.amount } : {}) };
    }

    case 'fixed-by-category': {
      const value = facts[f.categoryFact];
      const category = f.categories.find((c) => c.id === value);
      if (!category) {
        // factProblems checks options; this guards a catalog whose options and categories diverge.
        return { ineligible: `${f.categoryFact} ${JSON.stringify(value)} is not an eligible category` };
      }
      breakdown.push({
        rule: ref(program, category.id, category.citation),
        description: category.description,
        inputs: { [f.categoryFact]: category.id },
        result: category.amount,
        ...(explain ? { explains: { kind: 'category' as const, category: category.id, words: category.citation.quote ?? category.citation.section } } : {}),
      });
      return { lines: [{ id: category.id, amount: parseYuan(category.amount) }] };
    }

    case 'fixed-amount': {
      breakdown.push({ rule: ref(program, f.id, f.citation), description: f.description, inputs: {}, result: f.amount });
      return { lines: [{ id: f.id, amount: parseYuan(f.amount) }] };
    }

    case 'marginal-bands':
      return marginalBands(program, f, facts, breakdown);
    case 'per-unit':
      return perUnit(program, f, facts, breakdown);
    case 'rate-above-threshold':
      return rateAboveThreshold(program, f, facts, breakdown);
    case 'multi-fact-tiers':
      return multiFactTiers(program, f, facts, breakdown);
    case 'unit-rate-by-category':
      return unitRateByCategory(program, f, facts, breakdown);
  }
}

type FormulaOf<K extends Formula['kind']> = Extract<Formula, { kind: K }>;

/** Applies an optional formula-wide cap with its explanation; returns the line. */
function cappedLine(program: Program, breakdown: BreakdownStep[], id: string, amount: Decimal, cap: Cap | undefined): Computed {
  if (!cap) return { lines: [{ id, amount }] };
  const r = applyCap(program, breakdown, 'cap', cap.citation, amount, cap.amount, true);
  return { lines: [{ id, amount: r.amount }], cap: cap.amount };
}

function marginalBands(program: Program, f: FormulaOf<'marginal-bands'>, facts: Facts, breakdown: BreakdownStep[]): Computed {
  const basis = numericFact(facts, f.basisFact);
  const growth = numericFact(facts, f.selectorFact);
  const given = { [f.basisFact]: shown(facts, f.basisFact), [f.selectorFact]: shown(facts, f.selectorFact) };
  let total = new Decimal(0);
  for (const band of f.bands) {
    // programProblems: every band has a lower bound of at least 0, so a positive width means growth > 0.
    const from = new Decimal(band.selector.lower!.value);
    const to = band.selector.upper ? Decimal.min(growth, band.selector.upper.value) : growth;
    const width = Decimal.max(0, to.minus(from));
    const part = width.isZero() ? new Decimal(0) : basis.times(width).dividedBy(growth.plus(100));
    const paid = part.times(band.ratePercent).dividedBy(100);
    total = total.plus(paid);
    breakdown.push({
      rule: ref(program, band.id, band.citation),
      description: `${band.description}: ${band.ratePercent} % of the part of ${f.basisFact} from growth points ${describeRange(band.selector, '%')}`,
      inputs: {
        ...given,
        'growth points in the band': width.toFixed(),
        [`part of ${f.basisFact} (× points / (100 + growth))`]: part.toFixed(),
        ratePercent: band.ratePercent,
      },
      result: paid.toFixed(),
      explains: {
        kind: 'band',
        band: band.id,
        reached: inRange(growth, band.selector),
        boundaries: boundaryChecks(f.selectorFact, growth, shown(facts, f.selectorFact), band.selector),
        part: paid.toFixed(),
      },
    });
  }
  const amount = roundFen(total);
  breakdown.push({
    rule: ref(program, f.id, f.citation),
    description: `${f.description} (the bands summed, rounded half-up to the fen once)`,
    inputs: { ...given, unrounded: total.toFixed() },
    result: formatYuan(amount),
  });
  return cappedLine(program, breakdown, f.id, amount, f.cap);
}

function perUnit(program: Program, f: FormulaOf<'per-unit'>, facts: Facts, breakdown: BreakdownStep[]): Computed {
  const count = numericFact(facts, f.countFact);
  const amount = roundFen(parseYuan(f.amountPerUnit).times(count));
  const q = f.unitQualifies;
  breakdown.push({
    rule: ref(program, f.id, f.citation),
    description: `${f.description}: ${f.amountPerUnit} per ${f.unit}`,
    inputs: {
      [f.countFact]: shown(facts, f.countFact),
      amountPerUnit: f.amountPerUnit,
      ...(q ? { 'a unit counts when': `${q.description} ${describeRange({ lower: q.lower }, q.unit)}` } : {}),
    },
    result: formatYuan(amount),
  });
  return cappedLine(program, breakdown, f.id, amount, f.cap);
}

function rateAboveThreshold(program: Program, f: FormulaOf<'rate-above-threshold'>, facts: Facts, breakdown: BreakdownStep[]): Computed {
  const basis = numericFact(facts, f.basisFact);
  const r = ref(program, f.id, f.citation);
  const wanted = describeRange({ lower: f.threshold }, factUnit(program, f.basisFact));
  const check = boundaryChecks(f.basisFact, basis, shown(facts, f.basisFact), { lower: f.threshold });
  const passed = check.every((c) => c.met);
  breakdown.push({
    rule: r,
    description: `threshold: ${f.basisFact} ${wanted}`,
    inputs: { [f.basisFact]: shown(facts, f.basisFact), required: wanted },
    result: passed ? 'passed' : 'not passed',
    explains: { kind: 'threshold', boundaries: check },
  });
  if (!passed) return { ineligible: `${f.description}: ${f.basisFact} ${shown(facts, f.basisFact)} is not ${wanted}`, rule: r };
  const on = f.rateOn === 'whole' ? basis : basis.minus(f.threshold.value);
  const raw = on.times(f.ratePercent).dividedBy(100);
  const amount = roundFen(raw);
  breakdown.push({
    rule: r,
    description: `${f.description}: ${f.ratePercent} % of ${f.rateOn === 'whole' ? `the whole ${f.basisFact}` : `the part of ${f.basisFact} above ${f.threshold.value}`}`,
    inputs: { [f.basisFact]: shown(facts, f.basisFact), rateOn: f.rateOn, ratePercent: f.ratePercent, unrounded: raw.toFixed() },
    result: formatYuan(amount),
  });
  return cappedLine(program, breakdown, f.id, amount, f.cap);
}

function multiFactTiers(program: Program, f: FormulaOf<'multi-fact-tiers'>, facts: Facts, breakdown: BreakdownStep[]): Computed {
  const facts_ = [...new Set(f.tiers.flatMap((t) => t.conditions.map((c) => c.fact)))];
  const inputs = Object.fromEntries(facts_.map((n) => [n, shown(facts, n)]));
  const tried = f.tiers.map((t) => {
    const checks = t.conditions.flatMap((c) => boundaryChecks(c.fact, numericFact(facts, c.fact), shown(facts, c.fact), c.range, t.id));
    return { tier: t, checks, met: checks.every((c) => c.met) };
  });
  const hit = tried.find((x) => x.met);
  const missed = (x: (typeof tried)[number]) =>
    x.checks
      .filter((c) => !c.met)
      .map((c) => `${c.fact} ${c.value} not ${describeRange({ [c.side]: c.bound })}`)
      .join(', ');
  if (!hit) {
    const rule = ref(program, 'tiers', f.tiers[0]?.citation ?? program.citation);
    breakdown.push({
      rule,
      description: 'tier selection',
      inputs: { ...inputs, tiers: tried.map((x) => `${x.tier.id}: ${missed(x)}`).join('; ') },
      result: 'no tier applies',
      explains: { kind: 'tier', chosen: null, boundaries: tried.flatMap((x) => x.checks.filter((c) => !c.met)) },
    });
    return { ineligible: f.noTierReason, rule };
  }
  const t = hit.tier;
  const rule = ref(program, t.id, t.citation);
  breakdown.push({
    rule,
    description: `tier selection: ${t.description}`,
    inputs: {
      ...inputs,
      [`${t.id} conditions`]: t.conditions.map((c) => `${c.fact} ${describeRange(c.range, factUnit(program, c.fact))}`).join('; '),
      'other tiers': tried.filter((x) => x !== hit).map((x) => `${x.tier.id}: ${missed(x)}`).join('; ') || 'none',
    },
    result: t.id,
    // The chosen tier's bounds, all met, and the bounds that ruled out every other tier.
    explains: { kind: 'tier', chosen: t.id, boundaries: tried.flatMap((x) => (x === hit ? x.checks : x.checks.filter((c) => !c.met))) },
  });
  breakdown.push({ rule, description: `the amount of tier ${t.id} (a maximum: the reviewer recommends at most this)`, inputs: { tier: t.id }, result: t.amount });
  return { lines: [{ id: t.id, amount: parseYuan(t.amount) }] };
}

function unitRateByCategory(program: Program, f: FormulaOf<'unit-rate-by-category'>, facts: Facts, breakdown: BreakdownStep[]): Computed {
  // factProblems checked both text facts against their options, which programProblems ties to the ids.
  const category = f.categories.find((c) => c.id === facts[f.categoryFact]);
  const basis = f.bases.find((b) => b.id === facts[f.basisFact]);
  if (!category || !basis) return { ineligible: `${f.categoryFact} and ${f.basisFact} must name a category and a basis of the formula` };
  const rule = ref(program, category.id, category.citation);
  const words = category.citation.quote ?? category.citation.section;
  breakdown.push({
    rule,
    description: `category: ${category.description}`,
    inputs: { [f.categoryFact]: category.id, [f.basisFact]: basis.id, 'bases of the category': category.bases.join(', '), 'seed words': words },
    result: category.bases.includes(basis.id) ? `${category.id}, ${basis.id}` : `${basis.id} is not a basis of ${category.id}`,
    explains: { kind: 'category', category: category.id, basis: basis.id, words },
  });
  if (!category.bases.includes(basis.id)) {
    return { ineligible: `${category.description}: ${f.basisFact} ${basis.id} is not available under this item, which allows ${category.bases.join(' or ')}`, rule };
  }
  const inputs: Record<string, string> = {};
  let raw: Decimal;
  if (basis.rentSharePercent !== undefined) {
    // programProblems: a basis that shares the rent needs the formula's rentFact.
    const rent = numericFact(facts, f.rentFact!);
    raw = rent.times(basis.rentSharePercent).dividedBy(100);
    inputs[f.rentFact!] = shown(facts, f.rentFact!);
    inputs.rate = `${basis.rentSharePercent} % of ${f.rentFact} = ${raw.toFixed()} ${f.rateUnit}`;
  } else {
    raw = parseYuan(basis.rate!);
    inputs.rate = `${basis.rate} ${f.rateUnit}`;
  }
  for (const factor of f.factors) {
    const value = numericFact(facts, factor.fact);
    const cap = category.caps.find((c) => c.fact === factor.fact);
    const used = cap !== undefined && value.greaterThan(cap.max) ? new Decimal(cap.max) : value;
    inputs[factor.fact] = shown(facts, factor.fact);
    if (cap !== undefined) {
      inputs[`${factor.fact} used (at most ${cap.max})`] = used.toFixed();
      quantityCapStep(breakdown, rule, factor.fact, shown(facts, factor.fact), cap.max, `${category.id}: at most ${cap.max}`);
    }
    raw = raw.times(used);
  }
  const amount = roundFen(raw);
  breakdown.push({
    rule: ref(program, basis.id, basis.citation),
    description: `${f.description}: ${basis.description}`,
    inputs: { ...inputs, unrounded: raw.toFixed() },
    result: formatYuan(amount),
  });
  return cappedLine(program, breakdown, f.id, amount, f.cap);
}

/** A step for a cap on a quantity fact (㎡, months): the value given, the cap, and whether it cut. */
function quantityCapStep(breakdown: BreakdownStep[], rule: RuleRef, fact: string, given: string, cap: string, description: string): void {
  const applied = new Decimal(given).greaterThan(cap);
  breakdown.push({
    rule,
    description: `cap on ${fact}: ${description}`,
    inputs: { [fact]: given, cap },
    result: applied ? `${fact} capped to ${cap}` : `${given} (within the cap)`,
    explains: { kind: 'quantity-cap', fact, cap, applied },
  });
}

/** Splits `award` by percentage shares, rounding each half-up to the fen; the last takes the remainder. */
export function splitByShares(award: Yuan, sharesPercent: readonly string[]): Yuan[] {
  const total = parseYuan(award);
  let paid = new Decimal(0);
  return sharesPercent.map((share, i) => {
    const amount = i === sharesPercent.length - 1 ? total.minus(paid) : roundFen(total.times(share).dividedBy(100));
    paid = paid.plus(amount);
    return formatYuan(amount);
  });
}

/**
 * Line amounts that sum to `award`: the lines themselves when they already do, else each scaled
 * by award / total and rounded half-up to the fen, the last taking the remainder.
 */
function scaleLines(award: Yuan, amounts: Decimal[]): Yuan[] {
  const total = amounts.reduce((acc, a) => acc.plus(a), new Decimal(0));
  const target = parseYuan(award);
  if (total.equals(target)) return amounts.map((a) => formatYuan(a));
  let paid = new Decimal(0);
  return amounts.map((a, i) => {
    const amount = i === amounts.length - 1 ? target.minus(paid) : roundFen(a.times(target).dividedBy(total));
    paid = paid.plus(amount);
    return formatYuan(amount);
  });
}

/**
 * The smallest fen amount that "reaches" p % of the basis: rounded UP, not half-up, so that a
 * reported cumulative investment meets the threshold exactly when it meets p % of the basis.
 */
export function progressThreshold(basis: Decimal | Yuan, reachesPercent: string): Yuan {
  const b = typeof basis === 'string' ? parseYuan(basis) : basis;
  return b.times(reachesPercent).dividedBy(100).toDecimalPlaces(2, Decimal.ROUND_CEIL).toFixed(2);
}

/** Whether a verified cumulative investment reaches a progress tranche's threshold (达到: inclusive). */
export function progressReached(trigger: TrancheTrigger, cumulativeInvestment: Yuan): boolean {
  if (trigger.kind !== 'progress') throw new RangeError(`tranche trigger ${trigger.kind} is not a progress threshold`);
  return parseYuan(cumulativeInvestment).greaterThanOrEqualTo(parseYuan(trigger.thresholdAmount));
}

function buildSchedule(program: Program, facts: Facts, award: Yuan, lines: Line[]): ScheduleLine[] {
  const d = program.disbursement;
  const dRef = (id: string) => ref(program, id, ('citation' in d && d.citation) || program.citation);
  switch (d.kind) {
    case 'lump-sum':
      return [{ tranche: d.tranche, milestone: d.tranche, condition: d.condition, amount: award, trigger: { kind: 'after-notice' }, rule: dRef(d.tranche) }];

    case 'progress': {
      const basis = numericFact(facts, d.basisFact);
      const amounts = splitByShares(award, d.tranches.map((t) => t.sharePercent));
      return d.tranches.map((t, i) => {
        const threshold = progressThreshold(basis, t.reachesPercent);
        return {
          tranche: t.id,
          milestone: t.id,
          condition:
            `cumulative fixed investment reaches ${t.reachesPercent} % of the approved ${d.basisFact} ` +
            `(≥ ${threshold} of ${formatYuan(basis)}); pays ${t.sharePercent} % of the award` +
            (i === d.tranches.length - 1 ? ' (the remainder, so the tranches sum to the award)' : ''),
          amount: amounts[i]!,
          trigger: { kind: 'progress', fact: d.basisFact, reachesPercent: t.reachesPercent, thresholdAmount: threshold },
          rule: dRef(t.id),
        };
      });
    }

    case 'milestones': {
      const shares = d.tranches.every((t) => t.sharePercent !== undefined)
        ? splitByShares(award, d.tranches.map((t) => t.sharePercent!))
        : undefined;
      const lineAmounts = shares ?? scaleLines(award, d.tranches.map((t) => lines.find((l) => l.id === t.formulaLine)?.amount ?? new Decimal(0)));
      return d.tranches.map((t, i) => {
        const amount = lineAmounts[i]!;
        let trigger: TrancheTrigger = { kind: 'milestone', milestone: t.milestone };
        let condition = t.condition;
        if (t.progress) {
          const basis = numericFact(facts, t.progress.basisFact);
          const threshold = progressThreshold(basis, t.progress.reachesPercent);
          trigger = { kind: 'progress', fact: t.progress.basisFact, reachesPercent: t.progress.reachesPercent, thresholdAmount: threshold };
          condition = `${t.condition} (≥ ${threshold} of ${formatYuan(basis)})`;
        }
        return { tranche: t.id, milestone: t.milestone, condition, amount, trigger, rule: dRef(t.id) };
      });
    }

    case 'yearly-instalments': {
      const amounts = splitByShares(award, d.sharesPercent);
      return amounts.map((amount, i) => ({
        tranche: `year-${i + 1}`,
        milestone: `year-${i + 1}`,
        condition: `${d.condition} — year ${i + 1} of ${d.years}: ${d.sharesPercent[i]} % of the award`,
        amount,
        trigger: { kind: 'year', index: i + 1 },
        rule: dRef(`year-${i + 1}`),
      }));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Filing windows
// ---------------------------------------------------------------------------------------------

export type FilingWindowStatus =
  | { open: true; round: string; lastDay: string | null; rule: string }
  | { open: false; reason: string; rule: string };

/**
 * Whether filing is open on `date` (an Asia/Shanghai calendar date) and which round it belongs
 * to; a second application by the same applicant to the same program and round is refused.
 */
export function filingWindowStatus(window: FilingWindow, date: string): FilingWindowStatus {
  if (!isCalendarDate(date)) throw new RangeError(`date ${JSON.stringify(date)} is not a real date written YYYY-MM-DD`);
  const year = date.slice(0, 4);
  switch (window.kind) {
    case 'all-year':
      // Filing is open on every day; the calendar year is the round.
      return { open: true, round: year, lastDay: `${year}-12-31`, rule: 'all-year' };
    case 'monthly': {
      const mm = String(window.month).padStart(2, '0');
      const rule = `monthly: ${citationText(window.citation)}`;
      if (date.slice(5, 7) !== mm) {
        return { open: false, reason: `filing is only open in month ${window.month} of each year (逾期无效)`, rule };
      }
      const lastDay = new Date(Date.UTC(Number(year), window.month, 0)).toISOString().slice(0, 10);
      return { open: true, round: `${year}-${mm}`, lastDay, rule };
    }
    case 'dates': {
      const rule = `dates: ${citationText(window.citation)}`;
      const w = window.windows.find((x) => x.opens <= date && date <= x.closes);
      if (!w) {
        const listed = window.windows.map((x) => `${x.round}: ${x.opens}–${x.closes}`).join('; ');
        return { open: false, reason: `no announced filing window contains ${date}${listed ? ` (windows: ${listed})` : ''}`, rule };
      }
      return { open: true, round: w.round, lastDay: w.closes, rule };
    }
    case 'announced':
      // The dates are in each round's notice, not in the catalog: filing goes through a round.
      return { open: false, reason: 'closed: announced by notice; open a round with the announced dates', rule: windowRule(window) };
  }
}

/** The rule a window follows, as shown with a round's dates: the kind and its citation. */
function windowRule(window: FilingWindow): string {
  return window.citation ? `${window.kind}: ${citationText(window.citation)}` : window.kind;
}

/** The last day of `month` (1–12) of `year`, 'YYYY-MM-DD'. */
function lastDayOfMonth(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(new Date(Date.UTC(year, month, 0)).getUTCDate()).padStart(2, '0')}`;
}

/**
 * The window a round of this program is opened with by default, for the round's year: all-year →
 * YYYY-01-01..YYYY-12-31, monthly → that month of the year, dates → the listed window whose
 * `round` equals the year or whose opens is in the year; announced → null (the admin must give
 * the announced dates). Null too when a 'dates' window lists nothing for the year.
 */
export function defaultRoundWindow(window: FilingWindow, year: number): { opens: string; closes: string; rule: string } | null {
  if (!Number.isInteger(year) || year < 1900 || year > 9999) throw new RangeError(`year ${year} must be a whole number from 1900 to 9999`);
  const rule = windowRule(window);
  switch (window.kind) {
    case 'all-year':
      return { opens: `${year}-01-01`, closes: `${year}-12-31`, rule };
    case 'monthly':
      return { opens: `${year}-${String(window.month).padStart(2, '0')}-01`, closes: lastDayOfMonth(year, window.month), rule };
    case 'dates': {
      const w = window.windows.find((x) => x.round === String(year)) ?? window.windows.find((x) => x.opens.startsWith(`${year}-`));
      return w ? { opens: w.opens, closes: w.closes, rule } : null;
    }
    case 'announced':
      return null;
  }
}

/**
 * Problems with a round window an admin gives: real dates, opens ≤ closes, and at least the
 * window's `minWorkingDays` working days when it has one ('announced', or 'dates' that set it).
 * Throws `UnknownCalendarYearError` when the calendar lacks a year the window spans, like
 * `filingWindowWorkingDayProblems`. Each problem names its field (window.opens / window.closes).
 */
export function roundWindowProblems(
  window: FilingWindow,
  given: { opens: string; closes: string },
  calendar: CalendarData,
): Array<{ field: string; reason: string }> {
  const out: Array<{ field: string; reason: string }> = [];
  for (const key of ['opens', 'closes'] as const) {
    if (!isCalendarDate(given[key])) out.push({ field: `window.${key}`, reason: `${JSON.stringify(given[key])} is not a real date written YYYY-MM-DD` });
  }
  if (out.length > 0) return out;
  if (given.opens > given.closes) return [{ field: 'window.closes', reason: `${given.closes} is before window.opens ${given.opens}` }];
  if ((window.kind === 'announced' || window.kind === 'dates') && window.minWorkingDays !== undefined) {
    const min = window.minWorkingDays;
    const n = countWorkingDays(calendar, given.opens, given.closes);
    if (n < min) {
      out.push({
        field: 'window.closes',
        reason: `the window ${given.opens}–${given.closes} has ${n} working days, fewer than ${min} (${citationText(window.citation)})`,
      });
    }
  }
  return out;
}

/** Announced windows shorter than the program's minimum number of working days (002 第二十九条: 不少于10个工作日). */
export function filingWindowWorkingDayProblems(window: FilingWindow, calendar: CalendarData): string[] {
  if (window.kind !== 'dates' || window.minWorkingDays === undefined) return [];
  const min = window.minWorkingDays;
  return window.windows.flatMap((w) => {
    const n = countWorkingDays(calendar, w.opens, w.closes);
    return n >= min ? [] : [`window ${w.round} (${w.opens}–${w.closes}) has ${n} working days, fewer than ${min}`];
  });
}

// ---------------------------------------------------------------------------------------------
// Consistency of a program (beyond its JSON shape, which catalog-schema.ts checks)
// ---------------------------------------------------------------------------------------------

export interface ProgramProblem {
  /** JSON path inside the program, e.g. ['formula', 'tiers', 1, 'basis']. */
  path: Array<string | number>;
  reason: string;
}

const NUMERIC_TYPES: readonly FactType[] = ['yuan', 'percent', 'integer', 'decimal'];

/** Cross-references and arithmetic the schema cannot see: unknown facts, overlapping tiers, shares not summing to 100 … */
export function programProblems(program: Program): ProgramProblem[] {
  const out: ProgramProblem[] = [];
  const facts = new Map(program.facts.map((f) => [f.name, f] as const));

  const needFact = (path: ProgramProblem['path'], name: string, types: readonly FactType[]) => {
    const spec = facts.get(name);
    if (!spec) return out.push({ path, reason: `fact ${JSON.stringify(name)} is not declared in facts` });
    if (!types.includes(spec.type)) return out.push({ path, reason: `fact ${name} has type ${spec.type}, expected ${types.join(' or ')}` });
    if (!spec.required) out.push({ path, reason: `fact ${name} is used by a rule, so it must be required` });
    return undefined;
  };
  const checkRange = (path: ProgramProblem['path'], range: Range | undefined, type: FactType | undefined) => {
    if (!range) return;
    for (const side of ['lower', 'upper'] as const) {
      const b = range[side];
      if (!b) continue;
      const p = type === 'yuan' ? yuanProblem(b.value) : DECIMAL_PATTERN.test(b.value) ? null : 'must be a decimal string';
      if (p) out.push({ path: [...path, side, 'value'], reason: `bound ${JSON.stringify(b.value)} ${p}` });
    }
    if (range.lower && range.upper && !rangesOverlap({ lower: range.lower }, { upper: range.upper })) {
      out.push({ path, reason: 'range is empty (its lower bound is not below its upper bound)' });
    }
  };

  const seenNames = new Set<string>();
  program.facts.forEach((f, i) => {
    if (seenNames.has(f.name)) out.push({ path: ['facts', i, 'name'], reason: `fact ${f.name} is declared twice` });
    seenNames.add(f.name);
  });

  const conditionIds = new Set<string>();
  program.eligibility.forEach((c, i) => {
    if (conditionIds.has(c.id)) out.push({ path: ['eligibility', i, 'id'], reason: `condition id ${c.id} is used twice` });
    conditionIds.add(c.id);
    if (c.kind === 'range') {
      needFact(['eligibility', i, 'fact'], c.fact, NUMERIC_TYPES);
      checkRange(['eligibility', i, 'range'], c.range, facts.get(c.fact)?.type);
    }
  });

  const f = program.formula;
  let lineIds: string[] = [];
  switch (f.kind) {
    case 'tiered-rate': {
      needFact(['formula', 'basisFact'], f.basisFact, ['yuan']);
      if (f.selectorFact !== undefined) needFact(['formula', 'selectorFact'], f.selectorFact, NUMERIC_TYPES);
      f.tiers.forEach((t, i) => {
        checkRange(['formula', 'tiers', i, 'basis'], t.basis, facts.get(f.basisFact)?.type);
        if (t.selector && f.selectorFact === undefined) out.push({ path: ['formula', 'tiers', i, 'selector'], reason: 'tier has a selector range but the formula has no selectorFact' });
        checkRange(['formula', 'tiers', i, 'selector'], t.selector, f.selectorFact ? facts.get(f.selectorFact)?.type : undefined);
        for (let j = 0; j < i; j++) {
          const u = f.tiers[j]!;
          if (rangesOverlap(t.basis, u.basis) && rangesOverlap(t.selector, u.selector)) {
            out.push({ path: ['formula', 'tiers', i], reason: `tier ${t.id} overlaps tier ${u.id}: a value would match both` });
          }
        }
      });
      lineIds = f.tiers.map((t) => t.id);
      break;
    }
    case 'fixed-milestones':
      lineIds = f.lines.map((l) => l.id);
      break;
    case 'rate-of-fact-per-milestone':
      needFact(['formula', 'basisFact'], f.basisFact, ['yuan']);
      lineIds = f.lines.map((l) => l.id);
      break;
    case 'unit-rate':
      f.factors.forEach((x, i) => needFact(['formula', 'factors', i, 'fact'], x.fact, ['integer', 'decimal']));
      lineIds = [f.id];
      break;
    case 'fixed-by-category': {
      needFact(['formula', 'categoryFact'], f.categoryFact, ['text']);
      const options = facts.get(f.categoryFact)?.options;
      const ids = f.categories.map((c) => c.id);
      if (!options || options.length !== ids.length || !ids.every((id) => options.includes(id))) {
        out.push({ path: ['formula', 'categories'], reason: `categories (${ids.join(', ')}) must equal the options of fact ${f.categoryFact}` });
      }
      lineIds = ids;
      break;
    }
    case 'fixed-amount':
      lineIds = [f.id];
      break;
    case 'marginal-bands':
      needFact(['formula', 'basisFact'], f.basisFact, ['yuan']);
      needFact(['formula', 'selectorFact'], f.selectorFact, ['percent']);
      f.bands.forEach((b, i) => {
        const path = ['formula', 'bands', i];
        checkRange([...path, 'selector'], b.selector, 'percent');
        if (!b.selector.lower) out.push({ path: [...path, 'selector', 'lower'], reason: 'a band starts at a growth point: its lower bound is required' });
        else if (new Decimal(b.selector.lower.value).isNegative()) out.push({ path: [...path, 'selector', 'lower'], reason: 'a band covers growth points of 0 or more' });
        if (new Decimal(b.ratePercent).greaterThan(100)) out.push({ path: [...path, 'ratePercent'], reason: 'a band pays at most the whole (100 %) of its part' });
        const next = f.bands[i + 1];
        if (!next) return;
        const up = b.selector.upper;
        const low = next.selector.lower;
        if (!up) out.push({ path: [...path, 'selector', 'upper'], reason: 'only the last band may be open above' });
        else if (!low || !new Decimal(up.value).equals(low.value) || up.inclusive === low.inclusive) {
          out.push({ path: ['formula', 'bands', i + 1, 'selector', 'lower'], reason: `band ${next.id} must start where ${b.id} ends (${up.value}), the value itself in exactly one of them` });
        }
      });
      lineIds = [f.id, ...f.bands.map((b) => b.id)];
      break;
    case 'per-unit':
      needFact(['formula', 'countFact'], f.countFact, ['integer']);
      if (f.unitQualifies) checkRange(['formula', 'unitQualifies'], { lower: f.unitQualifies.lower }, undefined);
      lineIds = [f.id];
      break;
    case 'rate-above-threshold':
      needFact(['formula', 'basisFact'], f.basisFact, ['yuan']);
      checkRange(['formula', 'threshold'], { lower: f.threshold }, 'yuan');
      lineIds = [f.id];
      break;
    case 'multi-fact-tiers':
      f.tiers.forEach((t, i) => {
        const seen = new Set<string>();
        t.conditions.forEach((c, k) => {
          const path = ['formula', 'tiers', i, 'conditions', k];
          needFact([...path, 'fact'], c.fact, NUMERIC_TYPES);
          checkRange([...path, 'range'], c.range, facts.get(c.fact)?.type);
          if (seen.has(c.fact)) out.push({ path: [...path, 'fact'], reason: `tier ${t.id} states ${c.fact} twice: one range per fact` });
          seen.add(c.fact);
        });
        for (let j = 0; j < i; j++) {
          const u = f.tiers[j]!;
          const apart = t.conditions.some((c) => u.conditions.some((d) => d.fact === c.fact && !rangesOverlap(c.range, d.range)));
          if (!apart) out.push({ path: ['formula', 'tiers', i], reason: `tier ${t.id} overlaps tier ${u.id}: no fact's ranges keep them apart, so facts could meet both` });
        }
      });
      lineIds = f.tiers.map((t) => t.id);
      break;
    case 'unit-rate-by-category': {
      needFact(['formula', 'categoryFact'], f.categoryFact, ['text']);
      needFact(['formula', 'basisFact'], f.basisFact, ['text']);
      const sameAsOptions = (key: 'categories' | 'bases', fact: string, ids: string[]) => {
        const options = facts.get(fact)?.options;
        if (!options || options.length !== ids.length || !ids.every((x) => options.includes(x))) {
          out.push({ path: ['formula', key], reason: `${key} (${ids.join(', ')}) must equal the options of fact ${fact}` });
        }
      };
      sameAsOptions('categories', f.categoryFact, f.categories.map((c) => c.id));
      sameAsOptions('bases', f.basisFact, f.bases.map((b) => b.id));
      f.factors.forEach((x, i) => needFact(['formula', 'factors', i, 'fact'], x.fact, ['integer', 'decimal']));
      f.bases.forEach((b, i) => {
        if ((b.rate === undefined) === (b.rentSharePercent === undefined)) {
          out.push({ path: ['formula', 'bases', i], reason: `basis ${b.id} states exactly one of rate or rentSharePercent` });
        }
        if (b.rentSharePercent !== undefined) {
          if (f.rentFact === undefined) out.push({ path: ['formula', 'rentFact'], reason: `basis ${b.id} pays a share of the rent: the formula names its rentFact` });
          else needFact(['formula', 'rentFact'], f.rentFact, ['yuan']);
          if (new Decimal(b.rentSharePercent).greaterThan(100)) out.push({ path: ['formula', 'bases', i, 'rentSharePercent'], reason: 'a basis pays at most the whole (100 %) of the rent' });
        }
      });
      const factorNames = f.factors.map((x) => x.fact);
      f.categories.forEach((c, i) => {
        if (c.bases.length === 0) out.push({ path: ['formula', 'categories', i, 'bases'], reason: `category ${c.id} allows no basis` });
        c.bases.forEach((b, k) => {
          if (!f.bases.some((x) => x.id === b)) out.push({ path: ['formula', 'categories', i, 'bases', k], reason: `basis ${b} is not a basis of the formula` });
        });
        c.caps.forEach((cap, k) => {
          if (!factorNames.includes(cap.fact)) out.push({ path: ['formula', 'categories', i, 'caps', k, 'fact'], reason: `${cap.fact} is not a factor of the formula` });
          if (c.caps.findIndex((x) => x.fact === cap.fact) !== k) out.push({ path: ['formula', 'categories', i, 'caps', k, 'fact'], reason: `category ${c.id} caps ${cap.fact} twice` });
          if (!new Decimal(cap.max).greaterThan(0)) out.push({ path: ['formula', 'categories', i, 'caps', k, 'max'], reason: `category ${c.id}'s cap on ${cap.fact} must be above 0` });
        });
      });
      lineIds = [f.id, ...f.categories.map((c) => c.id), ...f.bases.map((b) => b.id)];
      break;
    }
  }
  const payees = new Set<string>();
  let shares = new Decimal(0);
  (f.split ?? []).forEach((share, i) => {
    const path = ['formula', 'split', i];
    if (payees.has(share.payee)) out.push({ path: [...path, 'payee'], reason: `payee ${share.payee} is named twice` });
    payees.add(share.payee);
    shares = shares.plus(share.sharePercent);
    for (const key of ['nameFact', 'accountFact'] as const) {
      const spec = facts.get(share[key]);
      if (!spec) out.push({ path: [...path, key], reason: `fact ${JSON.stringify(share[key])} is not declared in facts` });
      else if (spec.type !== 'text' || spec.required) out.push({ path: [...path, key], reason: `fact ${spec.name} names the payee only when given: an optional text fact` });
    }
  });
  if (!shares.lessThan(100)) out.push({ path: ['formula', 'split'], reason: `payee shares add up to ${shares.toFixed()} %: the applicant must keep part of the award` });
  lineIds.forEach((id, i) => {
    if (lineIds.indexOf(id) !== i) out.push({ path: ['formula'], reason: `rule id ${id} is used twice in the formula` });
  });

  const sumIs100 = (path: ProgramProblem['path'], shares: string[]) => {
    const total = shares.reduce((acc, s) => acc.plus(s), new Decimal(0));
    if (!total.equals(100)) out.push({ path, reason: `shares add up to ${total.toFixed()} %, not 100 %` });
  };
  const d = program.disbursement;
  const uniqueTranches = (ids: string[]) =>
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) out.push({ path: ['disbursement', 'tranches', i, 'id'], reason: `tranche id ${id} is used twice` });
    });
  switch (d.kind) {
    case 'lump-sum':
      break;
    case 'progress':
      needFact(['disbursement', 'basisFact'], d.basisFact, ['yuan']);
      sumIs100(['disbursement', 'tranches'], d.tranches.map((t) => t.sharePercent));
      uniqueTranches(d.tranches.map((t) => t.id));
      d.tranches.forEach((t, i) => {
        const prev = d.tranches[i - 1];
        if (prev && !new Decimal(t.reachesPercent).greaterThan(prev.reachesPercent)) {
          out.push({ path: ['disbursement', 'tranches', i, 'reachesPercent'], reason: 'progress thresholds must increase' });
        }
      });
      break;
    case 'milestones': {
      uniqueTranches(d.tranches.map((t) => t.id));
      const byLine = d.tranches.filter((t) => t.formulaLine !== undefined);
      const byShare = d.tranches.filter((t) => t.sharePercent !== undefined);
      d.tranches.forEach((t, i) => {
        if ((t.formulaLine === undefined) === (t.sharePercent === undefined)) {
          out.push({ path: ['disbursement', 'tranches', i], reason: 'a milestone tranche names exactly one of formulaLine or sharePercent' });
        }
        if (t.progress) needFact(['disbursement', 'tranches', i, 'progress', 'basisFact'], t.progress.basisFact, ['yuan']);
      });
      if (byLine.length > 0 && byShare.length > 0) out.push({ path: ['disbursement', 'tranches'], reason: 'mix of formulaLine and sharePercent tranches' });
      if (byShare.length === d.tranches.length) sumIs100(['disbursement', 'tranches'], byShare.map((t) => t.sharePercent!));
      if (byLine.length === d.tranches.length) {
        const named = byLine.map((t) => t.formulaLine!);
        const missing = lineIds.filter((id) => !named.includes(id));
        const unknown = named.filter((id) => !lineIds.includes(id));
        if (f.kind !== 'fixed-milestones' && f.kind !== 'rate-of-fact-per-milestone') {
          out.push({ path: ['disbursement'], reason: `formulaLine tranches need a milestone formula, not ${f.kind}` });
        } else if (missing.length || unknown.length || new Set(named).size !== named.length) {
          out.push({
            path: ['disbursement', 'tranches'],
            reason: `tranches must pay each formula line exactly once (missing: ${missing.join(', ') || 'none'}; unknown: ${unknown.join(', ') || 'none'})`,
          });
        }
      }
      break;
    }
    case 'yearly-instalments':
      if (d.sharesPercent.length !== d.years) out.push({ path: ['disbursement', 'sharesPercent'], reason: `${d.sharesPercent.length} shares for ${d.years} years` });
      sumIs100(['disbursement', 'sharesPercent'], d.sharesPercent);
      break;
  }

  const w = program.filingWindow;
  if (w.kind === 'dates') {
    const rounds = new Set<string>();
    w.windows.forEach((x, i) => {
      if (!isCalendarDate(x.opens) || !isCalendarDate(x.closes)) out.push({ path: ['filingWindow', 'windows', i], reason: 'opens and closes must be real dates YYYY-MM-DD' });
      else if (x.opens > x.closes) out.push({ path: ['filingWindow', 'windows', i], reason: `opens ${x.opens} after closes ${x.closes}` });
      if (rounds.has(x.round)) out.push({ path: ['filingWindow', 'windows', i, 'round'], reason: `round ${x.round} is listed twice` });
      rounds.add(x.round);
    });
  }

  const sp = program.support;
  if (sp.per === 'applicant' && sp.projectLabel !== undefined) {
    out.push({ path: ['support', 'projectLabel'], reason: 'projectLabel is for a program that takes one application per project or product, not per applicant' });
  }
  if (sp.per !== 'applicant' && sp.projectLabel === undefined) {
    out.push({ path: ['support', 'projectLabel'], reason: `a program that takes one application per ${sp.per} says what the applicant names at filing (projectLabel)` });
  }
  for (const key of ['support', 'rounds'] as const) {
    const settings = program[key];
    if (settings.citation === undefined && settings.note === undefined) {
      out.push({ path: [key, 'note'], reason: `${key} without a citation needs a note saying why its values are an office setting` });
    }
  }

  const limitIds = new Set<string>();
  (program.quantityLimits ?? []).forEach((l, i) => {
    const path = ['quantityLimits', i];
    if (limitIds.has(l.id)) out.push({ path: [...path, 'id'], reason: `quantity limit id ${l.id} is used twice` });
    limitIds.add(l.id);
    needFact([...path, 'fact'], l.fact, ['integer', 'decimal']);
    if (!new Decimal(l.max).greaterThan(0)) out.push({ path: [...path, 'max'], reason: 'a quantity limit is above 0' });
    if (l.when) {
      needFact([...path, 'when', 'fact'], l.when.fact, ['text']);
      const options = facts.get(l.when.fact)?.options ?? [];
      l.when.in.forEach((v, k) => {
        if (!options.includes(v)) out.push({ path: [...path, 'when', 'in', k], reason: `${JSON.stringify(v)} is not an option of fact ${l.when!.fact}` });
      });
    }
  });

  program.obligations.forEach((o, i) => {
    if ((o.years === undefined) !== (o.runsFrom === undefined)) {
      out.push({ path: ['obligations', i], reason: 'a time-bound obligation states both years and runsFrom' });
    }
  });
  return out;
}
