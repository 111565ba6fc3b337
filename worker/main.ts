/**
 * `npm run worker`: one worker process. Run several side by side (here or on other hosts) to
 * scale out; Temporal spreads the task queue across them.
 */
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { ActivityDeps } from '../activities';
import { createDatabaseDishonestyList, createHttpDishonestyList } from '../activities/dishonesty-list';
import { createOutbox } from '../activities/outbox';
import { createWebhookAdapter, redactUrl } from '../activities/webhook';
import { createCalendarStore } from '../lib/calendar-store';
import { createLprStore } from '../lib/lpr-store';
import { createDishonestyStore } from '../lib/dishonesty-store';
import { importOutboxFile } from '../lib/outbox-store';
import { describeDatabase, type EngineDatabase, openDatabase } from '../lib/database';
import { listingStore } from '../lib/listing-store';
import { payloadEncryptionOf } from '../lib/data-converter';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { loadSettingsOrExit, type Settings } from '../lib/settings';
import { connectionOptions } from '../lib/temporal-connection';
import { createWorker } from './worker';

/** The real adapters the settings name, and one line per adapter saying which (never a secret). */
function activityDeps(settings: Settings, database: EngineDatabase): { deps: ActivityDeps; description: string[] } {
  const fx = settings.effects;
  const list = settings.dishonestyList;
  return {
    deps: {
      effects:
        fx.kind === 'webhook'
          ? createWebhookAdapter({ url: fx.url, secret: fx.secret, timeoutMs: fx.timeoutMs })
          : createOutbox(database),
      calendar: createCalendarStore(database),
      lpr: createLprStore(database),
      listing: listingStore(database),
      dishonestyList:
        list.kind === 'http'
          ? createHttpDishonestyList({ url: list.url, ...(list.secret ? { secret: list.secret } : {}) })
          : createDatabaseDishonestyList(createDishonestyStore(database)),
    },
    description: [
      fx.kind === 'webhook'
        ? `Effects: webhook ${redactUrl(fx.url)} (signed, timeout ${fx.timeoutMs} ms)`
        : `Effects: local outbox, table outbox_messages (${describeDatabase(settings.database)})`,
      list.kind === 'http'
        ? `Dishonesty list: ${redactUrl(list.url)} (${list.secret ? 'signed' : 'unsigned'})`
        : `Dishonesty list: table dishonesty_list (${describeDatabase(settings.database)})`,
      `Listing table: ${describeDatabase(settings.database)}`,
    ],
  };
}

async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  Runtime.install({ logger: new DefaultLogger(settings.logLevel) });
  const options = connectionOptions(settings);

  // Register search attributes before polling: a workflow that upserts an unregistered one
  // fails its workflow task over and over.
  const client = await Connection.connect(options);
  const sa = await ensureSearchAttributes(client, settings.namespace, (m) => console.warn(m));
  await client.close();
  if (sa.added.length) console.log(`Registered search attributes: ${sa.added.join(', ')}`);

  // The listing table the workflows keep (lib/listing-store.ts): the database every API process reads.
  const database = await openDatabase(settings.database);
  // An outbox.jsonl of an older deployment: moved before any effect is delivered, so none goes twice.
  if (settings.effects.kind === 'outbox') {
    const moved = await importOutboxFile(database, settings.dataDir);
    if (moved > 0) console.log(`Moved ${moved} messages of ${settings.dataDir}/outbox.jsonl into the outbox table`);
  }
  const { deps, description } = activityDeps(settings, database);
  const encryption = payloadEncryptionOf(settings);
  const connection = await NativeConnection.connect(options);
  const worker = await createWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    deps,
    dataConverter: encryption.dataConverter,
    workflowBundlePath: settings.workflowBundlePath,
    overrides: { maxCachedWorkflows: settings.workflowCacheSize },
  });
  console.log(`Worker polling task queue ${settings.taskQueue} on ${options.address} (namespace ${settings.namespace})`);
  for (const line of [...description, `Payloads: ${encryption.description}`]) console.log(`  ${line}`);
  // The Runtime turns SIGINT/SIGTERM into worker.shutdown(): polling stops, and run() resolves once
  // the tasks in flight are done (within the shutdown grace time set in worker/worker.ts).
  await worker.run();
  console.log('Worker stopped: its in-flight tasks are done.');
  await connection.close();
  await database.destroy();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
