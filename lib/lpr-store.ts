/**
 * Where LPR fixings live: the table shipped with the code (`data/lpr.csv`, a copy of the
 * published history) plus the fixings an admin adds later without a deploy (POST /lpr-fixings),
 * kept in the engine's database (lib/database.ts, table `lpr_fixings`), so that every API and
 * worker process on every host computes with the same rates (domain brief, "LPR reference data").
 *
 * A reader takes `current()`, the table as the database has it at that moment.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  LprDataError,
  LprInputError,
  mergeFixings,
  parseLprCsv,
  validateFixing,
  type LprFixing,
  type LprTable,
} from '../domain/lpr';
import type { Actor } from '../domain/roles';
import type { EngineDatabase } from './database';

export const SHIPPED_LPR_CSV = resolve(__dirname, '..', 'data', 'lpr.csv');
export const ADMIN_FIXINGS_FILE = 'lpr-fixings.json';

/** A fixing as listed: where it came from and, for an admin's, who added it when. */
export interface LprFixingRecord extends LprFixing {
  source: 'shipped' | 'admin';
  /** ISO instant. */
  addedAt?: string;
  addedBy?: Actor;
  /** The shipped rates an admin's fixing on the same day replaced. */
  replaces?: { lpr1y: string; lpr5y: string };
}

/** The fixings as the database had them when `current()` read it. */
export interface LprView {
  /** The shipped table with the admin fixings merged in. */
  table(): LprTable;
  /** The fixings in force, oldest first. */
  list(): LprFixingRecord[];
}

export interface LprStore {
  readonly shippedPath: string;
  /** The fixings as the database has them now. */
  current(): Promise<LprView>;
  /**
   * Validates and stores a fixing (replacing an admin fixing, or shadowing a shipped one, on the
   * same day). Rejects with `LprInputError` naming the field for a bad fixing or a future date.
   */
  add(fixing: unknown, actor?: Actor): Promise<LprFixingRecord>;
}

export interface LprStoreOptions {
  /** Defaults to the project's `data/lpr.csv`. */
  shippedCsvPath?: string;
  /** The clock for `addedAt` and the "not in the future" check; tests pass a fixed one. */
  now?: () => Date;
}

interface AdminFixing {
  effectiveDate: string;
  lpr1y: string;
  lpr5y: string;
  addedAt: string;
  addedBy?: Actor;
}

/** The shipped table alone. */
export function readShippedLprTable(path: string = SHIPPED_LPR_CSV): LprTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LprDataError(`cannot read the shipped LPR table ${path}: ${(err as Error).message}`);
  }
  try {
    return parseLprCsv(text, 'shipped');
  } catch (err) {
    if (err instanceof LprDataError) throw new LprDataError(`${path}: ${err.message}`);
    throw err;
  }
}

/** Today's date in Beijing time, the calendar LPR publications follow. */
function beijingDate(now: Date): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

export function createLprStore(db: EngineDatabase, options: LprStoreOptions = {}): LprStore {
  const shippedPath = options.shippedCsvPath ?? SHIPPED_LPR_CSV;
  const now = options.now ?? (() => new Date());

  async function readAdmin(): Promise<AdminFixing[]> {
    const rows = await db.selectFrom('lpr_fixings').selectAll().orderBy('effective_date').execute();
    return rows.map((row) => {
      try {
        // A row edited by hand gets the same checks as the API.
        const fixing = validateFixing({ effectiveDate: row.effective_date, lpr1y: row.lpr1y, lpr5y: row.lpr5y });
        const record: AdminFixing = { ...fixing, addedAt: row.added_at };
        if (row.added_by) record.addedBy = JSON.parse(row.added_by) as Actor;
        return record;
      } catch (err) {
        if (err instanceof LprInputError) throw new LprDataError(`lpr_fixings row ${row.effective_date}: ${err.message}`);
        throw err;
      }
    });
  }

  function viewOf(admin: AdminFixing[]): LprView {
    const shipped = readShippedLprTable(shippedPath);
    return {
      table() {
        return mergeFixings(shipped, admin.map(({ effectiveDate, lpr1y, lpr5y }) => ({ effectiveDate, lpr1y, lpr5y, source: 'admin' })));
      },
      list() {
        const byDate = new Map(shipped.fixings.map((f) => [f.effectiveDate, f]));
        const adminByDate = new Map(admin.map((f) => [f.effectiveDate, f]));
        const dates = [...new Set([...byDate.keys(), ...adminByDate.keys()])].sort();
        return dates.map((date) => {
          const a = adminByDate.get(date);
          const s = byDate.get(date);
          if (a === undefined) return { effectiveDate: date, lpr1y: s!.lpr1y, lpr5y: s!.lpr5y, source: 'shipped' as const };
          const record: LprFixingRecord = { effectiveDate: date, lpr1y: a.lpr1y, lpr5y: a.lpr5y, source: 'admin' };
          if (a.addedAt !== '') record.addedAt = a.addedAt;
          if (a.addedBy !== undefined) record.addedBy = a.addedBy;
          if (s !== undefined) record.replaces = { lpr1y: s.lpr1y, lpr5y: s.lpr5y };
          return record;
        });
      },
    };
  }

  return {
    shippedPath,
    async current() {
      return viewOf(await readAdmin());
    },
    async add(fixing, actor) {
      const valid = validateFixing(fixing);
      const at = now();
      const today = beijingDate(at);
      if (valid.effectiveDate > today) {
        throw new LprInputError(
          'effectiveDate',
          `${valid.effectiveDate} is in the future (today is ${today}, Beijing time): add a fixing once it is published`,
        );
      }
      const row = {
        lpr1y: valid.lpr1y,
        lpr5y: valid.lpr5y,
        added_at: at.toISOString(),
        added_by: actor === undefined ? null : JSON.stringify({ id: actor.id, role: actor.role, name: actor.name }),
      };
      await db
        .insertInto('lpr_fixings')
        .values({ effective_date: valid.effectiveDate, ...row })
        .onConflict((oc) => oc.column('effective_date').doUpdateSet(row))
        .execute();
      return (await this.current()).list().find((f) => f.effectiveDate === valid.effectiveDate)!;
    },
  };
}

/**
 * Fixings added before the database held them, in `<dataDir>/lpr-fixings.json`: each one the
 * database does not have yet is stored once, as it was (an upgrade loses no fixing). Returns the
 * dates imported.
 */
export async function importLprFile(db: EngineDatabase, dataDir: string): Promise<string[]> {
  const path = join(dataDir, ADMIN_FIXINGS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new LprDataError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const file = JSON.parse(text) as { version?: unknown; fixings?: Array<Record<string, unknown>> };
  if (file.version !== 1 || !Array.isArray(file.fixings)) throw new LprDataError(`${path} must be {"version": 1, "fixings": [...]}`);
  const stored = new Set((await db.selectFrom('lpr_fixings').select('effective_date').execute()).map((r) => r.effective_date));
  const imported: string[] = [];
  for (const [i, f] of file.fixings.entries()) {
    let valid: ReturnType<typeof validateFixing>;
    try {
      valid = validateFixing(f);
    } catch (err) {
      if (err instanceof LprInputError) throw new LprDataError(`${path}: fixings[${i}].${err.message}`);
      throw err;
    }
    if (stored.has(valid.effectiveDate)) continue;
    await db
      .insertInto('lpr_fixings')
      .values({
        effective_date: valid.effectiveDate,
        lpr1y: valid.lpr1y,
        lpr5y: valid.lpr5y,
        added_at: typeof f.addedAt === 'string' ? f.addedAt : '',
        added_by: f.addedBy === undefined ? null : JSON.stringify(f.addedBy),
      })
      // Two APIs starting at once both move the file: the second finds the row there.
      .onConflict((oc) => oc.column('effective_date').doNothing())
      .execute();
    imported.push(valid.effectiveDate);
  }
  return imported;
}
