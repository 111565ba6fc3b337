/**
 * The messages the engine sends as external effects, and the answers of its reads, as recorded in
 * history: one shape for the activities that send them (activities/), the workflow that asks for
 * them, and the audit trail that reads them back (api/history-render.ts).
 */
import type { Objector } from './application';
import type { Yuan } from './money';
import type { Role } from './roles';

/** Common to every effect: which application, and a key stable across retries. */
export interface EffectBase {
  applicationId: string;
  /** Stable per effect, e.g. `<id>:tranche:2:payment-instruction`, so a retry sends nothing twice. */
  idempotencyKey: string;
}

export interface ApplicantNotification extends EffectBase {
  creditCode: string;
  subject: string;
  body: string;
}

export interface ObjectorNotification extends EffectBase {
  objector: Objector;
  objection: number;
  subject: string;
  body: string;
}

export interface NoticePublication extends EffectBase {
  publication: number;
  programId: string;
  applicant: { creditCode: string; name: string };
  amount: Yuan;
  publishedOn: string;
  lastDay: string;
  days: string[];
}

export interface PaymentInstruction extends EffectBase {
  tranche: number;
  milestone: string;
  amount: Yuan;
  /** The applicant; or, for a share the program pays someone else (the team leader), that payee with its account, on the applicant's behalf. */
  payee: { creditCode: string; name: string } | { payee: string; name: string; account: string; onBehalfOf: { creditCode: string; name: string } };
  programId: string;
}

export interface Escalation extends EffectBase {
  role: Role;
  subject: string;
  body: string;
}

export type WorkingDaysAnswer =
  | { ok: true; from: string; count: number; days: string[]; lastDay: string; closesAt: string; sources: Record<string, string> }
  | { ok: false; missingYear: number; message: string };

export interface DishonestyCheck {
  listed: boolean;
  /** Which list was consulted (file path or URL), for the audit trail. */
  source: string;
  checkedAt: string;
  entry?: Record<string, unknown>;
}

export type EffectReceipt = { delivered: boolean; at: string };

/** A record for credit management 信用管理 (002 第三十三条): who, why, on which application. */
export interface CreditRecord extends EffectBase {
  creditCode: string;
  name: string;
  reason: string;
  /** `fraud` or `breach`, and the report's number. */
  kind: 'fraud' | 'breach';
  report: number;
}

/** A referral to the judicial authorities (涉嫌犯罪) or, for an unsettled clawback, to enforcement. */
export interface Referral extends EffectBase {
  to: 'judiciary' | 'enforcement';
  creditCode: string;
  name: string;
  reason: string;
  outstanding?: Yuan;
}
