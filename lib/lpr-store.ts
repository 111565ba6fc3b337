/**
 * Where LPR fixings live: the table shipped with the code (`data/lpr.csv`, a copy of the
 * published history) plus fixings an admin adds later without a deploy, persisted as JSON in
 * `<dataDir>/lpr-fixings.json` (domain brief, "LPR reference data").
 *
 * Every read goes back to the files: they are a few hundred bytes, and the API (which adds
 * fixings) and the worker (which computes statements) are separate processes, so a cache in one
 * would not see the other's write.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
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

export interface LprStore {
  readonly shippedPath: string;
  readonly adminPath: string;
  /** The shipped table with admin fixings merged in, read afresh. */
  table(): LprTable;
  /** The fixings in force, oldest first. */
  list(): LprFixingRecord[];
  /**
   * Validates and persists a fixing (replacing an admin fixing, or shadowing a shipped one, on the
   * same day). Throws `LprInputError` naming the field for a bad fixing or a future date.
   */
  add(fixing: unknown, actor?: Actor): LprFixingRecord;
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

interface AdminFile {
  version: 1;
  fixings: AdminFixing[];
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

export function createLprStore(dataDir: string, options: LprStoreOptions = {}): LprStore {
  const shippedPath = options.shippedCsvPath ?? SHIPPED_LPR_CSV;
  const adminPath = join(dataDir, ADMIN_FIXINGS_FILE);
  const now = options.now ?? (() => new Date());
  let tempCounter = 0;

  function readAdmin(): AdminFixing[] {
    let text: string;
    try {
      text = readFileSync(adminPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new LprDataError(`cannot read ${adminPath}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new LprDataError(`${adminPath} is not valid JSON: ${(err as Error).message}`);
    }
    const file = parsed as Partial<AdminFile> | null;
    if (typeof file !== 'object' || file === null || file.version !== 1 || !Array.isArray(file.fixings)) {
      throw new LprDataError(`${adminPath} must be {"version": 1, "fixings": [...]}`);
    }
    return file.fixings.map((f, i) => {
      try {
        const fixing = validateFixing(f);
        const record: AdminFixing = { ...fixing, addedAt: String(f.addedAt ?? '') };
        if (f.addedBy !== undefined) record.addedBy = f.addedBy;
        return record;
      } catch (err) {
        if (err instanceof LprInputError) throw new LprDataError(`${adminPath}: fixings[${i}].${err.message}`);
        throw err;
      }
    });
  }

  /** Write a temporary file, flush it, then rename: readers see the old file or the new, never half. */
  function writeAdmin(fixings: AdminFixing[]): void {
    mkdirSync(dataDir, { recursive: true });
    const body: AdminFile = { version: 1, fixings };
    const temp = `${adminPath}.${process.pid}.${++tempCounter}.tmp`;
    try {
      const fd = openSync(temp, 'w');
      try {
        writeSync(fd, `${JSON.stringify(body, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, adminPath);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }

  function table(): LprTable {
    const admin = readAdmin().map(({ effectiveDate, lpr1y, lpr5y }) => ({ effectiveDate, lpr1y, lpr5y, source: 'admin' }));
    return mergeFixings(readShippedLprTable(shippedPath), admin);
  }

  function list(): LprFixingRecord[] {
    const shipped = new Map(readShippedLprTable(shippedPath).fixings.map((f) => [f.effectiveDate, f]));
    const admin = new Map(readAdmin().map((f) => [f.effectiveDate, f]));
    const dates = [...new Set([...shipped.keys(), ...admin.keys()])].sort();
    return dates.map((date) => {
      const a = admin.get(date);
      const s = shipped.get(date);
      if (a === undefined) {
        return { effectiveDate: date, lpr1y: s!.lpr1y, lpr5y: s!.lpr5y, source: 'shipped' as const };
      }
      const record: LprFixingRecord = { effectiveDate: date, lpr1y: a.lpr1y, lpr5y: a.lpr5y, source: 'admin' };
      if (a.addedAt !== '') record.addedAt = a.addedAt;
      if (a.addedBy !== undefined) record.addedBy = a.addedBy;
      if (s !== undefined) record.replaces = { lpr1y: s.lpr1y, lpr5y: s.lpr5y };
      return record;
    });
  }

  function add(fixing: unknown, actor?: Actor): LprFixingRecord {
    const valid = validateFixing(fixing);
    const at = now();
    const today = beijingDate(at);
    if (valid.effectiveDate > today) {
      throw new LprInputError(
        'effectiveDate',
        `${valid.effectiveDate} is in the future (today is ${today}, Beijing time): add a fixing once it is published`,
      );
    }
    const record: AdminFixing = {
      effectiveDate: valid.effectiveDate,
      lpr1y: valid.lpr1y,
      lpr5y: valid.lpr5y,
      addedAt: at.toISOString(),
    };
    if (actor !== undefined) record.addedBy = { id: actor.id, role: actor.role, name: actor.name };
    const fixings = readAdmin().filter((f) => f.effectiveDate !== record.effectiveDate);
    fixings.push(record);
    fixings.sort((a, b) => (a.effectiveDate < b.effectiveDate ? -1 : 1));
    writeAdmin(fixings);
    return list().find((f) => f.effectiveDate === record.effectiveDate)!;
  }

  return { shippedPath, adminPath, table, list, add };
}
