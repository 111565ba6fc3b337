/**
 * `npm run bench -- --cluster [--quick]`: the whole lifecycle through three tranches, beside its
 * bare baseline (scripts/bench/lifecycle.ts), first on the embedded default (the bench's own dev
 * server, worker and API: scripts/bench/processes.ts), then on a multi-service Temporal cluster on
 * PostgreSQL with two workers and two APIs behind the load balancer
 * (scripts/bench/cluster-engine.ts). One setup runs at a time, each stopped before the next, and
 * both are stopped on failure and on Ctrl-C. Writes `.bench/<timestamp>/{results.json,report.md}`
 * (scripts/bench/cluster-report.ts) and prints last
 * `ratio=<…> embedded_ratio=<…> lifecycles_per_s=<…> embedded_lifecycles_per_s=<…>`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Role } from '../../domain/roles';
import { PROJECT_ROOT } from '../../lib/settings';
import { Procedure } from '../../test/helpers/procedure';
import { startBenchCluster } from './cluster-engine';
import { type ClusterBenchResults, figuresOf, type ServerFigures, writeClusterReport } from './cluster-report';
import { httpOn } from './engine-client';
import { measureLifecyclesInNewRound } from './lifecycle';
import { loadAverage, machine } from './machine';
import { startBenchEngine } from './processes';

/** An engine the lifecycles can be driven through, wherever it runs. */
interface Target {
  apiUrl: string;
  keys: Record<Role, string>;
  temporalAddress: string;
  namespace: string;
  dataConverter: DataConverter;
  casualties(): string | undefined;
  stop(): Promise<void>;
}

export interface ClusterBenchOptions {
  quick: boolean;
  concurrency: number;
  /** WORKER_WORKFLOW_CACHE_SIZE for every engine worker; unset: the engine's default. */
  cacheSize?: string;
  say: (line: string) => void;
}

/** Runs both setups one after the other, writes the report, and answers the summary line. */
export async function runClusterBench(options: ClusterBenchOptions): Promise<string> {
  const { say, concurrency } = options;
  const sizes = options.quick ? { rounds: 3, perRound: 8 } : { rounds: 5, perRound: 16 };
  const workerEnv = options.cacheSize !== undefined ? { WORKER_WORKFLOW_CACHE_SIZE: options.cacheSize } : undefined;
  const started = new Date();
  const host = machine();
  say(`cluster ${options.quick ? 'quick' : 'full'} mode: ${sizes.rounds} rounds of ${sizes.perRound} lifecycles per kind, ${concurrency} at a time, on ${host.nproc} cores (load ${host.loadAverageAtStart})`);

  // Ctrl-C: whatever runs is stopped. While the cluster starts, the bring-up is aborted and
  // stops what it started (the embedded engine's own start-up handles its signals).
  let running: Target | undefined;
  const starting = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping every process the bench started...`);
    if (running) void running.stop().finally(() => process.exit(130));
    else starting.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    say('the embedded default first: the bench\'s own dev server, one worker, one API...');
    const engine = await startBenchEngine({ say, ...(workerEnv ? { workerEnv } : {}) });
    const embeddedTemporal = 'Temporal CLI dev server, in memory, one engine worker, one API process, one bare worker';
    const embedded = await measureOn({ ...engine, namespace: 'default' }, embeddedTemporal);

    say('then the cluster...');
    const cluster = await startBenchCluster({ say, ...(workerEnv ? { workerEnv } : {}), signal: starting.signal });
    const onCluster = await measureOn({ ...cluster, apiUrl: cluster.proxyUrl }, cluster.layout, cluster.timings);

    const finished = new Date();
    const dir = join(PROJECT_ROOT, '.bench', started.toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dir, { recursive: true });
    const results: ClusterBenchResults = {
      mode: options.quick ? 'cluster quick' : 'cluster full',
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
      machine: { ...host, loadAverageAtEnd: loadAverage() },
      conditions: {
        concurrency,
        ...sizes,
        payloads: 'both sides encrypted with the engine\'s AES-256-GCM codec (the development key of each setup)',
        worker: { WORKER_WORKFLOW_CACHE_SIZE: options.cacheSize ?? '(the engine\'s default)' },
        order: 'the embedded dev server first, stopped, then the cluster; the engine and bare lifecycles interleaved on each',
      },
      embedded,
      cluster: onCluster,
    };
    const report = writeClusterReport(dir, results);
    say(`report: ${join(dir, 'report.md')}`);
    return report.summaryLine;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  /** Measures the lifecycles on `target` and stops it, also on failure. */
  async function measureOn(target: Target, temporal: string, timings?: Record<string, number>): Promise<ServerFigures> {
    running = target;
    const atStart = loadAverage();
    const connection = await Connection.connect({ address: target.temporalAddress }).catch(async (err: unknown) => {
      await target.stop();
      throw err;
    });
    try {
      const client = new Client({ connection, namespace: target.namespace, dataConverter: target.dataConverter });
      const http = httpOn(target.apiUrl, target.keys);
      // Polled every 50 ms: a caller waiting for the engine's own step (a payment instruction) sees it soon after.
      const procedure = new Procedure({ http, now: async () => new Date(), advance: async () => Promise.reject(new Error('the server keeps real time')) }, { pollMs: 50 });
      await procedure.ensureCalendar();
      const run = await measureLifecyclesInNewRound({ client, procedure, rounds: sizes.rounds, perRound: sizes.perRound, concurrency, say });
      return figuresOf(temporal, run, { atStart, atEnd: loadAverage() }, timings);
    } catch (err) {
      const dead = target.casualties();
      throw dead ? new Error(`${(err as Error).message}\n${dead}`) : err;
    } finally {
      await connection.close().catch(() => undefined);
      say('stopping it...');
      await target.stop();
      running = undefined;
    }
  }
}
