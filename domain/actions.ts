/**
 * Which staff or applicant action is allowed, by whom, at which stage. One table, read by the
 * workflow's update validators (the authority) and by the API (to refuse early, with the same
 * reason). Each refusal carries a stable type the API maps to an HTTP status.
 */
import type { ApplicationState } from './application';
import type { Actor, Role } from './roles';
import { ACTIVE_STAGES, type Stage } from './stages';

export type RefusalType = 'WrongStage' | 'Forbidden' | 'SeparationOfDuties' | 'InvalidInput' | 'Conflict';

export interface Refusal {
  type: RefusalType;
  message: string;
}

export interface ActionRule {
  /** Roles that may take the action. */
  roles: readonly Role[];
  /** Stages at which the action is possible. */
  stages: readonly Stage[];
}

/**
 * The role × stage table of every action (endpoint `POST /applications/:id/<path>`; the action is
 * the path's last word). Conditions that need more of the state (once only, window still open,
 * separation of duties) are checked by the workflow's validators after this table.
 */
/** Every active stage up to the end of disbursement (withdrawal is possible until payment). */
const BEFORE_PAYMENT_ENDS = ACTIVE_STAGES.slice(0, ACTIVE_STAGES.indexOf('disbursement') + 1);

export const ACTION_RULES = {
  'preliminary-record': { roles: ['intake-officer'], stages: ['preliminary-record'] },
  // Formal submission, and the answer to the one-time supplement request.
  materials: { roles: ['applicant-system'], stages: ['formal-submission', 'supplement-requested'] },
  'supplement-request': { roles: ['reviewer'], stages: ['review', 'inspection'] },
  // The reviewer asks; a senior (approver) may also grant it, e.g. when the review is escalated.
  'review-extension': { roles: ['reviewer', 'approver'], stages: ['review', 'inspection'] },
  inspection: { roles: ['inspector'], stages: ['inspection'] },
  recommendation: { roles: ['reviewer'], stages: ['review'] },
  'sign-off': { roles: ['approver'], stages: ['sign-off'] },
  // Written objections are received and recorded by the office that published the notice.
  objections: { roles: ['notice-officer'], stages: ['public-notice'] },
  // Deciding an objection changes the award: the government side (approver) decides.
  resolution: { roles: ['approver'], stages: ['public-notice'] },
  agreement: { roles: ['applicant-system'], stages: ['agreement'] },
  progress: { roles: ['applicant-system'], stages: ['disbursement'] },
  verification: { roles: ['reviewer', 'inspector'], stages: ['disbursement'] },
  // A payment instructed before a clawback decision may still be confirmed: the money did move.
  confirmation: { roles: ['finance-officer'], stages: ['disbursement', 'clawback', 'referred'] },
  withdrawal: { roles: ['applicant-system'], stages: BEFORE_PAYMENT_ENDS },
  // Part 2: fraud and breach found by inspection, decided by the approver, repaid to finance.
  'fraud-report': { roles: ['inspector'], stages: [...BEFORE_PAYMENT_ENDS, 'monitoring'] },
  'breach-report': { roles: ['inspector'], stages: ['disbursement', 'monitoring'] },
  'clawback-decision': { roles: ['approver'], stages: ['disbursement', 'monitoring'] },
  // `referred` is an end stage for reporting, yet repayments are still received there.
  repayments: { roles: ['finance-officer'], stages: ['clawback', 'referred'] },
} as const satisfies Record<string, ActionRule>;

export type ActionName = keyof typeof ACTION_RULES;

/** Role check alone: what the API can decide before asking the workflow. */
function roleRefusal(action: ActionName, actor: Actor): Refusal | null {
  const rule: ActionRule = ACTION_RULES[action];
  if (!rule.roles.includes(actor.role)) {
    return {
      type: 'Forbidden',
      message: `${action} is for the ${rule.roles.join(' or ')} role; ${actor.name} acts as ${actor.role}`,
    };
  }
  return null;
}

/** Role and stage check against the application's current state. */
export function actionRefusal(action: ActionName, actor: Actor, state: ApplicationState): Refusal | null {
  const byRole = roleRefusal(action, actor);
  if (byRole) return byRole;
  const rule: ActionRule = ACTION_RULES[action];
  if (!rule.stages.includes(state.stage)) {
    return {
      type: 'WrongStage',
      message: `${action} is only possible at stage ${rule.stages.join(' or ')}; application ${state.id} is at stage ${state.stage}`,
    };
  }
  return null;
}
