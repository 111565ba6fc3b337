import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CalendarStore, createCalendarStore, importCalendarFiles, InvalidCalendarYearError, LUNAR_SOURCE } from '../../lib/calendar-store';
import { type EngineDatabase, openDatabase } from '../../lib/database';
import { UnknownCalendarYearError, isWorkingDay, workingDaysFrom } from '../../domain/calendar';

let dir: string;
/** Two connections to one database file, as an API and a worker process have. */
let db: EngineDatabase;
let otherDb: EngineDatabase;
let store: CalendarStore;
let other: CalendarStore;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'calendar-store-'));
  db = await openDatabase({ kind: 'sqlite', file: join(dir, 'engine.db') });
  otherDb = await openDatabase({ kind: 'sqlite', file: join(dir, 'engine.db') });
  store = createCalendarStore(db);
  other = createCalendarStore(otherDb);
});
after(async () => {
  await db.destroy();
  await otherDb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

// 2027 as an admin would supply it (illustrative dates: New Year's Day Friday, make-up Saturday 1/9).
const Y2027 = { holidays: ['2027-01-01', '2027-02-06', '2027-02-07', '2027-02-08'], workdays: ['2027-01-09'] };

describe('calendar store: built-in years from lunar-typescript', () => {
  it('names the installed library version as its source', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'node_modules', 'lunar-typescript', 'package.json'), 'utf8')) as { version: string };
    assert.equal(LUNAR_SOURCE, `lunar-typescript@${pkg.version}`);
  });

  it('knows 2024 with the National Day week and its make-up days', async () => {
    const calendar = await store.current();
    const y = calendar.year(2024)!;
    assert.equal(y.source, LUNAR_SOURCE);
    for (let d = 1; d <= 7; d++) assert.ok(y.holidays.includes(`2024-10-0${d}`));
    assert.ok(y.workdays.includes('2024-09-29'));
    assert.ok(y.workdays.includes('2024-10-12'));
    // The State Council's eight 2024 make-up days, exactly.
    assert.deepEqual(y.workdays, ['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12']);
    const data = calendar.data([2024]);
    assert.equal(isWorkingDay(data, '2024-09-29'), true);
    assert.equal(isWorkingDay(data, '2024-10-07'), false);
  });

  it('knows 2025 (e.g. National Day + Mid-Autumn 10/1–10/8, make-up 9/28 and 10/11)', async () => {
    const y = (await store.current()).year(2025)!;
    for (let d = 1; d <= 8; d++) assert.ok(y.holidays.includes(`2025-10-0${d}`));
    assert.ok(y.workdays.includes('2025-09-28'));
    assert.ok(y.workdays.includes('2025-10-11'));
  });

  it('knows 2026 (e.g. New Year 1/1–1/3 with make-up Sunday 1/4, Spring Festival 2/15–2/23)', async () => {
    const y = (await store.current()).year(2026)!;
    assert.ok(['2026-01-01', '2026-01-02', '2026-01-03'].every((d) => y.holidays.includes(d)));
    assert.ok(y.workdays.includes('2026-01-04'));
    assert.ok(y.holidays.includes('2026-02-15') && y.holidays.includes('2026-02-23'));
    assert.ok(y.workdays.includes('2026-02-14') && y.workdays.includes('2026-02-28'));
  });

  it('does not know 2027: no data, and the rules refuse to guess', async () => {
    const calendar = await store.current();
    assert.equal(calendar.year(2027), undefined);
    const data = calendar.data([2026, 2027]);
    assert.deepEqual(Object.keys(data), ['2026']);
    assert.throws(() => isWorkingDay(data, '2027-03-01'), (e: unknown) => e instanceof UnknownCalendarYearError && e.year === 2027);
    // 2026-12-31 is a Thursday; the next working day is in 2027.
    assert.throws(() => workingDaysFrom(data, '2026-12-31', 2), (e: unknown) => e instanceof UnknownCalendarYearError && e.year === 2027);
  });

  it('lists every year it knows, 2024–2026 included', async () => {
    const calendar = await store.current();
    const years = calendar.knownYears();
    assert.ok([2024, 2025, 2026].every((y) => years.includes(y)));
    assert.ok(!years.includes(2027));
    assert.deepEqual(Object.keys(calendar.data()).map(Number), years);
  });
});

describe('calendar store: admin-supplied years, in the engine database', () => {
  it('stores 2027 and uses it at once, in this store and in another process on the same database', async () => {
    const saved = await store.putYear(2027, Y2027, 'admin-wang');
    assert.equal(saved.source, 'admin');
    assert.equal(saved.updatedBy, 'admin-wang');
    assert.match(saved.updatedAt!, /^\d{4}-\d{2}-\d{2}T/);

    const data = (await store.current()).data([2026, 2027]);
    assert.equal(isWorkingDay(data, '2027-01-01'), false);
    assert.equal(isWorkingDay(data, '2027-01-09'), true);
    // From Thu 2026-12-31: 12/31, (1/1 holiday, weekend) Mon 1/4.
    assert.equal(workingDaysFrom(data, '2026-12-31', 2).lastDay, '2027-01-04');

    // Another process (a worker, another API) sees it without a restart, and with who supplied it.
    const seen = (await other.current()).year(2027);
    assert.equal(seen?.source, 'admin');
    assert.deepEqual(seen?.holidays, Y2027.holidays);
    assert.equal(seen?.updatedBy, 'admin-wang');
  });

  it('replaces the library data for a year it knows', async () => {
    assert.equal((await store.current()).year(2026)!.source, LUNAR_SOURCE);
    await store.putYear(2026, { holidays: ['2026-01-01'], workdays: [] });
    const calendar = await store.current();
    const y = calendar.year(2026)!;
    assert.equal(y.source, 'admin');
    assert.deepEqual(y.holidays, ['2026-01-01']);
    // 2026-10-01 is a library holiday but not in the admin year: the admin year wins entirely.
    assert.equal(isWorkingDay(calendar.data([2026]), '2026-10-01'), true);
  });

  it('a correction made through another process replaces the year for every reader', async () => {
    const before = await store.current();
    assert.deepEqual(before.year(2027)!.workdays, ['2027-01-09']);
    await other.putYear(2027, { holidays: ['2027-01-01'], workdays: [] }, 'admin-li');
    const after = await store.current();
    assert.deepEqual(after.year(2027)!.workdays, []);
    assert.equal(after.year(2027)!.updatedBy, 'admin-li');
    // A view already taken stays what it was: one computation, one calendar.
    assert.deepEqual(before.year(2027)!.workdays, ['2027-01-09']);
  });

  it('refuses an invalid year with every reason, and keeps the previous data', async () => {
    await assert.rejects(
      store.putYear(2027, { holidays: ['2027-02-30'], workdays: ['2027-01-04'] }),
      (e: unknown) =>
        e instanceof InvalidCalendarYearError &&
        e.reasons.some((r) => /2027-02-30/.test(r)) &&
        e.reasons.some((r) => /2027-01-04 is not a Saturday or Sunday/.test(r)),
    );
    assert.deepEqual((await store.current()).year(2027)!.holidays, ['2027-01-01']);
  });

  it('refuses a row edited by hand that breaks the rules instead of using it', async () => {
    await db.updateTable('calendar_years').set({ holidays: JSON.stringify(['2027-01-01']) }).where('year', '=', 2026).execute();
    await assert.rejects(store.current(), (e: unknown) => e instanceof InvalidCalendarYearError && /calendar_years row 2026/.test(e.message));
    await store.putYear(2026, { holidays: ['2026-01-01'], workdays: [] });
  });

  it('moves the years of an older deployment, files under <dataDir>/calendar/, into the database once', async () => {
    const sub = mkdtempSync(join(tmpdir(), 'calendar-files-'));
    const fresh = await openDatabase({ kind: 'sqlite', file: join(sub, 'engine.db') });
    try {
      mkdirSync(join(sub, 'calendar'));
      writeFileSync(join(sub, 'calendar', '2028.json'), JSON.stringify({ year: 2028, holidays: ['2028-01-01'], workdays: [], source: 'admin', updatedBy: 'admin-zhou' }));
      const calendar = createCalendarStore(fresh);
      assert.deepEqual(await importCalendarFiles(calendar, fresh, sub), [2028]);
      const y = (await calendar.current()).year(2028)!;
      assert.equal(y.source, 'admin');
      assert.equal(y.updatedBy, 'admin-zhou');
      // Once: the database's year is not replaced by the file again.
      assert.deepEqual(await importCalendarFiles(calendar, fresh, sub), []);
      assert.ok(readFileSync(join(sub, 'calendar', '2028.json'), 'utf8').includes('2028-01-01'));
    } finally {
      await fresh.destroy();
      rmSync(sub, { recursive: true, force: true });
    }
  });
});
