/**
 * `npm start`: the whole engine on its embedded default, in one terminal.
 *
 * Provisions the Temporal CLI, runs its dev server (SQLite under the data folder, so state
 * survives a restart) unless TEMPORAL_ADDRESS names an existing service, registers the search
 * attributes, starts one worker and one API process, waits until all are healthy, and prints
 * where everything is. Ctrl-C stops everything it started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadOrCreateDevKeys } from '../api/keys';
import { payloadEncryptionOf } from '../lib/data-converter';
import { type DevServer, startDevServer } from '../lib/dev-server';
import { ProvisionError, provisionTemporal } from '../lib/provision';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { loadSettingsOrExit, PROJECT_ROOT } from '../lib/settings';
import { connectionOptions } from '../lib/temporal-connection';

const settings = loadSettingsOrExit();
const children: ChildProcess[] = [];
let devServer: DevServer | undefined;
let stopping = false;

function say(message: string): void {
  console.log(`[start] ${message}`);
}

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  say('Stopping...');
  await Promise.all(children.map((child) => stopChild(child)));
  await devServer?.stop();
  say('Stopped.');
  process.exit(code);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void stopAll(0));
}

function startChild(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, script)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
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
  child.once('exit', (code, signal) => {
    if (!stopping) {
      // Ctrl-C in a terminal signals the whole process group: a child may exit cleanly a moment
      // before this process handles its own SIGINT. That is a stop, not a failure.
      const clean = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
      if (!clean) console.error(`[start] The ${name} process exited (${signal ?? `code ${code}`}); stopping everything.`);
      void stopAll(clean ? 0 : 1);
    }
  });
  children.push(child);
  return child;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
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
    devServer = await startDevServer({
      cliPath: binaries.cli,
      dbFile: join(settings.dataDir, 'temporal', 'temporal.db'),
      port: settings.devPort,
      uiPort: settings.uiPort,
      namespace: settings.namespace,
      // The Web UI asks the API to decrypt what it shows (staff and auditors, with a credential).
      uiCodecEndpoint: `${apiUrl}/codec`,
    });
    devServer.process.once('exit', (code, signal) => {
      if (!stopping) {
        const clean = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
        if (!clean) console.error(`[start] The Temporal dev server exited (code ${code}); stopping everything.`);
        void stopAll(clean ? 0 : 1);
      }
    });
    uiUrl = devServer.uiUrl;
    env.TEMPORAL_ADDRESS = devServer.address;
    env.TEMPORAL_UI_URL = devServer.uiUrl;
  }

  const connection = await Connection.connect({ ...connectionOptions(settings), address: env.TEMPORAL_ADDRESS ?? connectionOptions(settings).address });
  const sa = await ensureSearchAttributes(connection, settings.namespace, (m) => say(m));
  if (sa.added.length) say(`Registered search attributes: ${sa.added.join(', ')}`);

  // Development keys only while the deployment has not switched them off (production credentials).
  const keys = settings.auth.devKeys ? loadOrCreateDevKeys(settings.apiKeysFile).keys : undefined;

  // One terminal for everything: the worker says only what matters unless asked for more.
  startChild('worker', 'worker/main.ts', { ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN' });
  startChild('api', 'api/main.ts', env);

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
  if (stopping) return;

  const width = Math.max(...Object.keys(keys ?? {}).map((r) => r.length));
  const credentials = keys
    ? [
        `Development API keys (send as X-Api-Key; stored in ${settings.apiKeysFile}):`,
        ...Object.entries(keys).map(([role, key]) => `  ${role.padEnd(width)}  ${key}`),
        '',
        'Try:',
        `  curl -s -X POST ${apiUrl}/applications -H 'Content-Type: application/json' -H 'X-Api-Key: ${keys['applicant-system']}' \\`,
        `    -d '{"programId":"dinghu-emergency-major-project","applicant":{"creditCode":"91350100M000100Y43","name":"示例应急装备有限公司"},"facts":{"fixedInvestment":"1200000000.00"}}'`,
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
      'Press Ctrl-C to stop everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(`[start] ${err instanceof ProvisionError ? err.message : (err as Error).message}`);
  void stopAll(1);
});
