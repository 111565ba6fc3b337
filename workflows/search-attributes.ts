/**
 * The engine's custom search attributes: what staff and auditors filter applications by through
 * Temporal visibility. Names are a stable contract (stored on the server). Imported by the
 * workflow (to upsert), the client (to start and list) and the worker (to register).
 *
 * No personal data. Search attributes are the one part of a workflow the payload codec cannot
 * encrypt (the service indexes them), so they hold only: the stage, program, round, pending roles
 * and dates, a hash (the filing key), and the applicant's unified social credit code. The credit
 * code stays, deliberately: it is the public registration number of an enterprise (printed on its
 * business licence and published in the national enterprise credit information system), it is
 * already in clear in the workflow id (`<program>.<round>.<creditCode>`), and staff find an
 * applicant's files by it. Names of enterprises or people, facts, findings and amounts are never
 * here; test/e2e/encryption.test.ts checks a known applicant name is absent from them.
 */
import { defineSearchAttributeKey, type SearchAttributePair, SearchAttributeType } from '@temporalio/common';

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

/**
 * The listing fields a workflow starts with, so it is listed from its first moment (the workflow
 * upserts them as they change): an application filed (`preliminary-record`, pending for the
 * intake officer, its filing key when it has one) or a recovery case opened (`recovery`).
 */
export function startingAttributes(a: {
  stage: string;
  programId: string;
  round: string;
  creditCode: string;
  filedAt: Date;
  pendingRoles?: string[];
  filingKey?: string;
}): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTES.stage, value: a.stage },
    { key: SEARCH_ATTRIBUTES.programId, value: a.programId },
    { key: SEARCH_ATTRIBUTES.round, value: a.round },
    { key: SEARCH_ATTRIBUTES.applicantCreditCode, value: a.creditCode },
    ...(a.pendingRoles ? [{ key: SEARCH_ATTRIBUTES.pendingRoles, value: a.pendingRoles }] : []),
    { key: SEARCH_ATTRIBUTES.filedAt, value: a.filedAt },
    ...(a.filingKey ? [{ key: SEARCH_ATTRIBUTES.filingKey, value: a.filingKey }] : []),
  ];
}
