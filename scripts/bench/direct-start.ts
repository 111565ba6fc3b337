/**
 * An application started the way the API starts one once its checks have passed (api/application-
 * routes.ts): the same workflow, task queue, id policy and listing fields; the bench's filings
 * "direct" and its lifecycles use it with the input an HTTP filing was given.
 */
import { type Client, WorkflowIdReusePolicy } from '@temporalio/client';
import type { ApplicationInput } from '../../domain/application';
import { startingAttributes } from '../../workflows/messages';
import { ENGINE_TASK_QUEUE } from './processes';

export async function startApplication(client: Client, input: ApplicationInput): Promise<void> {
  await client.workflow.start('applicationWorkflow', {
    workflowId: input.id,
    taskQueue: ENGINE_TASK_QUEUE,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: startingAttributes({
      stage: 'preliminary-record',
      programId: input.programId,
      round: input.round,
      creditCode: input.applicant.creditCode,
      pendingRoles: ['intake-officer'],
      filedAt: new Date(),
    }),
  });
}
