/**
 * Every setting the engine reads from the environment, validated once at start-up.
 *
 * One module so that `npm start`, the worker, the API and the tests agree on names and defaults,
 * and a wrong value stops the process with a sentence naming the variable, not a stack trace.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';

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

/** Never echoed in an error message, even when wrong. */
const SECRET_VARIABLES = new Set(['EFFECTS_WEBHOOK_SECRET', 'DISHONESTY_LIST_SECRET', 'TEMPORAL_API_KEY']);

const EnvSchema = z
  .object({
    PORT: port(3000),
    DATA_DIR: z.string().min(1).default('.data'),
    API_KEYS_FILE: z.preprocess(empty, z.string().min(1).optional()),
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
     * every task and query goes to the shared task queue. Unset: the SDK's default.
     */
    WORKER_WORKFLOW_CACHE_SIZE: z.preprocess(
      empty,
      z.coerce
        .number({ error: 'must be a number of workflows' })
        .int('must be a whole number of workflows')
        .min(0, 'must be between 0 and 100000')
        .max(100_000, 'must be between 0 and 100000')
        .optional(),
    ),
    LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be TRACE, DEBUG, INFO, WARN or ERROR' }).default('INFO'),
    /** Where external effects go; unset: the local outbox `$DATA_DIR/outbox.jsonl`. */
    EFFECTS_WEBHOOK_URL: z.preprocess(empty, httpUrl.optional()),
    /** Signs every webhook request (HMAC-SHA256); required with the URL. */
    EFFECTS_WEBHOOK_SECRET: z.preprocess(empty, z.string().min(16, 'must be at least 16 characters').optional()),
    EFFECTS_WEBHOOK_TIMEOUT_MS: z.coerce
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(100, 'must be between 100 and 60000')
      .max(60_000, 'must be between 100 and 60000')
      .default(10_000),
    /** The dishonesty-list service; unset: the file `$DATA_DIR/dishonesty-list.json`. */
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
    /** Requests per credential per minute, per API process. */
    RATE_LIMIT_PER_MINUTE: z.coerce
      .number({ error: 'must be a number of requests' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1_000_000, 'must be at most 1000000')
      .default(600),
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
  });

export interface TlsSettings {
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
}

/** Where external effects (notices, notifications, payment instructions, escalations) go. */
export type EffectsSettings =
  | { kind: 'outbox'; path: string }
  | { kind: 'webhook'; url: string; secret: string; timeoutMs: number };

/** Where the serious-dishonesty list is looked up. */
export type DishonestyListSettings = { kind: 'file'; path: string } | { kind: 'http'; url: string; secret?: string };

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
}

export interface Settings {
  port: number;
  dataDir: string;
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
  workflowCacheSize: number | undefined;
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  effects: EffectsSettings;
  dishonestyList: DishonestyListSettings;
  auth: AuthSettings;
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
        : { kind: 'outbox', path: join(dataDir, 'outbox.jsonl') },
    dishonestyList: e.DISHONESTY_LIST_URL
      ? { kind: 'http', url: e.DISHONESTY_LIST_URL, ...(e.DISHONESTY_LIST_SECRET ? { secret: e.DISHONESTY_LIST_SECRET } : {}) }
      : { kind: 'file', path: join(dataDir, 'dishonesty-list.json') },
    auth: {
      // Development keys stay on by default only while no production credential is configured.
      devKeys: e.DEV_API_KEYS ?? !(e.API_KEY_HASHES_FILE || e.JWT_ISSUER),
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
    },
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
