/**
 * The stage vocabulary of an application. Stable: it is stored in search attributes, histories
 * and other systems' code, so words are added, never renamed.
 */
export const ACTIVE_STAGES = [
  'preliminary-record',
  'formal-submission',
  'review',
  'supplement-requested',
  'inspection',
  'sign-off',
  'public-notice',
  'agreement',
  'disbursement',
  'monitoring',
  'clawback',
  // A recovery case opened on a closed application, until the approver decides (domain/recovery.ts).
  'recovery',
] as const;

const END_STAGES = ['completed', 'rejected', 'withdrawn', 'lapsed', 'clawed-back', 'referred'] as const;

export const STAGES = [...ACTIVE_STAGES, ...END_STAGES] as const;

export type Stage = (typeof STAGES)[number];
export type EndStage = (typeof END_STAGES)[number];

export function isEndStage(stage: Stage): stage is EndStage {
  return (END_STAGES as readonly string[]).includes(stage);
}
