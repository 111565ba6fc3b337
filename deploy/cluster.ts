/**
 * `npm run cluster`: the engine on a real multi-service Temporal cluster on PostgreSQL, on this
 * machine (deploy/start-cluster.ts; docs/cluster.md). Prints where everything is and runs until
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP, then stops it all in order.
 *
 * Ports can be chosen with CLUSTER_PROXY_PORT, CLUSTER_API_PORT, CLUSTER_TEMPORAL_PORT and
 * CLUSTER_POSTGRES_PORT, the data folder with CLUSTER_DATA_DIR. While it runs, `<data
 * folder>/cluster.json` says where everything is (deploy/running-cluster.ts), so that
 * `npm run test:cluster` tests this cluster instead of bringing up its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../lib/settings';
import { removeClusterInfo, writeClusterInfo } from './running-cluster';
import { type Cluster, startCluster } from './start-cluster';

function say(line: string): void {
  console.log(`[cluster] ${line}`);
}

const portOf = (name: string): number | undefined => {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`${name} must be a port number (got ${JSON.stringify(value)}).`);
    process.exit(2);
  }
  return port;
};

let cluster: Cluster | undefined;
let exiting = false;
/** Aborted by a signal that comes while the cluster starts: startCluster stops what it started and rejects. */
const starting = new AbortController();

async function stopAndExit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  try {
    if (cluster) removeClusterInfo(cluster.dataDir);
    await cluster?.stop();
  } catch (err) {
    say(`Stopping failed: ${(err as Error).message}`);
    code = code || 1;
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    say(`${signal} received.`);
    if (cluster) void stopAndExit(0);
    else if (!starting.signal.aborted) {
      say('Still starting: stopping what has started once the step under way ends...');
      starting.abort();
    }
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  cluster = await startCluster({
    ...(process.env.CLUSTER_DATA_DIR ? { dataDir: resolve(PROJECT_ROOT, process.env.CLUSTER_DATA_DIR) } : {}),
    postgresPort: portOf('CLUSTER_POSTGRES_PORT'),
    temporalPort: portOf('CLUSTER_TEMPORAL_PORT'),
    proxyPort: portOf('CLUSTER_PROXY_PORT'),
    apiPort: portOf('CLUSTER_API_PORT'),
    log: say,
    signal: starting.signal,
  });
  const c = cluster;
  // Where everything is, for `npm run test:cluster` and other tools (deleted when it stops).
  writeClusterInfo(c);
  const keys = existsSync(c.apiKeysFile) ? (JSON.parse(readFileSync(c.apiKeysFile, 'utf8')) as Record<string, string>) : undefined;
  const hiddenUrl = c.databaseUrl.replace(/:[^:@/]+@/, ':***@');
  console.log(
    [
      '',
      `The engine runs on a Temporal cluster on PostgreSQL (up in ${((Date.now() - started) / 1000).toFixed(1)} s).`,
      `  Load balancer:   ${c.proxyUrl}   (round-robin over the APIs; health: ${c.proxyUrl}/health)`,
      ...c.apis.map((api, i) => `  API ${i + 1}:           ${api}`),
      `  Workers:         ${c.workers.count} (pids ${Array.from({ length: c.workers.count }, (_, i) => c.workers.pid(i)).join(', ')})`,
      `  Temporal:        ${c.temporalAddress} (frontend gRPC), namespace ${c.namespace}, task queue ${c.taskQueue}`,
      `  PostgreSQL:      ${hiddenUrl}   (passwords in ${resolve(c.dataDir, 'postgres', 'secrets.json')})`,
      `  Engine data:     ${c.engineDataDir}/<worker-1|api-1|…>   (each process's own DATA_DIR; shared data is in the database)`,
      `  Logs:            ${c.logDir}   (PostgreSQL's: ${c.postgresLog})`,
      `  Steps (s):       ${Object.entries(c.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('; ')}`,
      '',
      ...(keys
        ? [`Development API keys (X-Api-Key; in ${c.apiKeysFile}):`, ...Object.entries(keys).map(([role, key]) => `  ${role.padEnd(18)} ${key}`), '']
        : []),
      'Press Ctrl-C to stop everything (docs/cluster.md).',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  // startCluster has stopped what it started.
  console.error(`[cluster] ${(err as Error).message}`);
  process.exit(starting.signal.aborted ? 0 : 1);
});
