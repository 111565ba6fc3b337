/**
 * What each staff or applicant action asks of an application: the body of its endpoint plus the
 * actor (from the credential, never from the body) and an optional comment. Each request is
 * defined in its action's module (domain/actions/<name>.ts); this module names them all.
 */
export type { ActionRequest } from './actions/define';
export type { RequestByAction } from './actions';
export type { PreliminaryRecordRequest } from './actions/preliminary-record';
export type { MaterialsRequest } from './actions/materials';
export type { SupplementRequest } from './actions/supplement-request';
export type { ReviewExtensionRequest } from './actions/review-extension';
export type { InspectionRequest } from './actions/inspection';
export type { RecommendationRequest } from './actions/recommendation';
export type { SignOffRequest } from './actions/sign-off';
export type { ObjectionRequest } from './actions/objections';
export type { ObjectionResolutionRequest } from './actions/resolution';
export type { AgreementRequest } from './actions/agreement';
export type { ProgressRequest } from './actions/progress';
export type { VerificationRequest } from './actions/verification';
export type { ConfirmationRequest } from './actions/confirmation';
export type { WithdrawalRequest } from './actions/withdrawal';
export type { FraudReportRequest } from './actions/fraud-report';
export type { BreachReportRequest } from './actions/breach-report';
export type { ClawbackDecisionRequest } from './actions/clawback-decision';
export type { RepaymentRequest } from './actions/repayments';
export type { CostsRequest } from './actions/costs';
