/**
 * `npm run api`: one API process. Several can run behind a load balancer; they share the Temporal
 * service and the engine's database (DATABASE_URL: catalog versions, calendar years, LPR fixings,
 * API keys, the dishonesty list, the local outbox, the listing table); the data folder holds only
 * what one host needs (development keys) and the files of older deployments, moved into the
 * database once.
 */
import { createServer } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { payloadEncryptionOf } from '../lib/data-converter';
import { loadSettingsOrExit, type Settings } from '../lib/settings';
import { connectionOptions } from '../lib/temporal-connection';
import { createApp } from './app';
import { type Authenticator, createAuthenticator, loadKeyHashes } from './credentials';
import { loadOrCreateDevKeys } from './keys';
import { createLogger, type Logger } from './log';
import { createCalendarStore, importCalendarFiles } from '../lib/calendar-store';
import { loadCatalog } from '../lib/catalog-store';
import { catalogVersions } from '../lib/catalog-versions';
import { describeDatabase, type EngineDatabase, openDatabase } from '../lib/database';
import { type ApiKeyStore, createApiKeyStore, importKeyFile } from '../lib/api-key-store';
import { createOperatorRequests } from '../lib/operator-requests';
import { listingStore } from '../lib/listing-store';
import { catchUpOnFirstStart } from './listing-catch-up';
import { databaseRateLimitStores } from './rate-limit-database';
import { createLprStore, importLprFile } from '../lib/lpr-store';
import { createDishonestyStore, importDishonestyFile } from '../lib/dishonesty-store';
import { importOutboxFile, outboxStore } from '../lib/outbox-store';
import { createDraining } from './shutdown';

/** How long a stopping API process waits for the requests in flight before answering them 503. */
const SHUTDOWN_GRACE_MS = 10_000;

function webUiUrlOf(settings: Settings): string | undefined {
  return settings.uiUrl ?? (settings.temporalAddress ? undefined : `http://127.0.0.1:${settings.uiPort}`);
}

/**
 * The credentials this deployment accepts: API keys in the engine's database (the entries of
 * API_KEY_HASHES_FILE imported into it once), development keys, bearer JWTs.
 */
async function authenticatorOf(settings: Settings, logger: Logger, database: EngineDatabase, apiKeys: ApiKeyStore): Promise<Authenticator> {
  const { auth } = settings;
  let devKeys;
  if (auth.devKeys) {
    const loaded = loadOrCreateDevKeys(settings.apiKeysFile);
    if (loaded.created) logger.info('created development API keys', { file: settings.apiKeysFile });
    devKeys = loaded.keys;
  }
  // A bad keys file stops start-up, naming the file, the entry and the reason.
  const keyHashes = auth.keyHashesFile ? loadKeyHashes(auth.keyHashesFile) : undefined;
  const imported = await importKeyFile(database, keyHashes ?? [], new Date());
  if (imported.length > 0) logger.info('API key hashes imported from the keys file into the database', { keys: imported });
  return createAuthenticator({ devKeys, keyHashes, keyStore: apiKeys, jwt: auth.jwt });
}

async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  const logger = createLogger({ base: { process: 'api' } });
  // Reference and admin data every host shares; the shipped catalog is in force if never seen before.
  const database = await openDatabase(settings.database);
  const apiKeys = createApiKeyStore(database);
  const authenticator = await authenticatorOf(settings, logger, database, apiKeys);
  const calendar = createCalendarStore(database);
  const importedYears = await importCalendarFiles(calendar, database, settings.dataDir);
  if (importedYears.length > 0) logger.info('calendar years moved from files into the database', { years: importedYears });
  // A bad catalog stops start-up here, naming the file, the JSON path and the reason.
  const shipped = loadCatalog(undefined, { calendar: (await calendar.current()).data() });
  const lpr = createLprStore(database);
  const importedFixings = await importLprFile(database, settings.dataDir);
  if (importedFixings.length > 0) logger.info('LPR fixings moved from a file into the database', { fixings: importedFixings });
  const dishonesty = createDishonestyStore(database);
  const listedCodes = await importDishonestyFile(database, settings.dataDir);
  if (listedCodes.length > 0) logger.info('dishonesty-list entries moved from a file into the database', { creditCodes: listedCodes });
  // The worker moves an older outbox.jsonl too, before it delivers; here so that GET /outbox-messages shows it.
  const outbox = outboxStore(database);
  const movedMessages = settings.effects.kind === 'outbox' ? await importOutboxFile(database, settings.dataDir) : 0;
  if (movedMessages > 0) logger.info('outbox messages moved from a file into the database', { messages: movedMessages });
  const catalogs = catalogVersions(database);
  const listing = listingStore(database);
  const adopted = await catalogs.adoptShipped(shipped, new Date());
  const inForce = await catalogs.current();
  logger.info(adopted ? 'the shipped catalog is now in force' : 'catalog version in force', {
    database: describeDatabase(settings.database),
    catalogVersion: inForce.version,
    shipped: shipped.version,
  });

  // Connection.lazy: the API starts (and /health answers 503) even while Temporal is down.
  const connection = Connection.lazy(connectionOptions(settings));
  // Every payload the API writes (filings, actions) is encrypted; what it reads is decrypted.
  const encryption = payloadEncryptionOf(settings);
  const client = new Client({ connection, namespace: settings.namespace, dataConverter: encryption.dataConverter });
  const app = createApp({
    client,
    taskQueue: settings.taskQueue,
    authenticator,
    logger,
    rateLimitPerMinute: settings.auth.rateLimitPerMinute,
    ...(settings.auth.rateLimitStore === 'database' ? { rateLimitStores: databaseRateLimitStores(database) } : {}),
    inboxDetailTimeoutMs: settings.inboxDetailTimeoutMs,
    trustProxy: settings.auth.trustProxy,
    catalogs,
    listing,
    apiKeys,
    operatorRequests: createOperatorRequests(database),
    calendar,
    lpr,
    dishonesty,
    outbox,
    webUiUrl: webUiUrlOf(settings),
    codecCorsOrigins: settings.payloadCodec.corsOrigins,
    temporalHealthy: async () => {
      await client.withDeadline(Date.now() + 3_000, () =>
        connection.workflowService.describeNamespace({ namespace: settings.namespace }),
      );
      return true;
    },
  });
  // The app behind a drain switch: on SIGINT/SIGTERM no request in flight goes unanswered.
  const draining = createDraining(app);
  const server = createServer(draining.handler);
  server.listen(settings.port, () => {
    logger.info(`API listening on http://127.0.0.1:${settings.port}`, {
      temporal: connectionOptions(settings).address,
      namespace: settings.namespace,
      credentials: authenticator.accepts,
      rateLimitStore: settings.auth.rateLimitStore,
      devKeys: settings.auth.devKeys,
      payloadKey: encryption.keyId,
    });
  });
  // Applications from before the listing table, listed from visibility once per database.
  void catchUpOnFirstStart(database, client, listing, () => new Date())
    .then((done) => done && logger.info('listing table caught up with visibility', { ...done }))
    .catch((err: unknown) => logger.warn('listing table not caught up with visibility; it is tried again at the next start', { problem: err instanceof Error ? err.message : String(err) }));
  const stop = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: stopping; answering the requests in flight (at most ${SHUTDOWN_GRACE_MS} ms)`);
    void draining
      .drain(server, SHUTDOWN_GRACE_MS)
      .then((summary) => logger.info('API stopped', summary))
      .then(() => connection.close())
      .then(() => database.destroy())
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
