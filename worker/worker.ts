/**
 * Builds a worker for the application task queue. Used by `npm run worker`, `npm start` (as a
 * child process) and tests, so they all run the same registration.
 */
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export const WORKFLOWS_PATH = require.resolve('../workflows');

/**
 * On SIGINT/SIGTERM (the Runtime's shutdown signals) the worker stops polling and lets the tasks it
 * holds finish: an activity in flight (a payment instruction, a webhook call of at most its 10 s
 * timeout) gets this long before it is cancelled and Temporal retries it elsewhere.
 */
const SHUTDOWN_GRACE_TIME = '15 seconds';
/** Past this, the worker gives up waiting altogether (the supervisor kills it 5 s later). */
const SHUTDOWN_FORCE_TIME = '25 seconds';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** From lib/data-converter.ts: the payload codec every client and worker shares. */
  dataConverter: DataConverter;
  /** A prebuilt bundle (production); otherwise workflows are bundled from source at start. */
  workflowBundlePath?: string;
  overrides?: Partial<WorkerOptions>;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    dataConverter: options.dataConverter,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: WORKFLOWS_PATH }),
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    shutdownForceTime: SHUTDOWN_FORCE_TIME,
    ...options.overrides,
  });
}
