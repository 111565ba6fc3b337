/**
 * `npm run listing:catch-up`: brings the listing table (lib/listing-store.ts) up to Temporal
 * visibility with the same settings as the API (api/listing-catch-up.ts): applications no
 * workflow has written yet, and runs an operator ended by hand (terminated, reset away), which
 * never wrote that they ended. Safe to run at any time and as often as wanted; prints what it did.
 */
import { Client, Connection } from '@temporalio/client';
import { recordedCatchUp } from '../api/listing-catch-up';
import { payloadEncryptionOf } from '../lib/data-converter';
import { describeDatabase, openDatabase } from '../lib/database';
import { listingStore } from '../lib/listing-store';
import { loadSettingsOrExit } from '../lib/settings';
import { connectionOptions } from '../lib/temporal-connection';

async function main(): Promise<void> {
  const settings = loadSettingsOrExit();
  const database = await openDatabase(settings.database);
  const connection = await Connection.connect(connectionOptions(settings));
  try {
    const client = new Client({ connection, namespace: settings.namespace, dataConverter: payloadEncryptionOf(settings).dataConverter });
    const done = await recordedCatchUp(database, client, listingStore(database), () => new Date());
    console.log(`listing table (${describeDatabase(settings.database)}) caught up with namespace ${settings.namespace}: ${done.seen} executions read, ${done.written} rows written, ${done.ended} marked ended`);
  } finally {
    await connection.close();
    await database.destroy();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
