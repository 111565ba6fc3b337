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
  /** The endpoint under `/applications/:id/`; `:n` is the objection or tranche it acts on. */
  path: string;
  /**
   * Earlier names of the action's Workflow Update, stored in histories recorded before updates
   * were named after their action: the workflow still answers to them, so those histories replay.
   */
  aliases: readonly string[];
  /** One line for the API documentation. */
  summary: string;
  /** Roles that may take the action. */
  roles: readonly Role[];
  /** Stages at which the action is possible. */
  stages: readonly Stage[];
}

/**
 * The registry of every staff and applicant action, keyed by its name: the last word of its
 * endpoint, the name of its Workflow Update and the audit trail's action. With it: its endpoint,
 * the update's earlier names, and who may take it at which stage. The API's routes, access matrix and OpenAPI operations, the workflow's update
 * definitions and the audit trail's wording are all listed from it. Conditions that need more of
 * the state (once only, window still open, separation of duties) are checked by the workflow's
 * validators after the role and stage.
 */
/** Every active stage up to the end of disbursement (withdrawal is possible until payment). */
const BEFORE_PAYMENT_ENDS = ACTIVE_STAGES.slice(0, ACTIVE_STAGES.indexOf('disbursement') + 1);

export const ACTION_RULES = {
  'preliminary-record': {
    path: 'preliminary-record', aliases: ['preliminaryRecord'], summary: 'Record (or refuse) the preliminary record',
    roles: ['intake-officer'], stages: ['preliminary-record'],
  },
  // Formal submission, and the answer to the one-time supplement request.
  materials: {
    path: 'materials', aliases: [], summary: 'Hand in the formal materials, or answer the supplement request',
    roles: ['applicant-system'], stages: ['formal-submission', 'supplement-requested'],
  },
  'supplement-request': {
    path: 'supplement-request', aliases: ['supplementRequest'], summary: 'Ask once for supplementary materials',
    roles: ['reviewer'], stages: ['review', 'inspection'],
  },
  // The reviewer asks; a senior (approver) may also grant it, e.g. when the review is escalated.
  'review-extension': {
    path: 'review-extension', aliases: ['reviewExtension'], summary: 'Extend the review deadline once',
    roles: ['reviewer', 'approver'], stages: ['review', 'inspection'],
  },
  inspection: {
    path: 'inspection', aliases: [], summary: 'Record the on-site inspection',
    roles: ['inspector'], stages: ['inspection'],
  },
  recommendation: {
    path: 'recommendation', aliases: [], summary: 'Recommend approval (with an amount) or rejection',
    roles: ['reviewer'], stages: ['review'],
  },
  'sign-off': {
    path: 'sign-off', aliases: ['signOff'], summary: 'Government sign-off: approve, reject or return',
    roles: ['approver'], stages: ['sign-off'],
  },
  // Written objections are received and recorded by the office that published the notice.
  objections: {
    path: 'objections', aliases: ['objection'], summary: 'Record a written objection received during the public notice',
    roles: ['notice-officer'], stages: ['public-notice'],
  },
  // Deciding an objection changes the award: the government side (approver) decides.
  resolution: {
    path: 'objections/:n/resolution', aliases: ['objectionResolution'], summary: 'Decide an objection',
    roles: ['approver'], stages: ['public-notice'],
  },
  agreement: {
    path: 'agreement', aliases: [], summary: 'Record the signed subsidy agreement',
    roles: ['applicant-system'], stages: ['agreement'],
  },
  progress: {
    path: 'progress', aliases: [], summary: 'Report construction progress or a milestone',
    roles: ['applicant-system'], stages: ['disbursement'],
  },
  verification: {
    path: 'progress/:n/verification', aliases: [], summary: 'Verify a progress report',
    roles: ['reviewer', 'inspector'], stages: ['disbursement'],
  },
  // A payment instructed before a clawback decision may still be confirmed: the money did move.
  confirmation: {
    path: 'tranches/:n/confirmation', aliases: [], summary: 'Confirm that a tranche was paid, with the treasury reference',
    roles: ['finance-officer'], stages: ['disbursement', 'clawback', 'referred'],
  },
  withdrawal: {
    path: 'withdrawal', aliases: [], summary: 'Withdraw the application',
    roles: ['applicant-system'], stages: BEFORE_PAYMENT_ENDS,
  },
  // Part 2: fraud and breach found by inspection, decided by the approver, repaid to finance.
  'fraud-report': {
    path: 'fraud-report', aliases: ['fraudReport'], summary: 'Report fraud found by inspection',
    roles: ['inspector'], stages: [...BEFORE_PAYMENT_ENDS, 'monitoring'],
  },
  'breach-report': {
    path: 'breach-report', aliases: ['breachReport'], summary: 'Report a breach of an obligation',
    roles: ['inspector'], stages: ['disbursement', 'monitoring'],
  },
  'clawback-decision': {
    path: 'clawback-decision', aliases: ['clawbackDecision'], summary: 'Decide whether to recover the subsidy',
    roles: ['approver'], stages: ['disbursement', 'monitoring'],
  },
  // `referred` is an end stage for reporting, yet repayments are still received there.
  repayments: {
    path: 'repayments', aliases: ['repayment'], summary: 'Record a repayment received',
    roles: ['finance-officer'], stages: ['clawback', 'referred'],
  },
} as const satisfies Record<string, ActionRule>;

export type ActionName = keyof typeof ACTION_RULES;

/** Every action's name, in the registry's order. */
export const ACTION_NAMES = Object.keys(ACTION_RULES) as ActionName[];

/** The action a Workflow Update name stands for (its name, or an earlier one histories recorded), if any. */
export function actionOfUpdate(update: string): ActionName | undefined {
  return ACTION_NAMES.find((name) => name === update || (ACTION_RULES[name].aliases as readonly string[]).includes(update));
}

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
