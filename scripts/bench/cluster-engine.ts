/**
 * The engine on a multi-service Temporal cluster on PostgreSQL, for `npm run bench -- --cluster`:
 * deploy/start-cluster.ts (PostgreSQL, the four Temporal services as processes, two workers, two
 * APIs behind the load balancer) in a data folder of its own (`.data/bench-cluster-*`, removed
 * when it stops), on ports away from `npm run cluster`'s, plus the bench's bare worker
 * (scripts/bench/bare-worker.ts) on the same cluster, with the same payload codec and key.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { Role } from '../../domain/roles';
import { isPortFree } from '../../deploy/ports';
import { workflowPollers } from '../../deploy/services';
import { startCluster } from '../../deploy/start-cluster';
import { TEMPORAL_PORT_COUNT } from '../../deploy/temporal-config';
import { payloadEncryptionOf } from '../../lib/data-converter';
import { parseSettings, PROJECT_ROOT } from '../../lib/settings';
import { alive, type Child, inheritedEnv, spawnChild, BARE_TASK_QUEUE } from './processes';

export interface BenchCluster {
  /** The load balancer in front of both APIs: every request of the bench goes through it. */
  proxyUrl: string;
  temporalAddress: string;
  namespace: string;
  keys: Record<Role, string>;
  dataConverter: DataConverter;
  /** Seconds each step of the bring-up took (deploy/start-cluster.ts). */
  timings: Record<string, number>;
  /** What runs, for the report. */
  layout: string;
  /** A sentence naming the bare worker if it has exited, or undefined while it runs (the cluster restarts its own). */
  casualties(): string | undefined;
  stop(): Promise<void>;
}

/** The first `count` consecutive free ports starting at `from`, `from + step`, …: a block `npm run cluster`'s defaults do not use. */
async function freeBlock(from: number, count: number, step: number): Promise<number> {
  for (let base = from, tries = 0; tries < 40; base += step, tries++) {
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await isPortFree(port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports from ${from} on`);
}

/**
 * Brings the cluster and the bare worker up; `signal` aborts a bring-up under way (what started
 * is stopped). On failure everything started is stopped before the error is thrown.
 */
export async function startBenchCluster(options: { say: (line: string) => void; workerEnv?: Record<string, string>; signal?: AbortSignal }): Promise<BenchCluster> {
  const { say } = options;
  mkdirSync(join(PROJECT_ROOT, '.data'), { recursive: true });
  const dataDir = mkdtempSync(join(PROJECT_ROOT, '.data', 'bench-cluster-'));
  // PostgreSQL runs as its own user (deploy/postgres.ts) and must reach its folder inside.
  chmodSync(dataDir, 0o755);
  // Not npm run cluster's 55432, 17233-17245 and 3100-3102.
  const ports = {
    postgresPort: await freeBlock(55532, 1, 1),
    temporalPort: await freeBlock(27233, TEMPORAL_PORT_COUNT, 100),
    proxyPort: await freeBlock(3200, 3, 10),
  };
  say(`starting a Temporal cluster on PostgreSQL in ${dataDir} (PostgreSQL ${ports.postgresPort}, Temporal ${ports.temporalPort}, load balancer ${ports.proxyPort})...`);
  let bareWorker: Child | undefined;
  const cluster = await startCluster({
    dataDir,
    ...ports,
    apiPort: ports.proxyPort + 1,
    // The bench is one caller sending far more than an office does; the limiter is not measured.
    env: { LOG_LEVEL: 'WARN', RATE_LIMIT_PER_MINUTE: '1000000', ...options.workerEnv },
    log: (line) => say(`[cluster] ${line}`),
    signal: options.signal,
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (bareWorker && alive(bareWorker.process)) {
        bareWorker.process.kill('SIGTERM');
        await bareWorker.exited;
      }
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    })());
  try {
    const settings = parseSettings({ ...process.env, ...cluster.engineConfig });
    const keys = JSON.parse(readFileSync(cluster.apiKeysFile, 'utf8')) as Record<Role, string>;
    bareWorker = spawnChild('bare worker', 'scripts/bench/bare-worker.ts', {
      ...inheritedEnv(),
      ...cluster.engineConfig,
      DATA_DIR: join(cluster.engineDataDir, 'bare-worker'),
      LOG_LEVEL: 'WARN',
      BENCH_TASK_QUEUE: BARE_TASK_QUEUE,
    });
    const deadline = Date.now() + 120_000;
    while ((await workflowPollers(cluster.temporalAddress, cluster.namespace, BARE_TASK_QUEUE)) === 0) {
      if (options.signal?.aborted) throw new Error('Cancelled while starting.');
      if (!alive(bareWorker.process)) throw new Error(`the bare worker exited before the bench could start:\n${bareWorker.tail.join('').slice(-3000)}`);
      if (Date.now() > deadline) throw new Error('the bare worker did not poll the cluster within 120 s');
      await new Promise((r) => setTimeout(r, 300));
    }
    const worker = bareWorker;
    return {
      proxyUrl: cluster.proxyUrl,
      temporalAddress: cluster.temporalAddress,
      namespace: cluster.namespace,
      keys,
      dataConverter: payloadEncryptionOf(settings).dataConverter,
      timings: cluster.timings,
      layout: `a Temporal cluster on PostgreSQL 15 on this host (the frontend, history, matching and worker services as four processes), ${cluster.workers.count} engine workers and ${cluster.apis.length} API processes on the engine database on the same PostgreSQL, the load balancer in front of the APIs (every request of the bench through it), one bare worker`,
      casualties: () => (alive(worker.process) ? undefined : `the bare worker exited (${worker.process.signalCode ?? worker.process.exitCode}) during the bench:\n${worker.tail.join('').slice(-2000)}`),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
