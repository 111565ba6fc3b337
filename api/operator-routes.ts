/**
 * Operator repair (issue 19): an admin ends an application's workflow with a reason, retries its
 * refused effects now, or resets it to a chosen point after a replayable bug fix; each audited.
 *
 * Termination: `POST /applications/:id/termination` terminates the run that is in charge of the
 * application now (its own, or its recovery case's), with the admin and the reason in Temporal's
 * termination event (its identity and reason), which the audit trail shows as
 * "the workflow was terminated by admin <id>: <reason>"; the listing shows it `TERMINATED` at
 * once. The Temporal CLI equivalent is `temporal workflow terminate --workflow-id <id> --reason …`,
 * which leaves the listing to `npm run listing:catch-up` (docs/operations.md).
 *
 * Effect retry: `POST /applications/:id/effect-retry` reads the state of the workflow in charge; when
 * no effect waits for its hourly retry it answers 409 and sends nothing, else it signals
 * `retryEffects` with the admin and the reason (recorded in the workflow's audit and rendered by the
 * trail) and answers 202 with the effects that were waiting. An effect whose retry timer fires
 * between the read and the signal is simply tried by the timer; the signal is recorded all the same.
 *
 * Reset: `POST /applications/:id/reset` resets the running run to a WorkflowTaskCompleted event of
 * it (its last by default) with Temporal's reset; the reason reads `<role> <id>: <reason>`, which
 * the trail shows on the reset (api/history.ts). The listing row is moved to the new run at once.
 *
 * One key, one repair: sent with an `Idempotency-Key`, each is done once per key
 * (lib/operator-requests.ts): a retry with the same body gets the first answer
 * (`Idempotent-Replayed: true`), the same key with another repair or body is `422`, and a retry
 * while the first is under way is `409` with `Retry-After`. A reset's request id to Temporal is
 * derived from the key, so Temporal too recognises it.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { canonicalJson, sha256Hex } from '../domain/idempotency';
import { listingVersion } from '../domain/listing-row';
import { recoveryCaseId } from '../domain/recovery';
import type { ListingStore } from '../lib/listing-store';
import { type OperatorRepair, type OperatorRequests, RepairInProgressError, RepairKeyReusedError, type RepairAnswer } from '../lib/operator-requests';
import { type AccessLocals, guardedActor } from './access';
import { applicationIdParam } from './action-routes';
import { Problem, validationProblem } from './problem';
import { EffectRetryBody, ResetBody, TerminationBody } from './schemas';
import { readState } from './state-read';
import { callTemporal, idempotencyKeyOf } from './temporal-calls';
import { retryEffectsSignal } from '../workflows/messages';
import type { History } from './history-types';

const EventType = temporal.api.enums.v1.EventType;

export interface OperatorRouteDeps {
  client: Client;
  listing: ListingStore;
  clock: () => Date;
  linksFor: (id: string) => Record<string, string>;
  /** The repairs sent with an Idempotency-Key, in the engine's database. */
  repairs: OperatorRequests;
}

export function operatorRoutes(deps: OperatorRouteDeps): Router {
  const router = Router();
  const { client } = deps;

  router.post('/applications/:id/termination', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const id = applicationIdParam(req);
    const body = TerminationBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    await answerOnce(deps, req, res, { operation: 'termination', applicationId: id, body: body.data }, async () => {
      const run = await callTemporal(client, () => runningWorkflowOf(client, id, 'terminate'));
      const identity = `${actor.role} ${actor.id}`;
      await callTemporal(client, () =>
        client.workflowService.terminateWorkflowExecution({
          namespace: client.options.namespace,
          workflowExecution: { workflowId: run.workflowId, runId: run.runId },
          reason: body.data.reason,
          identity,
        }),
      );
      await deps.listing.markEnded(id, run.runId, 'TERMINATED', deps.clock());
      return {
        status: 200,
        body: {
          id,
          workflowId: run.workflowId,
          runId: run.runId,
          status: 'TERMINATED',
          terminatedBy: { id: actor.id, role: actor.role, name: actor.name },
          reason: body.data.reason,
          links: deps.linksFor(id),
        },
      };
    });
  });

  router.post('/applications/:id/effect-retry', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const id = applicationIdParam(req);
    const body = EffectRetryBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    await answerOnce(deps, req, res, { operation: 'effect-retry', applicationId: id, body: body.data }, async () => {
      const run = await callTemporal(client, () => runningWorkflowOf(client, id, 'retry'));
      const handle = client.workflow.getHandle(run.workflowId);
      const state = await callTemporal(client, () => readState(handle, deps.clock()));
      const waiting = state.effectsAwaitingRetry ?? [];
      if (waiting.length === 0) throw new Problem('conflict', `No effect of application ${id} is waiting for a retry: nothing was signalled`);
      await callTemporal(client, () => handle.signal(retryEffectsSignal, { actor: { id: actor.id, role: actor.role, name: actor.name }, reason: body.data.reason }));
      return {
        status: 202,
        body: {
          id,
          workflowId: run.workflowId,
          runId: run.runId,
          signal: retryEffectsSignal.name,
          effects: waiting,
          requestedBy: { id: actor.id, role: actor.role, name: actor.name },
          reason: body.data.reason,
          links: deps.linksFor(id),
        },
      };
    });
  });

  router.post('/applications/:id/reset', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const id = applicationIdParam(req);
    const body = ResetBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    await answerOnce(deps, req, res, { operation: 'reset', applicationId: id, body: body.data }, async (keyHash) => {
      const run = await callTemporal(client, () => runningWorkflowOf(client, id, 'reset'));
      const history = await callTemporal(client, () => client.workflow.getHandle(run.workflowId, run.runId).fetchHistory());
      const to = body.data.to ?? 'last-workflow-task';
      const eventId = resetPointOf(history, to, run.runId);
      const reason = `${actor.role} ${actor.id}: ${body.data.reason}`;
      const answer = await callTemporal(client, () =>
        client.workflowService.resetWorkflowExecution({
          namespace: client.options.namespace,
          workflowExecution: { workflowId: run.workflowId, runId: run.runId },
          // An int64 field: protobufjs encodes a number as well as a Long (the package the typing names is not ours).
          workflowTaskFinishEventId: eventId as unknown as NonNullable<temporal.api.workflowservice.v1.IResetWorkflowExecutionRequest['workflowTaskFinishEventId']>,
          reason,
          // With an Idempotency-Key, the same request id on a retry: Temporal answers it with the run it made.
          requestId: keyHash ? uuidOf(keyHash) : randomUUID(),
        }),
      );
      const newRunId = answer.runId ?? '';
      // The listing names the run in charge: the new one from now on (the workflow writes its row at its next change).
      const now = deps.clock();
      const row = await deps.listing.get(id);
      if (row && row.runId === run.runId && row.status === 'RUNNING') await deps.listing.write({ ...row, runId: newRunId, version: listingVersion(now.getTime(), 0) }, now);
      return {
        status: 200,
        body: {
          id,
          workflowId: run.workflowId,
          runId: newRunId,
          resetRunId: run.runId,
          eventId,
          to,
          resetBy: { id: actor.id, role: actor.role, name: actor.name },
          reason: body.data.reason,
          links: deps.linksFor(id),
        },
      };
    });
  });

  return router;
}

/**
 * Performs a repair and answers it; with an Idempotency-Key, once per key (the admin's key, bound
 * to the repair, the application and the body), a retry answered with the first answer.
 */
async function answerOnce(
  deps: OperatorRouteDeps,
  req: Request,
  res: Response<unknown, AccessLocals>,
  request: { operation: OperatorRepair; applicationId: string; body: unknown },
  perform: (keyHash: string | undefined) => Promise<RepairAnswer>,
): Promise<void> {
  const actor = guardedActor(res);
  const key = idempotencyKeyOf(req);
  if (key === undefined) {
    const answer = await perform(undefined);
    res.status(answer.status).json(answer.body);
    return;
  }
  const keyHash = sha256Hex(`${actor.id}\n${key}`);
  const bodyHash = sha256Hex(canonicalJson({ operation: request.operation, applicationId: request.applicationId, body: request.body }));
  try {
    const answer = await deps.repairs.once({ keyHash, bodyHash, operation: request.operation, applicationId: request.applicationId, by: actor }, () => perform(keyHash));
    if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(answer.status).json(answer.body);
  } catch (err) {
    if (err instanceof RepairKeyReusedError) {
      throw new Problem('unprocessable', `This Idempotency-Key was used before for another repair (${err.operation} of ${err.applicationId}) or body; use a new key for a new repair`, {
        errors: [{ field: 'Idempotency-Key', reason: `was used for ${err.operation} of ${err.applicationId} with another body` }],
      });
    }
    if (err instanceof RepairInProgressError) {
      res.setHeader('Retry-After', '2');
      throw new Problem('conflict', `The first request with this Idempotency-Key, since ${err.since}, is still under way: retry shortly for its answer`);
    }
    throw err;
  }
}

/** A request id in UUID form from a hash, the same for every retry with one key. */
function uuidOf(hash: string): string {
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

/**
 * The id of the WorkflowTaskCompleted event a reset goes back to: the last or the first of the run,
 * or the one named, which must be one (409 naming `to.eventId` otherwise).
 */
function resetPointOf(history: History, to: ResetBody['to'] & {}, runId: string): number {
  const events = history.events ?? [];
  const completed = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).map((e) => Number(e.eventId));
  if (completed.length === 0) throw new Problem('conflict', `Run ${runId} has completed no workflow task yet: there is no point to reset to`);
  if (to === 'last-workflow-task') return completed.at(-1)!;
  if (to === 'first-workflow-task') return completed[0]!;
  if (completed.includes(to.eventId)) return to.eventId;
  const event = events.find((e) => Number(e.eventId) === to.eventId);
  const what = event ? `is a ${EventType[event.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? 'other event'}` : `is not in it (it has ${events.length} events)`;
  throw new Problem('conflict', `Event ${to.eventId} of run ${runId} ${what}: a reset goes back to a WorkflowTaskCompleted event`, {
    errors: [{ field: 'to.eventId', reason: `must be a WorkflowTaskCompleted event of run ${runId}, e.g. ${completed.at(-1)}` }],
  });
}

/** The running workflow in charge of the application: its own, else its recovery case's; 404 or 409 otherwise. */
async function runningWorkflowOf(client: Client, id: string, what: 'terminate' | 'retry' | 'reset'): Promise<{ workflowId: string; runId: string }> {
  let found = false;
  for (const workflowId of [id, recoveryCaseId(id)]) {
    try {
      const description = await client.workflow.getHandle(workflowId).describe();
      found = true;
      if (description.status.name === 'RUNNING') return { workflowId, runId: description.runId };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  if (!found) throw new Problem('not-found', `No application ${id}`);
  throw new Problem('conflict', `Application ${id} is not running: its workflow has ended, so there is nothing to ${what}`);
}
