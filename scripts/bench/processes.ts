/**
 * The processes `npm run bench` measures, all its own and all stopped when it ends (normally, on
 * failure, or on Ctrl-C): an in-memory Temporal dev server on free ports, the engine's worker and
 * API as child processes (worker/main.ts, api/main.ts, exactly as `npm start` runs them) on a
 * temporary data folder, and the bare worker (scripts/bench/bare-worker.ts) on a task queue of
 * its own. The children's output is kept (the last lines) to explain a failure, never printed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadOrCreateDevKeys } from '../../api/keys';
import type { Role } from '../../domain/roles';
import { payloadEncryptionOf } from '../../lib/data-converter';
import { freePort, startDevServer } from '../../lib/dev-server';
import { provisionTemporal } from '../../lib/provision';
import { quietLogger } from '../../lib/quiet-logger';
import { ensureSearchAttributes } from '../../lib/search-attributes';
import { DEFAULT_WORKFLOW_CACHE_SIZE, parseSettings, PROJECT_ROOT } from '../../lib/settings';
import { WORKFLOWS_PATH } from '../../worker/worker';
import type { DataConverter } from '@temporalio/common';

export const ENGINE_TASK_QUEUE = 'subsidy-applications';
export const BARE_TASK_QUEUE = 'bench-bare';
const NAMESPACE = 'default';

/** Settings of the shell that must not leak into the measured processes. */
const NOT_INHERITED = /^(TEMPORAL_|TASK_QUEUE$|DATABASE_URL$|WORKFLOW_BUNDLE_PATH$|WORKER_WORKFLOW_CACHE_SIZE$|EFFECTS_|DISHONESTY_LIST_|DEV_API_KEYS$|API_KEY_HASHES_FILE$|API_KEYS_FILE$|JWT_|RATE_LIMIT_PER_MINUTE$|TRUST_PROXY$|PAYLOAD_CODEC_)/;

export interface BenchEngine {
  apiUrl: string;
  temporalAddress: string;
  dataDir: string;
  keys: Record<Role, string>;
  dataConverter: DataConverter;
  /** The engine's workflow bundle, as its worker runs it (for the replay measurement). */
  workflowBundleCode: string;
  /** Process ids, for reading memory from /proc. */
  pids: { worker: number; api: number; bareWorker: number; devServer: number };
  /** The settings the worker was started with that shape what is measured. */
  workerSettings: Record<string, string>;
  /** A sentence naming each process that has exited (with its last output), or undefined while all run. */
  casualties(): string | undefined;
  stop(): Promise<void>;
}

/** This process's environment without the settings that must not leak into the measured processes. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!NOT_INHERITED.test(name)) env[name] = value;
  return env;
}

export interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
  tail: string[];
}

/** A TypeScript entry point of the project as a child process, its last output kept. */
export function spawnChild(name: string, script: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, script)], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString());
    if (tail.length > 50) tail.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, process: child, exited, tail };
}

export const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts everything and waits until the API answers /health and both workers poll. `say` reports
 * progress. On any failure, whatever was started is stopped before the error is thrown.
 */
export async function startBenchEngine(options: { say: (line: string) => void; workerEnv?: Record<string, string> }): Promise<BenchEngine> {
  const { say } = options;
  const dataDir = mkdtempSync(join(tmpdir(), 'subsidy-bench-'));
  const children: Child[] = [];
  let devServer: Awaited<ReturnType<typeof startDevServer>> | undefined;
  let connection: Connection | undefined;

  const stop = async () => {
    process.removeListener('exit', killAll);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await Promise.all(
      children.map(async (c) => {
        if (!alive(c.process)) return;
        c.process.kill('SIGTERM');
        const timer = setTimeout(() => c.process.kill('SIGKILL'), 10_000);
        await c.exited;
        clearTimeout(timer);
      }),
    );
    await connection?.close().catch(() => undefined);
    await devServer?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Whatever ends this process, no child outlives it.
  const killAll = () => {
    for (const c of children) if (alive(c.process)) c.process.kill('SIGKILL');
    if (devServer && alive(devServer.process)) devServer.process.kill('SIGKILL');
  };
  process.once('exit', killAll);
  // Interrupted while starting: nothing started may outlive the bench (once started, the bench stops them in order).
  const onSignal = () => {
    killAll();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const binaries = provisionTemporal();
    const [port, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    say(`starting an in-memory Temporal dev server on 127.0.0.1:${port}...`);
    devServer = await startDevServer({ cliPath: binaries.cli, port, uiPort, namespace: NAMESPACE });
    connection = await Connection.connect({ address: devServer.address });
    await ensureSearchAttributes(connection, NAMESPACE);

    const env = inheritedEnv();
    Object.assign(env, {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      TASK_QUEUE: ENGINE_TASK_QUEUE,
      PORT: String(apiPort),
      LOG_LEVEL: 'WARN',
      // The bench is one caller sending far more than an office does; the limiter is not measured.
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    // The keys the processes read, made here first so all of them and the bench share them.
    const settings = parseSettings(env);
    const keys = loadOrCreateDevKeys(settings.apiKeysFile).keys;
    const { dataConverter } = payloadEncryptionOf(settings);

    say('bundling the engine\'s workflows once (its worker and the replay use the same bundle)...');
    const bareWorker = spawnChild('bare worker', 'scripts/bench/bare-worker.ts', { ...env, BENCH_TASK_QUEUE: BARE_TASK_QUEUE });
    children.push(bareWorker);
    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
    const bundlePath = join(dataDir, 'workflow-bundle.js');
    writeFileSync(bundlePath, code);
    const workerSettings = { WORKFLOW_BUNDLE_PATH: bundlePath, ...options.workerEnv };
    const worker = spawnChild('worker', 'worker/main.ts', { ...env, ...workerSettings });
    const api = spawnChild('api', 'api/main.ts', env);
    children.push(worker, api);

    say('waiting for the engine\'s worker and API and the bare worker...');
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const polled = async (taskQueue: string) => {
      const answer = await connection!.workflowService.describeTaskQueue({
        namespace: NAMESPACE,
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return (answer.pollers?.length ?? 0) > 0;
    };
    const deadline = Date.now() + 150_000;
    for (;;) {
      for (const c of children) if (!alive(c.process)) throw new Error(`the ${c.name} exited before the bench could start:\n${c.tail.join('').slice(-3000)}`);
      const ready =
        (await fetch(`${apiUrl}/health`).then((r) => r.ok, () => false)) && (await polled(ENGINE_TASK_QUEUE)) && (await polled(BARE_TASK_QUEUE));
      if (ready) break;
      if (Date.now() > deadline) throw new Error('the engine was not ready within 150 s');
      await delay(300);
    }
    await connection.close();
    connection = undefined;
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    return {
      apiUrl,
      temporalAddress: devServer.address,
      dataDir,
      keys,
      dataConverter,
      workflowBundleCode: readFileSync(bundlePath, 'utf8'),
      pids: { worker: worker.process.pid!, api: api.process.pid!, bareWorker: bareWorker.process.pid!, devServer: devServer.process.pid! },
      workerSettings: { WORKER_WORKFLOW_CACHE_SIZE: options.workerEnv?.WORKER_WORKFLOW_CACHE_SIZE ?? `(the engine's default, ${DEFAULT_WORKFLOW_CACHE_SIZE})` },
      casualties: () => {
        const dead = children.filter((c) => !alive(c.process));
        if (devServer && !alive(devServer.process)) dead.push({ name: 'Temporal dev server', process: devServer.process, exited: Promise.resolve(), tail: [] });
        if (dead.length === 0) return undefined;
        return dead.map((c) => `the ${c.name} exited (${c.process.signalCode ?? c.process.exitCode}) during the bench:\n${c.tail.join('').slice(-2000)}`).join('\n');
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resident memory of a process in bytes (VmRSS of /proc/<pid>/status); NaN when unreadable. */
export function residentBytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    const kb = Number(line?.split(/\s+/)[1]);
    return kb * 1024;
  } catch {
    return Number.NaN;
  }
}
