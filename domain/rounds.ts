/**
 * Funding rounds: the money across applications (issue 16). A district runs its money in rounds:
 * a program, a filing window (Asia/Shanghai dates), a budget, the catalog version it uses and the
 * annual caps that apply. The pure rules of a round live here:
 * - its id (`<program>.<label>`, so an application id `<program>.<label>.<credit code>` names it);
 * - the spot check over the round (001 §（三）4: 5 % of the round's applications below the
 *   inspection threshold, drawn once the window closes, from a seed whose SHA-256 was published
 *   when the round opened);
 * - the notice list (002 第二十九条（二）, 第三十四条: one public list, hashed over a documented
 *   canonical form, so anyone can check the list they read is the list that was published).
 * Pro rata is domain/pro-rata.ts; caps and double dipping are domain/caps.ts and
 * domain/projects.ts.
 */
import { canonicalJson, sha256Hex } from './idempotency';
import { Decimal, formatYuan, parseYuan, type Yuan } from './money';
import type { ScaledAward } from './pro-rata';
import type { Actor } from './roles';
import type { Program } from './catalog';
import { spotCheckDraw } from './spot-check';

/** A round's label: the year (`2026`), a month (`2026-09`) or an announcement's own name. */
export const ROUND_LABEL_PATTERN = /^(?=.{1,32}$)[0-9A-Za-z]+(-[0-9A-Za-z]+)*$/;

/** A round id, `<program id>.<label>`, as a regular expression source (published in the OpenAPI document). */
export const ROUND_ID_PATTERN_SOURCE = '[a-z0-9]+(-[a-z0-9]+)*\\.[0-9A-Za-z]+(-[0-9A-Za-z]+)*';

export function roundId(programId: string, label: string): string {
  return `${programId}.${label}`;
}

/** The program and label a round id names, or null when it is not one. */
export function parseRoundId(id: string): { programId: string; label: string } | null {
  const dot = id.indexOf('.');
  if (dot <= 0) return null;
  const programId = id.slice(0, dot);
  const label = id.slice(dot + 1);
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(programId) && ROUND_LABEL_PATTERN.test(label) ? { programId, label } : null;
}

/** The Temporal workflow id of a round's entity workflow. */
export function roundWorkflowId(id: string): string {
  return `round.${id}`;
}

/** The workflow id of an applicant's year (workflows/ledger.ts), where its annual caps are counted. */
export function ledgerWorkflowId(creditCode: string, year: number): string {
  return `ledger.${creditCode}.${year}`;
}

/** An annual cap a round applies (from the catalog's `annualCaps`, or as the admin set them). */
export interface RoundCap {
  id: string;
  scope: 'applicant-per-program' | 'applicant-per-policy';
  amount: Yuan;
  description: string;
}

/** What an admin decided when opening the round. Fixed for the round's life. */
export interface RoundDefinition {
  id: string;
  programId: string;
  policyId: string;
  label: string;
  /** The budget year: annual caps are counted per applicant and this year. */
  year: number;
  window: {
    opens: string;
    closes: string;
    /** The instant the window closes: the end of `closes`, Asia/Shanghai. */
    closesAt: string;
    /** Where the dates come from: the catalog's fixed window, or the announcement the admin names. */
    source: string;
  };
  budget: Yuan;
  catalogVersion: string;
  programHash: string;
  caps: RoundCap[];
  /** 'batch': the executive meeting decides a list (POST /rounds/:id/sign-off); 'single': each application on its own. */
  signOff: 'batch' | 'single';
  spotCheck: {
    ratePercent: string;
    threshold: Yuan;
    /** Whether an amount equal to the threshold is inspected anyway (达…以上: yes). */
    inclusive: boolean;
    /** SHA-256 (hex) of the seed's UTF-8 bytes, published when the round opened; the seed is revealed at the draw. */
    seedSha256: string;
  };
  noticeWorkingDays: number;
  openedBy: Actor;
  openedAt: string;
}

/** One application filed into the round. */
export interface RoundEntry {
  applicationId: string;
  applicant: { creditCode: string; name: string };
  project: { code: string; name: string } | null;
  /** What the program's formula gives for the filed facts: decides whether it is below the inspection threshold. */
  amountByFormula: Yuan;
  filedAt: string;
  /** Set when the application ended before any money was paid (withdrawn, rejected, lapsed): it takes no part in a later draw. */
  ended?: { at: string; why: string };
}

/** One application's place in the draw. */
export interface RankedEntry {
  applicationId: string;
  /** The exact string hashed: `<seed>:<application id>`. */
  input: string;
  /** SHA-256 of `input`, hex: the draw takes the lowest. */
  sha256: string;
}

/** The spot check over the round, drawn when its window closes. */
export interface RoundDraw {
  seed: string;
  seedSha256: string;
  ratePercent: string;
  threshold: Yuan;
  inclusive: boolean;
  /** Every application of the round below the threshold, ranked by the SHA-256 of `<seed>:<id>`. */
  ranking: RankedEntry[];
  /** ceil(eligible × rate / 100): at least the rate. */
  count: number;
  selected: string[];
  rule: string;
}

/** Whether an amount is below the inspection threshold (so it takes part in the draw). */
export function belowThreshold(amount: Yuan, threshold: Yuan, inclusive: boolean): boolean {
  const a = parseYuan(amount);
  const t = parseYuan(threshold);
  return inclusive ? a.lessThan(t) : a.lessThanOrEqualTo(t);
}

export function seedSha256(seed: string): string {
  return sha256Hex(seed);
}

/**
 * The round's spot check: of its applications below the threshold, the `count` whose
 * SHA-256(`<seed>:<application id>`) is lowest, where count = ceil(n × rate / 100). Anyone
 * holding the revealed seed and the list of applications recomputes it.
 */
export function roundDraw(
  seed: string,
  entries: ReadonlyArray<Pick<RoundEntry, 'applicationId' | 'amountByFormula'>>,
  spotCheck: Pick<RoundDefinition['spotCheck'], 'ratePercent' | 'threshold' | 'inclusive'>,
  citation: string,
): RoundDraw {
  const eligible = entries.filter((e) => belowThreshold(e.amountByFormula, spotCheck.threshold, spotCheck.inclusive));
  const ranking = eligible
    .map((e) => {
      const d = spotCheckDraw(seed, e.applicationId, spotCheck.ratePercent);
      return { applicationId: e.applicationId, input: d.input, sha256: d.sha256 };
    })
    .sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  const count = new Decimal(ranking.length).times(spotCheck.ratePercent).dividedBy(100).ceil().toNumber();
  const relation = spotCheck.inclusive ? '<' : '≤';
  return {
    seed,
    seedSha256: seedSha256(seed),
    ratePercent: spotCheck.ratePercent,
    threshold: spotCheck.threshold,
    inclusive: spotCheck.inclusive,
    ranking,
    count,
    selected: ranking.slice(0, count).map((r) => r.applicationId),
    rule:
      `${citation}: of the ${ranking.length} application(s) with an amount ${relation} ${spotCheck.threshold}, ` +
      `ceil(${ranking.length} × ${spotCheck.ratePercent} / 100) = ${count} with the lowest SHA-256("<seed>:<application id>") are inspected on site`,
  };
}

/** One line of a notice: who, which program, how much (after pro rata). */
export interface NoticeEntry {
  applicationId: string;
  applicant: { creditCode: string; name: string };
  programId: string;
  /** The amount noticed; "0.00" when an upheld objection removed the entry. */
  amount: Yuan;
  /** Why the entry is noticed again (a correction), absent on the first list. */
  change?: string;
}

/** One publication of the round's notice: the first lists every approved application; later ones the changed entries. */
export interface RoundNotice {
  roundId: string;
  publication: number;
  kind: 'list' | 'correction';
  publishedOn: string;
  /** The last working day of the window, counted from the day after publication. */
  lastDay: string;
  closesAt: string;
  entries: NoticeEntry[];
  /** SHA-256 (hex) of `canonical`. */
  sha256: string;
  /** The exact text hashed (see `noticeCanonicalForm`). */
  canonical: string;
}

/**
 * The canonical form of a notice, hashed for the public: JSON with object keys sorted at every
 * level and no whitespace (UTF-8), of `{roundId, publication, kind, publishedOn, lastDay, entries}`
 * with the entries sorted by application id. Anyone re-serialising the published JSON the same
 * way gets the same SHA-256.
 */
export function noticeCanonicalForm(notice: Omit<RoundNotice, 'sha256' | 'canonical' | 'closesAt'>): string {
  const entries = [...notice.entries].sort((a, b) => (a.applicationId < b.applicationId ? -1 : a.applicationId > b.applicationId ? 1 : 0));
  return canonicalJson({
    roundId: notice.roundId,
    publication: notice.publication,
    kind: notice.kind,
    publishedOn: notice.publishedOn,
    lastDay: notice.lastDay,
    entries,
  });
}

export function sealNotice(notice: Omit<RoundNotice, 'sha256' | 'canonical'>): RoundNotice {
  const canonical = noticeCanonicalForm(notice);
  const entries = [...notice.entries].sort((a, b) => (a.applicationId < b.applicationId ? -1 : a.applicationId > b.applicationId ? 1 : 0));
  return { ...notice, entries, canonical, sha256: sha256Hex(canonical) };
}

/** One application's money in the round: approved at the meeting, cut by caps, scaled, then changed by objections. */
export interface Allocation {
  applicationId: string;
  applicant: { creditCode: string; name: string };
  programId: string;
  /** The batch (executive meeting) or single sign-off that approved it. */
  decidedBy: string;
  /** Approved at sign-off, after the annual caps. */
  approved: Yuan;
  /** After pro rata: what is noticed and paid. */
  allocated: Yuan;
  proRata: (ScaledAward & { factor: string; budget: Yuan; total: Yuan }) | null;
  /** Later reductions (an upheld objection, an award refused): never an increase. */
  changes: Array<{ at: string; amount: Yuan; why: string }>;
  status: 'allocated' | 'reduced' | 'removed';
}

/** The meeting's decision on one application, as the batch applied it. */
export interface BatchLine {
  applicationId: string;
  decision: 'approve' | 'reject' | 'return';
  amount?: Yuan;
  reason: string;
  /** What the application did with it: approved (with the amount after caps), returned, rejected, or refused (the same checks as a single sign-off). */
  outcome: 'approved' | 'returned' | 'rejected' | 'refused';
  approvedAfterCaps?: Yuan;
  capCuts?: unknown[];
  /** The program's limits on quantities (months, ㎡) that cut the award before the caps (domain/quantity-limits.ts). */
  quantityCuts?: unknown[];
  problem?: { type: string; detail: string };
}

export interface BatchDecision {
  n: number;
  meeting: { reference: string; date: string };
  by: Actor;
  at: string;
  lines: BatchLine[];
  /** The budget left before this batch, and how the batch's approved amounts were scaled to it. */
  budgetBefore: Yuan;
  scaling: { total: Yuan; scaled: boolean; factor: string } | null;
}

export type RoundStatus = 'open' | 'closed';

/** Everything a round knows; the seed stays secret until the draw. */
export interface RoundState {
  definition: RoundDefinition;
  /** The program as the round pinned it (its catalog version): filings into the round are judged by it. */
  program: Program;
  status: RoundStatus;
  entries: RoundEntry[];
  draw: RoundDraw | null;
  batches: BatchDecision[];
  allocations: Allocation[];
  notices: RoundNotice[];
  trail: Array<{ at: string; actor: string; action: string; details?: Record<string, unknown> }>;
}

/** The round's money now: budget, what is allocated, what is left. */
export function roundTotals(state: Pick<RoundState, 'definition' | 'allocations'>): { budget: Yuan; allocated: Yuan; remaining: Yuan; applications: number } {
  const allocated = state.allocations.reduce((sum, a) => sum.plus(parseYuan(a.allocated)), parseYuan('0.00'));
  return {
    budget: state.definition.budget,
    allocated: formatYuan(allocated),
    remaining: formatYuan(parseYuan(state.definition.budget).minus(allocated)),
    applications: state.allocations.filter((a) => a.status !== 'removed').length,
  };
}
