/**
 * Validates a policy catalog (one program per file, named `<id>.json`): its shape (zod) and its
 * consistency (catalog.ts `programProblems`), and fingerprints it. The same check serves the
 * shipped catalog in `data/catalog/*.json` at start-up and a version an admin publishes at run time
 * (lib/catalog-versions.ts).
 *
 * A bad catalog is a `CatalogError` naming the file, the JSON path and the reason: at start-up it
 * stops the process; at run time it refuses the publication.
 * The catalog version (`sha256:` + 16 hex of the canonical JSON of the whole catalog) and each
 * program's own hash let an application record exactly which rules it was filed under.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { programSchema } from '../domain/catalog-schema';
import {
  filingWindowWorkingDayProblems,
  programProblems,
  type Catalog,
  type FilingWindow,
  type Program,
} from '../domain/catalog';
import { UnknownCalendarYearError, type CalendarData } from '../domain/calendar';

export const DEFAULT_CATALOG_DIR = join(__dirname, '..', 'data', 'catalog');

export class CatalogError extends Error {
  readonly file: string;
  /** JSON path inside the file, e.g. `$.formula.tiers[1].ratePercent`. */
  readonly path: string;
  readonly reason: string;
  constructor(file: string, path: string, reason: string) {
    super(`invalid policy catalog: ${file} at ${path}: ${reason}`);
    this.name = 'CatalogError';
    this.file = file;
    this.path = path;
    this.reason = reason;
  }
}

export interface ProgramSummary {
  id: string;
  name: string;
  nameEn: string;
  policyId: string;
  hash: string;
  file: string;
  filingWindow: FilingWindow;
  /** The kind of support, what one application is for, and the double-dipping rule. */
  support: Program['support'];
  /** How the program's rounds are signed off (batch or single). */
  rounds: Program['rounds'];
}

export interface CatalogStore {
  /** `sha256:` + the first 16 hex digits of SHA-256 over the canonical JSON of the whole catalog. */
  version: string;
  /** Where it came from: the catalog directory, or the database (`published <when> by <whom>`). */
  source: string;
  /** Every program by id (deep-frozen plain JSON). */
  catalog: Catalog;
  /** Each program's file name as shown, by id. */
  files: Record<string, string>;
  getProgram(id: string): Program | undefined;
  /** `sha256:` + 16 hex of the canonical JSON of one program. */
  programHash(id: string): string | undefined;
  listPrograms(): ProgramSummary[];
}

/** JSON with object keys sorted at every level and no whitespace: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** `sha256:` + the first 16 hex digits of SHA-256 over the canonical JSON of `value`. */
export function contentHash(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex').slice(0, 16)}`;
}

/** `$.formula.tiers[1].ratePercent` from ['formula', 'tiers', 1, 'ratePercent']. */
export function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  return (
    '$' +
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(String(p))}]`))
      .join('')
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface LoadCatalogOptions {
  /** When given, announced filing windows are checked for their minimum number of working days. */
  calendar?: CalendarData;
}

/**
 * The program files of a catalog, by file name (`<id>.json`), each already parsed from JSON: read
 * from data/catalog/ at start-up, or given by an admin who publishes a version (POST
 * /catalog/versions). `shown` names a file in an error.
 */
export interface CatalogFiles {
  files: Record<string, unknown>;
  shown?: (name: string) => string;
  /** Where the files came from, for `CatalogStore.source`. */
  source: string;
}

/** Reads the `*.json` program files of a directory; throws `CatalogError` when one is not JSON. */
export function readCatalogDir(dir: string = DEFAULT_CATALOG_DIR): CatalogFiles {
  const shown = (file: string) => relative(process.cwd(), join(dir, file)) || file;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new CatalogError(dir, '$', `cannot read the catalog directory: ${(err as Error).message}`);
  }
  const files: Record<string, unknown> = {};
  for (const name of names) {
    try {
      files[name] = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (err) {
      throw new CatalogError(shown(name), '$', `not valid JSON: ${(err as Error).message}`);
    }
  }
  return { files, shown, source: dir };
}

/** Reads, validates and fingerprints the catalog of a directory; throws `CatalogError` on the first bad file. */
export function loadCatalog(dir: string = DEFAULT_CATALOG_DIR, options: LoadCatalogOptions = {}): CatalogStore {
  return buildCatalog(readCatalogDir(dir), options);
}

/**
 * Validates a catalog's program files, one by one in name order, exactly as at start-up: the
 * schema (zod), the program's consistency (catalog.ts `programProblems`), announced windows against
 * the calendar, and the file name against the id. Throws `CatalogError` naming the first bad file,
 * the JSON path in it and the reason; else the fingerprinted, frozen catalog.
 */
export function buildCatalog(input: CatalogFiles, options: LoadCatalogOptions = {}): CatalogStore {
  const shown = input.shown ?? ((name: string) => name);
  const names = Object.keys(input.files).sort();
  if (names.length === 0) throw new CatalogError(input.source, '$', 'the catalog holds no *.json program files');

  const catalog: Catalog = {};
  const files: Record<string, string> = {};
  for (const name of names) {
    const file = shown(name);
    if (!name.endsWith('.json')) throw new CatalogError(file, '$', 'a program file is named <program id>.json');
    const parsed = programSchema.safeParse(input.files[name]);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CatalogError(file, jsonPath(issue.path), issue.message);
    }
    const program = parsed.data as Program;
    const problem = programProblems(program)[0];
    if (problem) throw new CatalogError(file, jsonPath(problem.path), problem.reason);
    if (options.calendar) {
      let windowProblems: string[];
      try {
        windowProblems = filingWindowWorkingDayProblems(program.filingWindow, options.calendar);
      } catch (err) {
        if (!(err instanceof UnknownCalendarYearError)) throw err;
        windowProblems = [err.message];
      }
      if (windowProblems[0]) throw new CatalogError(file, '$.filingWindow.windows', windowProblems[0]);
    }
    if (name !== `${program.id}.json`) throw new CatalogError(file, '$.id', `program id ${program.id} must match the file name (${program.id}.json)`);
    if (catalog[program.id]) throw new CatalogError(file, '$.id', `program id ${program.id} is also defined in ${files[program.id]}`);
    catalog[program.id] = program;
    files[program.id] = file;
  }
  return catalogStoreOf(catalog, files, input.source);
}

/** The store over a validated catalog: its version, each program's hash, the summaries. */
export function catalogStoreOf(catalog: Catalog, files: Record<string, string>, source: string): CatalogStore {
  const hashes: Record<string, string> = {};
  for (const [id, program] of Object.entries(catalog)) hashes[id] = contentHash(program);
  const version = contentHash(catalog);
  deepFreeze(catalog);

  return {
    version,
    source,
    catalog,
    files,
    getProgram: (id) => (Object.prototype.hasOwnProperty.call(catalog, id) ? catalog[id] : undefined),
    programHash: (id) => (Object.prototype.hasOwnProperty.call(hashes, id) ? hashes[id] : undefined),
    listPrograms: () =>
      Object.values(catalog)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((p) => ({
          id: p.id,
          name: p.name,
          nameEn: p.nameEn,
          policyId: p.policy.id,
          hash: hashes[p.id]!,
          file: files[p.id]!,
          filingWindow: p.filingWindow,
          support: p.support,
          rounds: p.rounds,
        })),
  };
}
