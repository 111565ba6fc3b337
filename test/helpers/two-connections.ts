/**
 * Two connections to one fresh SQLite database for each test, as two processes (an API and a
 * worker, or two workers) open the engine's database: what one writes, the other must see. The
 * folder holds the database and any older deployment's files a test writes to be imported.
 */
import { afterEach, beforeEach } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineDatabase, openDatabase } from '../../lib/database';

export interface TwoConnections {
  /** The test's folder: `engine.db` and whatever the test writes. */
  readonly dir: string;
  readonly db: EngineDatabase;
  /** The second process's connection to the same database. */
  readonly otherDb: EngineDatabase;
}

/** Registers `beforeEach`/`afterEach` hooks that open both connections and close and delete them after each test. */
export function twoConnectionsPerTest(prefix: string): TwoConnections {
  let current: { dir: string; db: EngineDatabase; otherDb: EngineDatabase } | undefined;
  const get = () => {
    if (!current) throw new Error('the connections are open only inside a test');
    return current;
  };
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const file = join(dir, 'engine.db');
    current = { dir, db: await openDatabase({ kind: 'sqlite', file }), otherDb: await openDatabase({ kind: 'sqlite', file }) };
  });
  afterEach(async () => {
    const { dir, db, otherDb } = get();
    current = undefined;
    await db.destroy();
    await otherDb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return get().dir;
    },
    get db() {
      return get().db;
    },
    get otherDb() {
      return get().otherDb;
    },
  };
}
