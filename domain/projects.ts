/**
 * No double dipping (002 第三十六条: 同时符合本办法及…其他同类性质支持政策规定的，不得重复享受), and
 * one application per project or product and round for programs that award per project or per
 * product (000 每个品种, 002 第十一条). A filing declares its project; one serialising entity per
 * project (workflows/project.ts) holds the claims of the applications filed for it, and answers
 * each new claim with this rule.
 */
import type { Program } from './catalog';

/** What a filing declares: the project code (or the product, for 每品种 programs) and its name. */
export interface ProjectDeclaration {
  code: string;
  name: string;
}

export const PROJECT_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** One application's claim on a project. */
export interface ProjectClaim {
  applicationId: string;
  applicant: { creditCode: string; name: string };
  programId: string;
  policyId: string;
  roundId: string;
  nature: string;
  per: Program['support']['per'];
  doubleDipping: Program['support']['doubleDipping'];
  claimedAt: string;
  /** Set when the application ended without money (rejected, withdrawn, lapsed): the claim no longer counts. */
  released: { at: string; reason: string } | null;
}

export type ClaimVerdict =
  | { verdict: 'accepted'; others: [] }
  | { verdict: 'refused'; reason: string; rule: string; others: ProjectClaim[] }
  | { verdict: 'shown-to-reviewer'; reason: string; rule: string; others: ProjectClaim[] };

const SAME_PROJECT_RULE = 'one application per project or product and round (000 每个品种, 002 第十一条)';
const DOUBLE_DIPPING_RULE = '002 第三十六条: support of the same nature from two policies is not taken twice (不得重复享受)';

/** The entity workflow id of a project: the declared code, or the applicant itself when no project is declared. */
export function projectKey(project: ProjectDeclaration | null, creditCode: string): string {
  return project ? `project.${project.code}` : `project.enterprise-${creditCode}`;
}

/**
 * Whether a new claim may stand beside the live claims on the same project: another application
 * of the same program and round is refused for per-project/product programs; one under another
 * policy with support of the same nature is refused when either program says so, else shown to
 * the reviewer with the other application named.
 */
export function judgeClaim(claims: readonly ProjectClaim[], claim: ProjectClaim): ClaimVerdict {
  const live = claims.filter((c) => c.released === null && c.applicationId !== claim.applicationId);
  const sameRound = live.filter((c) => c.programId === claim.programId && c.roundId === claim.roundId);
  if (claim.per !== 'applicant' && sameRound.length > 0) {
    return {
      verdict: 'refused',
      reason: `the ${claim.per} already has application ${sameRound.map((c) => c.applicationId).join(', ')} in round ${claim.roundId}`,
      rule: SAME_PROJECT_RULE,
      others: sameRound,
    };
  }
  const dipping = live.filter((c) => c.nature === claim.nature && c.policyId !== claim.policyId);
  if (dipping.length === 0) return { verdict: 'accepted', others: [] };
  const named = dipping.map((c) => `${c.applicationId} (${c.programId}, policy ${c.policyId})`).join(', ');
  const refuse = claim.doubleDipping === 'refuse' || dipping.some((c) => c.doubleDipping === 'refuse');
  return refuse
    ? { verdict: 'refused', reason: `the project already takes support of the same nature (${claim.nature}) under another policy: ${named}`, rule: DOUBLE_DIPPING_RULE, others: dipping }
    : { verdict: 'shown-to-reviewer', reason: `support of the same nature (${claim.nature}) under another policy: ${named}; the reviewer decides`, rule: DOUBLE_DIPPING_RULE, others: dipping };
}
