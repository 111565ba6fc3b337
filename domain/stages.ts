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
] as const;

const END_STAGES = ['completed', 'rejected', 'withdrawn', 'lapsed', 'clawed-back', 'referred'] as const;

export const STAGES = [...ACTIVE_STAGES, ...END_STAGES] as const;

export type Stage = (typeof STAGES)[number];
export type EndStage = (typeof END_STAGES)[number];

export function isEndStage(stage: Stage): stage is EndStage {
  return (END_STAGES as readonly string[]).includes(stage);
}
