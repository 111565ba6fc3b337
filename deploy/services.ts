/**
 * The cluster's processes: the four Temporal services (`server start --service <name>`, each its
 * own process) and the engine's workers and API processes (worker/main.ts, api/main.ts), each
 * writing to its own log file, each in its own process group (a terminal's Ctrl-C reaches only
 * the cluster script, which stops them in order). lib/supervisor.ts keeps them running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { PROJECT_ROOT } from '../lib/settings';
import type { TemporalService } from './temporal-config';

const GRPC_ALREADY_EXISTS = 6;

/** Starts `command` with its output appended to `logFile`. */
function spawnLogged(command: string, args: string[], options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string }): ChildProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const fd = openSync(options.logFile, 'a');
  try {
    return spawn(command, args, { cwd: options.cwd ?? PROJECT_ROOT, env: options.env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
}

/** One Temporal service of the pinned server, on the generated config (`<configDir>/<service>.yaml`; the server takes it relative to `--root`). */
export function spawnTemporalService(service: TemporalService, options: { server: string; rootDir: string; configDir: string; logDir: string }): ChildProcess {
  return spawnLogged(
    options.server,
    ['--root', options.rootDir, '--config', relative(options.rootDir, options.configDir), '--env', service, '--allow-no-auth', 'start', '--service', service],
    { env: process.env, logFile: join(options.logDir, `temporal-${service}.log`), cwd: options.rootDir },
  );
}

/** One engine process: `node --import tsx <script>` with the cluster's settings. */
export function spawnEngineProcess(script: 'worker/main.ts' | 'api/main.ts', options: { env: NodeJS.ProcessEnv; logFile: string }): ChildProcess {
  return spawnLogged(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, script)], options);
}

export async function waitFor(what: string, check: () => Promise<boolean>, options: { timeoutMs?: number; cancelled?: () => boolean } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (options.cancelled?.()) throw new Error(`Stopped while waiting for ${what}.`);
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s${last ? ` (last: ${(last as Error).message})` : ''}.`);
}

/**
 * Once the frontend answers: the namespace (registered with its retention if new; ready once the
 * frontend's namespace cache has it) and the engine's search attributes (lib/search-attributes.ts).
 */
export async function prepareNamespace(
  address: string,
  options: { namespace: string; retentionDays: number; log: (line: string) => void; cancelled?: () => boolean },
): Promise<void> {
  let connection: Connection | undefined;
  await waitFor(
    `The Temporal frontend at ${address}`,
    async () => {
      connection ??= await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      return true;
    },
    { timeoutMs: 180_000, cancelled: options.cancelled },
  );
  const service = connection!.workflowService;
  try {
    await waitFor(
      `Registering namespace ${options.namespace}`,
      async () => {
        try {
          await service.registerNamespace({
            namespace: options.namespace,
            workflowExecutionRetentionPeriod: msToTs(`${options.retentionDays} days`),
            description: 'The subsidy approval engine (npm run cluster)',
          });
          options.log(`Registered namespace ${options.namespace} (retention ${options.retentionDays} days).`);
        } catch (err) {
          if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
        }
        return true;
      },
      { timeoutMs: 60_000, cancelled: options.cancelled },
    );
    // The services read namespaces through a cache refreshed every few seconds: ready once a visibility query is answered.
    await waitFor(
      `Namespace ${options.namespace}`,
      async () => {
        await service.listWorkflowExecutions({ namespace: options.namespace, pageSize: 1 });
        return true;
      },
      { timeoutMs: 60_000, cancelled: options.cancelled },
    );
    await waitFor(
      'The search attributes',
      async () => {
        const result = await ensureSearchAttributes(connection!, options.namespace, options.log);
        if (result.added.length) options.log(`Registered search attributes: ${result.added.join(', ')}.`);
        return result.refused.length === 0;
      },
      { timeoutMs: 60_000, cancelled: options.cancelled },
    );
  } finally {
    await connection!.close();
  }
}

/** Whether a worker polls the engine's task queue (workflow tasks): how many pollers there are. */
export async function workflowPollers(address: string, namespace: string, taskQueue: string): Promise<number> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    const response = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return response.pollers?.length ?? 0;
  } finally {
    await connection.close();
  }
}
