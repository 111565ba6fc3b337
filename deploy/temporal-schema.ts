/**
 * Temporal's two databases on the cluster's PostgreSQL, made and kept current with the server's own
 * schema tool (temporal-sql-tool) and the schema shipped with the pinned release: created once
 * (`create-database`, `setup-schema -v 0.0`), then `update-schema` on every run, which applies only
 * the versions not yet applied.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Postgres } from './postgres';
import type { TemporalBinaries } from './temporal-binaries';

const run = promisify(execFile);

/** Each database and the folder of its schema in `schema/postgresql/v12/`. */
const TEMPORAL_DATABASES = [
  { name: 'temporal', schema: 'temporal' },
  { name: 'temporal_visibility', schema: 'visibility' },
] as const;

export async function ensureTemporalSchemas(binaries: TemporalBinaries, postgres: Postgres, log: (line: string) => void): Promise<void> {
  for (const { name, schema } of TEMPORAL_DATABASES) {
    const env = {
      ...process.env,
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: '127.0.0.1',
      SQL_PORT: String(postgres.port),
      SQL_USER: 'temporal',
      SQL_PASSWORD: postgres.temporalPassword,
      SQL_DATABASE: name,
    };
    const tool = async (args: string[]) => {
      try {
        await run(binaries.sqlTool, args, { env });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`temporal-sql-tool ${args.join(' ')} (database ${name}) failed: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-5).join('\n')}`);
      }
    };
    const exists = (await postgres.query('postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length > 0;
    if (!exists) {
      log(`Creating the database ${name} and its schema...`);
      await tool(['create-database', '--defaultdb', 'postgres']);
    }
    const versioned = (await postgres.query(name, "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'")).rows.length > 0;
    if (!versioned) await tool(['setup-schema', '-v', '0.0']);
    await tool(['update-schema', '-d', join(binaries.postgresSchemaDir, schema, 'versioned')]);
  }
}
