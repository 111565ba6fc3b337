/**
 * Runs the official Temporal CLI dev server (`temporal server start-dev`): a complete
 * single-process Temporal service with SQLite persistence and the Web UI. Used by `npm start` and
 * the end-to-end tests; production points TEMPORAL_ADDRESS at a cluster instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file; state survives restarts. Omit for an in-memory server (tests). */
  dbFile?: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** The remote codec the Web UI asks to decrypt payloads (the API's `/codec`); none: payloads shown as stored. */
  uiCodecEndpoint?: string;
  /** Where the server's own output goes; default: discarded. */
  onOutput?: (chunk: string) => void;
  /** Its own process group, so a terminal's Ctrl-C reaches only the supervisor, which stops it last. */
  detached?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
    // Measured on 2 cores: 39 → 90 workflows/s with WAL and relaxed fsync (see docs/operations.md).
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
  ];
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 200) output.shift();
    options.onOutput?.(text);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const address = `127.0.0.1:${options.port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, options.namespace, exited, 60_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nTemporal dev server output:\n${output.join('').slice(-4000)}`);
  }
  return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, process: child, stop };
}

/** Polls until the frontend answers for the namespace, or the process exits, or time runs out. */
async function waitUntilServing(address: string, namespace: string, exited: Promise<number | null>, timeoutMs: number) {
  let dead: number | null | undefined;
  void exited.then((code) => (dead = code));
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (dead !== undefined) throw new Error(`Temporal dev server exited with code ${dead} before serving`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server did not serve ${address} within ${timeoutMs / 1000} s: ${lastError}`);
}

/** A TCP port free on loopback right now (for tests that start their own servers). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
