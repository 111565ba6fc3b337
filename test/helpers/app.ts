/**
 * The API's Express app (api/app.ts) on a free port with development keys and the database's API
 * keys, and no Temporal behind it: the connection is lazy and never dials. For what the app
 * decides before any workflow is reached (access, rate limits, refused input), over real HTTP.
 */
import { listingStore } from '../../lib/listing-store';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { createApp, type AppDeps } from '../../api/app';
import { createAuthenticator } from '../../api/credentials';
import { createLogger } from '../../api/log';
import { ROLES, type Role } from '../../domain/roles';
import { createApiKeyStore } from '../../lib/api-key-store';
import { createOperatorRequests } from '../../lib/operator-requests';
import { createLprStore } from '../../lib/lpr-store';
import { createDishonestyStore } from '../../lib/dishonesty-store';
import { outboxStore } from '../../lib/outbox-store';
import { shippedCatalogs } from './catalogs';
import { tempDir } from './temporal';

export interface RunningApp {
  base: string;
  /** The Express app itself (its router, for tests that read the routes). */
  app: ReturnType<typeof createApp>;
  keys: Record<Role, string>;
  /** The app's log lines, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startApp(
  options: Partial<Pick<AppDeps, 'rateLimitPerMinute' | 'trustProxy' | 'rateLimitStores' | 'webUiUrl' | 'rounds'>> & { dataConverter?: DataConverter } = {},
): Promise<RunningApp> {
  const { dataConverter, ...deps } = options;
  const dir = tempDir('app');
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const keys = Object.fromEntries(ROLES.map((role) => [role, `test-key-of-${role}-0123456789`])) as Record<Role, string>;
  const logs: Array<Record<string, unknown>> = [];
  const { catalogs, database, calendar } = await shippedCatalogs(dir);
  const apiKeys = createApiKeyStore(database);
  const app = createApp({
    client: new Client({ connection, ...(dataConverter ? { dataConverter } : {}) }),
    taskQueue: 'unused',
    authenticator: createAuthenticator({ devKeys: keys, keyStore: apiKeys }),
    apiKeys,
    operatorRequests: createOperatorRequests(database),
    temporalHealthy: async () => false,
    catalogs,
    listing: listingStore(database),
    calendar,
    lpr: createLprStore(database),
    dishonesty: createDishonestyStore(database),
    outbox: outboxStore(database),
    logger: createLogger({ write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) }),
    calendarYearSupplied: async () => undefined,
    ...deps,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    app,
    keys,
    logs,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close().catch(() => undefined);
      await database.destroy();
    },
  };
}
