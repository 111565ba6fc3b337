/**
 * The Temporal server's configuration for the local cluster: the release's
 * `config/development-postgres12.yaml` (copied next to the binaries), with this cluster's
 * addresses, ports and passwords filled in. One file per service (`<service>.yaml`, loaded with
 * `--env <service>`): the four are alike but for the port each serves its Prometheus metrics on,
 * since they run as separate processes on one host.
 *
 * Written as JSON, which is YAML, from a typed object; kept apart from the template:
 * archival is off (the template turns it on with folders under /tmp), pprof is off, and
 * dynamic config is read from `dynamicconfig.yaml` in the same folder, written once and then left
 * to the operator.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface ServicePorts {
  grpc: number;
  membership: number;
  metrics: number;
}

export interface TemporalPorts {
  services: Record<TemporalService, ServicePorts>;
  /** The frontend's HTTP API. */
  frontendHttp: number;
}

/** How many ports `portsFrom` lays out. */
export const TEMPORAL_PORT_COUNT = TEMPORAL_SERVICES.length * 3 + 1;

/** The layout of `TEMPORAL_PORT_COUNT` ports: gRPC of each service (the frontend's first), membership, metrics, the HTTP API. */
export function portsFrom(ports: number[]): TemporalPorts {
  const order: TemporalService[] = ['frontend', 'history', 'matching', 'worker'];
  const n = order.length;
  const at = (i: number) => ports[i]!;
  const services = Object.fromEntries(order.map((s, i) => [s, { grpc: at(i), membership: at(n + i), metrics: at(2 * n + i) }])) as Record<TemporalService, ServicePorts>;
  return { services, frontendHttp: at(3 * n) };
}

export interface TemporalConfigOptions {
  configDir: string;
  ports: TemporalPorts;
  postgres: { port: number; user: string; password: string };
  /** Fixed when the cluster is first started; the template's 4 suits one host. */
  numHistoryShards?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export function writeTemporalConfig(options: TemporalConfigOptions): void {
  mkdirSync(options.configDir, { recursive: true, mode: 0o700 });
  const { ports } = options;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${options.postgres.port}`,
      connectProtocol: 'tcp',
      user: options.postgres.user,
      password: options.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (service: TemporalService) => ({
    grpcPort: ports.services[service].grpc,
    membershipPort: ports.services[service].membership,
    bindOnLocalHost: true,
    ...(service === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
  });
  const dynamicConfig = join(options.configDir, 'dynamicconfig.yaml');
  for (const service of TEMPORAL_SERVICES) {
    const config = {
      log: { stdout: true, level: options.logLevel ?? 'info' },
      persistence: {
        defaultStore: 'postgres-default',
        visibilityStore: 'postgres-visibility',
        numHistoryShards: options.numHistoryShards ?? 4,
        datastores: {
          'postgres-default': datastore('temporal', 20),
          'postgres-visibility': datastore('temporal_visibility', 10),
        },
      },
      global: {
        membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
        metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.services[service].metrics}` } },
      },
      services: Object.fromEntries(TEMPORAL_SERVICES.map((s) => [s, { rpc: rpc(s) }])),
      clusterMetadata: {
        enableGlobalNamespace: false,
        failoverVersionIncrement: 10,
        masterClusterName: 'active',
        currentClusterName: 'active',
        clusterInformation: {
          active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.services.frontend.grpc}` },
        },
      },
      dcRedirectionPolicy: { policy: 'noop' },
      dynamicConfigClient: { filepath: dynamicConfig, pollInterval: '10s' },
    };
    writeFileSync(join(options.configDir, `${service}.yaml`), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }
  if (!existsSync(dynamicConfig)) {
    writeFileSync(
      dynamicConfig,
      [
        '# Dynamic config of the local cluster (read every 10 s by every service). Written once by',
        '# `npm run cluster` and then left alone: add settings here, e.g.',
        '#   limit.maxIDLength:',
        '#     - value: 1000',
        '{}',
        '',
      ].join('\n'),
    );
  }
}
