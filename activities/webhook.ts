/**
 * External effects over HTTP: each message is POSTed, signed, to one receiver (the government
 * website, the treasury gateway, a notification hub, or a router in front of them).
 *
 * Request:
 *   POST <url>
 *   Content-Type: application/json
 *   Idempotency-Key: <message.idempotencyKey>       the same on every retry of the same effect
 *   X-Subsidy-Timestamp: <unix seconds>
 *   X-Subsidy-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   body: exactly JSON.stringify(message)
 *
 * A receiver verifies with `verifyWebhookSignature(secret, timestamp, rawBody, signature, 300)`
 * (or the same computation in its own language) over the raw body bytes, before parsing them,
 * refuses timestamps outside its tolerance (replays), and stores the Idempotency-Key.
 *
 * Answers, and what the activity does with them:
 *   2xx                      delivered                       → { delivered: true }
 *   409                      "I already have this key"       → { delivered: false } (a retry of a delivered effect)
 *   3xx, other 4xx           refused: retrying cannot help   → non-retryable `WebhookRejected`
 *   429, 5xx, network error,
 *   no answer in timeoutMs   unavailable for now             → plain Error: Temporal retries the activity
 *
 * The secret never appears in a message, an error or a log line; URLs are shown without
 * credentials or query string (`redactUrl`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { EffectAdapter } from './outbox';

export const DEFAULT_TIMEOUT_MS = 10_000;
const TIMESTAMP_HEADER = 'X-Subsidy-Timestamp';
const SIGNATURE_HEADER = 'X-Subsidy-Signature';
/** The error type of a delivery the receiver refused (3xx or 4xx other than 409 and 429). */
export const WEBHOOK_REJECTED = 'WebhookRejected';

/** `sha256=<hex HMAC-SHA256 over "<timestamp>.<payload>">`: the value of X-Subsidy-Signature. */
export function signPayload(secret: string, timestamp: number | string, payload: string | Uint8Array): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(payload);
  return `sha256=${hmac.digest('hex')}`;
}

/** The two signature headers for `payload`, timestamped `now`. */
export function signatureHeaders(secret: string, payload: string, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signPayload(secret, timestamp, payload) };
}

/**
 * For receivers (and tests): true iff `signature` is `signPayload(secret, timestamp, body)` and the
 * timestamp is within `toleranceSeconds` of `now`. Constant-time comparison; never throws on bad
 * input (missing, malformed or non-numeric headers give false).
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Uint8Array,
  signature: string | undefined,
  toleranceSeconds: number,
  now: Date = new Date(),
): boolean {
  if (typeof signature !== 'string' || timestamp === undefined) return false;
  const ts = String(timestamp);
  if (!/^[0-9]{1,15}$/.test(ts)) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, ts, body), 'utf8');
  const given = Buffer.from(signature.trim().toLowerCase(), 'utf8');
  // The length of a well-formed signature is public (71 characters); only the content is secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A URL fit for messages and logs: no user, password, query string or fragment. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * One HTTP exchange under a deadline that covers the answer and reading its body. Network
 * failures and timeouts become plain (retryable) Errors saying what happened; the caller reads the
 * body through `text()` while the deadline still runs.
 */
export async function requestWithTimeout(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: string,
): Promise<{ status: number; ok: boolean; headers: Headers; text(): Promise<string>; discard(): Promise<void> }> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetchImpl(url, { ...init, signal, redirect: 'manual' });
  } catch (err) {
    throw transportError(err, what, timeoutMs);
  }
  return {
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    text: async () => {
      try {
        return await response.text();
      } catch (err) {
        throw transportError(err, what, timeoutMs);
      }
    },
    discard: async () => {
      await response.body?.cancel().catch(() => undefined);
    },
  };
}

function transportError(err: unknown, what: string, timeoutMs: number): Error {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new Error(`${what} did not answer within ${timeoutMs} ms`, { cause: err });
  }
  // undici says "fetch failed" and puts the reason (ECONNREFUSED, ENOTFOUND, ...) in `cause`.
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason = cause ? String(cause.code ?? cause.message) : err instanceof Error ? err.message : String(err);
  return new Error(`${what} unreachable: ${reason}`, { cause: err });
}

/** At most `max` characters of a response body, whitespace collapsed, for an error message. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export interface WebhookAdapterOptions {
  url: string;
  /** Shared with the receiver; signs every request. */
  secret: string;
  /** Per attempt, answer and body included; default 10 s. Keep it below the activity's start-to-close timeout. */
  timeoutMs?: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  clock?: () => Date;
}

// Header values are byte strings; a key that is not printable ASCII cannot be sent as is.
const HEADER_SAFE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

export function createWebhookAdapter(options: WebhookAdapterOptions): EffectAdapter {
  const { url, secret } = options;
  if (!secret) throw new Error('the effects webhook needs a secret to sign its requests');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? (() => new Date());
  const where = `effects webhook ${redactUrl(url)}`;

  return {
    async deliver(message) {
      if (!HEADER_SAFE.test(message.idempotencyKey)) {
        throw ApplicationFailure.nonRetryable(
          `idempotency key ${JSON.stringify(message.idempotencyKey)} cannot be sent as a header: use printable ASCII`,
          'InvalidInput',
        );
      }
      const body = JSON.stringify(message);
      const response = await requestWithTimeout(
        fetchImpl,
        url,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Idempotency-Key': message.idempotencyKey,
            ...signatureHeaders(secret, body, clock()),
          },
          body,
        },
        timeoutMs,
        where,
      );
      const at = clock().toISOString();
      if (response.ok) {
        await response.discard();
        return { delivered: true, at };
      }
      if (response.status === 409) {
        await response.discard();
        return { delivered: false, at };
      }
      const text = await response.text().catch(() => '(body unreadable)');
      const said = `${where} answered ${response.status} to ${message.type} ${message.idempotencyKey}: ${excerpt(text)}`;
      if (response.status >= 300 && response.status < 500 && response.status !== 429) {
        throw ApplicationFailure.nonRetryable(said, WEBHOOK_REJECTED, { status: response.status, url: redactUrl(url) });
      }
      throw new Error(said);
    },
  };
}
