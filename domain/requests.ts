/**
 * What each staff or applicant action asks of an application: the body of its endpoint plus the
 * actor (from the credential, never from the body) and an optional comment. Pure data, shared by
 * the rules (domain/lifecycle.ts), the workflow's updates (workflows/messages.ts) and the API.
 */
import type { Document, Objector } from './application';
import type { Yuan } from './money';
import type { Actor } from './roles';

/** Every action carries who takes it (from the credential) and their comment. */
export interface ActionRequest {
  actor: Actor;
  comment?: string;
}

/** POST /preliminary-record */
export interface PreliminaryRecordRequest extends ActionRequest {
  decision: 'pass' | 'fail';
  reason: string;
}

/** POST /materials: formal submission, or the answer to the supplement request. */
export interface MaterialsRequest extends ActionRequest {
  documents: Document[];
}

/** POST /supplement-request: once, listing everything missing (一次性告知). */
export interface SupplementRequest extends ActionRequest {
  items: string[];
  /** Working days the applicant has to answer; the program's setting when absent. */
  dueInWorkingDays?: number;
}

/** POST /review-extension: once, at most the program's extensionMaxDays calendar days. */
export interface ReviewExtensionRequest extends ActionRequest {
  days: number;
  reason: string;
}

/** POST /inspection */
export interface InspectionRequest extends ActionRequest {
  result: 'pass' | 'fail';
  findings: string;
}

/** POST /recommendation: `amount` is required to approve and at most what the formula allows. */
export interface RecommendationRequest extends ActionRequest {
  decision: 'approve' | 'reject';
  amount?: Yuan;
  reason: string;
}

/** POST /sign-off: `amount` is required to approve and at most the recommended amount. */
export interface SignOffRequest extends ActionRequest {
  decision: 'approve' | 'reject' | 'return';
  amount?: Yuan;
  reason: string;
}

/** POST /objections: a written objection received during the notice window. */
export interface ObjectionRequest extends ActionRequest {
  text: string;
  objector: Objector;
}

/** POST /objections/:n/resolution: upheld with `amount` reduces the award and notices it again. */
export interface ObjectionResolutionRequest extends ActionRequest {
  n: number;
  upheld: boolean;
  decision: string;
  amount?: Yuan;
}

/** POST /agreement */
export interface AgreementRequest extends ActionRequest {
  /** YYYY-MM-DD, Asia/Shanghai. */
  signedOn: string;
}

/** POST /progress: claims the schedule entry `milestone`. */
export interface ProgressRequest extends ActionRequest {
  milestone: string;
  cumulativeInvestment?: Yuan;
  evidence: Document[];
}

/** POST /progress/:n/verification (n = the tranche claimed). */
export interface VerificationRequest extends ActionRequest {
  n: number;
  accepted: boolean;
  reason: string;
}

/** POST /tranches/:n/confirmation: the treasury paid tranche n. */
export interface ConfirmationRequest extends ActionRequest {
  n: number;
  treasuryReference: string;
  /** YYYY-MM-DD, Asia/Shanghai. */
  paidOn: string;
}

/** POST /withdrawal: before any payment. */
export interface WithdrawalRequest extends ActionRequest {
  reason: string;
}

/** POST /fraud-report: fraud found, at any stage (002 第三十三条: 弄虚作假、骗取资金、拒绝配合监督检查). */
export interface FraudReportRequest extends ActionRequest {
  findings: string;
  evidence: Document[];
}

/** POST /breach-report: an obligation broken (e.g. moved out of the district within 5 years). */
export interface BreachReportRequest extends ActionRequest {
  /** The obligation's id in the state, e.g. `stay-5-years`. */
  obligation: string;
  findings: string;
}

/** POST /clawback-decision: after money was paid, the approver decides on an open report. */
export interface ClawbackDecisionRequest extends ActionRequest {
  decision: 'recover' | 'dismiss';
  /** YYYY-MM-DD: the decision date (fixes the rate for `fixed-at-decision` programs). */
  decisionDate?: string;
  /** Working days to repay; the program's setting when absent. */
  dueInWorkingDays?: number;
  referToJudiciary?: boolean;
  reason: string;
}

/** POST /repayments: money recovered, applied costs → interest → principal. */
export interface RepaymentRequest extends ActionRequest {
  amount: Yuan;
  /** YYYY-MM-DD */
  paidOn: string;
}

/** The request of each action of the registry (domain/actions.ts), by the action's name. */
export interface RequestByAction {
  'preliminary-record': PreliminaryRecordRequest;
  materials: MaterialsRequest;
  'supplement-request': SupplementRequest;
  'review-extension': ReviewExtensionRequest;
  inspection: InspectionRequest;
  recommendation: RecommendationRequest;
  'sign-off': SignOffRequest;
  objections: ObjectionRequest;
  resolution: ObjectionResolutionRequest;
  agreement: AgreementRequest;
  progress: ProgressRequest;
  verification: VerificationRequest;
  confirmation: ConfirmationRequest;
  withdrawal: WithdrawalRequest;
  'fraud-report': FraudReportRequest;
  'breach-report': BreachReportRequest;
  'clawback-decision': ClawbackDecisionRequest;
  repayments: RepaymentRequest;
}
