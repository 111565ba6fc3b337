/**
 * The engine's database for reference and admin data: what every API and worker process must see
 * alike, but which has no lifecycle of its own (that is Temporal's part). Today it holds the
 * catalog versions (lib/catalog-versions.ts), the working-day calendar years and LPR fixings
 * admins supply (lib/calendar-store.ts, lib/lpr-store.ts), the API keys admins issue and revoke
 * (lib/api-key-store.ts), the serious-dishonesty list (lib/dishonesty-store.ts), the local outbox
 * of external effects (activities/outbox.ts), the operator repairs sent with an Idempotency-Key
 * (lib/operator-requests.ts), the rate-limit counts (api/rate-limit-database.ts) and the listing
 * table, the read model of `GET /applications` and `GET /inbox` that the applications' workflows
 * keep (lib/listing-store.ts).
 *
 * One interface, two engines, chosen by `DATABASE_URL` (lib/settings.ts):
 * - unset: the embedded default, one SQLite file `$DATA_DIR/engine.db` (libsql, no server to
 *   install); every process on the machine opens the same file;
 * - `postgres://…`: PostgreSQL, shared by every host of a multi-host deployment.
 *
 * Queries are built with Kysely, so the same code runs on both; the schema is kept by Kysely's
 * migrator, each migration applied once and recorded in the database itself.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import {
  type ColumnDefinitionBuilder,
  CompiledQuery,
  type DatabaseConnection,
  type Generated,
  Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { Pool } from 'pg';
import type { DatabaseSettings } from './settings';

/** A catalog's content, once per version id. */
export interface CatalogVersionTable {
  /** `sha256:` + 16 hex of the canonical JSON of the whole catalog (lib/catalog-store.ts). */
  version: string;
  /** The canonical JSON of the catalog: every program by id. */
  catalog: string;
  /** The file name of each program, `{ "<id>": "<id>.json" }`, as JSON. */
  files: string;
  created_at: string;
}

/** Each time a version was put in force; the latest is the catalog in force. */
export interface CatalogPublicationTable {
  seq: Generated<number>;
  version: string;
  published_at: string;
  /** The admin who published it (JSON actor), or the engine for the shipped files. */
  published_by: string;
  /** `files`: the catalog shipped in data/catalog/, seen for the first time; `api`: POST /catalog/versions. */
  source: string;
  note: string | null;
  /** The version in force when the publisher started from it, if given. */
  based_on: string | null;
  /** SHA-256 of the caller and its Idempotency-Key, and of what it published: one key, one publication. */
  key_hash: string | null;
  body_hash: string | null;
}

/** One row per application (domain/listing-row.ts), written by its workflow. */
export interface ListedApplicationTable {
  id: string;
  workflow_id: string;
  run_id: string;
  status: string;
  stage: string;
  program_id: string;
  round: string;
  applicant: string;
  filed_at: string;
  next_due_at: string | null;
  /** The roles pending, a JSON array (listed_pending_roles indexes them). */
  pending_roles: string;
  /** The pending items, JSON; null for a row caught up from visibility without them. */
  pending: string | null;
  version: string;
  written_at: string;
}

/** The roles each application waits for, one row each: what the inbox filters by. */
export interface ListedPendingRoleTable {
  id: string;
  role: string;
}

/** Each catch-up of the listing table from visibility (lib/listing-catch-up.ts). */
export interface ListingCatchUpTable {
  seq: Generated<number>;
  started_at: string;
  finished_at: string;
  seen: number;
  written: number;
}

/** Rate-limit counts shared by every API process (api/rate-limit-database.ts): one fixed window per limiter and key. */
export interface RateLimitCountTable {
  limiter: string;
  key: string;
  /** When the window opened, ms since the epoch. */
  window_start: number;
  hits: number;
}

export interface EngineTables {
  catalog_versions: CatalogVersionTable;
  catalog_publications: CatalogPublicationTable;
  listed_applications: ListedApplicationTable;
  listed_pending_roles: ListedPendingRoleTable;
  listing_catch_ups: ListingCatchUpTable;
  rate_limit_counts: RateLimitCountTable;
  calendar_years: CalendarYearTable;
  lpr_fixings: LprFixingTable;
  api_keys: ApiKeyTable;
  dishonesty_list: DishonestyListTable;
  dishonesty_list_changes: DishonestyListChangeTable;
  outbox_messages: OutboxMessageTable;
  operator_requests: OperatorRequestTable;
}

/** An API key (lib/api-key-store.ts): the SHA-256 of its secret, never the secret, and whom it stands for. */
export interface ApiKeyTable {
  /** The key's own id (`key-…`, or `file:<id>:<hash start>` for an entry of API_KEY_HASHES_FILE). */
  id: string;
  /** Lowercase hex SHA-256 of the secret. */
  sha256: string;
  /** The principal the key stands for: recorded as the actor of every action taken with it. */
  principal_id: string;
  principal_name: string;
  /** JSON array of roles. */
  roles: string;
  /** JSON array of the credit codes an applicant-system key may act for; null otherwise. */
  applicants: string | null;
  /** `api`: issued by an admin (POST /api-keys); `file`: imported from API_KEY_HASHES_FILE. */
  source: string;
  created_at: string;
  /** The admin who issued it (JSON actor), or the engine for an imported entry. */
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  /** The admin who revoked it (JSON actor). */
  revoked_by: string | null;
  revocation_reason: string | null;
  /** SHA-256 of the issuer and its Idempotency-Key, and of what it asked for: one key, one issue. */
  key_hash: string | null;
  body_hash: string | null;
}

/**
 * The serious-dishonesty list 严重失信主体名单 (lib/dishonesty-store.ts), one row per credit code
 * ever listed: a removed one keeps its row, marked removed, so an auditor sees who unlisted it.
 */
export interface DishonestyListTable {
  /** Normalised (trimmed, upper case) unified social credit code. */
  credit_code: string;
  name: string | null;
  /** The day the listing authority listed it, YYYY-MM-DD. */
  listed_on: string | null;
  authority: string | null;
  reason: string | null;
  /** When and by whom (JSON actor) the entry was last put. */
  added_at: string;
  added_by: string | null;
  removed_at: string | null;
  removed_by: string | null;
  removal_reason: string | null;
}

/** Every change to the dishonesty list, never updated or deleted: who listed or unlisted whom, and when. */
export interface DishonestyListChangeTable {
  seq: Generated<number>;
  credit_code: string;
  /** `listed`, `updated`, `removed` or `imported` (moved from the older file). */
  change: string;
  /** The entry after a listing (JSON); null for a removal. */
  entry: string | null;
  /** Why it was removed. */
  reason: string | null;
  at: string;
  by: string | null;
}

/** The local outbox (activities/outbox.ts): each external effect once, by its idempotency key. */
export interface OutboxMessageTable {
  seq: Generated<number>;
  idempotency_key: string;
  type: string;
  application_id: string;
  /** The whole message as delivered, JSON. */
  message: string;
  written_at: string;
}

/**
 * An operator repair sent with an Idempotency-Key (lib/operator-requests.ts): one key, one repair;
 * a retry is answered with the first answer.
 */
export interface OperatorRequestTable {
  /** SHA-256 of the admin and the Idempotency-Key. */
  key_hash: string;
  /** SHA-256 of the repair, the application and the body. */
  body_hash: string;
  /** `termination`, `effect-retry` or `reset`. */
  operation: string;
  application_id: string;
  /** The admin (JSON actor). */
  requested_by: string;
  requested_at: string;
  /** The first answer (JSON); null while the repair is under way. */
  answer: string | null;
  answer_status: number | null;
  answered_at: string | null;
}

/** An LPR fixing an admin added (lib/lpr-store.ts); one on a shipped date replaces the shipped rates. */
export interface LprFixingTable {
  effective_date: string;
  lpr1y: string;
  lpr5y: string;
  /** ISO instant; empty for a fixing moved from an older file without one. */
  added_at: string;
  /** The admin (JSON actor), when known. */
  added_by: string | null;
}

/** A working-day calendar year an admin supplied (lib/calendar-store.ts); it replaces the library's year. */
export interface CalendarYearTable {
  year: number;
  /** The holidays and the adjusted working days (调休), JSON arrays of dates. */
  holidays: string;
  workdays: string;
  updated_at: string;
  updated_by: string | null;
}

export type EngineDatabase = Kysely<EngineTables>;

/** A numbered primary key, 1, 2, 3, … in the order rows are added, on either database. */
function serialKey(dialect: DatabaseSettings['kind']): { type: 'serial' | 'integer'; build: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder } {
  return dialect === 'postgres' ? { type: 'serial', build: (c) => c.primaryKey() } : { type: 'integer', build: (c) => c.primaryKey().autoIncrement() };
}

/** The migrations, by name; names sort in the order they apply. Never edit one that has shipped. */
const MIGRATIONS: Record<string, (dialect: DatabaseSettings['kind']) => Migration> = {
  '2026-12-03-catalog-versions': (dialect) => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('catalog_versions')
        .addColumn('version', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('catalog', 'text', (c) => c.notNull())
        .addColumn('files', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('catalog_publications')
        .addColumn('seq', serialKey(dialect).type, serialKey(dialect).build)
        .addColumn('version', 'varchar(64)', (c) => c.notNull().references('catalog_versions.version'))
        .addColumn('published_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.notNull())
        .addColumn('source', 'varchar(16)', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('based_on', 'varchar(64)')
        .addColumn('key_hash', 'varchar(64)', (c) => c.unique())
        .addColumn('body_hash', 'varchar(64)')
        .execute();
      await db.schema.createIndex('catalog_publications_version').on('catalog_publications').column('version').execute();
    },
  }),
  '2026-12-04-listing-table': (dialect) => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('listed_applications')
        .addColumn('id', 'varchar(200)', (c) => c.primaryKey())
        .addColumn('workflow_id', 'varchar(220)', (c) => c.notNull())
        .addColumn('run_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('stage', 'varchar(32)', (c) => c.notNull())
        .addColumn('program_id', 'varchar(100)', (c) => c.notNull())
        .addColumn('round', 'varchar(32)', (c) => c.notNull())
        .addColumn('applicant', 'varchar(32)', (c) => c.notNull())
        .addColumn('filed_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('next_due_at', 'varchar(32)')
        .addColumn('pending_roles', 'text', (c) => c.notNull())
        .addColumn('pending', 'text')
        .addColumn('version', 'varchar(32)', (c) => c.notNull())
        .addColumn('written_at', 'varchar(32)', (c) => c.notNull())
        .execute();
      // Every filter with the sorts it is paged by; the id breaks ties in every order.
      for (const [name, columns] of [
        ['listed_filed', ['filed_at', 'id']],
        ['listed_due', ['next_due_at', 'id']],
        ['listed_stage_filed', ['stage', 'filed_at', 'id']],
        ['listed_stage_due', ['stage', 'next_due_at', 'id']],
        ['listed_status_due', ['status', 'next_due_at', 'id']],
        ['listed_program_filed', ['program_id', 'filed_at', 'id']],
        ['listed_round_filed', ['round', 'filed_at', 'id']],
        ['listed_applicant_filed', ['applicant', 'filed_at', 'id']],
      ] as const) {
        await db.schema.createIndex(name).on('listed_applications').columns([...columns]).execute();
      }
      await db.schema
        .createTable('listed_pending_roles')
        .addColumn('role', 'varchar(32)', (c) => c.notNull())
        .addColumn('id', 'varchar(200)', (c) => c.notNull().references('listed_applications.id'))
        .addPrimaryKeyConstraint('listed_pending_roles_pk', ['role', 'id'])
        .execute();
      await db.schema.createIndex('listed_pending_roles_id').on('listed_pending_roles').column('id').execute();
      await db.schema
        .createTable('listing_catch_ups')
        .addColumn('seq', serialKey(dialect).type, serialKey(dialect).build)
        .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('finished_at', 'varchar(32)', (c) => c.notNull())
        .addColumn('seen', 'integer', (c) => c.notNull())
        .addColumn('written', 'integer', (c) => c.notNull())
        .execute();
    },
  }),
  '2026-12-05-rate-limit-counts': () => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('rate_limit_counts')
        .addColumn('limiter', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(200)', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rate_limit_counts_pk', ['limiter', 'key'])
        .execute();
    },
  }),
  '2026-12-06-calendar-years-and-lpr-fixings': () => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('calendar_years')
        .addColumn('year', 'integer', (c) => c.primaryKey())
        .addColumn('holidays', 'text', (c) => c.notNull())
        .addColumn('workdays', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('updated_by', 'varchar(200)')
        .execute();
      await db.schema
        .createTable('lpr_fixings')
        .addColumn('effective_date', 'varchar(10)', (c) => c.primaryKey())
        .addColumn('lpr1y', 'varchar(12)', (c) => c.notNull())
        .addColumn('lpr5y', 'varchar(12)', (c) => c.notNull())
        .addColumn('added_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('added_by', 'text')
        .execute();
    },
  }),
  '2026-12-07-api-keys': () => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'varchar(140)', (c) => c.primaryKey())
        .addColumn('sha256', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('principal_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('principal_name', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('applicants', 'text')
        .addColumn('source', 'varchar(8)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(40)')
        .addColumn('revoked_at', 'varchar(40)')
        .addColumn('revoked_by', 'text')
        .addColumn('revocation_reason', 'text')
        .addColumn('key_hash', 'varchar(64)', (c) => c.unique())
        .addColumn('body_hash', 'varchar(64)')
        .execute();
      await db.schema.createIndex('api_keys_principal').on('api_keys').column('principal_id').execute();
    },
  }),
  '2026-12-07-dishonesty-list': (dialect) => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('dishonesty_list')
        .addColumn('credit_code', 'varchar(18)', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('listed_on', 'varchar(10)')
        .addColumn('authority', 'text')
        .addColumn('reason', 'text')
        .addColumn('added_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('added_by', 'text')
        .addColumn('removed_at', 'varchar(40)')
        .addColumn('removed_by', 'text')
        .addColumn('removal_reason', 'text')
        .execute();
      await db.schema
        .createTable('dishonesty_list_changes')
        .addColumn('seq', serialKey(dialect).type, serialKey(dialect).build)
        .addColumn('credit_code', 'varchar(18)', (c) => c.notNull())
        .addColumn('change', 'varchar(16)', (c) => c.notNull())
        .addColumn('entry', 'text')
        .addColumn('reason', 'text')
        .addColumn('at', 'varchar(40)', (c) => c.notNull())
        .addColumn('by', 'text')
        .execute();
      await db.schema.createIndex('dishonesty_list_changes_code').on('dishonesty_list_changes').columns(['credit_code', 'seq']).execute();
    },
  }),
  '2026-12-07-outbox-messages': (dialect) => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('outbox_messages')
        .addColumn('seq', serialKey(dialect).type, serialKey(dialect).build)
        .addColumn('idempotency_key', 'varchar(300)', (c) => c.notNull().unique())
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('application_id', 'varchar(300)', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('written_at', 'varchar(40)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('outbox_messages_application').on('outbox_messages').columns(['application_id', 'seq']).execute();
      await db.schema.createIndex('outbox_messages_type').on('outbox_messages').columns(['type', 'seq']).execute();
    },
  }),
  '2026-12-08-operator-requests': () => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('operator_requests')
        .addColumn('key_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('body_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('operation', 'varchar(32)', (c) => c.notNull())
        .addColumn('application_id', 'varchar(300)', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'varchar(40)', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('answer_status', 'integer')
        .addColumn('answered_at', 'varchar(40)')
        .execute();
    },
  }),
};

/**
 * SQLite shared by several processes (the API and the worker on one machine; both write, and both
 * migrate as they start). Kysely's SQLite parts assume one process has the file; here:
 * - every transaction begins `IMMEDIATE`, taking the write lock at once, so a second process
 *   waits for it (busy_timeout) instead of failing when its read snapshot went stale;
 * - migrations run in one such transaction (SQLite's DDL is transactional), so a second process
 *   finds them done, and a process that dies midway leaves nothing half applied.
 */
class SharedSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class SharedSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class SharedSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }
  override createDriver(): SqliteDriver {
    return new SharedSqliteDriver(this.config);
  }
  override createAdapter(): SqliteAdapter {
    return new SharedSqliteAdapter();
  }
}

function migrationsFor(dialect: DatabaseSettings['kind']): MigrationProvider {
  return { getMigrations: async () => Object.fromEntries(Object.entries(MIGRATIONS).map(([name, m]) => [name, m(dialect)])) };
}

/**
 * Puts a SQLite file in WAL mode (readers never wait for the writer). Switching a new file takes
 * an exclusive lock, which SQLite refuses at once, without the busy timeout, while another process
 * opening the same file holds it: tried again a few times, then the error stands.
 */
async function walMode(sqlite: Database.Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      sqlite.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (attempt >= 50 || !/locked|busy/i.test((err as Error).message)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/** Opens the database and brings its schema up to date; a failed migration stops start-up with its reason. */
export async function openDatabase(settings: DatabaseSettings): Promise<EngineDatabase> {
  let db: EngineDatabase;
  if (settings.kind === 'postgres') {
    db = new Kysely<EngineTables>({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: settings.url, max: 10 }) }) });
  } else {
    if (settings.file !== ':memory:') mkdirSync(dirname(settings.file), { recursive: true });
    const sqlite = new Database(settings.file);
    // Several processes share the file: wait for another's write instead of failing at once
    // (set first, so that it covers the switch to WAL below as well).
    sqlite.pragma('busy_timeout = 5000');
    await walMode(sqlite);
    db = new Kysely<EngineTables>({ dialect: new SharedSqliteDialect({ database: sqlite as unknown as SqliteDialectConfig['database'] }) });
  }
  const migrator = new Migrator({ db, provider: migrationsFor(settings.kind) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`the database (${describeDatabase(settings)}) could not be migrated${failed ? ` at ${failed}` : ''}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return db;
}

/** Where the database is, for logs: never the password. */
export function describeDatabase(settings: DatabaseSettings): string {
  if (settings.kind === 'sqlite') return `SQLite ${settings.file}`;
  try {
    const u = new URL(settings.url);
    return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}
