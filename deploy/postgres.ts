/**
 * The cluster's PostgreSQL: a server of its own in a data folder of its own, on 127.0.0.1 only,
 * with password (SCRAM) authentication. It holds Temporal's two databases (`temporal`,
 * `temporal_visibility`) and the engine's (`engine`, lib/database.ts).
 *
 * PostgreSQL refuses to run as root: when this process is root, initdb, pg_ctl and the server run
 * as the `postgres` system user (`runuser -u postgres --`), which the Debian package creates; if it
 * is missing it is created (`useradd --system`), and the data folder is given to it.
 *
 * The passwords are made on the first run and kept in the data folder (mode 600), so a second run
 * finds the same cluster. The server runs in its own session (a terminal's Ctrl-C reaches only the
 * cluster script, which stops it last); `stop()` is `pg_ctl stop -m fast`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export interface PostgresOptions {
  /** The cluster's folder for PostgreSQL: `data/` (PGDATA), `secrets.json`, `postgres.log`. */
  dir: string;
  port: number;
  log: (line: string) => void;
}

export interface Postgres {
  port: number;
  /** `postgres://user:password@127.0.0.1:port/database`. */
  url(database: string, user?: 'temporal' | 'engine'): string;
  /** The superuser's connection, for checks (which databases and schemas exist). */
  query(database: string, sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  temporalPassword: string;
  logFile: string;
  stop(): Promise<void>;
}

interface Secrets {
  superuser: string;
  temporal: string;
  engine: string;
}

/** The folder with initdb, pg_ctl and postgres: PG_BIN, else where `initdb` is on PATH, else Debian's. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/lib/postgresql/15/bin']) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error('PostgreSQL (initdb, pg_ctl) was not found: install it, or set PG_BIN to the folder with its programs.');
}

/** As root: the `postgres` system user's ids, created if missing. Otherwise: none (run as this user). */
function postgresUser(log: (line: string) => void): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const idOf = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    log('Creating the system user `postgres` (PostgreSQL does not run as root)...');
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: idOf('-u'), gid: idOf('-g') };
  }
}

export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const bin = binDir();
  const dataDir = join(options.dir, 'data');
  const logFile = join(options.dir, 'postgres.log');
  const secretsFile = join(options.dir, 'secrets.json');
  const user = postgresUser(options.log);
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  if (user) chownSync(options.dir, user.uid, user.gid);

  /** Runs a PostgreSQL program as the user PostgreSQL runs as, in its own session. */
  const pg = async (program: string, args: string[]) => {
    const [command, argv] = user ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
    try {
      return await run(command, argv, { cwd: options.dir });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${program} ${args[0] ?? ''} failed: ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-5).join('\n')}`);
    }
  };

  let secrets: Secrets;
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as Secrets;
  } else {
    const make = () => randomBytes(18).toString('base64url');
    secrets = { superuser: make(), temporal: make(), engine: make() };
    rmSync(dataDir, { recursive: true, force: true });
    writeFileSync(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    const pwfile = join(options.dir, 'superuser-password');
    writeFileSync(pwfile, `${secrets.superuser}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    options.log(`Creating a PostgreSQL cluster in ${dataDir}...`);
    try {
      // Password (SCRAM) authentication on TCP; the Unix socket lives in the data folder (peer).
      await pg('initdb', ['-D', dataDir, '-U', 'postgres', '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=peer', '--encoding=UTF8', '--locale=C']);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  const status = await pg('pg_ctl', ['status', '-D', dataDir]).then(
    (r) => r.stdout,
    () => '',
  );
  if (/server is running/.test(status)) {
    throw new Error(
      `A PostgreSQL server already runs on ${dataDir} (${status.trim().split('\n')[0]}): another cluster, or one left over from a run that was killed. ` +
        `Stop it with: ${user ? 'runuser -u postgres -- ' : ''}${join(bin, 'pg_ctl')} stop -D ${dataDir} -m fast`,
    );
  }
  const serverOptions = `-c listen_addresses=127.0.0.1 -c port=${options.port} -c unix_socket_directories=${dataDir} -c max_connections=200`;
  await pg('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions]);

  const connect = async (database: string) => {
    const client = new Client({ host: '127.0.0.1', port: options.port, user: 'postgres', password: secrets.superuser, database });
    await client.connect();
    return client;
  };
  const query = async (database: string, sql: string, params: unknown[] = []) => {
    const client = await connect(database);
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  };

  // The roles: Temporal's (it creates its databases with the schema tool) and the engine's, which owns its database.
  for (const role of ['temporal', 'engine'] as const) {
    const exists = (await query('postgres', 'SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rows.length > 0;
    const password = secrets[role].replace(/'/g, "''");
    await query('postgres', `${exists ? 'ALTER' : 'CREATE'} ROLE ${role} WITH LOGIN ${role === 'temporal' ? 'CREATEDB' : 'NOCREATEDB'} PASSWORD '${password}'`);
  }
  if ((await query('postgres', "SELECT 1 FROM pg_database WHERE datname = 'engine'")).rows.length === 0) {
    await query('postgres', 'CREATE DATABASE engine OWNER engine');
  }

  const stop = async () => {
    await pg('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
  };
  return {
    port: options.port,
    url: (database, who = database === 'engine' ? 'engine' : 'temporal') =>
      `postgres://${who}:${encodeURIComponent(secrets[who])}@127.0.0.1:${options.port}/${database}`,
    query,
    temporalPassword: secrets.temporal,
    logFile,
    stop,
  };
}
