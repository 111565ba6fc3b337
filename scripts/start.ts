/**
 * `npm start`: the whole engine on its embedded default, in one terminal.
 *
 * Provisions the Temporal CLI, runs its dev server (SQLite under the data folder, so state
 * survives a restart) unless TEMPORAL_ADDRESS names an existing service, registers the search
 * attributes, starts one worker and one API process, waits until all are healthy, and prints
 * where everything is. Every child runs under a supervisor (lib/supervisor.ts): a crashed dev
 * server, worker or API is logged and started again with back-off. Only Ctrl-C (SIGINT), SIGTERM
 * or SIGHUP stops the engine: the API first (no new requests; those in flight are answered), then
 * the worker (its in-flight tasks finish), then the dev server.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadOrCreateDevKeys } from '../api/keys';
import { shanghaiDate } from '../domain/calendar';
import { payloadEncryptionOf } from '../lib/data-converter';
import { startDevServer } from '../lib/dev-server';
import { ProvisionError, provisionTemporal } from '../lib/provision';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { loadSettingsOrExit, PROJECT_ROOT } from '../lib/settings';
import { createSupervisor } from '../lib/supervisor';
import { connectionOptions } from '../lib/temporal-connection';

const settings = loadSettingsOrExit();
const DEV_SERVER = 'Temporal dev server';
/** The order of a graceful stop: no new requests, then no new tasks, then the service. */
const STOP_ORDER = ['API', 'worker', DEV_SERVER];

function say(message: string): void {
  console.log(`[start] ${message}`);
}

const supervisor = createSupervisor({ log: say });
let exiting = false;

async function stopAll(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  say('Stopping: the API, then the worker, then the dev server...');
  await supervisor.stop(STOP_ORDER);
  say('Stopped.');
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    say(`${signal} received.`);
    void stopAll(0);
  });
}
// The children run in their own process groups (so Ctrl-C reaches only this process, which stops
// them in order): if this process ends any other way, none of them may outlive it.
process.on('exit', () => {
  for (const name of STOP_ORDER) supervisor.current(name)?.kill('SIGKILL');
});

/** One run of `script` as a child process, its output prefixed with its name. */
function spawnChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, script)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) => {
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout!, process.stdout);
  prefix(child.stderr!, process.stderr);
  return child;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exiting) return;
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs / 1000} s`);
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: settings.dataDir };
  let uiUrl = settings.uiUrl;
  // Before the worker and the API start, so both read the same development key (when one is used).
  const encryption = payloadEncryptionOf(settings);
  const apiUrl = `http://127.0.0.1:${settings.port}`;

  if (!settings.temporalAddress) {
    const binaries = provisionTemporal();
    say(`Starting the Temporal dev server on 127.0.0.1:${settings.devPort} (data in ${join(settings.dataDir, 'temporal')})...`);
    // Every run (a restart too) on the same SQLite file and ports: state and addresses survive.
    let devServer: Awaited<ReturnType<typeof startDevServer>> | undefined;
    await supervisor.add({
      name: DEV_SERVER,
      start: async () => {
        devServer = await startDevServer({
          cliPath: binaries.cli,
          dbFile: join(settings.dataDir, 'temporal', 'temporal.db'),
          port: settings.devPort,
          uiPort: settings.uiPort,
          namespace: settings.namespace,
          // The Web UI asks the API to decrypt what it shows (staff and auditors, with a credential).
          uiCodecEndpoint: `${apiUrl}/codec`,
          detached: true,
        });
        return devServer.process;
      },
    });
    uiUrl = devServer!.uiUrl;
    env.TEMPORAL_ADDRESS = devServer!.address;
    env.TEMPORAL_UI_URL = devServer!.uiUrl;
  }

  const connection = await Connection.connect({ ...connectionOptions(settings), address: env.TEMPORAL_ADDRESS ?? connectionOptions(settings).address });
  const sa = await ensureSearchAttributes(connection, settings.namespace, (m) => say(m));
  if (sa.added.length) say(`Registered search attributes: ${sa.added.join(', ')}`);

  // Development keys only while the deployment has not switched them off (production credentials).
  const keys = settings.auth.devKeys ? loadOrCreateDevKeys(settings.apiKeysFile).keys : undefined;

  // One terminal for everything: the worker says only what matters unless asked for more.
  const workerEnv = { ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN' };
  await supervisor.add({ name: 'worker', start: async () => spawnChild('worker', 'worker/main.ts', workerEnv), stopTimeoutMs: 30_000 });
  await supervisor.add({ name: 'API', start: async () => spawnChild('api', 'api/main.ts', env), stopTimeoutMs: 20_000 });

  await waitFor('The API', async () => (await fetch(`${apiUrl}/health`)).ok);
  await waitFor('The worker', async () => {
    const response = await connection.workflowService.describeTaskQueue({
      namespace: settings.namespace,
      taskQueue: { name: settings.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (response.pollers?.length ?? 0) > 0;
  });
  await connection.close();
  if (exiting) return;

  const width = Math.max(...Object.keys(keys ?? {}).map((r) => r.length));
  const credentials = keys
    ? [
        `Development API keys (send as X-Api-Key; stored in ${settings.apiKeysFile}):`,
        ...Object.entries(keys).map(([role, key]) => `  ${role.padEnd(width)}  ${key}`),
        '',
        "Try: the admin opens this year's round of a program (its window from the catalog), then the applicant system files into it:",
        `  curl -s -X POST ${apiUrl}/rounds -H 'Content-Type: application/json' -H 'X-Api-Key: ${keys.admin}' \\`,
        `    -d '{"programId":"dinghu-emergency-major-project","budget":"100000000.00"}'`,
        `  curl -s -X POST ${apiUrl}/applications -H 'Content-Type: application/json' -H 'X-Api-Key: ${keys['applicant-system']}' \\`,
        `    -d '{"programId":"dinghu-emergency-major-project","roundId":"dinghu-emergency-major-project.${shanghaiDate(Date.now()).slice(0, 4)}","applicant":{"creditCode":"91350100M000100Y43","name":"示例应急装备有限公司"},"project":{"code":"YJ-001","name":"应急装备产业园"},"facts":{"fixedInvestment":"1200000000.00"}}'`,
      ]
    : ['Development API keys are off (DEV_API_KEYS=false or production credentials configured).'];
  console.log(
    [
      '',
      'The subsidy approval engine is running.',
      `  API:             ${apiUrl}   (health: ${apiUrl}/health)`,
      `  API docs:        ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`,
      `  Temporal Web UI: ${uiUrl ?? '(set TEMPORAL_UI_URL to link it)'}`,
      `  Temporal:        ${env.TEMPORAL_ADDRESS ?? settings.temporalAddress}, namespace ${settings.namespace}, task queue ${settings.taskQueue}`,
      `  Data folder:     ${settings.dataDir}`,
      `  Payloads:        ${encryption.description}`,
      `  Codec endpoint:  ${apiUrl}/codec   (for the Web UI: decrypts for staff and auditors)`,
      '',
      ...credentials,
      '',
      'A crashed dev server, worker or API is logged and restarted (docs/operations.md, "The supervisor").',
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(`[start] ${err instanceof ProvisionError ? err.message : (err as Error).message}`);
  void stopAll(1);
});
