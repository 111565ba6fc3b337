/**
 * Connection options for the Temporal service, shared by the client (API) and the worker, so a
 * deployment moves from the embedded dev server to a cluster or Temporal Cloud by settings alone.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { type Settings, temporalAddressOf } from './settings';

type SharedOptions = Pick<ConnectionOptions, 'address' | 'tls' | 'apiKey'> &
  Pick<NativeConnectionOptions, 'address' | 'tls' | 'apiKey'>;

export function connectionOptions(settings: Settings): SharedOptions {
  const { tls } = settings;
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`Cannot read ${what} at ${path}: ${(err as Error).message}`);
    }
  };
  return {
    address: temporalAddressOf(settings),
    apiKey: settings.temporalApiKey,
    tls: tls
      ? {
          serverNameOverride: tls.serverName,
          serverRootCACertificate: tls.caPath ? read('TEMPORAL_TLS_CA_PATH', tls.caPath) : undefined,
          clientCertPair:
            tls.certPath && tls.keyPath
              ? { crt: read('TEMPORAL_TLS_CERT_PATH', tls.certPath), key: read('TEMPORAL_TLS_KEY_PATH', tls.keyPath) }
              : undefined,
        }
      : undefined,
  };
}
