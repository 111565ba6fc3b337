/**
 * The engine as deployed (one worker process, one API process, each `node --import tsx …/main.ts`)
 * with Temporal's official time-skipping test server as its Temporal service, so an end-to-end
 * test can live through months of deadlines over HTTP in seconds.
 *
 * Time control. The standalone test server (`temporal-test-server <port>`) starts with time
 * skipping LOCKED (lock count 1): its clock runs at wall-clock speed and a pending timer of 60 days
 * does not fire by itself (measured: a 30-day `sleep` stays pending; after one `UnlockTimeSkipping`
 * the clock jumps straight to it). The harness keeps it locked and moves time only in `advance`,
 * with `UnlockTimeSkippingWithSleep`, which unlocks, skips the duration (firing every timer due
 * inside it, each workflow task at its own instant) and locks again before it answers. It never
 * calls Lock/Unlock on its own: a second lock would make the next sleep wait in real time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import { bundleWorkflowCode } from '@temporalio/worker';
import { freePort } from '../../lib/dev-server';
import { quietLogger } from '../../lib/quiet-logger';
import { WORKFLOWS_PATH } from '../../worker/worker';
import { provisionTemporal } from '../../lib/provision';
import { ensureSearchAttributes } from '../../lib/search-attributes';
import { parseSettings, PROJECT_ROOT } from '../../lib/settings';
import { type EngineDatabase, openDatabase } from '../../lib/database';
import { outboxStore } from '../../lib/outbox-store';
import type { Role } from '../../domain/roles';
import { answerOf, type HttpAnswer } from './answer';

export interface OutboxLine {
  type: string;
  applicationId: string;
  idempotencyKey: string;
  writtenAt: string;
  [field: string]: unknown;
}

/** An answer of the API (test/helpers/answer.ts). */
export type Answer = HttpAnswer;

export interface TimeSkippingEngine {
  apiUrl: string;
  /** host:port of the time-skipping test server. */
  temporalAddress: string;
  dataDir: string;
  keys: Record<Role, string>;
  /** An HTTP call with the key of `role` (none when undefined); the body is sent as JSON. */
  http(method: string, path: string, role?: Role, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** Moves the server's clock forward by `ms`, firing every timer due on the way; locked again after. */
  advance(ms: number): Promise<void>;
  /** The server's current time. */
  now(): Promise<Date>;
  /** The local outbox (table `outbox_messages` of the engine's database), in the order written. */
  outbox(): Promise<OutboxLine[]>;
  /** Test server, worker and API output, each line prefixed with its process. */
  output(): string;
  /** Stops the API, the worker and the test server, and waits for each to exit. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL: `kill -9`) to the running process `name` (`worker`, `api`, …) and waits for its exit. */
  kill(name: string, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts the process `name` (again): `worker` or `worker-<n>` runs worker/main.ts, `api` runs
   * api/main.ts, with the same settings as the first; resolves once the worker polls or the API is healthy.
   */
  start(name: string): Promise<void>;
}

const NAMESPACE = 'default';

/** Settings the children must not inherit from the shell running the tests. */
const INHERITED_SETTINGS = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TASK_QUEUE',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CERT_PATH',
  'TEMPORAL_TLS_KEY_PATH',
  'TEMPORAL_TLS_CA_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_API_KEY',
  'TEMPORAL_UI_URL',
  'API_KEYS_FILE',
  'DATABASE_URL',
  'WORKFLOW_BUNDLE_PATH',
  'WORKER_WORKFLOW_CACHE_SIZE',
  'EFFECTS_WEBHOOK_URL',
  'EFFECTS_WEBHOOK_SECRET',
  'EFFECTS_WEBHOOK_TIMEOUT_MS',
  'DISHONESTY_LIST_URL',
  'DISHONESTY_LIST_SECRET',
  'DEV_API_KEYS',
  'API_KEY_HASHES_FILE',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'JWT_JWKS_URL',
  'JWT_ROLES_CLAIM',
  'JWT_ID_CLAIM',
  'JWT_NAME_CLAIM',
  'JWT_APPLICANTS_CLAIM',
  'RATE_LIMIT_PER_MINUTE',
  'TRUST_PROXY',
  'PAYLOAD_CODEC_KEYS',
  'PAYLOAD_CODEC_KEY_ID',
  'PAYLOAD_CODEC_CORS_ORIGINS',
];

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
}

export async function startTimeSkippingEngine(
  options: {
    dataDir?: string;
    /** Settings for the worker and the API besides the harness's own (e.g. EFFECTS_WEBHOOK_URL). */
    env?: NodeJS.ProcessEnv;
    /** Bundle the workflows once, here, for every worker (WORKFLOW_BUNDLE_PATH): a restarted worker polls in seconds. */
    prebundle?: boolean;
  } = {},
): Promise<TimeSkippingEngine> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'subsidy-e2e-time-skipping-'));
  const lines: string[] = [];
  const children: Child[] = [];
  let connection: Connection | undefined;
  /** The engine's database, opened the first time the test reads the outbox. */
  let database: Promise<EngineDatabase> | undefined;

  const output = () => lines.join('');
  const start = (name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): Child => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = { out: '', err: '' };
    const collect = (which: 'out' | 'err') => (chunk: Buffer) => {
      const text = partial[which] + chunk.toString();
      const parts = text.split('\n');
      partial[which] = parts.pop()!;
      for (const line of parts) lines.push(`[${name}] ${line}\n`);
    };
    child.stdout!.on('data', collect('out'));
    child.stderr!.on('data', collect('err'));
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        for (const rest of [partial.out, partial.err]) if (rest) lines.push(`[${name}] ${rest}\n`);
        partial = { out: '', err: '' };
        lines.push(`[${name}] exited (${signal ?? code})\n`);
        resolve();
      }),
    );
    child.once('error', (err) => lines.push(`[${name}] could not start: ${err.message}\n`));
    const entry = { name, process: child, exited };
    children.push(entry);
    return entry;
  };

  // Whatever happens to the test process (end, crash, Ctrl-C, the runner's SIGTERM), no child outlives it.
  const killAll = () => {
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    process.kill(process.pid, signal); // the default action again, now that this listener is gone
  };
  process.once('exit', killAll);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stopChild = async (c: Child) => {
    if (c.process.exitCode !== null || c.process.signalCode !== null) return;
    c.process.kill('SIGTERM');
    const timer = setTimeout(() => c.process.kill('SIGKILL'), 10_000);
    await c.exited;
    clearTimeout(timer);
  };

  const stop = async () => {
    // The API and the worker first (they talk to the server), then the server.
    const [server, ...engine] = children;
    await Promise.all(engine.map(stopChild));
    await connection?.close().catch(() => undefined);
    await database?.then((db) => db.destroy()).catch(() => undefined);
    if (server) await stopChild(server);
    process.removeListener('exit', killAll);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };

  const fail = async (message: string): Promise<never> => {
    await stop();
    throw new Error(`${message}\n--- output ---\n${output().slice(-12_000)}`);
  };

  try {
    // 1. The official time-skipping test server: `temporal-test-server <port>` (as sdk-core runs it).
    const { testServer } = provisionTemporal();
    const temporalPort = await freePort();
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const server = start('temporal', testServer, [String(temporalPort)]);
    connection = await connectTestService(temporalAddress, server, 60_000).catch((err: Error) => fail(err.message));
    // Before any worker runs: an upsert of an unregistered attribute fails the workflow task forever.
    await ensureSearchAttributes(connection, NAMESPACE, (m) => lines.push(`[harness] ${m}\n`));

    // 2. The worker and the API, as separate processes, like `npm run worker` / `npm run api`.
    const apiPort = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of INHERITED_SETTINGS) delete env[name];
    Object.assign(env, {
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: NAMESPACE,
      DATA_DIR: dataDir,
      PORT: String(apiPort),
      LOG_LEVEL: 'WARN',
      // The engine's database: the SQLite file in DATA_DIR, or the PostgreSQL the tests are given.
      ...(process.env.TEST_DATABASE_URL ? { DATABASE_URL: process.env.TEST_DATABASE_URL } : {}),
      ...options.env,
    });
    if (options.prebundle) {
      const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
      env.WORKFLOW_BUNDLE_PATH = join(dataDir, 'workflow-bundle.js');
      writeFileSync(env.WORKFLOW_BUNDLE_PATH, code);
    }
    const worker = start('worker', process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')], env);
    const api = start('api', process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'api/main.ts')], env);
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    const deadline = Date.now() + 180_000;
    let apiHealthy = false;
    while (!(apiHealthy && /\[worker\] Worker polling/.test(output()))) {
      for (const c of [server, worker, api]) {
        if (c.process.exitCode !== null || c.process.signalCode !== null) await fail(`The ${c.name} process exited before the engine was ready`);
      }
      if (Date.now() > deadline) await fail('The engine was not ready within 180 s (API /health 200 and "Worker polling")');
      if (!apiHealthy) apiHealthy = await fetch(`${apiUrl}/health`).then((r) => r.status === 200, () => false);
      await delay(250);
    }

    const running = (name: string) => children.filter((c) => c.name === name && c.process.exitCode === null && c.process.signalCode === null).at(-1);
    const startAgain = async (name: string) => {
      if (running(name)) throw new Error(`the ${name} process is running already`);
      const isWorker = /^worker(-\d+)?$/.test(name);
      if (!isWorker && name !== 'api') throw new Error(`no process called ${name}: worker, worker-<n> or api`);
      const polling = () => output().split(`[${name}] Worker polling`).length;
      const before = polling();
      const child = start(name, process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, isWorker ? 'worker/main.ts' : 'api/main.ts')], env);
      const readyBy = Date.now() + 120_000;
      for (;;) {
        if (child.process.exitCode !== null || child.process.signalCode !== null) throw new Error(`the ${name} process exited before it was ready`);
        if (Date.now() > readyBy) throw new Error(`the ${name} process was not ready within 120 s`);
        if (isWorker ? polling() > before : await fetch(`${apiUrl}/health`).then((r) => r.status === 200, () => false)) return;
        await delay(200);
      }
    };

    const keysFile = join(dataDir, 'dev-keys.json');
    const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as Record<Role, string>;
    const testService = connection.testService!;

    return {
      apiUrl,
      temporalAddress,
      dataDir,
      keys,
      output,
      stop,
      async kill(name, signal = 'SIGKILL') {
        const child = running(name);
        if (!child) throw new Error(`no running process called ${name}`);
        child.process.kill(signal);
        await child.exited;
      },
      start: startAgain,
      async http(method, path, role, body, headers = {}) {
        const sent: Record<string, string> = { ...headers };
        if (role) sent['X-Api-Key'] = keys[role];
        if (body !== undefined) sent['Content-Type'] = 'application/json';
        return answerOf(
          await fetch(`${apiUrl}${path}`, {
            method,
            headers: sent,
            body: body === undefined ? undefined : JSON.stringify(body),
          }),
        );
      },
      async advance(ms) {
        if (!(ms > 0)) throw new Error(`advance needs a positive duration, got ${ms}`);
        await testService.unlockTimeSkippingWithSleep({ duration: msToTs(ms) });
      },
      async now() {
        const answer = await testService.getCurrentTime({});
        return new Date(tsToMs(answer.time));
      },
      async outbox() {
        // The database the worker and the API were given (the SQLite file in DATA_DIR, or TEST_DATABASE_URL).
        database ??= openDatabase(parseSettings(env).database);
        return outboxStore(await database).read();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A client connection with the TestService enabled, once the server answers. */
async function connectTestService(address: string, server: Child, timeoutMs: number): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (server.process.exitCode !== null || server.process.signalCode !== null) {
      throw new Error(`The time-skipping test server exited before serving ${address}`);
    }
    try {
      const connection = await Connection.connect({
        address,
        connectTimeout: 2_000,
        // What TestWorkflowEnvironment.createTimeSkipping does to expose `connection.testService`.
        [InternalConnectionOptionsSymbol]: { supportsTestService: true },
      } as Parameters<typeof Connection.connect>[0]);
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.testService!.getCurrentTime({});
        return connection;
      } catch (err) {
        await connection.close();
        throw err;
      }
    } catch (err) {
      lastError = (err as Error).message;
      await delay(250);
    }
  }
  throw new Error(`The time-skipping test server did not serve ${address} within ${timeoutMs / 1000} s: ${lastError}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
