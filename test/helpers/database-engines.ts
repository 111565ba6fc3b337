/**
 * The database engines a store's unit tests run on: SQLite always, and PostgreSQL too when
 * `TEST_DATABASE_URL` names a database of its own (docs/testing.md). Before the PostgreSQL tests,
 * `reset` clears what an earlier run left there.
 */
import { join } from 'node:path';
import { type EngineDatabase, openDatabase } from '../../lib/database';
import type { DatabaseSettings } from '../../lib/settings';
import { tempDir } from './temporal';

export type DatabaseEngine = [name: string, settings: () => Promise<DatabaseSettings>];

export function databaseEngines(prefix: string, reset: (db: EngineDatabase) => Promise<void>): DatabaseEngine[] {
  const engines: DatabaseEngine[] = [['SQLite', async () => ({ kind: 'sqlite', file: join(tempDir(prefix), 'engine.db') })]];
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    engines.push([
      'PostgreSQL',
      async () => {
        const db = await openDatabase({ kind: 'postgres', url });
        await reset(db);
        await db.destroy();
        return { kind: 'postgres', url };
      },
    ]);
  }
  return engines;
}
