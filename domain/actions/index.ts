/**
 * The registry of every staff and applicant action: one module per action (domain/actions/<name>.ts)
 * holds all of it (see define.ts). The name is the last word of the endpoint, the name of the
 * Workflow Update and the audit trail's action. The API's routes, access matrix and OpenAPI, the
 * Workflow Updates and their handlers, the bodies and the audit trail's wording are all derived
 * from this one list; adding an action is its module, its line here, and its test.
 */
import type { ApplicationState } from '../application';
import type { Actor } from '../roles';
import type { ActionDefinition, ActionRequest } from './define';
import { invalid, type ActionContext, type Refusal } from './rules';
import preliminaryRecord from './preliminary-record';
import materials from './materials';
import supplementRequest from './supplement-request';
import reviewExtension from './review-extension';
import inspection from './inspection';
import recommendation from './recommendation';
import signOff from './sign-off';
import objections from './objections';
import resolution from './resolution';
import agreement from './agreement';
import progress from './progress';
import verification from './verification';
import confirmation from './confirmation';
import withdrawal from './withdrawal';
import fraudReport from './fraud-report';
import breachReport from './breach-report';
import clawbackDecision from './clawback-decision';
import repayments from './repayments';
import costs from './costs';

export type { ActionContext, Refusal, RefusalType } from './rules';
export type { ActionDefinition, ActionRequest } from './define';

export const ACTIONS = {
  'preliminary-record': preliminaryRecord,
  materials: materials,
  'supplement-request': supplementRequest,
  'review-extension': reviewExtension,
  inspection: inspection,
  recommendation: recommendation,
  'sign-off': signOff,
  objections: objections,
  resolution: resolution,
  agreement: agreement,
  progress: progress,
  verification: verification,
  confirmation: confirmation,
  withdrawal: withdrawal,
  'fraud-report': fraudReport,
  'breach-report': breachReport,
  'clawback-decision': clawbackDecision,
  repayments: repayments,
  costs: costs,
};

export type ActionName = keyof typeof ACTIONS;

/** The request of each action, by the action's name. */
export type RequestByAction = { [K in ActionName]: (typeof ACTIONS)[K] extends ActionDefinition<infer R> ? R : never };

/** Every action's name, in the registry's order. */
export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

/** An action's definition, its request typed by its name. */
export function actionOf<K extends ActionName>(name: K): ActionDefinition<RequestByAction[K]> {
  return ACTIONS[name] as unknown as ActionDefinition<RequestByAction[K]>;
}

/** The action a Workflow Update name stands for (its name, or an earlier one histories recorded), if any. */
export function actionOfUpdate(update: string): ActionName | undefined {
  return ACTION_NAMES.find((name) => name === update || ACTIONS[name].aliases.includes(update));
}

/** Role check alone: what the API can decide before asking the workflow. */
function roleRefusal(action: ActionName, actor: Actor): Refusal | null {
  const rule = ACTIONS[action];
  if (!rule.roles.includes(actor.role)) {
    return {
      type: 'Forbidden',
      message: `${action} is for the ${rule.roles.join(' or ')} role; ${actor.name} acts as ${actor.role}`,
    };
  }
  return null;
}

/** Role and stage check against the application's current state. */
function actionRefusal(action: ActionName, actor: Actor, state: ApplicationState): Refusal | null {
  const byRole = roleRefusal(action, actor);
  if (byRole) return byRole;
  const rule = ACTIONS[action];
  if (!rule.stages.includes(state.stage)) {
    return {
      type: 'WrongStage',
      message: `${action} is only possible at stage ${rule.stages.join(' or ')}; application ${state.id} is at stage ${state.stage}`,
    };
  }
  return null;
}

/**
 * Why `actor` may not take `action` now: role and stage first, then the body by the action's
 * schema (the one the API uses), then the action's own rule on the state. `null` means the action
 * is accepted. `now` is an ISO instant.
 */
export function refusalOf(
  action: ActionName,
  state: ApplicationState,
  request: { actor: Actor } & Record<string, unknown>,
  now: string,
  context: ActionContext,
): Refusal | null {
  const byTable = actionRefusal(action, request.actor, state);
  if (byTable) return byTable;
  // The body, by the same schema the API validates it with: the request without the actor, `n` and the API's attempt.
  const { actor: _actor, n: _n, attempt: _attempt, ...body } = request;
  for (const field of ACTIONS[action].engineFields ?? []) delete body[field];
  const parsed = ACTIONS[action].body.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return invalid(`${issue.path.length > 0 ? issue.path.join('.') : 'the request'} ${issue.message}`);
  }
  const refuse = ACTIONS[action].refuse as (s: ApplicationState, r: ActionRequest, now: string, context: ActionContext) => Refusal | null;
  return refuse(state, request as unknown as ActionRequest, now, context);
}
