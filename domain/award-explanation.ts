/**
 * The explanation of an award preview, in one place: which tier, category or band the facts fell
 * in and the seed's boundary words that decided it, every threshold the facts were held to, each
 * cap and whether it cut, and who is paid what. It is read off the evaluation's breakdown, whose
 * steps carry `explains` (domain/catalog.ts, `evaluateAward(…, { explain: true })`), so the
 * explanation can never say something the computation did not do.
 */
import type { AwardEvaluation, BoundaryCheck, BreakdownStep, PayeePart, RuleRef } from './catalog';

/** One bound, as a sentence an officer can check against the seed: `revenue 10000000000.00 ≤ 10000000000 (（含）): met`. */
export interface BoundaryWords {
  tier?: string;
  fact: string;
  value: string;
  /** `≥`, `>`, `≤` or `<`, from the bound's inclusivity. */
  comparison: string;
  bound: string;
  /** The seed's word (以上, 超过, （含）…) and, when the reading departs from the word's usual one, why. */
  word: string | null;
  reading: string | null;
  met: boolean;
}

export interface AwardExplanation {
  /**
   * Tiers and categories chosen (null when none applied): a tier with the boundaries that decided
   * it, a category with the seed's words for it and the basis asked for.
   */
  chosen: Array<{ rule: RuleRef; kind: 'tier' | 'category'; chosen: string | null; boundaries: BoundaryWords[]; basis?: string; words?: string }>;
  /** Marginal bands: the part of the basis each pays on, whether the selector fact lies in it (`reached`), its boundaries. */
  bands: Array<{ rule: RuleRef; band: string; reached: boolean; part: string; boundaries: BoundaryWords[] }>;
  /** Eligibility ranges and formula thresholds the facts were held to. */
  thresholds: Array<{ rule: RuleRef; boundaries: BoundaryWords[] }>;
  /** Every cap checked, in yuan or in a quantity (㎡, months, suppliers), and whether it cut. */
  caps: Array<{ rule: RuleRef; on: string; cap: string; applied: boolean }>;
  /** Who is paid what: the split's payees, or the applicant alone. */
  payees: PayeePart[];
}

function words(check: BoundaryCheck): BoundaryWords {
  const lower = check.side === 'lower';
  return {
    ...(check.tier !== undefined ? { tier: check.tier } : {}),
    fact: check.fact,
    value: check.value,
    comparison: lower ? (check.bound.inclusive ? '≥' : '>') : check.bound.inclusive ? '≤' : '<',
    bound: check.bound.value,
    word: check.bound.word ?? null,
    reading: check.bound.reading ?? null,
    met: check.met,
  };
}

/** The explanation of an evaluation; the payees default to the applicant for the whole amount. */
export function explainAward(evaluation: Pick<AwardEvaluation, 'amount' | 'breakdown' | 'payees' | 'eligible'>): AwardExplanation {
  const out: AwardExplanation = { chosen: [], bands: [], thresholds: [], caps: [], payees: [] };
  for (const step of evaluation.breakdown as BreakdownStep[]) {
    const e = step.explains;
    if (!e) continue;
    switch (e.kind) {
      case 'tier':
        out.chosen.push({ rule: step.rule, kind: 'tier', chosen: e.chosen, boundaries: e.boundaries.map(words) });
        break;
      case 'category':
        out.chosen.push({ rule: step.rule, kind: 'category', chosen: e.category, boundaries: [], ...(e.basis !== undefined ? { basis: e.basis } : {}), words: e.words });
        break;
      case 'band':
        out.bands.push({ rule: step.rule, band: e.band, reached: e.reached, part: e.part, boundaries: e.boundaries.map(words) });
        break;
      case 'threshold':
        out.thresholds.push({ rule: step.rule, boundaries: e.boundaries.map(words) });
        break;
      case 'cap':
        out.caps.push({ rule: step.rule, on: 'amount', cap: e.cap, applied: e.applied });
        break;
      case 'quantity-cap':
        out.caps.push({ rule: step.rule, on: e.fact, cap: e.cap, applied: e.applied });
        break;
      case 'payee':
        break;
    }
  }
  out.payees = evaluation.payees ?? (evaluation.eligible ? [{ payee: 'applicant', description: 'the applicant, for the whole award', amount: evaluation.amount }] : []);
  return out;
}
