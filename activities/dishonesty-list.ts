/**
 * The serious-dishonesty list 严重失信主体名单 (002 第四条): who may not receive a subsidy.
 *
 * Two sources behind one interface; the activity `checkDishonestyList` records the answer (and
 * which source gave it) in the workflow history, so replay never asks the list again.
 *
 * - the engine's database (the default): the table `dishonesty_list` admins maintain over the
 *   API (lib/dishonesty-store.ts), read on every lookup so a change counts at once; every API and
 *   worker on every host sees the same list. The source says `database:dishonesty_list`.
 *   (Histories recorded before the list moved there say `file:<path> (…)`: the answer is in the
 *   history, so they replay unchanged.)
 * - an HTTP service: `GET <url>?creditCode=<code>` → `{"listed": boolean, "entry"?: {...}}`,
 *   404 meaning not listed; signed like the effects webhook (`X-Subsidy-Timestamp`,
 *   `X-Subsidy-Signature: sha256=HMAC(secret, "<timestamp>.<query string>")`) when a secret is set.
 *   Any other answer, bad JSON, a network error or a timeout fails the lookup, retryably.
 */
import { z } from 'zod';
import type { DishonestyStore } from '../lib/dishonesty-store';
import { DEFAULT_TIMEOUT_MS, excerpt, redactUrl, requestWithTimeout, signatureHeaders } from './webhook';

export interface DishonestyLookup {
  listed: boolean;
  /**
   * Which list answered: `database:dishonesty_list`, or the service URL (histories recorded
   * before the list moved into the database say `file:<path> (sha256:…)`).
   */
  source: string;
  /** The list's entry for the code, as the list gives it, when listed. */
  entry?: Record<string, unknown>;
}

export interface DishonestyList {
  lookup(creditCode: string): Promise<DishonestyLookup>;
}

const normalise = (code: string) => code.trim().toUpperCase();

/** The source a lookup in the engine's database names. */
export const DATABASE_SOURCE = 'database:dishonesty_list';

/** The list in the engine's database; see the module comment. */
export function createDatabaseDishonestyList(store: Pick<DishonestyStore, 'lookup'>): DishonestyList {
  return {
    async lookup(creditCode) {
      const found = await store.lookup(creditCode);
      if (!found) return { listed: false, source: DATABASE_SOURCE };
      // The entry as the list gives it, and when it was put there: kept in the workflow's history.
      const entry: Record<string, unknown> = { creditCode: found.creditCode };
      for (const field of ['name', 'listedOn', 'authority', 'reason', 'addedAt'] as const) if (found[field]) entry[field] = found[field];
      return { listed: true, source: DATABASE_SOURCE, entry };
    },
  };
}

export interface HttpDishonestyListOptions {
  url: string;
  /** When set, requests are signed (X-Subsidy-Timestamp, X-Subsidy-Signature over the query string). */
  secret?: string;
  /** Per lookup, answer and body included; default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  clock?: () => Date;
}

const AnswerSchema = z.object({
  listed: z.boolean(),
  entry: z.record(z.string(), z.unknown()).optional(),
});

/** The list as an HTTP service; see the module comment. */
export function createHttpDishonestyList(options: HttpDishonestyListOptions): DishonestyList {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? (() => new Date());
  const source = redactUrl(options.url);
  const what = `dishonesty list ${source}`;

  return {
    async lookup(creditCode) {
      const target = new URL(options.url);
      target.searchParams.set('creditCode', normalise(creditCode));
      // Signed: the query string exactly as sent, without the '?'.
      const query = target.search.slice(1);
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (options.secret) Object.assign(headers, signatureHeaders(options.secret, query, clock()));
      const response = await requestWithTimeout(fetchImpl, target.toString(), { method: 'GET', headers }, timeoutMs, what);
      if (response.status === 404) {
        await response.discard();
        return { listed: false, source };
      }
      const text = await response.text();
      if (!response.ok) throw new Error(`${what} answered ${response.status}: ${excerpt(text)}`);
      let answer: z.infer<typeof AnswerSchema>;
      try {
        answer = AnswerSchema.parse(JSON.parse(text));
      } catch {
        throw new Error(`${what} answered ${response.status} with a body that is not {"listed": boolean, "entry"?: object}: ${excerpt(text)}`);
      }
      return { listed: answer.listed, source, ...(answer.entry ? { entry: answer.entry } : {}) };
    },
  };
}
