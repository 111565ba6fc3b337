/**
 * The Temporal server's own binaries, pinned: `server` (the four services) and `sql` (the schema
 * tool, temporal-sql-tool), built from the tagged module with `go install` into a git-ignored
 * folder, `.tools/temporal-server/<version>/`, and reused while its stamp names the version.
 *
 * The PostgreSQL schema and the config template come with the module's source (the Go module
 * cache); they are copied next to the binaries, so a later run needs neither Go nor the cache.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../lib/settings';

const run = promisify(execFile);

/** The server release the cluster runs (v1.32 needs a newer Go than this machine has). */
const TEMPORAL_SERVER_VERSION = 'v1.31.0';
const MODULE = 'go.temporal.io/server';

export interface TemporalBinaries {
  version: string;
  server: string;
  /** temporal-sql-tool. */
  sqlTool: string;
  /** `schema/postgresql/v12/{temporal,visibility}/versioned`, from the module. */
  postgresSchemaDir: string;
  /** `config/development-postgres12.yaml`, from the module: what deploy/temporal-config.ts follows. */
  configTemplate: string;
  /** Whether this call built them (a first run) rather than reusing them. */
  built: boolean;
}

/** The `go` command: GO, else the one on PATH, else the usual install folder. */
function goCommand(): string {
  if (process.env.GO) return process.env.GO;
  const onPath = (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, 'go')));
  return onPath ? 'go' : '/usr/local/go/bin/go';
}

export async function ensureTemporalBinaries(options: { toolsDir?: string; log: (line: string) => void }): Promise<TemporalBinaries> {
  const dir = join(options.toolsDir ?? join(PROJECT_ROOT, '.tools', 'temporal-server'), TEMPORAL_SERVER_VERSION);
  const stamp = join(dir, 'stamp');
  const result = {
    version: TEMPORAL_SERVER_VERSION,
    server: join(dir, 'server'),
    sqlTool: join(dir, 'sql'),
    postgresSchemaDir: join(dir, 'schema', 'postgresql', 'v12'),
    configTemplate: join(dir, 'config', 'development-postgres12.yaml'),
  };
  const present =
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8').trim() === TEMPORAL_SERVER_VERSION &&
    [result.server, result.sqlTool, result.postgresSchemaDir, result.configTemplate].every((p) => existsSync(p));
  if (present) return { ...result, built: false };

  const go = goCommand();
  rmSync(stamp, { force: true });
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GOBIN: dir };
  const goRun = async (args: string[]) => {
    try {
      return (await run(go, args, { env, cwd: dir, maxBuffer: 64 * 1024 * 1024 })).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`\`${go} ${args.join(' ')}\` failed (Go is needed once, to build the Temporal server): ${(e.stderr || e.message).trim().split('\n').slice(-5).join('\n')}`);
    }
  };
  options.log(`Building the Temporal server ${TEMPORAL_SERVER_VERSION} and its schema tool into ${dir} (once; about 4 minutes on 2 cores)...`);
  await goRun(['install', `${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`]);
  await goRun(['install', `${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`]);
  // The module's source, as `go install` left it in the module cache (downloaded if it was cleaned since).
  const moduleDir = (JSON.parse(await goRun(['mod', 'download', '-json', `${MODULE}@${TEMPORAL_SERVER_VERSION}`])) as { Dir: string }).Dir;
  cpSync(join(moduleDir, 'schema', 'postgresql', 'v12'), result.postgresSchemaDir, { recursive: true });
  mkdirSync(join(dir, 'config'), { recursive: true });
  cpSync(join(moduleDir, 'config', 'development-postgres12.yaml'), result.configTemplate);
  writeFileSync(stamp, `${TEMPORAL_SERVER_VERSION}\n`);
  return { ...result, built: true };
}
