/**
 * Calling an entity workflow that may not have started yet (the applicant's year, a project):
 * start it when it is not running, then send the update. Two callers that race both end at the
 * same running entity (the second start finds it), and the entity answers their updates one at a
 * time. Used by the API (project claims) and by activities (caps reservations).
 */
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';

export async function updateEntity<Ret, Args extends [unknown, ...unknown[]]>(
  client: Client,
  entity: { type: string; id: string; taskQueue: string; args: unknown[] },
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  updateId?: string,
): Promise<Ret> {
  try {
    await client.workflow.start(entity.type, { workflowId: entity.id, taskQueue: entity.taskQueue, args: entity.args });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return client.workflow.getHandle(entity.id).executeUpdate(update, { args, ...(updateId ? { updateId } : {}) });
}
