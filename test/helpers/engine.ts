/**
 * Runs the engine the way a person does, `npm start` (scripts/start.ts), on free ports and a
 * temporary data folder, and talks to it over HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../lib/dev-server';
import { PROJECT_ROOT } from '../../lib/settings';
import type { Role } from '../../domain/roles';
import { answerOf, type HttpAnswer } from './answer';

export interface RunningEngine {
  apiUrl: string;
  uiUrl: string;
  dataDir: string;
  ports: { api: number; temporal: number; ui: number };
  output: () => string;
  keys: Record<Role, string>;
  process: ChildProcess;
  /** Ctrl-C as a terminal sends it: SIGINT to the whole process group; waits for the exit code. */
  interrupt(): Promise<number | null>;
}

export async function startEngine(
  dataDir: string,
  ports?: RunningEngine['ports'],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunningEngine> {
  const chosen = ports ?? { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(chosen.api),
    TEMPORAL_DEV_PORT: String(chosen.temporal),
    TEMPORAL_UI_PORT: String(chosen.ui),
    DATA_DIR: dataDir,
  };
  // The embedded default unless the test names a server.
  delete env.TEMPORAL_ADDRESS;
  // Credentials come from the test, never from the shell running it.
  for (const name of Object.keys(env)) if (/^(JWT_|API_KEY_HASHES_FILE$|DEV_API_KEYS$|RATE_LIMIT_PER_MINUTE$|TRUST_PROXY$|PAYLOAD_CODEC_)/.test(name)) delete env[name];
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/start.ts')], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a terminal's foreground job, so Ctrl-C can be sent to the group.
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not become ready in 180 s:\n${output}`)), 180_000);
    const check = setInterval(() => {
      if (output.includes('Press Ctrl-C to stop everything.')) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`));
    });
  });

  const keys = JSON.parse(readFileSync(join(dataDir, 'dev-keys.json'), 'utf8')) as Record<Role, string>;
  return {
    apiUrl: `http://127.0.0.1:${chosen.api}`,
    uiUrl: `http://127.0.0.1:${chosen.ui}`,
    dataDir,
    ports: chosen,
    output: () => output,
    keys,
    process: child,
    interrupt: async () => {
      process.kill(-child.pid!, 'SIGINT');
      return exited;
    },
  };
}

export type { HttpAnswer } from './answer';

export async function http(
  engine: RunningEngine,
  method: string,
  path: string,
  options: { role?: Role; key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key ?? (options.role ? engine.keys[options.role] : undefined);
  if (key !== undefined) headers['X-Api-Key'] = key;
  let body: string | undefined;
  if (options.rawBody !== undefined || options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = options.rawBody ?? JSON.stringify(options.body);
  }
  return answerOf(await fetch(`${engine.apiUrl}${path}`, { method, headers, body }));
}

/** True when something accepts TCP connections on the loopback port. */
export async function listening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
