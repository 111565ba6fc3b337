/**
 * Every staff and applicant action on an application, `POST /applications/:id/<path>` (issue 5):
 * one row of a table each. A handler checks the id, refuses early a role that may never take the
 * action (same rule table as the workflow's validators), parses the body, and makes one Workflow
 * Update: the workflow's answer is the new state (`200`), its refusal keeps the validator's type
 * (wrong stage or conflict `409`, bad input `400`, role or separation of duties `403`).
 *
 * The actor comes from the API key, never from the body; `:n` comes from the path; an
 * `Idempotency-Key` header becomes the update id, so a retried request applies once.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { ACTION_NAMES, ACTIONS, type ActionName } from '../domain/actions';
import { type AccessLocals, guardedActor } from './access';
import type { Metrics } from './observability';
import type { ApplicationState } from '../domain/application';
import { ACTION_UPDATES, calendarUpdatedSignal, stateQuery, SEARCH_ATTRIBUTES, type ActionOutcome, type ActionRequest } from '../workflows/messages';
import { Problem, validationProblem } from './problem';
import { ACTION_BODIES, APPLICATION_ID_PATTERN, ORDINAL_PATTERN } from './schemas';
import { callTemporal, idempotencyKeyOf, TEMPORAL_CALL_TIMEOUT_MS, updateProblem } from './temporal-calls';

type Locals = AccessLocals & { requestId: string };

export interface ActionRouteDeps {
  client: Client;
  /** Counts and times every update by action and outcome. */
  metrics: Pick<Metrics, 'timeWorkflowAction'>;
  /** The `links` returned beside the state. */
  linksFor: (id: string) => Record<string, string>;
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
    const update = ACTION_UPDATES[actionName] as unknown as UpdateDefinition<ActionOutcome, [R]>;
    const withN = path.includes(':n');

    router.post(`/applications/:id/${path}`, async (req, res: Response<unknown, Locals>) => {
      const id = applicationIdParam(req);
      const n = withN ? ordinalParam(req, path) : undefined;
      const actor = guardedActor(res);
      const body = schema.safeParse(req.body);
      if (!body.success) throw validationProblem(body.error);
      const updateId = updateIdOf(req);
      // The schema gave every field of R but the actor and n, added here from the key and the path.
      const request = { ...body.data, actor, ...(n === undefined ? {} : { n }) } as R;
      // The update answers with a compact outcome (kept in history); the caller gets the state as
      // it is once the engine has reacted, read right after.
      const state = await deps.metrics.timeWorkflowAction(actionName, () =>
        runUpdate(deps.client, id, async () => {
          const handle = deps.client.workflow.getHandle(id);
          await handle.executeUpdate(update, { args: [request], updateId });
          return handle.query(stateQuery);
        }),
      );
      res.json({ ...state, links: deps.linksFor(id) });
    });
  }

  for (const name of ACTION_NAMES) action(name);

  return router;
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

/** The caller's Idempotency-Key becomes the update id, so a retried action applies once. */
function updateIdOf(req: Request): string {
  return idempotencyKeyOf(req) ?? randomUUID();
}

/** One update under the Temporal deadline; a refusal becomes the problem its validator named. */
async function runUpdate(client: Client, id: string, call: () => Promise<ApplicationState>): Promise<ApplicationState> {
  try {
    return await callTemporal(client, call);
  } catch (err) {
    const problem = await updateProblem(client, id, err);
    throw problem ?? err;
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
