/**
 * Messages of the application workflow, defined once and shared by the workflow and the API.
 * Their names are stored in histories: never rename one.
 *
 * Staff and applicant actions are Updates, not Signals: the caller needs to know at once whether
 * the action was accepted (right stage, right role) or refused and why, and an update id makes a
 * retried request apply once. Each request carries the actor (from the credential, never from the
 * body) and an optional comment; the rest is the HTTP body of the matching endpoint.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApplicationState } from '../domain/application';
import type {
  PreliminaryRecordRequest,
  MaterialsRequest,
  SupplementRequest,
  ReviewExtensionRequest,
  InspectionRequest,
  RecommendationRequest,
  SignOffRequest,
  ObjectionRequest,
  ObjectionResolutionRequest,
  AgreementRequest,
  ProgressRequest,
  VerificationRequest,
  ConfirmationRequest,
  WithdrawalRequest,
  FraudReportRequest,
  BreachReportRequest,
  ClawbackDecisionRequest,
  RepaymentRequest,
} from '../domain/requests';

/** The request of each action, in domain/requests.ts; part of this public message module. */
export type * from '../domain/requests';

/** The search attributes the workflow keeps, which the API lists and filters by. */
export { SEARCH_ATTRIBUTES } from './search-attributes';

export const stateQuery = defineQuery<ApplicationState>('state');

export const preliminaryRecordUpdate = defineUpdate<ApplicationState, [PreliminaryRecordRequest]>('preliminaryRecord');
export const materialsUpdate = defineUpdate<ApplicationState, [MaterialsRequest]>('materials');
export const supplementRequestUpdate = defineUpdate<ApplicationState, [SupplementRequest]>('supplementRequest');
export const reviewExtensionUpdate = defineUpdate<ApplicationState, [ReviewExtensionRequest]>('reviewExtension');
export const inspectionUpdate = defineUpdate<ApplicationState, [InspectionRequest]>('inspection');
export const recommendationUpdate = defineUpdate<ApplicationState, [RecommendationRequest]>('recommendation');
export const signOffUpdate = defineUpdate<ApplicationState, [SignOffRequest]>('signOff');
export const objectionUpdate = defineUpdate<ApplicationState, [ObjectionRequest]>('objection');
export const objectionResolutionUpdate = defineUpdate<ApplicationState, [ObjectionResolutionRequest]>('objectionResolution');
export const agreementUpdate = defineUpdate<ApplicationState, [AgreementRequest]>('agreement');
export const progressUpdate = defineUpdate<ApplicationState, [ProgressRequest]>('progress');
export const verificationUpdate = defineUpdate<ApplicationState, [VerificationRequest]>('verification');
export const confirmationUpdate = defineUpdate<ApplicationState, [ConfirmationRequest]>('confirmation');
export const withdrawalUpdate = defineUpdate<ApplicationState, [WithdrawalRequest]>('withdrawal');
export const fraudReportUpdate = defineUpdate<ApplicationState, [FraudReportRequest]>('fraudReport');
export const breachReportUpdate = defineUpdate<ApplicationState, [BreachReportRequest]>('breachReport');
export const clawbackDecisionUpdate = defineUpdate<ApplicationState, [ClawbackDecisionRequest]>('clawbackDecision');
export const repaymentUpdate = defineUpdate<ApplicationState, [RepaymentRequest]>('repayment');

/**
 * Sent by the API when an admin supplies a calendar year, so that applications waiting for it
 * resume at once (they also look again by themselves once a day).
 */
export const calendarUpdatedSignal = defineSignal<[{ year: number }]>('calendarUpdated');
