/**
 * One application's life, from filing onwards (domain brief, "Lifecycle of one application").
 *
 * The main function reads like the procedure: set up state and handlers, then walk the stages in
 * order. Staff decisions arrive as Updates whose validators refuse, synchronously and with a
 * stable error type, anything the stage, the role or separation of duties forbids.
 *
 * Patches in force (see README, "Changing workflow code"): none yet.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { actionRefusal, type ActionName, type Refusal } from '../domain/actions';
import type { ApplicationInput, ApplicationState, AuditEntry, PendingItem } from '../domain/application';
import type { Actor } from '../domain/roles';
import { isEndStage, type Stage } from '../domain/stages';
import { preliminaryRecordUpdate, stateQuery, type PreliminaryRecordRequest } from './messages';
import { SEARCH_ATTRIBUTES } from './search-attributes';

const { notifyApplicant } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

export async function applicationWorkflow(input: ApplicationInput): Promise<ApplicationState> {
  const state = initialState(input);

  setHandler(stateQuery, () => state);
  setHandler(
    preliminaryRecordUpdate,
    (request) => {
      recordPreliminaryRecord(state, request);
      return state;
    },
    { validator: (request) => validate(state, 'preliminary-record', request.actor, preliminaryRecordProblem(request)) },
  );

  audit(state, { actor: input.filedBy, action: 'filing', to: state.stage, details: { facts: input.facts, checks: input.filingChecks } });
  publishSearchAttributes(state);

  await preliminaryRecord(state);

  // The slice of the lifecycle built so far ends here: an application that passed its
  // preliminary record waits at formal-submission for the stages that follow.
  await condition(() => isEndStage(state.stage));
  await condition(allHandlersFinished);
  return state;
}

/** Step 2, 初审备案: the intake officer checks qualification (001 §（三）3). */
async function preliminaryRecord(state: ApplicationState): Promise<void> {
  await condition(() => state.preliminaryRecord !== null);
  const record = state.preliminaryRecord!;
  if (record.decision === 'fail') {
    await notifyApplicant({
      applicationId: state.id,
      idempotencyKey: `${state.id}:preliminary-record:notification`,
      creditCode: state.applicant.creditCode,
      subject: 'Preliminary record failed',
      body: record.reason,
    });
  }
}

function recordPreliminaryRecord(state: ApplicationState, request: PreliminaryRecordRequest): void {
  const at = now();
  state.preliminaryRecord = { decision: request.decision, reason: request.reason, by: request.actor, at };
  if (request.decision === 'pass') {
    moveTo(state, 'formal-submission', request.actor, 'preliminary-record', request.reason, { decision: 'pass' }, [
      { role: 'applicant-system', action: 'materials', path: 'materials', dueAt: null },
    ]);
  } else {
    state.outcome = { stage: 'rejected', reason: `preliminary record failed: ${request.reason}`, at };
    moveTo(state, 'rejected', request.actor, 'preliminary-record', request.reason, { decision: 'fail' }, []);
  }
}

function preliminaryRecordProblem(request: PreliminaryRecordRequest): string | null {
  if (request.decision !== 'pass' && request.decision !== 'fail') return 'decision must be pass or fail';
  if (typeof request.reason !== 'string' || request.reason.trim() === '') return 'reason must not be empty';
  return null;
}

function initialState(input: ApplicationInput): ApplicationState {
  return {
    id: input.id,
    programId: input.programId,
    catalogVersion: input.catalogVersion,
    programHash: input.programHash,
    round: input.round,
    applicant: input.applicant,
    facts: input.facts,
    stage: 'preliminary-record',
    outcome: null,
    filedAt: workflowInfo().startTime.toISOString(),
    award: { formula: null, inputs: {}, recommended: null, approved: null },
    preliminaryRecord: null,
    pending: [{ role: 'intake-officer', action: 'preliminary-record', path: 'preliminary-record', dueAt: null }],
    audit: [],
  };
}

/**
 * Validators run synchronously before an update is written to history; throwing refuses it.
 * The error type is a stable word the API maps to an HTTP status.
 */
function validate(state: ApplicationState, action: ActionName, actor: Actor, inputProblem: string | null): void {
  const refusal: Refusal | null =
    actionRefusal(action, actor, state) ?? (inputProblem ? { type: 'InvalidInput', message: inputProblem } : null);
  if (refusal) {
    throw ApplicationFailure.create({ type: refusal.type, message: refusal.message, nonRetryable: true });
  }
}

function moveTo(
  state: ApplicationState,
  to: Stage,
  actor: Actor,
  action: string,
  comment: string,
  details: Record<string, unknown>,
  pending: PendingItem[],
): void {
  const from = state.stage;
  state.stage = to;
  state.pending = pending;
  audit(state, { actor, action, from, to, comment, details });
  publishSearchAttributes(state);
  log.info('application moved', { id: state.id, from, to, action, actor: actor.id });
}

function audit(state: ApplicationState, entry: Omit<AuditEntry, 'at'>): void {
  state.audit.push({ at: now(), ...entry });
}

/** Keeps the listing fields current in Temporal visibility. */
function publishSearchAttributes(state: ApplicationState): void {
  const dueDates = state.pending.flatMap((p) => (p.dueAt ? [p.dueAt] : [])).sort();
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.stage, value: state.stage },
    { key: SEARCH_ATTRIBUTES.programId, value: state.programId },
    { key: SEARCH_ATTRIBUTES.round, value: state.round },
    { key: SEARCH_ATTRIBUTES.applicantCreditCode, value: state.applicant.creditCode },
    { key: SEARCH_ATTRIBUTES.pendingRoles, value: [...new Set(state.pending.map((p) => p.role))].sort() },
    { key: SEARCH_ATTRIBUTES.nextDueAt, value: dueDates[0] ? new Date(dueDates[0]) : null },
  ]);
}

/** Workflow time: deterministic on replay. */
function now(): string {
  return new Date().toISOString();
}
