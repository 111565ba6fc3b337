/**
 * Every staff and applicant action on an application, `POST /applications/:id/<path>` (issue 5):
 * one row of a table each. A handler checks the id, refuses early a role that may never take the
 * action (same rule table as the workflow's validators), parses the body, and makes one Workflow
 * Update: the workflow's answer is the new state (`200`), its refusal keeps the validator's type
 * (wrong stage or conflict `409`, bad input `400`, role or separation of duties `403`).
 *
 * The actor comes from the API key, never from the body; `:n` comes from the path.
 *
 * One key, one action (domain/idempotency.ts): the `Idempotency-Key` is bound to the action, the
 * caller and the body. A retry (same key, same binding) is applied once and answered again,
 * marked `Idempotent-Replayed: true`; the same key with another action, caller or body is `422`
 * and changes nothing. Actions that move money require a key (`428` without one). Without a key
 * the server makes one up and says which (`Idempotency-Key` on every answer, and in a `503`), so
 * the caller can still retry safely.
 *
 * Once the application's workflow has closed, a fraud or breach report opens its recovery case and
 * every action goes there (api/recovery.ts); a retry of an action applied before the end is still
 * answered from the application's keys.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../domain/actions';
import { opensRecovery } from '../domain/recovery';
import type { ApplicationState } from '../domain/application';
import { type AccessLocals, guardedActor } from './access';
import type { Metrics } from './observability';
import { actionBinding, keyedUpdateId } from '../domain/idempotency';
import { actionTarget, endedCaseProblem, keyRecordIn, readApplication } from './recovery';
import { ACTION_UPDATES, calendarUpdatedSignal, SEARCH_ATTRIBUTES, type ActionOutcome, type ActionRequest } from '../workflows/messages';
import { Problem, validationProblem } from './problem';
import { ACTION_BODIES, APPLICATION_ID_PATTERN, ORDINAL_PATTERN } from './schemas';
import { callTemporal, idempotencyKeyOf, TEMPORAL_CALL_TIMEOUT_MS, updateProblem } from './temporal-calls';

type Locals = AccessLocals & { requestId: string };

export interface ActionRouteDeps {
  client: Client;
  /** Where a recovery case opened by a report runs (api/recovery.ts). */
  taskQueue: string;
  /** Counts and times every update by action and outcome. */
  metrics: Pick<Metrics, 'timeWorkflowAction'>;
  /** The `links` returned beside the state. */
  linksFor: (id: string) => Record<string, string>;
  /** Now, for the amounts the answer shows (the state as of today). */
  clock: () => Date;
}

export function actionRoutes(deps: ActionRouteDeps): Router {
  const router = Router();

  /**
   * One endpoint per action of the registry (domain/actions/): its path relative to the
   * application, whose `:n` segment is the objection or tranche number, passed to the update as `n`.
   */
  function action<R extends ActionRequest>(actionName: ActionName): void {
    const { path } = ACTIONS[actionName];
    const schema = ACTION_BODIES[actionName] as unknown as z.ZodType<Omit<R, 'actor' | 'n'>>;
    const withN = path.includes(':n');

    router.post(`/applications/:id/${path}`, async (req, res: Response<unknown, Locals>) => {
      const id = applicationIdParam(req);
      const n = withN ? ordinalParam(req, path) : undefined;
      const actor = guardedActor(res);
      const body = schema.safeParse(req.body);
      if (!body.success) throw validationProblem(body.error);
      const sentKey = keyOfRequest(req, actionName);
      const key = sentKey ?? `server-${randomUUID()}`;
      res.setHeader('Idempotency-Key', key);
      // The schema gave every field of R but the actor and n, added here from the key and the path.
      const request = { ...body.data, actor, ...(n === undefined ? {} : { n }) } as R;
      // The update answers with a compact outcome (kept in history); the caller gets the state as
      // it is once the engine has reacted, read right after.
      const { state, replayed } = await deps.metrics.timeWorkflowAction(actionName, () =>
        runUpdate(deps.client, id, key, () => sendAction(deps, id, actionName, request, { key, sent: sentKey !== undefined })),
      );
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.json({ ...state, links: deps.linksFor(id) });
    });
  }

  for (const name of ACTION_NAMES) action(name);

  return router;
}

/**
 * One action on application `id`, as its endpoint takes it. Answers the state once the engine has
 * reacted, as of today, and whether the answer is the first one given again to a retry.
 *
 * Most actions go straight to the running application: one Update, whose id binds the key
 * (domain/idempotency.ts), so the workflow itself answers a retry with its first outcome and
 * refuses the key with another action; the outcome names the attempt that applied it, so a
 * retry is told apart without asking first. Anything else takes the long way (`routedAction`):
 * a report (it may open the recovery case), an application whose workflow has closed, or one that
 * has reached an end stage (its recovery case may hold the action).
 */
export async function sendAction<R extends ActionRequest>(
  deps: Pick<ActionRouteDeps, 'client' | 'taskQueue' | 'clock'>,
  id: string,
  actionName: ActionName,
  request: R,
  idempotency: { key: string; sent: boolean },
): Promise<{ state: ApplicationState; replayed: boolean }> {
  const update = ACTION_UPDATES[actionName] as unknown as UpdateDefinition<ActionOutcome, [R]>;
  const attempt = randomUUID();
  const binding = actionBinding(actionName, request);
  const updateId = keyedUpdateId(idempotency.key, binding);
  const tried = { ...request, attempt };
  if (!opensRecovery(actionName)) {
    try {
      const outcome = await deps.client.workflow.getHandle(id).executeUpdate(update, { args: [tried], updateId });
      return { state: await readApplication(deps.client, id, deps.clock()), replayed: outcome.attempt !== attempt };
    } catch (err) {
      if (!takesTheLongWay(err)) throw err;
    }
  }
  return routedAction(deps, id, actionName, update, tried, binding, idempotency);
}

/** A closed workflow (or none), or an application at an end stage: the action may belong to its recovery case. */
function takesTheLongWay(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
  return cause instanceof ApplicationFailure && cause.type === 'WrongStage';
}

/**
 * The action to the application while it runs, or once it has closed to its recovery case, which
 * a report opens (api/recovery.ts); a key sent before (`sent`) is looked up first, a retry
 * answered without applying it again and a key of another action refused (422).
 */
async function routedAction<R extends ActionRequest>(
  deps: Pick<ActionRouteDeps, 'client' | 'taskQueue' | 'clock'>,
  id: string,
  actionName: ActionName,
  update: UpdateDefinition<ActionOutcome, [R]>,
  request: R,
  binding: string,
  idempotency: { key: string; sent: boolean },
): Promise<{ state: ApplicationState; replayed: boolean }> {
  const { key } = idempotency;
  // The application while it runs; once closed, its recovery case (api/recovery.ts).
  const target = await actionTarget(deps.client, deps.taskQueue, id, actionName, request, deps.clock());
  // A key the caller chose may have been used before: a retry, or a mistake.
  const earlier = idempotency.sent ? await keyRecordIn(target.keyHolders, key) : null;
  if (earlier && earlier.binding !== binding) throw keyConflict(key, earlier.action, actionName);
  const replayed = earlier?.outcome != null;
  if (!replayed) {
    await target.open?.();
    try {
      await target.handle.executeUpdate(update, { args: [request], updateId: keyedUpdateId(key, binding) });
    } catch (err) {
      if (target.handle.workflowId !== id && err instanceof WorkflowNotFoundError) throw await endedCaseProblem(deps.client, id);
      throw err;
    }
  }
  return { state: await readApplication(deps.client, id, deps.clock()), replayed };
}

/** `:id` of a well-formed application id; anything else cannot exist (404). */
export function applicationIdParam(req: Request): string {
  const id = String(req.params.id);
  if (!APPLICATION_ID_PATTERN.test(id)) throw new Problem('not-found', `No application ${id}`);
  return id;
}

/** `:n` (objection or tranche, from 1); anything but a positive whole number names nothing (404). */
function ordinalParam(req: Request, path: string): number {
  const n = String(req.params.n);
  if (!ORDINAL_PATTERN.test(n)) {
    const what = path.startsWith('objections') ? 'objection' : 'tranche';
    throw new Problem('not-found', `No ${what} ${n} (they are numbered from 1)`);
  }
  return Number(n);
}

/** The caller's Idempotency-Key; an action that moves money without one is refused (`428`). */
function keyOfRequest(req: Request, actionName: ActionName): string | undefined {
  const key = idempotencyKeyOf(req);
  if (key === undefined && ACTIONS[actionName].movesMoney) {
    throw new Problem('idempotency-key-required', `${actionName} records money moving: send an Idempotency-Key (a new one for each ${actionName}, the same one on every retry of it)`, {
      errors: [{ field: 'Idempotency-Key', reason: 'is required for an action that moves money' }],
    });
  }
  return key;
}

function keyConflict(key: string, earlierAction: string, actionName: ActionName): Problem {
  const used = earlierAction === actionName ? `${actionName} with another caller or body` : `the action ${earlierAction}`;
  return new Problem('unprocessable', `Idempotency-Key ${key} was used before for ${used}; nothing was done. Send a new key for a new action`, {
    errors: [{ field: 'Idempotency-Key', reason: `was used before for ${used}` }],
  });
}

/**
 * One update under the Temporal deadline; a refusal becomes the problem its validator named. No
 * answer in time is a `503` that names the key the update was sent with, so the caller retries
 * with it and the action is applied once.
 */
async function runUpdate<T>(client: Client, id: string, key: string, call: () => Promise<T>): Promise<T> {
  try {
    return await callTemporal(client, call);
  } catch (err) {
    const problem = (await updateProblem(client, id, err)) ?? err;
    if (problem instanceof Problem && problem.type === 'unavailable') {
      throw new Problem('unavailable', `Temporal or its workers did not answer in time; the action may still be applied. Retry the same request with Idempotency-Key: ${key}`, {
        ...problem.extra,
        headers: { ...problem.extra.headers, 'Idempotency-Key': key },
        idempotencyKey: key,
      });
    }
    throw problem;
  }
}

/** At most this many waiting applications are woken per supplied year; the rest poll daily. */
const CALENDAR_SIGNAL_CAP = 1000;

/**
 * After an admin supplies a calendar year: tell the applications waiting on the admin (a deadline
 * that needed a year nobody had supplied) to look again now. Best effort: each workflow also
 * looks once a day by itself, so a failure is logged and never fails the admin's request. A
 * workflow waiting on the admin for another reason ignores the signal when its year is still
 * missing.
 */
export async function signalCalendarUpdated(
  client: Client,
  year: number,
  log: (entry: Record<string, unknown>) => void = (entry) => console.error(JSON.stringify(entry)),
): Promise<{ signalled: number; failed: number; capped: boolean }> {
  const query = `${SEARCH_ATTRIBUTES.pendingRoles.name} = 'admin' AND ExecutionStatus = 'Running'`;
  const outcome = { signalled: 0, failed: 0, capped: false };
  const deadline = Date.now() + TEMPORAL_CALL_TIMEOUT_MS;
  try {
    await callTemporal(client, async () => {
      for await (const execution of client.workflow.list({ query, pageSize: 100 })) {
        if (outcome.signalled + outcome.failed >= CALENDAR_SIGNAL_CAP || Date.now() >= deadline) {
          outcome.capped = true;
          break;
        }
        try {
          // The workflow id, not the run: a run continued-as-new still gets it.
          await client.workflow.getHandle(execution.workflowId).signal(calendarUpdatedSignal, { year });
          outcome.signalled++;
        } catch (err) {
          outcome.failed++;
          log({ level: 'warn', message: 'calendarUpdated signal failed', workflowId: execution.workflowId, year, error: (err as Error)?.message });
        }
      }
    });
  } catch (err) {
    log({ level: 'warn', message: 'could not list applications waiting for a calendar year', year, error: (err as Error)?.message });
  }
  if (outcome.capped || outcome.failed > 0) {
    log({ level: 'warn', message: 'not every waiting application was signalled; they look again daily', year, ...outcome });
  }
  return outcome;
}
