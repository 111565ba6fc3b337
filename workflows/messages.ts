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
import type { ActionOutcome } from '../domain/outcome';
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

/**
 * What an accepted action answers: a compact outcome (domain/outcome.ts), stored in history. The
 * state is read with `stateQuery` after it. Histories recorded before answered with the whole state.
 */
export type { ActionOutcome, StateView } from '../domain/outcome';

/** The search attributes the workflow keeps, which the API lists and filters by. */
export { SEARCH_ATTRIBUTES } from './search-attributes';

export const stateQuery = defineQuery<ApplicationState>('state');

export const preliminaryRecordUpdate = defineUpdate<ActionOutcome, [PreliminaryRecordRequest]>('preliminaryRecord');
export const materialsUpdate = defineUpdate<ActionOutcome, [MaterialsRequest]>('materials');
export const supplementRequestUpdate = defineUpdate<ActionOutcome, [SupplementRequest]>('supplementRequest');
export const reviewExtensionUpdate = defineUpdate<ActionOutcome, [ReviewExtensionRequest]>('reviewExtension');
export const inspectionUpdate = defineUpdate<ActionOutcome, [InspectionRequest]>('inspection');
export const recommendationUpdate = defineUpdate<ActionOutcome, [RecommendationRequest]>('recommendation');
export const signOffUpdate = defineUpdate<ActionOutcome, [SignOffRequest]>('signOff');
export const objectionUpdate = defineUpdate<ActionOutcome, [ObjectionRequest]>('objection');
export const objectionResolutionUpdate = defineUpdate<ActionOutcome, [ObjectionResolutionRequest]>('objectionResolution');
export const agreementUpdate = defineUpdate<ActionOutcome, [AgreementRequest]>('agreement');
export const progressUpdate = defineUpdate<ActionOutcome, [ProgressRequest]>('progress');
export const verificationUpdate = defineUpdate<ActionOutcome, [VerificationRequest]>('verification');
export const confirmationUpdate = defineUpdate<ActionOutcome, [ConfirmationRequest]>('confirmation');
export const withdrawalUpdate = defineUpdate<ActionOutcome, [WithdrawalRequest]>('withdrawal');
export const fraudReportUpdate = defineUpdate<ActionOutcome, [FraudReportRequest]>('fraudReport');
export const breachReportUpdate = defineUpdate<ActionOutcome, [BreachReportRequest]>('breachReport');
export const clawbackDecisionUpdate = defineUpdate<ActionOutcome, [ClawbackDecisionRequest]>('clawbackDecision');
export const repaymentUpdate = defineUpdate<ActionOutcome, [RepaymentRequest]>('repayment');

/**
 * Sent by the API when an admin supplies a calendar year, so that applications waiting for it
 * resume at once (they also look again by themselves once a day).
 */
export const calendarUpdatedSignal = defineSignal<[{ year: number }]>('calendarUpdated');
