/**
 * How the audit trail words things (api/history.ts assembles it): one sentence per action and
 * external effect, the amounts and payment references it carries, what changed in the state,
 * and what each timer waited for. Pure; tested through api/history.ts on recorded histories.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { ENGINE, type ApplicationState } from '../domain/application';
import type { Grant } from '../domain/caps';
import type { Allocation } from '../domain/rounds';
import type { StateView } from '../domain/outcome';
import type { LprTable } from '../domain/lpr';
import type { AwardEvaluation, ScheduleLine } from '../domain/catalog';
import { addCalendarDays, windowClosesAt } from '../domain/calendar';
import type {
  ApplicantNotification,
  CreditRecord,
  DishonestyCheck,
  Escalation,
  NoticePublication,
  ObjectorNotification,
  PaymentInstruction,
  Referral,
  WorkingDaysAnswer,
} from '../domain/effects';
import { ACTIONS, actionOfUpdate, type ActionName } from '../domain/actions';
import type { ConfirmationRequest } from '../domain/requests';
import type { AuditActor, AuditEntry, HistoryEvent, Payloads } from './history-types';

// ------------------------------------------------------------------------------------------------
// Decoding
// ------------------------------------------------------------------------------------------------

export function num(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x && typeof x === 'object' && 'toNumber' in x) return (x as { toNumber(): number }).toNumber();
  return Number(x ?? 0);
}

/** A Timestamp or Duration in ms; `seconds` is a Long from gRPC and a number from JSON. */
export const msOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? num(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0);
export const iso = (ms: number) => new Date(ms).toISOString();
export const timeOf = (e: HistoryEvent) => iso(msOf(e.eventTime));

/** The first payload as JSON; undefined when absent or not decodable (e.g. an encrypted codec). */
export function first<T>(payloads: Payloads): T | undefined {
  const p = payloads?.payloads?.[0];
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(p);
  } catch {
    return undefined;
  }
}

const YUAN = /^-?(0|[1-9][0-9]*)\.[0-9]{2}$/;

/** The top-level fields of `o` that hold yuan amounts, keyed `prefix + name`. */
export function yuanFields(o: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string' && YUAN.test(v)) out[prefix + k] = v;
  }
  return out;
}

export const orNone = <T extends object>(o: T): T | undefined => (Object.keys(o).length ? o : undefined);

export function who(a: AuditActor | null): string {
  if (!a) return 'someone';
  return a.id === ENGINE.id ? a.name : `${a.role} ${a.name} (${a.id})`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function humanDuration(ms: number): string {
  const trim = (x: number) => String(Number(x.toFixed(1)));
  if (ms >= 86_400_000) return `${trim(ms / 86_400_000)} days`;
  if (ms >= 3_600_000) return `${trim(ms / 3_600_000)} hours`;
  if (ms >= 60_000) return `${trim(ms / 60_000)} minutes`;
  return `${trim(ms / 1000)} seconds`;
}

// ------------------------------------------------------------------------------------------------
// Actions (updates): endpoint and sentence per update name
// ------------------------------------------------------------------------------------------------


/** How the audit trail words an action: its request, and the watched fields once the engine reacted. */
type Phrase<R> = (r: R, after: StateView | undefined) => string;

const trancheOf = (s: StateView | undefined, n: number) => s?.tranches?.find((t) => t.n === n);


/** The action an update name stands for (its name or an earlier one): its endpoint (with `:n`) and how the trail words it. */
export function actionSpec(update: string): { path: string; phrase: Phrase<Record<string, unknown>> } | undefined {
  const action = actionOfUpdate(update);
  if (!action) return undefined;
  return { path: ACTIONS[action].path, phrase: ACTIONS[action].phrase as unknown as Phrase<Record<string, unknown>> };
}

/** Amounts, references and context an action carries beyond its request. */
export function actionExtras(name: ActionName | undefined, r: Record<string, unknown>, after: StateView | undefined): Pick<AuditEntry, 'amounts' | 'paymentReference'> {
  const amounts = yuanFields(r);
  let paymentReference: AuditEntry['paymentReference'];
  if (name === 'confirmation') {
    const c = r as unknown as ConfirmationRequest;
    const t = trancheOf(after, c.n);
    if (t) amounts['tranche amount'] = t.amount;
    paymentReference = {
      tranche: c.n,
      treasuryReference: c.treasuryReference,
      ...(t?.instruction?.idempotencyKey ? { idempotencyKey: t.instruction.idempotencyKey } : {}),
    };
  }
  if (name === 'repayments' && after?.clawback) amounts['outstanding after'] = after.clawback.outstanding;
  return { amounts: orNone(amounts), ...(paymentReference ? { paymentReference } : {}) };
}

// ------------------------------------------------------------------------------------------------
// Activities
// ------------------------------------------------------------------------------------------------

/** External effects (the rest are reads and computations, recorded so replay never depends on them). */
export const EFFECTS = new Set(['sendPaymentInstruction', 'publishNotice', 'notifyApplicant', 'notifyObjector', 'recordCredit', 'sendReferral', 'escalate']);

interface ActivityView {
  summary: string;
  amounts?: Record<string, string>;
  paymentReference?: AuditEntry['paymentReference'];
  idempotencyKey?: string;
}

export function activityView(type: string, input: unknown, result: unknown): ActivityView {
  const i = (input ?? {}) as Record<string, unknown>;
  const key = typeof i.idempotencyKey === 'string' ? { idempotencyKey: i.idempotencyKey } : {};
  switch (type) {
    case 'sendPaymentInstruction': {
      const p = i as unknown as PaymentInstruction;
      return {
        summary: `sent the payment instruction for tranche ${p.tranche} (${p.milestone}): ${p.amount} yuan to ${p.payee?.name} (${p.payee && 'account' in p.payee ? `${p.payee.payee}, account ${p.payee.account}, for ${p.payee.onBehalfOf.name}` : p.payee?.creditCode}), reference ${p.idempotencyKey}`,
        amounts: orNone(yuanFields(p)),
        paymentReference: { tranche: p.tranche, idempotencyKey: p.idempotencyKey },
        ...key,
      };
    }
    case 'publishNotice': {
      const p = i as unknown as NoticePublication;
      return {
        summary: `published public notice ${p.publication} (公示): ${p.amount} yuan to ${p.applicant?.name}, objections until the end of ${p.lastDay}`,
        amounts: orNone(yuanFields(p)),
        ...key,
      };
    }
    case 'notifyApplicant':
      return { summary: `notified the applicant: ${(i as unknown as ApplicantNotification).subject}`, ...key };
    case 'notifyObjector': {
      const p = i as unknown as ObjectorNotification;
      return { summary: `sent the objector the decision on objection ${p.objection}`, ...key };
    }
    case 'recordCredit': {
      const p = i as unknown as CreditRecord;
      return { summary: `recorded ${p.name} (${p.creditCode}) in credit management (信用管理): ${p.reason}`, ...key };
    }
    case 'sendReferral': {
      const p = i as unknown as Referral;
      const to = p.to === 'judiciary' ? 'the judicial authorities' : 'enforcement';
      return {
        summary: `referred the case to ${to}: ${p.reason}${p.outstanding ? `, ${p.outstanding} yuan outstanding` : ''}`,
        amounts: orNone(yuanFields(p)),
        ...key,
      };
    }
    case 'escalate': {
      const p = i as unknown as Escalation;
      return { summary: `escalated to the ${p.role} role: ${p.subject}`, ...key };
    }
    case 'checkDishonestyList': {
      const r = result as DishonestyCheck | undefined;
      return { summary: `checked the serious-dishonesty list for ${String(i.creditCode)}${r ? `: ${r.listed ? 'listed' : 'not listed'}` : ''}` };
    }
    case 'workingDays': {
      const r = result as WorkingDaysAnswer | undefined;
      const answer = !r ? '' : r.ok ? `: the last is ${r.lastDay}` : `: no working-day calendar for ${r.missingYear}`;
      return { summary: `counted ${plural(num(i.count), 'working day')} from ${String(i.from)}${answer}` };
    }
    case 'assessAward': {
      const r = result as AwardEvaluation | undefined;
      const answer = !r ? '' : r.eligible ? `: at most ${r.amount} yuan` : `: not eligible (${r.reason ?? 'no reason given'})`;
      return {
        summary: `assessed the award by the program's formula${answer}`,
        amounts: r?.eligible ? orNone({ amountByFormula: r.amount, ...(r.cap ? { cap: r.cap } : {}) }) : undefined,
      };
    }
    case 'paymentSchedule': {
      const lines = Array.isArray(result) ? (result as ScheduleLine[]) : [];
      const amounts: Record<string, string> = yuanFields(i);
      lines.forEach((l, k) => (amounts[`tranche ${k + 1}`] = l.amount));
      const list = lines.map((l, k) => `${k + 1}. ${l.milestone} ${l.amount}`).join('; ');
      return { summary: `fixed the payment schedule for ${String(i.approved)} yuan${list ? `: ${list}` : ''}`, amounts: orNone(amounts) };
    }
    case 'reserveWithinCaps': {
      const r = result as Grant | undefined;
      const request = rec(rec(i.request).reservation);
      const cuts = r?.cuts.length ? `, cut by ${r.cuts.map((c) => `${c.capId} (room ${c.room})`).join(', ')}` : '';
      return {
        summary: `reserved ${String(request.amount)} yuan within ${String(i.creditCode)}'s annual caps for ${String(i.year)}${r ? `: ${r.granted} granted${cuts}` : ''}`,
        amounts: orNone({ requested: String(request.amount), ...(r ? { granted: r.granted } : {}) }),
      };
    }
    case 'allocateInRound': {
      const r = result as Allocation | undefined;
      return {
        summary: `asked round ${String(i.roundId)} for ${String(rec(i.request).amount)} yuan of its budget${r ? `: ${r.allocated} allocated` : ''}`,
        amounts: orNone({ requested: String(rec(i.request).amount), ...(r ? { allocated: r.allocated } : {}) }),
      };
    }
    case 'lprTable': {
      const r = result as LprTable | undefined;
      return { summary: `read the LPR fixings${r ? ` (${plural(r.fixings?.length ?? 0, 'fixing')}, confirmed through ${r.confirmedThrough})` : ''}` };
    }
    default:
      return { summary: `ran activity ${type}`, amounts: orNone(yuanFields(i)), ...key };
  }
}

// ------------------------------------------------------------------------------------------------
// Timers: what each one waited for
// ------------------------------------------------------------------------------------------------

export const rec = (x: unknown): Record<string, unknown> => (x && typeof x === 'object' ? (x as Record<string, unknown>) : {});
export const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** Deadline instants named in the workflow's audit and state → what they are. */
export function deadlinesOf(state: ApplicationState | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!state) return out;
  const add = (at: string | undefined, what: string) => at && !out.has(at) && out.set(at, what);
  for (const a of state.audit ?? []) {
    const d = rec(a.details);
    if (a.action === 'deadline') add(str(d.dueAt), `the ${str(d.for) ?? ''} deadline`.replace('  ', ' '));
    if (a.action === 'review-started' || a.action === 'review-clock-restarted') add(str(rec(d.clock).dueAt), 'the review deadline');
    if (a.action === 'review-extension') add(str(rec(d.after).dueAt), 'the extended review deadline');
    if (a.action === 'notice-published' && str(d.lastDay)) add(windowClosesAt(str(d.lastDay)!), `the end of the public-notice window (publication ${String(d.publication)})`);
    if (a.action === 'monitoring-started' && Array.isArray(d.obligations)) {
      for (const o of d.obligations.map(rec)) if (str(o.endsOn)) add(windowClosesAt(str(o.endsOn)!), `the end of obligation ${String(o.id)} (${String(o.endsOn)})`);
    }
  }
  for (const t of state.tranches ?? []) {
    if (t.claimableFrom) add(windowClosesAt(addCalendarDays(t.claimableFrom, -1)), `tranche ${t.n} becoming claimable on ${t.claimableFrom}`);
  }
  return out;
}

/** For histories recorded before timers were named: the deadline the workflow recorded for that instant. */
export function timerPurpose(firesAt: string, deadlines: Map<string, string>): string | null {
  return deadlines.get(firesAt) ?? null;
}

