/**
 * The engine's custom search attributes: what staff and auditors filter applications by through
 * Temporal visibility. Names are a stable contract (stored on the server); no personal data.
 * Imported by the workflow (to upsert), the client (to start and list) and the worker (to register).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTES = {
  stage: defineSearchAttributeKey('SubsidyStage', SearchAttributeType.KEYWORD),
  programId: defineSearchAttributeKey('SubsidyProgramId', SearchAttributeType.KEYWORD),
  round: defineSearchAttributeKey('SubsidyRound', SearchAttributeType.KEYWORD),
  applicantCreditCode: defineSearchAttributeKey('SubsidyApplicantCreditCode', SearchAttributeType.KEYWORD),
  pendingRoles: defineSearchAttributeKey('SubsidyPendingRoles', SearchAttributeType.KEYWORD_LIST),
  /** When the application was filed (the first run's start; continued runs keep it). */
  filedAt: defineSearchAttributeKey('SubsidyFiledAt', SearchAttributeType.DATETIME),
  /** SHA-256 of the filer's id and the Idempotency-Key of the filing request (not the key). */
  filingKey: defineSearchAttributeKey('SubsidyFilingKey', SearchAttributeType.KEYWORD),
  /** The earliest deadline among pending items, when any has one. */
  nextDueAt: defineSearchAttributeKey('SubsidyNextDueAt', SearchAttributeType.DATETIME),
} as const;
