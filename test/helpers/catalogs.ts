/**
 * The catalog versions and calendar years of a test app: a SQLite file of its own in a temporary
 * folder, with the shipped catalog in force, as api/main.ts sets them up.
 */
import { join } from 'node:path';
import { type CalendarStore, createCalendarStore } from '../../lib/calendar-store';
import { loadCatalog } from '../../lib/catalog-store';
import { type CatalogVersions, catalogVersions } from '../../lib/catalog-versions';
import { type EngineDatabase, openDatabase } from '../../lib/database';

export async function shippedCatalogs(dir: string): Promise<{ catalogs: CatalogVersions; database: EngineDatabase; calendar: CalendarStore }> {
  const database = await openDatabase({ kind: 'sqlite', file: join(dir, 'engine.db') });
  const calendar = createCalendarStore(database);
  const catalogs = catalogVersions(database);
  await catalogs.adoptShipped(loadCatalog(undefined, { calendar: (await calendar.current()).data() }), new Date());
  return { catalogs, database, calendar };
}
