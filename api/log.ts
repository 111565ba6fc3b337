/**
 * Structured JSON logs: one object a line (`time`, `level`, `message`, then fields). Fields are
 * redacted by key name before they are written, so a careless `log.info('x', { headers })` cannot
 * leak a credential or a person's details into log storage.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields` (e.g. the request id). */
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Receives each line without the trailing newline. Default: process.stdout. */
  write?: (line: string) => void;
  /** Fields on every line. */
  base?: Record<string, unknown>;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const REDACTED = '[redacted]';

// Secrets: lower-cased, `-`/`_` dropped, as substrings (`X-Api-Key`, `api_key`, `accessToken`,
// `keySha256`, `Set-Cookie`); over-redacting a harmless field is the safe way to be wrong.
const SECRET_TERMS = ['authorization', 'apikey', 'token', 'password', 'secret', 'cookie', 'sha256'];
// Personal data: as whole words of the key (`applicantName`, `contact_phone`, `IDNumber`,
// `emails`), so `namespace`, `hostname` or `filename` stay readable.
const PERSONAL_TERMS = ['name', 'phone', 'mobile', 'email', 'idnumber', 'idcard', 'contact', 'address', 'legalrepresentative'];

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function hasWordRun(parts: string[], term: string): boolean {
  for (let i = 0; i < parts.length; i++) {
    let run = '';
    for (let j = i; j < parts.length && run.length < term.length; j++) {
      run += parts[j];
      if (run === term || run === `${term}s` || run === `${term}es`) return true;
    }
  }
  return false;
}

/** Whether a field of this name is withheld from logs. */
function isSensitiveKey(key: string): boolean {
  const flat = key.toLowerCase().replace(/[-_]/g, '');
  if (SECRET_TERMS.some((term) => flat.includes(term))) return true;
  const parts = words(key);
  return PERSONAL_TERMS.some((term) => hasWordRun(parts, term));
}

// The line's own keys; a field with one of these names is dropped rather than overwrite them.
const RESERVED = new Set(['time', 'level', 'message']);
const MAX_DEPTH = 8;

/** A copy of `value` safe to log: sensitive keys redacted at any depth, errors without stacks. */
function redact(value: unknown): unknown {
  return clean(value, 0, new WeakSet());
}

function clean(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  // Name and message only: stacks leak paths and internals, and `cause` chains may carry data.
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1, seen));
    const entries = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      out[key] = isSensitiveKey(key) ? REDACTED : clean(item, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

function defaultWrite(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? defaultWrite;
  const base = options.base ?? {};

  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, message };
    const cleaned = redact({ ...base, ...fields }) as Record<string, unknown>;
    for (const [key, value] of Object.entries(cleaned)) {
      if (!RESERVED.has(key) && value !== undefined) line[key] = value;
    }
    try {
      write(JSON.stringify(line));
    } catch {
      // A broken log sink must not fail the request being logged.
    }
  };

  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}
