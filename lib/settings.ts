/**
 * Every setting the engine reads from the environment, validated once at start-up.
 *
 * One module so that `npm start`, the worker, the API and the tests agree on names and defaults,
 * and a wrong value stops the process with a sentence naming the variable, not a stack trace.
 */
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseKeyList } from './codec-keys';
import type { CodecKeys } from './payload-codec';

export const PROJECT_ROOT = resolve(__dirname, '..');

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(fallback);

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.\-_[\]:]+:[0-9]{1,5}$/, 'must be host:port, e.g. temporal.example.gov.cn:7233');

const empty = (v: unknown) => (v === '' ? undefined : v);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * Which proxies in front of the API to believe about the client's address (X-Forwarded-For), as
 * Express's `trust proxy` takes it: `false` (none: the socket's address), a hop count, or the
 * proxies' addresses, CIDR ranges and the names loopback, linklocal, uniquelocal.
 */
export type TrustProxy = false | number | string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Why one entry of a TRUST_PROXY list is not an address, a range or a name, or null. */
function proxyEntryProblem(entry: string): string | null {
  if (PROXY_NAMES.has(entry)) return null;
  const [address, range, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `${JSON.stringify(entry)} is not an address, a CIDR range or one of loopback, linklocal, uniquelocal`;
  if (range === undefined) return null;
  const bits = family === 4 ? 32 : 128;
  if (/^[0-9]{1,3}$/.test(range) && Number(range) <= bits) return null;
  if (family === 4 && isIP(range) === 4) return null; // a netmask, e.g. 10.0.0.0/255.0.0.0
  return `${JSON.stringify(entry)} has a range that is not /0-/${bits}${family === 4 ? ' or a netmask' : ''}`;
}

const trustProxy = z
  .string()
  .transform((value, ctx): TrustProxy => {
    const v = value.trim();
    if (v === '' || v === 'false' || v === '0') return false;
    if (v === 'true') {
      ctx.addIssue({
        code: 'custom',
        message: 'must not be true: that believes any X-Forwarded-For a client makes up; give the number of proxies in front of the API (e.g. 1) or their addresses',
      });
      return z.NEVER;
    }
    if (/^[0-9]+$/.test(v)) {
      const hops = Number(v);
      if (hops > 10) ctx.addIssue({ code: 'custom', message: 'must be at most 10 proxies' });
      return hops;
    }
    const entries = v.split(',').map((e) => e.trim());
    for (const entry of entries) {
      const problem = proxyEntryProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: `must be false, a number of proxies or their addresses: ${problem}` });
    }
    return entries;
  })
  .default(false);

/** Never echoed in an error message, even when wrong. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'EFFECTS_WEBHOOK_SECRET', 'DISHONESTY_LIST_SECRET', 'TEMPORAL_API_KEY', 'PAYLOAD_CODEC_KEYS']);

/** Workflows a worker keeps cached unless WORKER_WORKFLOW_CACHE_SIZE says otherwise (measured: README, Performance). */
export const DEFAULT_WORKFLOW_CACHE_SIZE = 1000;

const ORIGIN = /^https?:\/\/[^/\s,]+$/;

const EnvSchema = z
  .object({
    PORT: port(3000),
    DATA_DIR: z.string().min(1).default('.data'),
    API_KEYS_FILE: z.preprocess(empty, z.string().min(1).optional()),
    DATABASE_URL: z.preprocess(
      empty,
      z
        .string()
        .regex(/^(postgres(ql)?:\/\/\S+|sqlite:\S+)$/, 'must be postgres://user:password@host:port/database or sqlite:<file>')
        .optional(),
    ),
    TEMPORAL_ADDRESS: z.preprocess(empty, hostPort.optional()),
    TEMPORAL_NAMESPACE: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a Temporal namespace name (letters, digits, . _ -)')
      .default('default'),
    TASK_QUEUE: z.string().min(1).default('subsidy-applications'),
    TEMPORAL_DEV_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    /** Where the Web UI of an external cluster lives, for links; the embedded server's is known. */
    TEMPORAL_UI_URL: z.preprocess(empty, z.url('must be a URL').optional()),
    TEMPORAL_TLS: z.preprocess(empty, flag.optional()),
    TEMPORAL_TLS_CERT_PATH: z.preprocess(empty, z.string().optional()),
    TEMPORAL_TLS_KEY_PATH: z.preprocess(empty, z.string().optional()),
    TEMPORAL_TLS_CA_PATH: z.preprocess(empty, z.string().optional()),
    TEMPORAL_TLS_SERVER_NAME: z.preprocess(empty, z.string().optional()),
    /** Temporal Cloud API key; implies TLS. */
    TEMPORAL_API_KEY: z.preprocess(empty, z.string().optional()),
    TEMPORAL_CLI_PATH: z.preprocess(empty, z.string().optional()),
    TEMPORAL_TEST_SERVER_PATH: z.preprocess(empty, z.string().optional()),
    /** A prebuilt workflow bundle for production workers. */
    WORKFLOW_BUNDLE_PATH: z.preprocess(empty, z.string().optional()),
    /**
     * How many workflows a worker keeps in memory (sticky execution); 0 turns the cache off, so
     * every task and query goes to the shared task queue. Default 1000, by measurement (README,
     * Performance): an application takes about 1.7 MiB cached, so the SDK's own default (2310 on a
     * 24 GiB host) fills the worker's 4 GiB heap and the worker stalls before 10 000 in flight.
     */
    WORKER_WORKFLOW_CACHE_SIZE: z.preprocess(
      empty,
      z.coerce
        .number({ error: 'must be a number of workflows' })
        .int('must be a whole number of workflows')
        .min(0, 'must be between 0 and 100000')
        .max(100_000, 'must be between 0 and 100000')
        .default(DEFAULT_WORKFLOW_CACHE_SIZE),
    ),
    LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be TRACE, DEBUG, INFO, WARN or ERROR' }).default('INFO'),
    /** Where external effects go; unset: the local outbox, table `outbox_messages` of the engine's database. */
    EFFECTS_WEBHOOK_URL: z.preprocess(empty, httpUrl.optional()),
    /** Signs every webhook request (HMAC-SHA256); required with the URL. */
    EFFECTS_WEBHOOK_SECRET: z.preprocess(empty, z.string().min(16, 'must be at least 16 characters').optional()),
    EFFECTS_WEBHOOK_TIMEOUT_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(100, 'must be between 100 and 60000')
      .max(60_000, 'must be between 100 and 60000')
      .default(10_000),
    /** The dishonesty-list service; unset: the table `dishonesty_list` of the engine's database. */
    DISHONESTY_LIST_URL: z.preprocess(empty, httpUrl.optional()),
    DISHONESTY_LIST_SECRET: z.preprocess(empty, z.string().optional()),
    /** Development keys (`X-Api-Key`, one per role, in API_KEYS_FILE); on unless production credentials are configured. */
    DEV_API_KEYS: z.preprocess(empty, flag.optional()),
    /** Production API keys, stored as SHA-256 hashes: `[{id, name, roles, applicants?, sha256}]`. */
    API_KEY_HASHES_FILE: z.preprocess(empty, z.string().optional()),
    /** Bearer JWTs: all three of issuer, audience and JWKS URL, or none. */
    JWT_ISSUER: z.preprocess(empty, z.string().optional()),
    JWT_AUDIENCE: z.preprocess(empty, z.string().optional()),
    JWT_JWKS_URL: z.preprocess(empty, httpUrl.optional()),
    JWT_ROLES_CLAIM: z.string().min(1).default('roles'),
    JWT_ID_CLAIM: z.string().min(1).default('sub'),
    JWT_NAME_CLAIM: z.string().min(1).default('name'),
    /** Credit codes an applicant system's token may act for. */
    JWT_APPLICANTS_CLAIM: z.string().min(1).default('applicants'),
    /** Where rate-limit counts live: this process's memory, or the engine's database (shared by every API process). */
    RATE_LIMIT_STORE: z.preprocess(empty, z.enum(['memory', 'database'], { error: 'must be memory or database' }).optional()),
    /** Requests per credential per minute (per API process with the memory store, per deployment with the database). */
    RATE_LIMIT_PER_MINUTE: z.coerce
      .number({ error: 'must be a number of requests' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1_000_000, 'must be at most 1000000')
      .default(600),
    /** The proxies whose X-Forwarded-For gives the client address; default none (the socket's address). */
    TRUST_PROXY: trustProxy,
    /** How long `GET /inbox` waits for one application's pending items before answering it without them (`pending: null`). */
    INBOX_DETAIL_TIMEOUT_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(15_000, 'must be at most 15000')
      .default(2000),
    /** Payload encryption keys, `id:base64key,…` (32 bytes each); unset: a development key file (development credentials only). */
    PAYLOAD_CODEC_KEYS: z.preprocess(empty, z.string().optional()),
    /** Which of PAYLOAD_CODEC_KEYS encrypts; required when it holds several. */
    PAYLOAD_CODEC_KEY_ID: z.preprocess(empty, z.string().optional()),
    /** Web origins allowed to call /codec (the Temporal Web UI), comma-separated; default: the known UI. */
    PAYLOAD_CODEC_CORS_ORIGINS: z.preprocess(
      empty,
      z
        .string()
        .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
        .refine((list) => list.length > 0 && list.every((o) => ORIGIN.test(o)), 'must be comma-separated origins such as https://temporal-ui.example.gov.cn (scheme, host, port; no path)')
        .optional(),
    ),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TEMPORAL_TLS_CERT_PATH) !== Boolean(env.TEMPORAL_TLS_KEY_PATH)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH'],
        message: 'mTLS needs both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH',
      });
    }
    if (env.TEMPORAL_TLS === false && (env.TEMPORAL_TLS_CERT_PATH || env.TEMPORAL_API_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_TLS'],
        message: 'is false, but a client certificate or an API key needs TLS',
      });
    }
    if (env.EFFECTS_WEBHOOK_URL && !env.EFFECTS_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['EFFECTS_WEBHOOK_SECRET'],
        message: 'is required when EFFECTS_WEBHOOK_URL is set: the receiver verifies each request with it',
      });
    }
    // A secret without its URL is a misspelt or forgotten URL: effects would silently stay local.
    if (env.EFFECTS_WEBHOOK_SECRET && !env.EFFECTS_WEBHOOK_URL) {
      ctx.addIssue({ code: 'custom', path: ['EFFECTS_WEBHOOK_URL'], message: 'is not set, but EFFECTS_WEBHOOK_SECRET is' });
    }
    const jwt = [env.JWT_ISSUER, env.JWT_AUDIENCE, env.JWT_JWKS_URL];
    if (jwt.some(Boolean) && !jwt.every(Boolean)) {
      const missing = (['JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_JWKS_URL'] as const).filter((_, i) => !jwt[i]);
      ctx.addIssue({ code: 'custom', path: [missing[0]!], message: `is not set: bearer tokens need JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL together` });
    }
    if (env.DISHONESTY_LIST_SECRET && !env.DISHONESTY_LIST_URL) {
      ctx.addIssue({ code: 'custom', path: ['DISHONESTY_LIST_URL'], message: 'is not set, but DISHONESTY_LIST_SECRET is' });
    }
    if (env.PAYLOAD_CODEC_KEYS) {
      const parsed = parseKeyList(env.PAYLOAD_CODEC_KEYS, env.PAYLOAD_CODEC_KEY_ID);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', path: [parsed.variable], message: parsed.problem });
    } else if (env.PAYLOAD_CODEC_KEY_ID) {
      ctx.addIssue({ code: 'custom', path: ['PAYLOAD_CODEC_KEYS'], message: 'is not set, but PAYLOAD_CODEC_KEY_ID is' });
    } else if (!devKeysOf(env)) {
      // A development key file lives on one machine: workers and API processes elsewhere could not
      // read what it encrypted. A deployment names its keys.
      ctx.addIssue({
        code: 'custom',
        path: ['PAYLOAD_CODEC_KEYS'],
        message:
          'is not set: with production credentials (DEV_API_KEYS off) payload encryption keys must be configured, as id:base64key (make a key with: openssl rand -base64 32)',
      });
    }
  });

/** Development keys stay on by default only while no production credential is configured. */
function devKeysOf(env: { DEV_API_KEYS?: boolean | undefined; API_KEY_HASHES_FILE?: string | undefined; JWT_ISSUER?: string | undefined }): boolean {
  return env.DEV_API_KEYS ?? !(env.API_KEY_HASHES_FILE || env.JWT_ISSUER);
}

export interface TlsSettings {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
}

/** Where external effects (notices, notifications, payment instructions, escalations) go. */
export type EffectsSettings =
  /** The local outbox in the engine's database (lib/outbox-store.ts). */
  | { kind: 'outbox' }
  | { kind: 'webhook'; url: string; secret: string; timeoutMs: number };

/** Where the serious-dishonesty list is looked up. */
/** `database`: the table admins maintain over the API (lib/dishonesty-store.ts). */
export type DishonestyListSettings = { kind: 'database' } | { kind: 'http'; url: string; secret?: string };

/** Bearer-token verification: whose tokens, for whom, keys from where, and which claims say what. */
export interface JwtSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  rolesClaim: string;
  idClaim: string;
  nameClaim: string;
  applicantsClaim: string;
}

/** How callers prove who they are (issue 7): development keys, hashed production keys, bearer JWTs. */
export interface AuthSettings {
  devKeys: boolean;
  keyHashesFile: string | undefined;
  jwt: JwtSettings | undefined;
  rateLimitPerMinute: number;
  /** Where the counts live: `database` by default when the database is PostgreSQL (several API processes), else `memory`. */
  rateLimitStore: 'memory' | 'database';
  /** Whose X-Forwarded-For names the client address rate limits count by. */
  trustProxy: TrustProxy;
}

/** Payload encryption (lib/payload-codec.ts): configured keys, or the development key file. */
export interface PayloadCodecSettings {
  /** `undefined`: development credentials and no key configured: use (or create) `devKeyFile`. */
  keys: CodecKeys | undefined;
  devKeyFile: string;
  /** Origins allowed to call the codec endpoint; `undefined`: the Web UI the API knows of. */
  corsOrigins: string[] | undefined;
}

/** Where reference and admin data live (lib/database.ts): one SQLite file, or PostgreSQL shared by every host. */
export type DatabaseSettings = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** Unset: the embedded SQLite file `$DATA_DIR/engine.db`; `sqlite:<file>` (relative to DATA_DIR); or PostgreSQL. */
function databaseOf(url: string | undefined, dataDir: string): DatabaseSettings {
  if (url === undefined) return { kind: 'sqlite', file: join(dataDir, 'engine.db') };
  if (url.startsWith('sqlite:')) return { kind: 'sqlite', file: resolve(dataDir, url.slice('sqlite:'.length)) };
  return { kind: 'postgres', url };
}

export interface Settings {
  port: number;
  dataDir: string;
  database: DatabaseSettings;
  apiKeysFile: string;
  /** `undefined` means: run the embedded dev server (npm start) on devPort. */
  temporalAddress: string | undefined;
  namespace: string;
  taskQueue: string;
  devPort: number;
  uiPort: number;
  uiUrl: string | undefined;
  tls: TlsSettings | undefined;
  temporalApiKey: string | undefined;
  temporalCliPath: string | undefined;
  testServerPath: string | undefined;
  workflowBundlePath: string | undefined;
  workflowCacheSize: number;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  effects: EffectsSettings;
  dishonestyList: DishonestyListSettings;
  auth: AuthSettings;
  payloadCodec: PayloadCodecSettings;
  /** INBOX_DETAIL_TIMEOUT_MS. */
  inboxDetailTimeoutMs: number;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** Parses settings from an environment; throws `SettingsError` naming every bad variable. */
export function parseSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        const got = env[name];
        const shown = SECRET_VARIABLES.has(name) ? `${got?.length ?? 0} characters` : JSON.stringify(got);
        return `${name} ${issue.message}${got !== undefined ? ` (got ${shown})` : ''}`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = resolve(PROJECT_ROOT, e.DATA_DIR);
  const tlsWanted = e.TEMPORAL_TLS ?? Boolean(e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_API_KEY || e.TEMPORAL_TLS_CA_PATH);
  return {
    port: e.PORT,
    dataDir,
    database: databaseOf(e.DATABASE_URL, dataDir),
    apiKeysFile: resolve(dataDir, e.API_KEYS_FILE ?? 'dev-keys.json'),
    temporalAddress: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TASK_QUEUE,
    devPort: e.TEMPORAL_DEV_PORT,
    uiPort: e.TEMPORAL_UI_PORT,
    uiUrl: e.TEMPORAL_UI_URL,
    tls: tlsWanted
      ? {
          certPath: e.TEMPORAL_TLS_CERT_PATH,
          keyPath: e.TEMPORAL_TLS_KEY_PATH,
          caPath: e.TEMPORAL_TLS_CA_PATH,
          serverName: e.TEMPORAL_TLS_SERVER_NAME,
        }
      : undefined,
    temporalApiKey: e.TEMPORAL_API_KEY,
    temporalCliPath: e.TEMPORAL_CLI_PATH,
    testServerPath: e.TEMPORAL_TEST_SERVER_PATH,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    workflowCacheSize: e.WORKER_WORKFLOW_CACHE_SIZE,
    logLevel: e.LOG_LEVEL,
    effects:
      e.EFFECTS_WEBHOOK_URL && e.EFFECTS_WEBHOOK_SECRET
        ? { kind: 'webhook', url: e.EFFECTS_WEBHOOK_URL, secret: e.EFFECTS_WEBHOOK_SECRET, timeoutMs: e.EFFECTS_WEBHOOK_TIMEOUT_MS }
        : { kind: 'outbox' },
    dishonestyList: e.DISHONESTY_LIST_URL
      ? { kind: 'http', url: e.DISHONESTY_LIST_URL, ...(e.DISHONESTY_LIST_SECRET ? { secret: e.DISHONESTY_LIST_SECRET } : {}) }
      : { kind: 'database' },
    auth: {
      devKeys: devKeysOf(e),
      keyHashesFile: e.API_KEY_HASHES_FILE ? resolve(dataDir, e.API_KEY_HASHES_FILE) : undefined,
      jwt:
        e.JWT_ISSUER && e.JWT_AUDIENCE && e.JWT_JWKS_URL
          ? {
              issuer: e.JWT_ISSUER,
              audience: e.JWT_AUDIENCE,
              jwksUrl: e.JWT_JWKS_URL,
              rolesClaim: e.JWT_ROLES_CLAIM,
              idClaim: e.JWT_ID_CLAIM,
              nameClaim: e.JWT_NAME_CLAIM,
              applicantsClaim: e.JWT_APPLICANTS_CLAIM,
            }
          : undefined,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      rateLimitStore: e.RATE_LIMIT_STORE ?? (e.DATABASE_URL?.startsWith('postgres') ? 'database' : 'memory'),
      trustProxy: e.TRUST_PROXY,
    },
    payloadCodec: {
      keys: e.PAYLOAD_CODEC_KEYS ? (parseKeyList(e.PAYLOAD_CODEC_KEYS, e.PAYLOAD_CODEC_KEY_ID) as { keys: CodecKeys }).keys : undefined,
      devKeyFile: join(dataDir, 'payload-keys.json'),
      corsOrigins: e.PAYLOAD_CODEC_CORS_ORIGINS,
    },
    inboxDetailTimeoutMs: e.INBOX_DETAIL_TIMEOUT_MS,
  };
}

/** For process entry points: parse or print the problems and exit. */
export function loadSettingsOrExit(env: NodeJS.ProcessEnv = process.env): Settings {
  try {
    return parseSettings(env);
  } catch (err) {
    if (err instanceof SettingsError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

/** The address clients connect to: the external cluster, or the embedded dev server. */
export function temporalAddressOf(settings: Settings): string {
  return settings.temporalAddress ?? `127.0.0.1:${settings.devPort}`;
}
