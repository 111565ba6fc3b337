/**
 * The serious-dishonesty list 严重失信主体名单 (002 第四条): who may not receive a subsidy.
 *
 * Two sources behind one interface; the activity `checkDishonestyList` records the answer (and
 * which source gave it) in the workflow history, so replay never asks the list again.
 *
 * - a JSON file staff maintain, `$DATA_DIR/dishonesty-list.json`, re-read on every lookup so an
 *   edit counts at once: `{"entries": [{"creditCode", "name"?, "listedOn"?, "authority"?, "reason"?}]}`.
 *   No file means an empty list, and the source says so. A malformed file fails the lookup with
 *   the file and the problem; the activity retries until staff fix it (nobody passes the check
 *   against a list that cannot be read).
 * - an HTTP service: `GET <url>?creditCode=<code>` → `{"listed": boolean, "entry"?: {...}}`,
 *   404 meaning not listed; signed like the effects webhook (`X-Subsidy-Timestamp`,
 *   `X-Subsidy-Signature: sha256=HMAC(secret, "<timestamp>.<query string>")`) when a secret is set.
 *   Any other answer, bad JSON, a network error or a timeout fails the lookup, retryably.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { creditCodeProblem } from '../domain/credit-code';
import { dateProblem } from '../domain/dates';
import { DEFAULT_TIMEOUT_MS, excerpt, redactUrl, requestWithTimeout, signatureHeaders } from './webhook';

export interface DishonestyLookup {
  listed: boolean;
  /** Which list answered: `file:<path> (sha256:…)`, `file:<path> (absent: empty list)`, or the service URL. */
  source: string;
  /** The list's entry for the code, as the list gives it, when listed. */
  entry?: Record<string, unknown>;
}

export interface DishonestyList {
  lookup(creditCode: string): Promise<DishonestyLookup>;
}

const normalise = (code: string) => code.trim().toUpperCase();

const FileSchema = z.object(
  {
    entries: z.array(
      z.looseObject({
        creditCode: z
          .string({ error: 'must be a string' })
          .transform(normalise)
          .superRefine((code, ctx) => {
            const problem = creditCodeProblem(code);
            if (problem) ctx.addIssue({ code: 'custom', message: `is not a credit code: ${problem}` });
          }),
        name: z.string().optional(),
        listedOn: z
          .string()
          .superRefine((day, ctx) => {
            const problem = dateProblem(day);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .optional(),
        authority: z.string().optional(),
        reason: z.string().optional(),
      }),
      { error: 'must be a list of entries' },
    ),
  },
  { error: 'must be an object {"entries": [{"creditCode": …}, …]}' },
);

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
}

/** The list in a JSON file staff edit; see the module comment. */
export function createFileDishonestyList(path: string): DishonestyList {
  return {
    async lookup(creditCode) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { listed: false, source: `file:${path} (absent: empty list)` };
        throw new Error(`dishonesty list ${path} cannot be read: ${(err as Error).message}`);
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (err) {
        throw new Error(`dishonesty list ${path} is not valid JSON: ${(err as Error).message}`);
      }
      const parsed = FileSchema.safeParse(raw);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${pathOf(i.path) || '(top level)'} ${i.message}`);
        throw new Error(`dishonesty list ${path} is malformed: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`);
      }
      // The hash ties the answer to the exact list consulted, for the audit trail.
      const source = `file:${path} (sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)})`;
      const code = normalise(creditCode);
      const entry = parsed.data.entries.find((e) => e.creditCode === code);
      return entry ? { listed: true, source, entry: { ...entry } } : { listed: false, source };
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
