/**
 * The serious-dishonesty list 严重失信主体名单 (002 第四条) as the engine keeps it when no list
 * service is configured: in the engine's database (lib/database.ts, tables `dishonesty_list` and
 * `dishonesty_list_changes`), so that every worker on every host checks filings against the same
 * list, and admins maintain it over the API (PUT /dishonesty-list/:creditCode, POST
 * /dishonesty-list/:creditCode/removal) without touching a file.
 *
 * Nothing is ever deleted: a removal marks the entry removed (who, when, why), and every listing,
 * change and removal is appended to `dishonesty_list_changes`, so an auditor can see who listed
 * or unlisted whom, and when.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { creditCodeProblem } from '../domain/credit-code';
import { dateProblem } from '../domain/dates';
import type { Actor } from '../domain/roles';
import type { Selectable } from 'kysely';
import type { DishonestyListTable, EngineDatabase } from './database';

export const DISHONESTY_LIST_FILE = 'dishonesty-list.json';

/** What the listing authority says about an entry; every field but the code is optional. */
export interface DishonestyEntryInput {
  name?: string;
  /** YYYY-MM-DD. */
  listedOn?: string;
  authority?: string;
  reason?: string;
}

/** An entry as stored: in force unless `removedAt` is set. */
export interface DishonestyRecord extends DishonestyEntryInput {
  creditCode: string;
  /** ISO instant of the last listing or update; empty for one moved from the older file without one. */
  addedAt: string;
  addedBy?: Actor;
  removedAt?: string;
  removedBy?: Actor;
  removalReason?: string;
}

/** One line of an entry's history. */
export interface DishonestyChange {
  seq: number;
  creditCode: string;
  change: 'listed' | 'updated' | 'removed' | 'imported';
  /** The entry as listed by this change (not for a removal). */
  entry?: DishonestyEntryInput;
  /** Why it was removed. */
  reason?: string;
  at: string;
  by?: Actor;
}

/** A code that is not listed (never was, or removed already): a removal has nothing to remove. */
export class NotListedError extends Error {
  constructor(
    readonly creditCode: string,
    readonly record?: DishonestyRecord,
  ) {
    super(
      record?.removedAt
        ? `${creditCode} is not on the serious-dishonesty list: removed at ${record.removedAt}${record.removedBy ? ` by ${record.removedBy.id}` : ''}`
        : `${creditCode} is not on the serious-dishonesty list`,
    );
  }
}

/** A bad code or field, naming it: the API answers 400 with the field and the reason. */
export class DishonestyInputError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export interface DishonestyStore {
  /** The entry in force for a code (any case, surrounding spaces ignored), if listed. */
  lookup(creditCode: string): Promise<DishonestyRecord | undefined>;
  /** Entries by credit code, in force only unless `includeRemoved`; paged by `after` (a credit code). */
  list(options?: { includeRemoved?: boolean; after?: string; limit?: number }): Promise<DishonestyRecord[]>;
  /** One entry (removed or not) and its history, oldest first; undefined when never listed. */
  get(creditCode: string): Promise<{ entry: DishonestyRecord; history: DishonestyChange[] } | undefined>;
  /** Lists a code, or updates its entry; a removed one is listed again. */
  put(creditCode: string, entry: DishonestyEntryInput, actor?: Actor): Promise<{ entry: DishonestyRecord; change: 'listed' | 'updated' }>;
  /** Removes a listed code, with the reason; rejects with NotListedError when it is not listed. */
  remove(creditCode: string, reason: string, actor?: Actor): Promise<DishonestyRecord>;
}

const normaliseCreditCode = (code: string): string => code.trim().toUpperCase();

/** The code normalised, or DishonestyInputError naming `creditCode`. */
function validCreditCode(code: unknown): string {
  if (typeof code !== 'string') throw new DishonestyInputError('creditCode', 'must be a string');
  const normalised = normaliseCreditCode(code);
  const problem = creditCodeProblem(normalised);
  if (problem) throw new DishonestyInputError('creditCode', `is not a valid unified social credit code: ${problem}`);
  return normalised;
}

function validEntry(input: Record<string, unknown>): DishonestyEntryInput {
  const entry: DishonestyEntryInput = {};
  for (const field of ['name', 'authority', 'reason'] as const) {
    const value = input[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new DishonestyInputError(field, 'must be a string');
    if (value.trim() !== '') entry[field] = value.trim();
  }
  if (input.listedOn !== undefined && input.listedOn !== null) {
    const problem = dateProblem(input.listedOn);
    if (problem) throw new DishonestyInputError('listedOn', problem);
    entry.listedOn = input.listedOn as string;
  }
  return entry;
}

type Row = Selectable<DishonestyListTable>;

const actorJson = (actor: Actor | undefined) => (actor === undefined ? null : JSON.stringify({ id: actor.id, role: actor.role, name: actor.name }));
const actorOf = (json: string | null) => (json === null ? undefined : (JSON.parse(json) as Actor));

function recordOf(row: Row): DishonestyRecord {
  const record: DishonestyRecord = { creditCode: row.credit_code, addedAt: row.added_at };
  if (row.name !== null) record.name = row.name;
  if (row.listed_on !== null) record.listedOn = row.listed_on;
  if (row.authority !== null) record.authority = row.authority;
  if (row.reason !== null) record.reason = row.reason;
  const addedBy = actorOf(row.added_by);
  if (addedBy) record.addedBy = addedBy;
  if (row.removed_at !== null) {
    record.removedAt = row.removed_at;
    const removedBy = actorOf(row.removed_by);
    if (removedBy) record.removedBy = removedBy;
    if (row.removal_reason !== null) record.removalReason = row.removal_reason;
  }
  return record;
}

const entryColumns = (entry: DishonestyEntryInput) => ({
  name: entry.name ?? null,
  listed_on: entry.listedOn ?? null,
  authority: entry.authority ?? null,
  reason: entry.reason ?? null,
});

export function createDishonestyStore(db: EngineDatabase, options: { now?: () => Date } = {}): DishonestyStore {
  const now = options.now ?? (() => new Date());

  const row = (code: string, trx: EngineDatabase = db) => trx.selectFrom('dishonesty_list').selectAll().where('credit_code', '=', code).executeTakeFirst();

  return {
    async lookup(creditCode) {
      const found = await row(normaliseCreditCode(creditCode));
      return found && found.removed_at === null ? recordOf(found) : undefined;
    },

    async list({ includeRemoved = false, after, limit = 1000 } = {}) {
      let query = db.selectFrom('dishonesty_list').selectAll();
      if (!includeRemoved) query = query.where('removed_at', 'is', null);
      if (after !== undefined) query = query.where('credit_code', '>', normaliseCreditCode(after));
      return (await query.orderBy('credit_code').limit(limit).execute()).map(recordOf);
    },

    async get(creditCode) {
      const code = normaliseCreditCode(creditCode);
      const found = await row(code);
      if (!found) return undefined;
      const changes = await db.selectFrom('dishonesty_list_changes').selectAll().where('credit_code', '=', code).orderBy('seq').execute();
      return {
        entry: recordOf(found),
        history: changes.map((c) => {
          const change: DishonestyChange = { seq: Number(c.seq), creditCode: c.credit_code, change: c.change as DishonestyChange['change'], at: c.at };
          if (c.entry !== null) change.entry = JSON.parse(c.entry) as DishonestyEntryInput;
          if (c.reason !== null) change.reason = c.reason;
          const by = actorOf(c.by);
          if (by) change.by = by;
          return change;
        }),
      };
    },

    async put(creditCode, input, actor) {
      const code = validCreditCode(creditCode);
      const entry = validEntry(input as Record<string, unknown>);
      const at = now().toISOString();
      const by = actorJson(actor);
      return db.transaction().execute(async (trx) => {
        const before = await row(code, trx);
        const change = before && before.removed_at === null ? 'updated' : 'listed';
        const values = { ...entryColumns(entry), added_at: at, added_by: by, removed_at: null, removed_by: null, removal_reason: null };
        await trx
          .insertInto('dishonesty_list')
          .values({ credit_code: code, ...values })
          .onConflict((oc) => oc.column('credit_code').doUpdateSet(values))
          .execute();
        await trx.insertInto('dishonesty_list_changes').values({ credit_code: code, change, entry: JSON.stringify(entry), reason: null, at, by }).execute();
        return { entry: recordOf((await row(code, trx))!), change };
      });
    },

    async remove(creditCode, reason, actor) {
      const code = validCreditCode(creditCode);
      if (typeof reason !== 'string' || reason.trim() === '') throw new DishonestyInputError('reason', 'must say why the entry is removed');
      const at = now().toISOString();
      const by = actorJson(actor);
      return db.transaction().execute(async (trx) => {
        const before = await row(code, trx);
        if (!before || before.removed_at !== null) throw new NotListedError(code, before ? recordOf(before) : undefined);
        await trx
          .updateTable('dishonesty_list')
          .set({ removed_at: at, removed_by: by, removal_reason: reason.trim() })
          .where('credit_code', '=', code)
          .execute();
        await trx.insertInto('dishonesty_list_changes').values({ credit_code: code, change: 'removed', entry: null, reason: reason.trim(), at, by }).execute();
        return recordOf((await row(code, trx))!);
      });
    },
  };
}

/**
 * The list of an older deployment, `<dataDir>/dishonesty-list.json` (`{"entries": [{"creditCode",
 * "name"?, "listedOn"?, "authority"?, "reason"?}]}`): each code the database has never seen is
 * listed once, as the file had it, recorded as `imported`. A code the database knows (listed or
 * removed by an admin since) is left as the admin left it. Returns the codes imported. A
 * malformed file stops start-up with the file, the entry and the reason: nobody should pass the
 * check against a list that could not be moved.
 */
export async function importDishonestyFile(db: EngineDatabase, dataDir: string, now: () => Date = () => new Date()): Promise<string[]> {
  const path = join(dataDir, DISHONESTY_LIST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read the dishonesty list ${path}: ${(err as Error).message}`);
  }
  let file: { entries?: unknown };
  try {
    file = JSON.parse(text) as { entries?: unknown };
  } catch (err) {
    throw new Error(`the dishonesty list ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof file !== 'object' || file === null || !Array.isArray(file.entries)) throw new Error(`the dishonesty list ${path} must be {"entries": [{"creditCode": …}, …]}`);
  const entries = file.entries.map((e: unknown, i) => {
    try {
      if (typeof e !== 'object' || e === null) throw new DishonestyInputError('(entry)', 'must be an object');
      const raw = e as Record<string, unknown>;
      return { code: validCreditCode(raw.creditCode), entry: validEntry(raw) };
    } catch (err) {
      if (err instanceof DishonestyInputError) throw new Error(`the dishonesty list ${path}: entries[${i}].${err.field} ${err.reason}`);
      throw err;
    }
  });
  const known = new Set((await db.selectFrom('dishonesty_list').select('credit_code').execute()).map((r) => r.credit_code));
  const at = now().toISOString();
  const imported: string[] = [];
  for (const { code, entry } of entries) {
    if (known.has(code)) continue;
    known.add(code);
    await db.transaction().execute(async (trx) => {
      // Two APIs starting at once both move the file: the second finds the row there.
      const inserted = await trx
        .insertInto('dishonesty_list')
        .values({ credit_code: code, ...entryColumns(entry), added_at: at, added_by: null, removed_at: null, removed_by: null, removal_reason: null })
        .onConflict((oc) => oc.column('credit_code').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
      await trx.insertInto('dishonesty_list_changes').values({ credit_code: code, change: 'imported', entry: JSON.stringify(entry), reason: path, at, by: null }).execute();
      imported.push(code);
    });
  }
  return imported;
}
