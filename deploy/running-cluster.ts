/**
 * A cluster `npm run cluster` has running, found by another process (`npm run test:cluster` tests
 * against it instead of bringing one up). `npm run cluster` writes where everything is to
 * `<data folder>/cluster.json` (mode 0600: it holds the database URL and the payload key) once it
 * is up, and deletes it when it stops; a file whose process is gone, or whose load balancer does not
 * answer, is ignored.
 *
 * The workers of a running cluster belong to its process, whose supervisor starts a crashed one
 * again after a second: another process kills one by the pid in its Temporal poller identity
 * (`<pid>@<host>`, the SDK's default) and waits for the supervisor to start it again.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Cluster, ClusterWorkers } from './start-cluster';

/** What another process needs of a running cluster: everything but its handles. */
export type ClusterInfo = Omit<Cluster, 'workers' | 'stop'> & { pid: number; workerCount: number };

const infoFile = (dataDir: string) => join(dataDir, 'cluster.json');

export function writeClusterInfo(cluster: Cluster): void {
  const { workers, stop: _stop, ...rest } = cluster;
  const info: ClusterInfo = { ...rest, pid: process.pid, workerCount: workers.count };
  writeFileSync(infoFile(cluster.dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function removeClusterInfo(dataDir: string): void {
  rmSync(infoFile(dataDir), { force: true });
}

/** The cluster running from `dataDir`, if its process is alive and its load balancer answers. */
export async function findRunningCluster(dataDir: string): Promise<ClusterInfo | undefined> {
  if (!existsSync(infoFile(dataDir))) return undefined;
  let info: ClusterInfo;
  try {
    info = JSON.parse(readFileSync(infoFile(dataDir), 'utf8')) as ClusterInfo;
    process.kill(info.pid, 0);
  } catch {
    return undefined;
  }
  try {
    const health = await fetch(`${info.proxyUrl}/health`, { signal: AbortSignal.timeout(3_000) });
    return health.ok ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The process ids of the workers polling the cluster's task queue on this host, by poller identity. */
async function workerPids(info: Pick<ClusterInfo, 'temporalAddress' | 'namespace' | 'taskQueue'>): Promise<number[]> {
  const connection = await Connection.connect({ address: info.temporalAddress, connectTimeout: 2_000 });
  try {
    const response = await connection.workflowService.describeTaskQueue({
      namespace: info.namespace,
      taskQueue: { name: info.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const here = `@${hostname()}`;
    const pids = (response.pollers ?? [])
      .map((p) => p.identity ?? '')
      .filter((identity) => identity.endsWith(here))
      .map((identity) => Number(identity.slice(0, -here.length)))
      .filter((pid) => Number.isInteger(pid) && pid > 0 && alive(pid));
    return [...new Set(pids)].sort((a, b) => a - b);
  } finally {
    await connection.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The workers of a cluster another process runs: `kill(i)` kills one with SIGKILL (a crash);
 * `restart(i)` waits until its supervisor has started it again and it polls (at most two minutes).
 * Worker `i` is the i-th polling process by pid.
 */
export function attachedWorkers(info: ClusterInfo): ClusterWorkers {
  const killed = new Map<number, number>();
  const pids = () => workerPids(info);
  return {
    count: info.workerCount,
    pid: () => undefined,
    async kill(i) {
      const pid = (await pids())[i];
      if (pid === undefined) throw new Error(`no worker ${i} polls ${info.taskQueue} on this host`);
      process.kill(pid, 'SIGKILL');
      killed.set(i, pid);
    },
    async restart(i) {
      const gone = killed.get(i);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const now = await pids();
        if (now.length >= info.workerCount && (gone === undefined || !now.includes(gone))) return;
        if (Date.now() > deadline) throw new Error(`the cluster's supervisor did not start worker ${i} again within two minutes (polling: ${now.join(', ')})`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  };
}
