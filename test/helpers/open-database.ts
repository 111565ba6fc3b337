/**
 * A process that opens (and so migrates) the engine's SQLite database at argv[2] and closes it:
 * test/unit/database.test.ts starts several at once, as `npm start` starts an API and a worker.
 */
import { openDatabase } from '../../lib/database';

openDatabase({ kind: 'sqlite', file: process.argv[2]! })
  .then((db) => db.destroy())
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
