/**
 * What the rules that refuse an action are made of: the refusal and its stable type (the API maps
 * it to an HTTP status), checks on the request's fields, and facts of the state several actions
 * ask about. Each action's own rule is in its module (domain/actions/<name>.ts).
 */
import type { ApplicationState, Tranche } from '../application';
import { dateProblem } from '../dates';
import { compareYuan, yuanProblem, type Yuan } from '../money';

export type RefusalType = 'WrongStage' | 'Forbidden' | 'SeparationOfDuties' | 'InvalidInput' | 'Conflict';

export interface Refusal {
  type: RefusalType;
  message: string;
}

export const invalid = (message: string): Refusal => ({ type: 'InvalidInput', message });
export const conflict = (message: string): Refusal => ({ type: 'Conflict', message });
export const separation = (message: string): Refusal => ({ type: 'SeparationOfDuties', message });

export function amountProblem(value: unknown, field: string): Refusal | null {
  const problem = yuanProblem(value);
  if (problem) return invalid(`${field} ${problem}`);
  if (compareYuan(value as Yuan, '0.00') <= 0) return invalid(`${field} must be more than 0.00`);
  return null;
}

export function documentsProblem(value: unknown, field: string): Refusal | null {
  if (!Array.isArray(value) || value.length === 0) return invalid(`${field} must list at least one document`);
  for (const [i, d] of value.entries()) {
    const doc = d as Record<string, unknown>;
    if (typeof doc?.name !== 'string' || doc.name.trim() === '') return invalid(`${field}[${i}].name must not be empty`);
    if (typeof doc.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(doc.sha256)) return invalid(`${field}[${i}].sha256 must be 64 lowercase hex digits`);
    if (typeof doc.url !== 'string' || !/^https?:\/\//.test(doc.url)) return invalid(`${field}[${i}].url must be an http(s) URL`);
  }
  return null;
}

/** A date the actor states (signed on, paid on): real, not in the future, not before `earliest`. */
export function statedDateProblem(value: unknown, field: string, today: string, earliest: string | null, earliestWhat: string): Refusal | null {
  const problem = dateProblem(value);
  if (problem) return invalid(`${field} ${problem}`);
  const date = value as string;
  if (date > today) return invalid(`${field} ${date} is in the future (today is ${today} in Asia/Shanghai)`);
  if (earliest && date < earliest) return invalid(`${field} ${date} is before ${earliestWhat} (${earliest})`);
  return null;
}

/** Checks one after the other; the first refusal wins. */
export function first(...checks: Array<() => Refusal | null>): Refusal | null {
  for (const check of checks) {
    const refusal = check();
    if (refusal) return refusal;
  }
  return null;
}

export function trancheOf(state: ApplicationState, n: number): Tranche | undefined {
  return state.tranches.find((t) => t.n === n);
}

/** Whether money has moved or is moving: a payment instruction was sent for some tranche. */
export function paymentStarted(state: ApplicationState): boolean {
  return state.tranches.some((t) => t.status === 'instructed' || t.status === 'paid');
}

/** What some validators need beyond the state: program settings and the live statement. */
export interface ActionContext {
  extensionMaxDays: number;
  /** The exact amount outstanding on a date, from the clawback statement with the LPR in force. */
  outstandingOn?: (date: string) => Yuan;
}

/** While a fraud or breach report waits for the approver, no tranche moves towards payment. */
export function suspension(s: ApplicationState): Refusal | null {
  const open = openReport(s);
  return open ? conflict(`report ${open.n} (${open.kind}) waits for the approver's decision: disbursement is suspended until then`) : null;
}

/** Money reached the applicant: some tranche is confirmed paid. */
export function moneyPaid(state: ApplicationState): boolean {
  return state.tranches.some((t) => t.status === 'paid');
}

/** The report waiting for the approver's decision, if any. */
export function openReport(state: ApplicationState) {
  return state.reports.find((r) => r.status === 'open');
}

