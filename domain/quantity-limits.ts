/**
 * Limits on quantities across one applicant's applications under a program (001 四（二）4 用房扶持:
 * "最长不超过36个月" over all the enterprise's applications and years; "单个法人企业每年享受补助租赁
 * 面积上限为5000平方米" per enterprise and year). evaluateAward keeps the per-application min(); these
 * hold across applications. One serialising entity per program and applicant
 * (workflows/entitlement.ts) holds what each signed-off application uses and grants a new one what
 * is left, so two sign-offs that race are answered one after the other; the application is then
 * re-evaluated with the granted quantities (workflows/stages/round-award.ts).
 */
import { Decimal } from './money';
import type { Facts, Program, QuantityLimit } from './catalog';

/** What one application holds of one limit. */
export interface QuantityHolding {
  applicationId: string;
  limitId: string;
  /** The round's year: a per-year limit counts the holdings of the same year. */
  year: number;
  quantity: string;
  at: string;
}

/** One limit as an application asks against it: the limit's terms travel with the request (the entity holds no program). */
export interface QuantityAsk {
  limitId: string;
  fact: string;
  max: string;
  per: QuantityLimit['per'];
  description: string;
  /** The fact's value in the application. */
  requested: string;
}

export interface QuantityRequest {
  applicationId: string;
  year: number;
  asks: QuantityAsk[];
}

export interface QuantityLine extends QuantityAsk {
  /** What the applicant's other applications hold within the limit's scope (all years, or this year). */
  heldByOthers: string;
  room: string;
  granted: string;
}

export interface QuantityGrant {
  year: number;
  lines: QuantityLine[];
}

/** The entity of one applicant under one program. */
export function entitlementWorkflowId(programId: string, creditCode: string): string {
  return `entitlement.${programId}.${creditCode}`;
}

function applies(limit: QuantityLimit, facts: Facts): boolean {
  return !limit.when || limit.when.in.includes(String(facts[limit.when.fact]));
}

/** What an application asks of the program's limits, or null when none applies (no entity is called then). */
export function quantityRequest(program: Program, facts: Facts, applicationId: string, year: number): QuantityRequest | null {
  const asks = (program.quantityLimits ?? [])
    .filter((l) => applies(l, facts))
    .map((l) => ({ limitId: l.id, fact: l.fact, max: l.max, per: l.per, description: l.description, requested: new Decimal(String(facts[l.fact])).toFixed() }));
  return asks.length ? { applicationId, year, asks } : null;
}

/**
 * What each limit leaves the request, given what the applicant's other applications hold. The
 * application's own earlier holding (a retry, a new sign-off after a return) is replaced, not added
 * to. Granted is the lower of what was asked and the room; never below 0.
 */
export function grantWithinLimits(held: readonly QuantityHolding[], request: QuantityRequest): QuantityGrant {
  const lines = request.asks.map((ask) => {
    const others = held.filter(
      (h) => h.applicationId !== request.applicationId && h.limitId === ask.limitId && (ask.per === 'applicant-lifetime' || h.year === request.year),
    );
    const heldByOthers = others.reduce((sum, h) => sum.plus(h.quantity), new Decimal(0));
    const room = Decimal.max(0, new Decimal(ask.max).minus(heldByOthers));
    const granted = Decimal.min(room, ask.requested);
    return { ...ask, heldByOthers: heldByOthers.toFixed(), room: room.toFixed(), granted: granted.toFixed() };
  });
  return { year: request.year, lines };
}

/** The limits that granted less than the application asked. */
export function quantityCuts(grant: QuantityGrant): QuantityLine[] {
  return grant.lines.filter((l) => new Decimal(l.granted).lessThan(l.requested));
}

/** The facts with each cut quantity replaced by what was granted, to re-evaluate the award on. */
export function grantedFacts(facts: Facts, grant: QuantityGrant): Facts {
  const out: Facts = { ...facts };
  for (const l of quantityCuts(grant)) out[l.fact] = l.granted;
  return out;
}

/** The reason a quantity cut is shown with, in words (the same shape as the annual caps' reason). */
export function quantityCutReason(grant: QuantityGrant): string {
  return quantityCuts(grant)
    .map((l) => `${l.description}: limit ${l.max}, already held ${l.heldByOthers}${l.per === 'applicant-year' ? ` in ${grant.year}` : ''}, room ${l.room} → ${l.fact} ${l.requested} cut to ${l.granted}`)
    .join('; ');
}
