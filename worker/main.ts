/**
 * `npm run worker`: one worker process. Run several side by side (here or on other hosts) to
 * scale out; Temporal spreads the task queue across them.
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createOutbox } from '../activities/outbox';
import { ensureSearchAttributes } from '../lib/search-attributes';
import { loadSettingsOrExit } from '../lib/settings';
import { connectionOptions } from '../lib/temporal-connection';
import { createWorker } from './worker';

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

  const connection = await NativeConnection.connect(options);
  const worker = await createWorker({
    connection,
    namespace: settings.namespace,
    taskQueue: settings.taskQueue,
    deps: { effects: createOutbox(join(settings.dataDir, 'outbox.jsonl')) },
    workflowBundlePath: settings.workflowBundlePath,
  });
  console.log(`Worker polling task queue ${settings.taskQueue} on ${options.address} (namespace ${settings.namespace})`);
  // run() resolves after SIGINT/SIGTERM, once in-flight tasks are done.
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
