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
 */
import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { listingVersion } from '../domain/listing-row';
import { recoveryCaseId } from '../domain/recovery';
import type { ListingStore } from '../lib/listing-store';
import { type AccessLocals, guardedActor } from './access';
import { applicationIdParam } from './action-routes';
import { Problem, validationProblem } from './problem';
import { EffectRetryBody, ResetBody, TerminationBody } from './schemas';
import { readState } from './state-read';
import { callTemporal } from './temporal-calls';
import { retryEffectsSignal } from '../workflows/messages';
import type { History } from './history-types';

const EventType = temporal.api.enums.v1.EventType;

export interface OperatorRouteDeps {
  client: Client;
  listing: ListingStore;
  clock: () => Date;
  linksFor: (id: string) => Record<string, string>;
}

export function operatorRoutes(deps: OperatorRouteDeps): Router {
  const router = Router();
  const { client } = deps;

  router.post('/applications/:id/termination', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const id = applicationIdParam(req);
    const body = TerminationBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
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
    res.json({
      id,
      workflowId: run.workflowId,
      runId: run.runId,
      status: 'TERMINATED',
      terminatedBy: { id: actor.id, role: actor.role, name: actor.name },
      reason: body.data.reason,
      links: deps.linksFor(id),
    });
  });

  router.post('/applications/:id/effect-retry', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const id = applicationIdParam(req);
    const body = EffectRetryBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const run = await callTemporal(client, () => runningWorkflowOf(client, id, 'retry'));
    const handle = client.workflow.getHandle(run.workflowId);
    const state = await callTemporal(client, () => readState(handle, deps.clock()));
    const waiting = state.effectsAwaitingRetry ?? [];
    if (waiting.length === 0) throw new Problem('conflict', `No effect of application ${id} is waiting for a retry: nothing was signalled`);
    await callTemporal(client, () => handle.signal(retryEffectsSignal, { actor: { id: actor.id, role: actor.role, name: actor.name }, reason: body.data.reason }));
    res.status(202).json({
      id,
      workflowId: run.workflowId,
      runId: run.runId,
      signal: retryEffectsSignal.name,
      effects: waiting,
      requestedBy: { id: actor.id, role: actor.role, name: actor.name },
      reason: body.data.reason,
      links: deps.linksFor(id),
    });
  });

  router.post('/applications/:id/reset', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const id = applicationIdParam(req);
    const body = ResetBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
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
        requestId: randomUUID(),
      }),
    );
    const newRunId = answer.runId ?? '';
    // The listing names the run in charge: the new one from now on (the workflow writes its row at its next change).
    const now = deps.clock();
    const row = await deps.listing.get(id);
    if (row && row.runId === run.runId && row.status === 'RUNNING') await deps.listing.write({ ...row, runId: newRunId, version: listingVersion(now.getTime(), 0) }, now);
    res.json({
      id,
      workflowId: run.workflowId,
      runId: newRunId,
      resetRunId: run.runId,
      eventId,
      to,
      resetBy: { id: actor.id, role: actor.role, name: actor.name },
      reason: body.data.reason,
      links: deps.linksFor(id),
    });
  });

  return router;
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
