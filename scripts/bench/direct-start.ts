/**
 * An application started the way the API starts one once its checks have passed (api/application-
 * routes.ts): the same workflow, task queue, id policy and listing fields; the bench's filings
 * "direct" and its lifecycles use it with the input an HTTP filing was given.
 */
import { type Client, WorkflowIdReusePolicy } from '@temporalio/client';
import type { ApplicationInput } from '../../domain/application';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import { ENGINE_TASK_QUEUE } from './processes';

export async function startApplication(client: Client, input: ApplicationInput): Promise<void> {
  await client.workflow.start('applicationWorkflow', {
    workflowId: input.id,
    taskQueue: ENGINE_TASK_QUEUE,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.stage, value: 'preliminary-record' },
      { key: SEARCH_ATTRIBUTES.programId, value: input.programId },
      { key: SEARCH_ATTRIBUTES.round, value: input.round },
      { key: SEARCH_ATTRIBUTES.applicantCreditCode, value: input.applicant.creditCode },
      { key: SEARCH_ATTRIBUTES.pendingRoles, value: ['intake-officer'] },
      { key: SEARCH_ATTRIBUTES.filedAt, value: new Date() },
    ],
  });
}
