/**
 * Operator repair (issue 19, first part): an admin ends an application's workflow with a reason,
 * audited. `POST /applications/:id/termination` terminates the run that is in charge of the
 * application now (its own, or its recovery case's), with the admin and the reason in Temporal's
 * termination event (its identity and reason), which the audit trail shows as
 * "the workflow was terminated by admin <id>: <reason>"; the listing shows it `TERMINATED` at
 * once. The Temporal CLI equivalent is `temporal workflow terminate --workflow-id <id> --reason …`,
 * which leaves the listing to `npm run listing:catch-up` (docs/operations.md).
 */
import { Router, type Response } from 'express';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { recoveryCaseId } from '../domain/recovery';
import type { ListingStore } from '../lib/listing-store';
import { type AccessLocals, guardedActor } from './access';
import { applicationIdParam } from './action-routes';
import { Problem, validationProblem } from './problem';
import { TerminationBody } from './schemas';
import { callTemporal } from './temporal-calls';

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
    const run = await callTemporal(client, () => runningWorkflowOf(client, id));
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

  return router;
}

/** The running workflow in charge of the application: its own, else its recovery case's; 404 or 409 otherwise. */
async function runningWorkflowOf(client: Client, id: string): Promise<{ workflowId: string; runId: string }> {
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
  throw new Problem('conflict', `Application ${id} is not running: its workflow has ended, so there is nothing to terminate`);
}
