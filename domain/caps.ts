/**
 * Annual caps per applicant (002 第六条: at most 3000万 a year under the policy, a merchant 300万;
 * 第十六条 and the 仓储 rule add caps per program). What one applicant holds in a year is the sum
 * of its reservations, one per application signed off; a new reservation is granted up to the
 * room every applicable cap leaves, and what is over is cut, with the reason. One serialising
 * entity per applicant and year (workflows/ledger.ts) applies this, so two sign-offs that race
 * are answered one after the other and the total never goes over a cap.
 */
import { compareYuan, formatYuan, parseYuan, type Yuan } from './money';
import type { RoundCap } from './rounds';

/** What one application holds against the applicant's year. */
export interface Reservation {
  applicationId: string;
  programId: string;
  policyId: string;
  roundId: string;
  amount: Yuan;
  at: string;
}

export interface CapCut {
  capId: string;
  description: string;
  cap: Yuan;
  /** What the applicant's other applications already hold within the cap's scope. */
  heldByOthers: Yuan;
  room: Yuan;
}

export interface Grant {
  requested: Yuan;
  granted: Yuan;
  /** Every cap whose room is below the request, in the caps' order (empty when none is). */
  cuts: CapCut[];
  /** Each cap checked, with the room it left, for the auditor. */
  checked: CapCut[];
}

function inScope(cap: RoundCap, request: Pick<Reservation, 'programId' | 'policyId'>, other: Reservation): boolean {
  return cap.scope === 'applicant-per-program' ? other.programId === request.programId : other.policyId === request.policyId;
}

/**
 * How much of `request.amount` the caps allow, given what the applicant's other applications hold.
 * The application's own earlier reservation (a retry, a new sign-off after a return) is replaced,
 * not added to.
 */
export function grantWithinCaps(held: readonly Reservation[], request: Omit<Reservation, 'at'>, caps: readonly RoundCap[]): Grant {
  let granted = parseYuan(request.amount);
  const checked: CapCut[] = [];
  const cuts: CapCut[] = [];
  for (const cap of caps) {
    const others = held.filter((r) => r.applicationId !== request.applicationId && inScope(cap, request, r));
    const heldByOthers = others.reduce((sum, r) => sum.plus(parseYuan(r.amount)), parseYuan('0.00'));
    const roomDecimal = parseYuan(cap.amount).minus(heldByOthers);
    const room = roomDecimal.isNegative() ? '0.00' : formatYuan(roomDecimal);
    const line = { capId: cap.id, description: cap.description, cap: cap.amount, heldByOthers: formatYuan(heldByOthers), room };
    checked.push(line);
    // Named when its room is below what was asked (not what earlier caps left), so the caps' order changes nothing.
    if (compareYuan(room, request.amount) < 0) cuts.push(line);
    if (compareYuan(room, formatYuan(granted)) < 0) granted = parseYuan(room);
  }
  return { requested: request.amount, granted: formatYuan(granted), cuts, checked };
}

/** The reason a cut is shown with, in words. */
export function cutReason(grant: Grant): string | null {
  if (grant.cuts.length === 0) return null;
  return grant.cuts
    .map((c) => `${c.description}: cap ${c.cap}, already held ${c.heldByOthers}, room ${c.room}`)
    .join('; ') + ` → ${grant.requested} cut to ${grant.granted}`;
}
