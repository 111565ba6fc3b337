/**
 * Recovery cases, as the API shows them: as the application itself (domain/recovery.ts). Once an
 * application's workflow has closed, a fraud or breach report on it opens its recovery case (a
 * second workflow, `<id>.recovery`, started from the application's final state), and from then on
 * every read of the application (`GET /applications/:id`, the inbox, the audit trail) shows the
 * case's state, which is the application's state carried on, and every action goes to the case.
 * Nobody needs to know that a second workflow exists: every path keeps the application's id.
 */
import {
  type Client,
  type WorkflowHandle,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { refusalOf, type ActionName } from '../domain/actions';
import type { ApplicationInput, ApplicationState } from '../domain/application';
import type { KeyRecord } from '../domain/idempotency';
import { recoveryCaseId, recoveryRefusal, opensRecovery } from '../domain/recovery';
import { isEndStage, type Stage } from '../domain/stages';
import { idempotencyKeyQuery, SEARCH_ATTRIBUTES, startingAttributes, type ActionRequest } from '../workflows/messages';
import { fetchRunHistory, fetchRuns, type Run } from './history';
import { first } from './history-render';
import { Problem } from './problem';
import { readState } from './state-read';
import { refusalProblem } from './temporal-calls';

/** Whether a workflow exists (running or closed) and its listed stage; `WorkflowNotFoundError` is the only "no". */
async function exists(handle: WorkflowHandle): Promise<{ running: boolean; stage: Stage | undefined } | null> {
  try {
    const description = await handle.describe();
    return { running: description.status.name === 'RUNNING', stage: description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.stage) as Stage | undefined };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/**
 * The application's state as every reader sees it, as of `now`: its recovery case's, when its
 * workflow has ended and a case was opened; else its own.
 */
export async function readApplication(client: Client, id: string, now: Date): Promise<ApplicationState> {
  const state = await readState(client.workflow.getHandle(id), now);
  if (!isEndStage(state.stage)) return state;
  try {
    return await readState(client.workflow.getHandle(recoveryCaseId(id)), now);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return state;
    throw err;
  }
}

/** Where an action on application `id` goes, and what already knows its Idempotency-Key. */
export interface ActionTarget {
  /** The workflow the update is sent to (the application, or its recovery case). */
  handle: WorkflowHandle;
  /** The workflows whose `keys` may already hold the caller's key, oldest first. */
  keyHolders: WorkflowHandle[];
  /** Set when the case must be opened before the update (a report on a closed application). */
  open?: () => Promise<void>;
}

/**
 * The workflow an action on `id` goes to: the application while it runs; once it has closed, its
 * recovery case when there is one; a report opens one (checked first: a closed application that
 * paid nothing, or whose funds were already recovered, is refused with 409, and so is a report
 * the case would refuse, so that no empty case is opened). Any other action on a closed
 * application goes to it, and is refused as ever ("has ended").
 */
export async function actionTarget(
  client: Client,
  taskQueue: string,
  id: string,
  action: ActionName,
  request: ActionRequest,
  now: Date,
): Promise<ActionTarget> {
  const application = client.workflow.getHandle(id);
  const found = await exists(application);
  if (!found) throw new Problem('not-found', `No application ${id}`);
  // An application at an end stage whose workflow is still finishing (telling the applicant, an
  // effect retried hourly) has ended too: its listed stage says so.
  if (found.running && !(found.stage && isEndStage(found.stage))) {
    // The listed stage is the one last written to the search attributes; a report must know at once
    // whether the application has ended, which its state says (a report is rare: one more query).
    const ended = opensRecovery(action) && isEndStage((await readState(application, now)).stage);
    if (!ended) return { handle: application, keyHolders: [application] };
  }
  const recovery = client.workflow.getHandle(recoveryCaseId(id));
  if (await exists(recovery)) return { handle: recovery, keyHolders: [application, recovery] };
  if (!opensRecovery(action)) return { handle: application, keyHolders: [application] };
  return {
    handle: recovery,
    keyHolders: [application],
    open: () => openRecoveryCase(client, taskQueue, id, action, request, now),
  };
}

/** The first workflow that knows `key` (a retry of an action applied there), if any. */
export async function keyRecordIn(holders: WorkflowHandle[], key: string): Promise<KeyRecord | null> {
  for (const handle of holders) {
    const record = await handle.query(idempotencyKeyQuery, key);
    if (record) return record;
  }
  return null;
}

/**
 * Opens the recovery case of closed application `id` for `action` (a report): from its final
 * state (its result) and the input of its last run (the pinned program and its clawback
 * settings). Two reports racing both find one case: the second start is refused by id and its
 * report goes to the case the first one opened.
 */
async function openRecoveryCase(client: Client, taskQueue: string, id: string, action: ActionName, request: ActionRequest, now: Date): Promise<void> {
  const application = client.workflow.getHandle(id);
  // Its final state (the state query of a closed workflow answers it, as of `now`).
  const final = await readState(application, now);
  const refusal =
    recoveryRefusal(final) ??
    refusalOf(action, { ...final, stage: 'recovery' }, request as ActionRequest & Record<string, unknown>, now.toISOString(), { extensionMaxDays: 0 });
  if (refusal) throw refusalProblem(refusal);
  const run = await fetchRunHistory(client, id);
  const started = first<ApplicationInput>(run.history.events?.[0]?.workflowExecutionStartedEventAttributes?.input);
  if (!started) throw new Error(`the last run of ${id} has no input to open its recovery case from`);
  const { resume: _closedRun, ...input } = started;
  const caseInput: ApplicationInput = {
    ...input,
    // The case's first run is the application's next run: the audit trail numbers it so.
    resume: { state: { ...final, runs: final.runs + 1 }, keys: {} },
    recoveryOf: { closedStage: final.stage, closedAt: final.outcome?.at ?? null, closedRunId: run.runId },
  };
  try {
    await client.workflow.start('recoveryWorkflow', {
      workflowId: recoveryCaseId(id),
      taskQueue,
      args: [caseInput],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: startingAttributes({ stage: 'recovery', programId: final.programId, round: final.round, creditCode: final.applicant.creditCode, filedAt: new Date(final.filedAt) }),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** A case that closed too: the application takes no more actions (409), naming where it ended. */
export async function endedCaseProblem(client: Client, id: string): Promise<Problem> {
  const description = await client.workflow.getHandle(recoveryCaseId(id)).describe();
  const stage = description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.stage);
  return new Problem('wrong-stage', `Application ${id} has ended${stage ? ` at stage ${stage}` : ''} (its recovery case is closed) and takes no more actions`);
}

/** Every run of the application, oldest first, and then every run of its recovery case. */
export async function fetchRunsOfApplication(client: Client, id: string): Promise<Run[]> {
  const runs = await fetchRuns(client, id);
  try {
    return [...runs, ...(await fetchRuns(client, recoveryCaseId(id)))];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return runs;
    throw err;
  }
}

/** One run of the application or of its recovery case; the latest of the application when `runId` is absent. */
export async function fetchRunHistoryOfApplication(client: Client, id: string, runId?: string): Promise<Run> {
  try {
    return await fetchRunHistory(client, id, runId);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError) || runId === undefined) throw err;
    return fetchRunHistory(client, recoveryCaseId(id), runId);
  }
}
