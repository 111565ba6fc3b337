/**
 * The engine's database, embedded (lib/database.ts): several processes that start together on a
 * new SQLite file (the API and the worker of `npm start`, or two workers) each migrate it, one
 * after the other, and every migration is applied once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '../../lib/database';
import { PROJECT_ROOT } from '../../lib/settings';
import { tempDir } from '../helpers/temporal';

const run = promisify(execFile);

test('four processes opening a new SQLite database at once all start, and each migration is applied once', async () => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const file = join(tempDir('database-race'), 'engine.db');
    const opened = await Promise.allSettled(
      Array.from({ length: 4 }, () => run(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/helpers/open-database.ts'), file], { cwd: PROJECT_ROOT })),
    );
    assert.deepEqual(opened.map((o) => (o.status === 'rejected' ? String((o.reason as { stderr?: string }).stderr ?? o.reason) : 'ok')), ['ok', 'ok', 'ok', 'ok']);
    const db = await openDatabase({ kind: 'sqlite', file });
    try {
      const applied = await db.selectFrom('kysely_migration' as never).select('name' as never).execute();
      const names = applied.map((r) => (r as { name: string }).name);
      assert.equal(new Set(names).size, names.length);
      assert.ok(names.includes('2026-12-04-listing-table'));
    } finally {
      await db.destroy();
    }
  }
});
