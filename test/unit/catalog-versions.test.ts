/**
 * Catalog versions in the engine's database (lib/catalog-versions.ts), on the embedded SQLite
 * file, and on PostgreSQL too when TEST_DATABASE_URL names one (`postgres://…`; the tables are
 * dropped first, so give it a database of its own).
 *
 * Two connections to one database stand for two API processes: what one publishes, the other
 * reads. Publication is validated as at start-up; the shipped files go in force only when new.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { CatalogError, loadCatalog, readCatalogDir } from '../../lib/catalog-store';
import { catalogVersions, KeyReusedError, StaleBaseError } from '../../lib/catalog-versions';
import { type EngineDatabase, openDatabase } from '../../lib/database';
import { databaseEngines } from '../helpers/database-engines';

const ADMIN = { id: 'admin-1', role: 'admin', name: '管理员' };
const MAJOR = 'jianghai-major-project.json';

const engines = databaseEngines('catalog-versions', async (db) => {
  for (const table of ['catalog_publications', 'catalog_versions', 'kysely_migration', 'kysely_migration_lock']) await sql`drop table if exists ${sql.table(table)}`.execute(db);
});

/** The shipped catalog with the last milestone of 四（二）3 paying `ratePercent` of the agreed investment. */
function withRate(ratePercent: string): Record<string, unknown> {
  const files = readCatalogDir().files as Record<string, any>;
  const major = structuredClone(files[MAJOR]);
  major.formula.lines[2].ratePercent = ratePercent;
  return { ...files, [MAJOR]: major };
}

for (const [name, settingsOf] of engines) {
  describe(`catalog versions on ${name}`, () => {
    it('two processes share the versions: the shipped files go in force once, a publication is seen by both, a restart with the same files changes nothing', async () => {
      const settings = await settingsOf();
      const dbs: EngineDatabase[] = [await openDatabase(settings), await openDatabase(settings)];
      try {
        const [a, b] = dbs.map((db) => catalogVersions(db));
        const shipped = loadCatalog();
        const adopted = [await a!.adoptShipped(shipped, new Date()), await b!.adoptShipped(shipped, new Date())];
        assert.deepEqual(adopted.map((p) => p?.source ?? null), ['files', null], 'two hosts starting publish the shipped files once');
        assert.equal((await b!.current()).version, shipped.version);

        const published = await a!.publish({ files: withRate('0.2'), by: ADMIN, basedOn: shipped.version, note: '租金标准调整（测试）' });
        assert.equal(published.replayed, false);
        assert.equal(published.publication.seq, 2);
        assert.equal((await b!.current()).version, published.store.version, 'the other process sees the new version at once');
        const formula = (await b!.current()).getProgram('jianghai-major-project')!.formula as { lines: Array<{ ratePercent: string }> };
        assert.equal(formula.lines[2]!.ratePercent, '0.2');
        assert.equal((await b!.get(shipped.version))!.programHash('jianghai-major-project'), shipped.programHash('jianghai-major-project'));

        // A restart (or another host) with the shipped files: seen before, so the admin's version stays in force.
        assert.equal(await b!.adoptShipped(shipped, new Date()), null);
        assert.equal((await a!.current()).version, published.store.version);
        const history = await b!.publications();
        assert.deepEqual(history.map((p) => [p.seq, p.version, p.source]), [[1, shipped.version, 'files'], [2, published.store.version, 'api']]);
        assert.equal(history[1]!.publishedBy.name, ADMIN.name);
        assert.equal(history[1]!.basedOn, shipped.version);
      } finally {
        await Promise.all(dbs.map((db) => db.destroy()));
      }
    });

    it('validates as at start-up, naming the file, the path and the reason; refuses a stale base and a reused key; answers a retry once', async () => {
      const db = await openDatabase(await settingsOf());
      try {
        const versions = catalogVersions(db);
        const shipped = loadCatalog();
        await versions.adoptShipped(shipped, new Date());

        const bad = withRate('zero point two');
        await assert.rejects(versions.publish({ files: bad, by: ADMIN }), (err: unknown) => {
          assert.ok(err instanceof CatalogError);
          assert.equal(err.file, MAJOR);
          assert.equal(err.path, '$.formula.lines[2].ratePercent');
          assert.ok(err.reason.length > 0);
          return true;
        });
        const misnamed = { ...readCatalogDir().files, 'jianghai-major.json': readCatalogDir().files[MAJOR] };
        await assert.rejects(versions.publish({ files: misnamed, by: ADMIN }), (err: unknown) => err instanceof CatalogError && err.path === '$.id');
        assert.equal((await versions.publications()).length, 1, 'nothing is kept of a refused catalog');

        const request = { files: withRate('0.25'), by: ADMIN, basedOn: shipped.version, keyHash: 'a'.repeat(64) };
        const first = await versions.publish(request);
        const retried = await versions.publish(request);
        assert.equal(retried.replayed, true);
        assert.equal(retried.publication.seq, first.publication.seq);
        await assert.rejects(versions.publish({ ...request, files: withRate('0.26'), basedOn: first.store.version }), KeyReusedError);
        await assert.rejects(versions.publish({ files: withRate('0.27'), by: ADMIN, basedOn: shipped.version }), StaleBaseError);

        // Publishing an earlier version again puts it back in force, as a new publication.
        const back = await versions.publish({ files: readCatalogDir().files, by: ADMIN, basedOn: first.store.version, note: 'rolled back' });
        assert.equal(back.store.version, shipped.version);
        assert.equal((await versions.current()).version, shipped.version);
        assert.equal((await versions.publications()).length, 3);
      } finally {
        await db.destroy();
      }
    });

    it('a version whose stored content was altered is refused when read, not used', async () => {
      const db = await openDatabase(await settingsOf());
      try {
        const versions = catalogVersions(db);
        const published = await versions.publish({ files: withRate('0.2'), by: ADMIN });
        const row = await db.selectFrom('catalog_versions').select('catalog').where('version', '=', published.store.version).executeTakeFirstOrThrow();
        assert.ok(row.catalog.includes('"ratePercent":"0.2"'));
        await db.updateTable('catalog_versions').set({ catalog: row.catalog.replace('"ratePercent":"0.2"', '"ratePercent":"0.9"') }).where('version', '=', published.store.version).execute();
        await assert.rejects(catalogVersions(db).current(), /was altered/);
      } finally {
        await db.destroy();
      }
    });
  });
}
