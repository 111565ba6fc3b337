/**
 * The engine on a multi-service Temporal cluster on PostgreSQL, on this machine: what
 * `npm run cluster` runs (deploy/cluster.ts), and what a test can bring up when no cluster runs.
 *
 * In order: the pinned Temporal binaries (deploy/temporal-binaries.ts), PostgreSQL
 * (deploy/postgres.ts), Temporal's schemas (deploy/temporal-schema.ts), the server config
 * (deploy/temporal-config.ts), the four Temporal services, the namespace and search attributes,
 * two workers and two API processes on the engine database, and a load balancer in front of the
 * APIs (deploy/proxy.ts). Everything lives under one data folder (default `.data/cluster/`), which
 * a second run reuses. `stop()` stops it all in the reverse order.
 *
 * As on several hosts, the engine's processes share no local folder: each worker and API has a
 * data folder of its own (`engine/worker-1`, `engine/api-1`, …), every piece of shared data is in
 * the engine's database, and what a deployment hands each host as configuration (the payload
 * encryption key as `PAYLOAD_CODEC_KEYS`, the development API keys as `API_KEYS_FILE`) is made
 * once in `config/` and passed to every process in its environment.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadOrCreateDevKeys } from '../api/keys';
import { loadOrCreateDevPayloadKeys } from '../lib/codec-keys';
import { parseSettings, PROJECT_ROOT } from '../lib/settings';
import { createSupervisor, type Supervisor } from '../lib/supervisor';
import { isPortFree, portBlock } from './ports';
import { startPostgres, type Postgres } from './postgres';
import { startLoadBalancer, type LoadBalancer } from './proxy';
import { prepareNamespace, spawnEngineProcess, spawnTemporalService, waitFor, workflowPollers } from './services';
import { ensureTemporalBinaries } from './temporal-binaries';
import { portsFrom, TEMPORAL_PORT_COUNT, TEMPORAL_SERVICES, writeTemporalConfig } from './temporal-config';
import { ensureTemporalSchemas } from './temporal-schema';

export interface ClusterOptions {
  /** Where PostgreSQL, the server config, the engine's data folder and the logs live; default `.data/cluster`. */
  dataDir?: string;
  /** Where the Temporal binaries are built; default `.tools/temporal-server`. */
  toolsDir?: string;
  /** PostgreSQL's port; default 55432, or a free one if that is taken. */
  postgresPort?: number;
  /** The Temporal frontend's gRPC port, the first of a block of 13; default 17233, or free ones if taken. */
  temporalPort?: number;
  /** The load balancer's port; default 3100, or a free one if taken. */
  proxyPort?: number;
  /** The API processes' first port; default 3101 (3101, 3102, …), or free ones if taken. */
  apiPort?: number;
  /** How many workers and API processes; default 2 each. */
  workers?: number;
  apis?: number;
  /** Default: TEMPORAL_NAMESPACE, else `default`. */
  namespace?: string;
  /** The namespace's retention when it is registered; default 7 days. */
  retentionDays?: number;
  /** More environment for the workers and APIs (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Aborting it while the cluster starts stops what has started, and startCluster rejects. */
  signal?: AbortSignal;
}

export interface ClusterWorkers {
  count: number;
  /** The process id of worker `i` (0-based), if it runs. */
  pid(i: number): number | undefined;
  /** Kills worker `i` (SIGKILL: a crash, no graceful shutdown) and keeps it down until `restart(i)`. */
  kill(i: number): Promise<void>;
  /** Starts worker `i` again (stopping it gracefully first if it runs); resolves once it is started. */
  restart(i: number): Promise<void>;
}

export interface Cluster {
  /** The load balancer in front of the APIs. */
  proxyUrl: string;
  /** Each API process, `http://127.0.0.1:<port>`. */
  apis: string[];
  /** The Temporal frontend, host:port (TEMPORAL_ADDRESS). */
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** The engine's database (DATABASE_URL). */
  databaseUrl: string;
  /** The folder of the engine processes' data folders: each worker's and API's own DATA_DIR, `<name>` below it. */
  engineDataDir: string;
  /** Each engine process's own DATA_DIR, by name (`worker-1`, `api-1`, …): nothing in them is shared. */
  processDataDirs: Record<string, string>;
  /**
   * The configuration every engine process is given (the database, Temporal, the payload key,
   * the development API keys file): what a client of the cluster passes to `parseSettings` to
   * read what the engine wrote, e.g. with its payload key.
   */
  engineConfig: NodeJS.ProcessEnv;
  apiKeysFile: string;
  logDir: string;
  /** PostgreSQL's own log (in its folder, which belongs to the `postgres` user when run as root). */
  postgresLog: string;
  dataDir: string;
  /** Seconds each step took. */
  timings: Record<string, number>;
  workers: ClusterWorkers;
  /** Stops the load balancer and APIs, the workers, the four Temporal services, then PostgreSQL. */
  stop(): Promise<void>;
}

const TEMPORAL_STOP_ORDER = ['Temporal worker service', 'Temporal frontend', 'Temporal matching', 'Temporal history'];
const temporalName = (service: string) => `Temporal ${service === 'worker' ? 'worker service' : service}`;

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? ((line: string) => console.log(`[cluster] ${line}`));
  const dataDir = options.dataDir ?? join(PROJECT_ROOT, '.data', 'cluster');
  const logDir = join(dataDir, 'logs');
  const engineDataDir = join(dataDir, 'engine');
  const engineConfigDir = join(dataDir, 'config');
  mkdirSync(logDir, { recursive: true });
  const base = parseSettings({ ...process.env, ...options.env });
  const namespace = options.namespace ?? base.namespace;
  const workerCount = options.workers ?? 2;
  const apiCount = options.apis ?? 2;
  const timings: Record<string, number> = {};
  const began = Date.now();
  let stepStart = Date.now();
  const step = (name: string) => {
    timings[name] = (Date.now() - stepStart) / 1000;
    stepStart = Date.now();
  };

  // What has started, stopped in reverse order when a later step fails or on stop().
  let stopping = false;
  const cancelled = () => stopping || options.signal?.aborted === true;
  const proceed = () => {
    if (cancelled()) throw new Error('Cancelled while starting.');
  };
  let postgres: Postgres | undefined;
  let balancer: LoadBalancer | undefined;
  const supervisorLog = (line: string) => log(line);
  const temporalSupervisor = createSupervisor({ log: supervisorLog });
  const apiSupervisor = createSupervisor({ log: supervisorLog });
  const workerSupervisors: (Supervisor | undefined)[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= stopAll());
  const stopAll = async () => {
    stopping = true;
    log('Stopping: the load balancer and the APIs, the workers, the Temporal services, PostgreSQL...');
    await balancer?.close();
    await apiSupervisor.stop(Array.from({ length: apiCount }, (_, i) => `API ${i + 1}`));
    await Promise.all(workerSupervisors.map((s) => s?.stop([])));
    await temporalSupervisor.stop(TEMPORAL_STOP_ORDER);
    await postgres?.stop();
    log('Stopped.');
  };

  try {
    const binaries = await ensureTemporalBinaries({ toolsDir: options.toolsDir, log });
    step(binaries.built ? 'build Temporal binaries' : 'reuse Temporal binaries');

    proceed();
    const [pgPort] = await portBlock(options.postgresPort ?? 55432, 1, { required: options.postgresPort !== undefined, what: 'PostgreSQL' });
    postgres = await startPostgres({ dir: join(dataDir, 'postgres'), port: pgPort!, log });
    step('start PostgreSQL');
    proceed();
    await ensureTemporalSchemas(binaries, postgres, log);
    step('Temporal schemas');

    proceed();
    const ports = portsFrom(await portBlock(options.temporalPort ?? 17233, TEMPORAL_PORT_COUNT, { required: options.temporalPort !== undefined, what: 'Temporal' }));
    const temporalDir = join(dataDir, 'temporal');
    const configDir = join(temporalDir, 'config');
    writeTemporalConfig({ configDir, ports, postgres: { port: postgres.port, user: 'temporal', password: postgres.temporalPassword } });
    const temporalAddress = `127.0.0.1:${ports.services.frontend.grpc}`;
    for (const service of TEMPORAL_SERVICES) {
      proceed();
      await temporalSupervisor.add({
        name: temporalName(service),
        start: async () => spawnTemporalService(service, { server: binaries.server, rootDir: temporalDir, configDir, logDir }),
        stopTimeoutMs: 30_000,
      });
      // History first, alone until it serves: on a new database every service writes the cluster's
      // metadata at start, and those started together collide (a duplicate key; one exits).
      if (service === 'history') {
        await waitFor('The Temporal history service', async () => !(await isPortFree(ports.services.history.grpc)), { cancelled, timeoutMs: 120_000 });
      }
    }
    await prepareNamespace(temporalAddress, { namespace, retentionDays: options.retentionDays ?? 7, log, cancelled });
    step('Temporal services, namespace, search attributes');

    proceed();
    const databaseUrl = postgres.url('engine');
    moveSharedKeyFiles(engineDataDir, engineConfigDir);
    const given = { ...process.env, ...options.env };
    const engineConfig: NodeJS.ProcessEnv = {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      // The APIs sit behind the load balancer on loopback: its X-Forwarded-For names the client.
      TRUST_PROXY: 'loopback',
      ...(given.PAYLOAD_CODEC_KEYS ? {} : payloadKeyConfig(join(engineConfigDir, 'payload-keys.json'))),
      API_KEYS_FILE: given.API_KEYS_FILE ? resolve(PROJECT_ROOT, given.API_KEYS_FILE) : join(engineConfigDir, 'dev-keys.json'),
    };
    const engineEnv: NodeJS.ProcessEnv = { ...withoutTemporalCredentials(process.env), ...options.env, ...engineConfig };
    const processEnv = (name: string): NodeJS.ProcessEnv => ({ ...engineEnv, DATA_DIR: join(engineDataDir, name) });
    const processDataDirs: Record<string, string> = {};
    for (let i = 1; i <= workerCount; i++) processDataDirs[`worker-${i}`] = join(engineDataDir, `worker-${i}`);
    for (let i = 1; i <= apiCount; i++) processDataDirs[`api-${i}`] = join(engineDataDir, `api-${i}`);
    const settings = parseSettings(processEnv('api-1'));
    // Before any process starts, so all are given the same development keys (when they are used).
    if (settings.auth.devKeys) loadOrCreateDevKeys(settings.apiKeysFile);

    const workerEnv = (i: number) => ({ ...processEnv(`worker-${i + 1}`), LOG_LEVEL: engineEnv.LOG_LEVEL ?? 'WARN' });
    const startWorker = async (i: number) => {
      const supervisor = createSupervisor({ log: supervisorLog });
      workerSupervisors[i] = supervisor;
      await supervisor.add({
        name: `worker ${i + 1}`,
        start: async () => spawnEngineProcess('worker/main.ts', { env: workerEnv(i), logFile: join(logDir, `worker-${i + 1}.log`) }),
        stopTimeoutMs: 30_000,
      });
    };
    for (let i = 0; i < workerCount; i++) {
      proceed();
      await startWorker(i);
    }

    proceed();
    const [proxyPort] = await portBlock(options.proxyPort ?? 3100, 1, { required: options.proxyPort !== undefined, what: 'The load balancer' });
    const apiPorts = await portBlock(options.apiPort ?? proxyPort! + 1, apiCount, { required: options.apiPort !== undefined, what: 'The APIs' });
    const apis = apiPorts.map((port) => `http://127.0.0.1:${port}`);
    for (const [i, port] of apiPorts.entries()) {
      proceed();
      await apiSupervisor.add({
        name: `API ${i + 1}`,
        start: async () => spawnEngineProcess('api/main.ts', { env: { ...processEnv(`api-${i + 1}`), PORT: String(port) }, logFile: join(logDir, `api-${i + 1}.log`) }),
        stopTimeoutMs: 20_000,
      });
    }
    for (const api of apis) await waitFor(`The API at ${api}`, async () => (await fetch(`${api}/health`)).ok, { cancelled });
    await waitFor(
      `${workerCount} workers polling ${settings.taskQueue}`,
      async () => (await workflowPollers(temporalAddress, namespace, settings.taskQueue)) >= workerCount,
      { cancelled },
    );
    proceed();
    balancer = await startLoadBalancer({ port: proxyPort!, targets: apis, log });
    step('workers, APIs, load balancer');
    timings.total = (Date.now() - began) / 1000;

    const workerProcess = (i: number): ChildProcess | undefined => workerSupervisors[i]?.current(`worker ${i + 1}`);
    const checkIndex = (i: number) => {
      if (!Number.isInteger(i) || i < 0 || i >= workerCount) throw new RangeError(`There are workers 0 to ${workerCount - 1}, not ${i}.`);
    };
    return {
      proxyUrl: balancer.url,
      apis,
      temporalAddress,
      namespace,
      taskQueue: settings.taskQueue,
      databaseUrl,
      engineDataDir,
      processDataDirs,
      engineConfig,
      apiKeysFile: settings.apiKeysFile,
      logDir,
      postgresLog: postgres.logFile,
      dataDir,
      timings,
      workers: {
        count: workerCount,
        pid: (i) => workerProcess(i)?.pid,
        async kill(i) {
          checkIndex(i);
          workerProcess(i)?.kill('SIGKILL');
          // Stopping its supervisor before the exit is seen: the crash is not restarted.
          await workerSupervisors[i]?.stop([]);
        },
        async restart(i) {
          checkIndex(i);
          await workerSupervisors[i]?.stop([]);
          if (stopping) throw new Error('The cluster is stopping.');
          await startWorker(i);
        },
      },
      stop,
    };
  } catch (err) {
    await stop().catch((e: Error) => log(`While stopping after a failed start: ${e.message}`));
    throw err;
  }
}

/**
 * A data folder made before each process had its own kept the development payload key and API
 * keys in the one shared `engine/` folder: moved into `config/`, so that the applications
 * encrypted with that key stay readable and the keys stay valid.
 */
function moveSharedKeyFiles(engineDataDir: string, configDir: string): void {
  mkdirSync(configDir, { recursive: true });
  for (const name of ['payload-keys.json', 'dev-keys.json']) {
    const old = join(engineDataDir, name);
    if (existsSync(old) && !existsSync(join(configDir, name))) renameSync(old, join(configDir, name));
  }
}

/**
 * The payload key as a deployment passes it to every host (`PAYLOAD_CODEC_KEYS`), made once in the
 * cluster's configuration folder: no process reads a key file of its own.
 */
function payloadKeyConfig(file: string): NodeJS.ProcessEnv {
  const { keys } = loadOrCreateDevPayloadKeys(file);
  const list = [...keys.keys.entries()].map(([id, key]) => `${id}:${Buffer.from(key).toString('base64')}`).join(',');
  return { PAYLOAD_CODEC_KEYS: list, PAYLOAD_CODEC_KEY_ID: keys.encryptWith };
}

/** The environment without the settings of another Temporal service (TLS, API key): the local cluster has none. */
function withoutTemporalCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^TEMPORAL_(TLS|API_KEY|UI_URL)/.test(name)));
}
