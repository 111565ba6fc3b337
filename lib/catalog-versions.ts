/**
 * Catalog versions, kept in the engine's database (lib/database.ts) so that every API process on
 * every host sees the same ones. A version is a whole catalog, validated exactly as at start-up
 * (lib/catalog-store.ts `buildCatalog`) and known by its `sha256:` id; it never changes once kept.
 * The version in force is the one published last:
 * - at start-up, the catalog shipped in data/catalog/ is published when the database has never
 *   seen it (a deploy that changes the files puts them in force; a restart with the same files
 *   changes nothing, so a version an admin published stays in force);
 * - an admin publishes a version with POST /catalog/versions, without a deploy.
 *
 * A round pins the version in force when it opens, and every application filed into it records the
 * program as that version has it, so a later version never changes a running application.
 * Workers read no catalog: the program travels in the application's input.
 */
import { createHash } from 'node:crypto';
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { Catalog } from '../domain/catalog';
import { buildCatalog, canonicalJson, type CatalogStore, catalogStoreOf, DEFAULT_CATALOG_DIR, type LoadCatalogOptions } from './catalog-store';
import type { CatalogPublicationTable, EngineDatabase, EngineTables } from './database';

/** Who published: an admin (the API's actor) or the engine itself for the shipped files. */
export interface Publisher {
  id: string;
  role: string;
  name: string;
}

/** One time a version was put in force. */
export interface Publication {
  /** 1, 2, 3… in the order of publication, across every host. */
  seq: number;
  version: string;
  publishedAt: string;
  publishedBy: Publisher;
  source: 'files' | 'api';
  note: string | null;
  basedOn: string | null;
}

/** A publication asked for by an admin. */
export interface PublishRequest {
  /** The program files of the whole catalog, by file name `<id>.json`. */
  files: Record<string, unknown>;
  by: Publisher;
  note?: string;
  /** The version the admin started from: refused when another was published meanwhile. */
  basedOn?: string;
  /** The Idempotency-Key, hashed with the caller: a retry gets the first answer. */
  keyHash?: string;
}

export interface PublishResult {
  store: CatalogStore;
  publication: Publication;
  /** The same key and body were published before: this is the first answer again. */
  replayed: boolean;
}

/** `basedOn` names a version that is no longer in force. */
export class StaleBaseError extends Error {
  constructor(
    readonly basedOn: string,
    readonly current: string,
  ) {
    super(`the catalog was based on ${basedOn}, but ${current} is in force now`);
  }
}

/** The Idempotency-Key was used before for another catalog. */
export class KeyReusedError extends Error {
  constructor(readonly publication: Publication) {
    super(`this Idempotency-Key published another catalog (publication ${publication.seq})`);
  }
}

export interface CatalogVersions {
  /** The version in force now (the latest publication), read from the database on every call. */
  current(): Promise<CatalogStore>;
  /** Any version ever kept, by its `sha256:` id. */
  get(version: string): Promise<CatalogStore | undefined>;
  /** Every publication, oldest first. */
  publications(): Promise<Publication[]>;
  /** Validates and publishes a catalog; throws `CatalogError`, `StaleBaseError` or `KeyReusedError`. */
  publish(request: PublishRequest, options?: LoadCatalogOptions): Promise<PublishResult>;
  /** At start-up: puts the shipped catalog in force when the database has never seen it. */
  adoptShipped(shipped: CatalogStore, at: Date): Promise<Publication | null>;
}

const ENGINE_PUBLISHER: Publisher = { id: 'engine', role: 'engine', name: 'the engine, from data/catalog/ at start-up' };

/** A row of catalog_publications as read. */
type PublicationRow = Selectable<CatalogPublicationTable>;

function publicationOf(row: PublicationRow): Publication {
  return {
    seq: Number(row.seq),
    version: row.version,
    publishedAt: row.published_at,
    publishedBy: JSON.parse(row.published_by) as Publisher,
    source: row.source === 'files' ? 'files' : 'api',
    note: row.note,
    basedOn: row.based_on,
  };
}

/** Records a publication; answers the row with its sequence number. */
async function insertPublication(db: Kysely<EngineTables>, values: Insertable<CatalogPublicationTable>): Promise<PublicationRow> {
  return db.insertInto('catalog_publications').values(values).returningAll().executeTakeFirstOrThrow();
}

export function catalogVersions(db: EngineDatabase, clock: () => Date = () => new Date()): CatalogVersions {
  /** Versions never change: each is read from the database once per process. */
  const cache = new Map<string, CatalogStore>();
  const postgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

  async function load(version: string): Promise<CatalogStore | undefined> {
    const hit = cache.get(version);
    if (hit) return hit;
    const row = await db.selectFrom('catalog_versions').selectAll().where('version', '=', version).executeTakeFirst();
    if (!row) return undefined;
    const store = catalogStoreOf(JSON.parse(row.catalog) as Catalog, JSON.parse(row.files) as Record<string, string>, `catalog version ${version}, kept ${row.created_at}`);
    if (store.version !== version) throw new Error(`catalog version ${version} in the database hashes to ${store.version}: the row was altered`);
    cache.set(version, store);
    return store;
  }

  async function latest(): Promise<PublicationRow | undefined> {
    return db.selectFrom('catalog_publications').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst() as Promise<PublicationRow | undefined>;
  }

  return {
    async current() {
      const row = await latest();
      if (!row) throw new Error('no catalog version is in force: the API publishes the shipped catalog at start-up');
      return (await load(row.version))!;
    },

    get: load,

    async publications() {
      const rows = await db.selectFrom('catalog_publications').selectAll().orderBy('seq', 'asc').execute();
      return rows.map(publicationOf);
    },

    async publish(request, options = {}) {
      // Validated exactly as at start-up; a bad file throws CatalogError naming the file and path.
      const store = buildCatalog({ files: request.files, source: 'POST /catalog/versions' }, options);
      const bodyHash = createHash('sha256').update(canonicalJson({ catalog: store.version, note: request.note ?? null, basedOn: request.basedOn ?? null }), 'utf8').digest('hex');
      const at = clock().toISOString();
      const result = await db.transaction().execute(async (trx) => {
        // One publisher at a time across hosts: PostgreSQL's table lock; on SQLite, a write first
        // takes the file's write lock before anything is read (kept only if the rest commits).
        if (postgres) await sql`lock table catalog_publications in share row exclusive mode`.execute(trx);
        await trx
          .insertInto('catalog_versions')
          .values({ version: store.version, catalog: canonicalJson(store.catalog), files: canonicalJson(Object.fromEntries(Object.keys(store.catalog).map((id) => [id, `${id}.json`]))), created_at: at })
          .onConflict((oc) => oc.column('version').doNothing())
          .execute();
        if (request.keyHash) {
          const earlier = await trx.selectFrom('catalog_publications').selectAll().where('key_hash', '=', request.keyHash).executeTakeFirst();
          if (earlier) {
            if (earlier.body_hash !== bodyHash) throw new KeyReusedError(publicationOf(earlier));
            return { publication: publicationOf(earlier), replayed: true };
          }
        }
        const inForce = (await trx.selectFrom('catalog_publications').select('version').orderBy('seq', 'desc').limit(1).executeTakeFirst())?.version;
        if (request.basedOn !== undefined && inForce !== undefined && request.basedOn !== inForce) throw new StaleBaseError(request.basedOn, inForce);
        const row = await insertPublication(trx, {
          version: store.version,
          published_at: at,
          published_by: JSON.stringify({ id: request.by.id, role: request.by.role, name: request.by.name }),
          source: 'api',
          note: request.note ?? null,
          based_on: request.basedOn ?? null,
          key_hash: request.keyHash ?? null,
          body_hash: bodyHash,
        });
        return { publication: publicationOf(row), replayed: false };
      });
      return { store: (await load(result.publication.version))!, ...result };
    },

    async adoptShipped(shipped, at) {
      return db.transaction().execute(async (trx) => {
        if (postgres) await sql`lock table catalog_publications in share row exclusive mode`.execute(trx);
        const inserted = await trx
          .insertInto('catalog_versions')
          .values({ version: shipped.version, catalog: canonicalJson(shipped.catalog), files: canonicalJson(shipped.files), created_at: at.toISOString() })
          .onConflict((oc) => oc.column('version').doNothing())
          .executeTakeFirst();
        // Seen before (this host's last start, or another host's): what is in force stays in force.
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return null;
        const row = await insertPublication(trx, {
          version: shipped.version,
          published_at: at.toISOString(),
          published_by: JSON.stringify(ENGINE_PUBLISHER),
          source: 'files',
          note: `the catalog shipped in ${shipped.source === DEFAULT_CATALOG_DIR ? 'data/catalog/' : shipped.source}`,
          based_on: null,
          key_hash: null,
          body_hash: null,
        });
        return publicationOf(row);
      });
    },
  };
}
