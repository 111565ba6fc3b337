/**
 * What the public sees of a funding round (002 第三十四条: allocations are public; 001 §（三）4:
 * the spot check is drawn from a seed whose hash was published first). One function decides it,
 * so the JSON endpoint and the HTML page cannot show different things.
 *
 * Public: the round's definition without who opened it, its totals, the spot check (before the
 * draw only the seed's SHA-256; after it the seed, the ranking and the rule, so anyone recomputes
 * it), every notice with its canonical text and hash, and the allocations with their pro rata
 * explanation. Not public: the audit trail (it names staff), the batch decisions' actors, and the
 * applications that were filed but not approved (only how many were filed). The draw's ranking
 * does name every application below the inspection threshold: without it nobody could recompute
 * which ones were drawn.
 */
import { compareYuan, type Yuan } from './money';
import { roundTotals, type Allocation, type RankedEntry, type RoundNotice, type RoundState, type RoundStatus } from './rounds';

/**
 * A round id as `parseRoundId` (domain/rounds.ts) reads it, written as a pattern for the OpenAPI
 * document: `<programId>.<label>`, e.g. `dinghu-emergency-major-project.2026`.
 */
export const ROUND_ID_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*\\.[0-9A-Za-z][0-9A-Za-z-]{0,31}$';

/** How anyone checks a notice's hash, said once for every notice. */
const NOTICE_HASH_RULE =
  'sha256 is the SHA-256 (lowercase hex) of the UTF-8 bytes of canonical. canonical is the JSON of ' +
  '{roundId, publication, kind, publishedOn, lastDay, entries} with the keys of every object sorted, ' +
  'no whitespace, characters written as they are (only what JSON requires is escaped), absent fields ' +
  'left out, and entries sorted by applicationId. Re-serialising these fields of the notice the same ' +
  'way gives canonical again.';

/** How anyone recomputes the draw from the revealed seed, said once. */
const DRAW_RULE =
  'Each application below the threshold is hashed as SHA-256 of the UTF-8 text "<seed>:<application id>"; ' +
  'the count = ceil(eligible × ratePercent / 100) with the lowest hashes (compared as lowercase hex) are ' +
  'inspected on site. POST /calculations/round-draw recomputes it from the seed and the list.';

export interface PublicSpotCheck {
  ratePercent: string;
  threshold: Yuan;
  inclusive: boolean;
  /** Published when the round opened; the seed itself only once drawn. */
  seedSha256: string;
  drawn: boolean;
  /** null until the round's window closes and the draw is made. */
  draw: {
    seed: string;
    ranking: RankedEntry[];
    count: number;
    selected: string[];
    rule: string;
    howToRecompute: string;
  } | null;
}

export type PublicNotice = RoundNotice & { howToVerify: string };

export interface PublicProRata {
  /** Whether the round's approved total exceeded its budget, so this award was scaled. */
  scaled: boolean;
  /** budget / total, to 10 decimals, rounded down: for reading only. */
  factor: string;
  budget: Yuan;
  total: Yuan;
  /** approved × budget / total, exact to 10 places after the fen. */
  exactShare: string;
  roundedDown: Yuan;
  /** The fen the largest-remainder rule added (0.00 or 0.01). */
  fenAdded: Yuan;
  explanation: string;
}

export interface PublicAllocation {
  applicationId: string;
  applicant: { name: string; creditCode: string };
  programId: string;
  approved: Yuan;
  allocated: Yuan;
  status: Allocation['status'];
  /** How the award was scaled to the budget (002 第五条); null when the round recorded no scaling for it. */
  proRata: PublicProRata | null;
  changes: Array<{ at: string; amount: Yuan; why: string }>;
}

export interface PublicRound {
  id: string;
  programId: string;
  label: string;
  year: number;
  window: { opens: string; closes: string; closesAt: string; source: string };
  budget: Yuan;
  totals: ReturnType<typeof roundTotals>;
  status: RoundStatus;
  signOff: 'batch' | 'single';
  /** How many applications were filed into the round (which ones is public only once approved). */
  applicationsFiled: number;
  spotCheck: PublicSpotCheck;
  notices: PublicNotice[];
  allocations: PublicAllocation[];
}

export interface PublicRoundSummary {
  id: string;
  programId: string;
  label: string;
  window: PublicRound['window'];
  budget: Yuan;
  totals: PublicRound['totals'];
  status: RoundStatus;
  /** The latest publication of the round's notice, or null before the first. */
  latestNotice: { publication: number; kind: RoundNotice['kind']; publishedOn: string; sha256: string } | null;
}

function publicProRata(allocation: Allocation): PublicProRata | null {
  const p = allocation.proRata;
  if (!p) return null;
  // The rule of domain/pro-rata.ts: scaled exactly when the approved total exceeds the budget.
  const scaled = compareYuan(p.total, p.budget) > 0;
  return {
    scaled,
    factor: p.factor,
    budget: p.budget,
    total: p.total,
    exactShare: p.exactShare,
    roundedDown: p.roundedDown,
    fenAdded: p.fenAdded === 1 ? '0.01' : '0.00',
    explanation: scaled
      ? `approved ${p.approved} × budget ${p.budget} / approved total ${p.total} = ${p.exactShare} (factor ${p.factor}); ` +
        `rounded down to the fen: ${p.roundedDown}; ` +
        (p.fenAdded === 1 ? `plus 0.01 by the largest-remainder rule: ${p.scaled}` : `no fen added by the largest-remainder rule: ${p.scaled}`)
      : `approved total ${p.total} within the budget ${p.budget}: not scaled, ${p.scaled} as approved`,
  };
}

function publicAllocation(a: Allocation): PublicAllocation {
  return {
    applicationId: a.applicationId,
    applicant: { name: a.applicant.name, creditCode: a.applicant.creditCode },
    programId: a.programId,
    approved: a.approved,
    allocated: a.allocated,
    status: a.status,
    proRata: publicProRata(a),
    changes: a.changes.map((c) => ({ at: c.at, amount: c.amount, why: c.why })),
  };
}

function publicNotice(n: RoundNotice): PublicNotice {
  return {
    roundId: n.roundId,
    publication: n.publication,
    kind: n.kind,
    publishedOn: n.publishedOn,
    lastDay: n.lastDay,
    closesAt: n.closesAt,
    entries: n.entries.map((e) => ({
      applicationId: e.applicationId,
      applicant: { creditCode: e.applicant.creditCode, name: e.applicant.name },
      programId: e.programId,
      amount: e.amount,
      ...(e.change === undefined ? {} : { change: e.change }),
    })),
    sha256: n.sha256,
    canonical: n.canonical,
    howToVerify: NOTICE_HASH_RULE,
  };
}

/** The public JSON of one round: see the module comment for what is (not) in it. */
export function publicRound(state: RoundState): PublicRound {
  const d = state.definition;
  const draw = state.draw;
  return {
    id: d.id,
    programId: d.programId,
    label: d.label,
    year: d.year,
    window: { opens: d.window.opens, closes: d.window.closes, closesAt: d.window.closesAt, source: d.window.source },
    budget: d.budget,
    totals: roundTotals(state),
    status: state.status,
    signOff: d.signOff,
    applicationsFiled: state.entries.length,
    spotCheck: {
      ratePercent: d.spotCheck.ratePercent,
      threshold: d.spotCheck.threshold,
      inclusive: d.spotCheck.inclusive,
      seedSha256: d.spotCheck.seedSha256,
      drawn: draw !== null,
      draw: draw
        ? {
            seed: draw.seed,
            ranking: draw.ranking.map((r) => ({ applicationId: r.applicationId, input: r.input, sha256: r.sha256 })),
            count: draw.count,
            selected: [...draw.selected],
            rule: draw.rule,
            howToRecompute: DRAW_RULE,
          }
        : null,
    },
    notices: [...state.notices].sort((a, b) => a.publication - b.publication).map(publicNotice),
    allocations: [...state.allocations].sort((a, b) => (a.applicationId < b.applicationId ? -1 : a.applicationId > b.applicationId ? 1 : 0)).map(publicAllocation),
  };
}

/** One line of the public list of rounds. */
export function publicRoundSummary(state: RoundState): PublicRoundSummary {
  const d = state.definition;
  const latest = state.notices.reduce<RoundNotice | null>((last, n) => (last === null || n.publication > last.publication ? n : last), null);
  return {
    id: d.id,
    programId: d.programId,
    label: d.label,
    window: { opens: d.window.opens, closes: d.window.closes, closesAt: d.window.closesAt, source: d.window.source },
    budget: d.budget,
    totals: roundTotals(state),
    status: state.status,
    latestNotice: latest ? { publication: latest.publication, kind: latest.kind, publishedOn: latest.publishedOn, sha256: latest.sha256 } : null,
  };
}
