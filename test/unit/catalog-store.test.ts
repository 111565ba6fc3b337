import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogError, DEFAULT_CATALOG_DIR, canonicalJson, contentHash, jsonPath, loadCatalog } from '../../lib/catalog-store';
import { libraryYear } from '../../lib/calendar-store';
import type { CalendarData } from '../../domain/calendar';

/** The library's years alone (no admin year). */
const libraryCalendar = (years: number[]): CalendarData => Object.fromEntries(years.map((y) => [String(y), libraryYear(y)!]));

const REQUIRED_IDS = [
  'dinghu-emergency-major-project',
  'dinghu-energy-saving-equipment',
  'dinghu-generic-drug-consistency',
  'jianghai-major-project',
  'jianghai-rent-subsidy',
  'qianhai-retail-growth',
];

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'catalog-store-'));
});
after(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A copy of the real catalog in a temp dir, with one file edited. */
function copyWith(name: string, edit: (json: any) => unknown): string {
  const dir = mkdtempSync(join(work, 'cat-'));
  cpSync(DEFAULT_CATALOG_DIR, dir, { recursive: true });
  const file = join(dir, name);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const out = edit(json) ?? json;
  writeFileSync(file, typeof out === 'string' ? out : JSON.stringify(out, null, 2));
  return dir;
}

function expectCatalogError(dir: string, file: RegExp, path: string, reason: RegExp): void {
  assert.throws(
    () => loadCatalog(dir),
    (e: unknown) => {
      assert.ok(e instanceof CatalogError, String(e));
      assert.match(e.file, file);
      assert.equal(e.path, path);
      assert.match(e.reason, reason);
      // The message alone is enough for an operator reading a failed start-up.
      assert.ok(e.message.includes(e.file) && e.message.includes(path) && e.message.includes(e.reason), e.message);
      return true;
    },
  );
}

describe('catalog store: the seeded catalog', () => {
  it('loads every required program, validated', () => {
    const store = loadCatalog();
    const ids = store.listPrograms().map((p) => p.id);
    for (const id of REQUIRED_IDS) assert.ok(ids.includes(id), id);
    assert.ok(ids.length >= 8);
    assert.equal(store.getProgram('dinghu-emergency-major-project')!.name, '应急救援产业重大项目固定投资扶持');
    assert.equal(store.getProgram('nope'), undefined);
    assert.equal(store.getProgram('__proto__'), undefined);
  });

  it('lists each program with its support and sign-off settings (GET /programs)', () => {
    const store = loadCatalog();
    for (const summary of store.listPrograms()) {
      const p = store.getProgram(summary.id)!;
      assert.deepEqual([summary.support, summary.rounds, summary.filingWindow], [p.support, p.rounds, p.filingWindow], p.id);
    }
    const warehouse = store.listPrograms().find((p) => p.id === 'qianhai-warehouse-smart-upgrade')!;
    assert.deepEqual([warehouse.support.per, warehouse.support.doubleDipping, warehouse.rounds.signOff, warehouse.filingWindow.kind], ['project', 'refuse', 'batch', 'announced']);
  });

  it('has a version sha256:<16 hex> and a hash per program', () => {
    const store = loadCatalog();
    assert.match(store.version, /^sha256:[0-9a-f]{16}$/);
    for (const p of store.listPrograms()) {
      assert.match(p.hash, /^sha256:[0-9a-f]{16}$/);
      assert.equal(store.programHash(p.id), p.hash);
      assert.equal(p.hash, contentHash(store.getProgram(p.id)));
      assert.match(p.file, new RegExp(`${p.id}\\.json$`));
    }
    assert.equal(store.version, contentHash(store.catalog));
  });

  it('is stable across loads and checks announced windows against the calendar', () => {
    const calendar = libraryCalendar([2025, 2026]);
    assert.equal(loadCatalog(DEFAULT_CATALOG_DIR, { calendar }).version, loadCatalog().version);
  });

  it('hands out frozen data, so no caller can change the rules in memory', () => {
    const p = loadCatalog().getProgram('qianhai-retail-growth')!;
    assert.throws(() => {
      (p.notice as { workingDays: number }).workingDays = 1;
    }, TypeError);
  });
});

describe('catalog store: fingerprints', () => {
  it('canonical JSON sorts keys at every level and ignores formatting', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } }), '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}');
    assert.equal(contentHash({ a: 1, b: 2 }), contentHash({ b: 2, a: 1 }));
    assert.notEqual(contentHash([1, 2]), contentHash([2, 1]));
    // printf '%s' '{"a":1}' | sha256sum → 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862
    assert.equal(contentHash({ a: 1 }), 'sha256:015abd7f5cc57a2d');
  });

  it('changes the version and only the edited program hash when a rule changes', () => {
    const before = loadCatalog();
    const dir = copyWith('qianhai-retail-growth.json', (j) => {
      j.formula.tiers[2].cap = '2500000.00';
    });
    const after = loadCatalog(dir);
    assert.notEqual(after.version, before.version);
    assert.notEqual(after.programHash('qianhai-retail-growth'), before.programHash('qianhai-retail-growth'));
    assert.equal(after.programHash('jianghai-major-project'), before.programHash('jianghai-major-project'));
  });

  it('does not change when only formatting or key order changes', () => {
    const dir = copyWith('jianghai-rent-subsidy.json', (j) => {
      const reordered = Object.fromEntries(Object.entries(j).reverse());
      return JSON.stringify(reordered);
    });
    assert.equal(loadCatalog(dir).version, loadCatalog().version);
  });

  it('formats JSON paths', () => {
    assert.equal(jsonPath(['formula', 'tiers', 1, 'ratePercent']), '$.formula.tiers[1].ratePercent');
    assert.equal(jsonPath([]), '$');
    assert.equal(jsonPath(['a-b']), '$["a-b"]');
  });
});

describe('catalog store: a bad catalog stops start-up naming file, path and reason', () => {
  it('a rate written with a percent sign', () => {
    const dir = copyWith('dinghu-emergency-major-project.json', (j) => {
      j.formula.tiers[1].ratePercent = '8%';
    });
    expectCatalogError(dir, /dinghu-emergency-major-project\.json$/, '$.formula.tiers[1].ratePercent', /non-negative percentage written as a string/);
  });

  it('an amount as a JSON number', () => {
    const dir = copyWith('jianghai-rent-subsidy.json', (j) => {
      j.review.inspection.amount = 1000000;
    });
    expectCatalogError(dir, /jianghai-rent-subsidy\.json$/, '$.review.inspection.amount', /./);
  });

  it('a notice shorter than 5 working days', () => {
    const dir = copyWith('qianhai-retail-growth.json', (j) => {
      j.notice.workingDays = 3;
    });
    expectCatalogError(dir, /qianhai-retail-growth\.json$/, '$.notice.workingDays', /at least 5 working days/);
  });

  it('a misspelt key', () => {
    const dir = copyWith('jianghai-major-project.json', (j) => {
      j.filingWindow.mnth = 9;
    });
    expectCatalogError(dir, /jianghai-major-project\.json$/, '$.filingWindow', /mnth/);
  });

  it('an unknown formula kind', () => {
    const dir = copyWith('jianghai-major-project.json', (j) => {
      j.formula.kind = 'percent-of-everything';
    });
    expectCatalogError(dir, /jianghai-major-project\.json$/, '$.formula.kind', /discriminator|kind/i);
  });

  it('overlapping tiers (a consistency error)', () => {
    const dir = copyWith('dinghu-emergency-major-project.json', (j) => {
      j.formula.tiers[0].basis.upper.inclusive = true;
    });
    expectCatalogError(dir, /dinghu-emergency-major-project\.json$/, '$.formula.tiers[1]', /overlaps tier tier-6pct/);
  });

  it('shares not adding up to 100 %', () => {
    const dir = copyWith('dinghu-energy-saving-equipment.json', (j) => {
      j.disbursement.tranches[0].sharePercent = '31';
    });
    expectCatalogError(dir, /dinghu-energy-saving-equipment\.json$/, '$.disbursement.tranches', /add up to 101 %/);
  });

  it('not JSON at all', () => {
    const dir = copyWith('jianghai-major-project.json', () => '{ "id": ');
    expectCatalogError(dir, /jianghai-major-project\.json$/, '$', /not valid JSON/);
  });

  it('a file whose name is not its program id', () => {
    const dir = copyWith('jianghai-major-project.json', () => undefined);
    renameSync(join(dir, 'jianghai-major-project.json'), join(dir, 'major.json'));
    expectCatalogError(dir, /major\.json$/, '$.id', /must match the file name/);
  });

  it('a listed window shorter than its minimum of 10 working days, when a calendar is given', () => {
    const dir = copyWith('qianhai-retail-growth.json', (j) => {
      j.filingWindow = { ...j.filingWindow, kind: 'dates', windows: [{ round: '2025', opens: '2025-09-29', closes: '2025-10-10' }] };
    });
    const calendar = libraryCalendar([2025]);
    assert.throws(
      () => loadCatalog(dir, { calendar }),
      (e: unknown) =>
        e instanceof CatalogError &&
        e.path === '$.filingWindow.windows' &&
        // 9/29, 9/30 and the make-up Saturday 10/11 lies outside; 10/1–10/8 off; 10/9, 10/10 → 4 working days.
        /has 4 working days, fewer than 10/.test(e.reason),
    );
  });

  it('an announced window without its minimum length, or with listed dates', () => {
    const none = copyWith('qianhai-retail-growth.json', (j) => {
      delete j.filingWindow.minWorkingDays;
    });
    expectCatalogError(none, /qianhai-retail-growth\.json$/, '$.filingWindow.minWorkingDays', /./);
    const listed = copyWith('qianhai-retail-growth.json', (j) => {
      j.filingWindow.windows = [];
    });
    expectCatalogError(listed, /qianhai-retail-growth\.json$/, '$.filingWindow', /windows/);
  });

  it('a program without support or rounds, or with a support of an unknown kind', () => {
    expectCatalogError(copyWith('jianghai-rent-subsidy.json', (j) => void delete j.support), /jianghai-rent-subsidy\.json$/, '$.support', /./);
    expectCatalogError(copyWith('jianghai-rent-subsidy.json', (j) => void delete j.rounds), /jianghai-rent-subsidy\.json$/, '$.rounds', /./);
    const per = copyWith('jianghai-rent-subsidy.json', (j) => {
      j.support.per = 'enterprise';
    });
    expectCatalogError(per, /jianghai-rent-subsidy\.json$/, '$.support.per', /applicant|project|product/);
    const nature = copyWith('jianghai-rent-subsidy.json', (j) => {
      j.support.nature = 'Rent Subsidy';
    });
    expectCatalogError(nature, /jianghai-rent-subsidy\.json$/, '$.support.nature', /kebab-case/);
  });

  it('a per-product program that does not say what the applicant names (a consistency error)', () => {
    const dir = copyWith('dinghu-generic-drug-consistency.json', (j) => {
      delete j.support.projectLabel;
    });
    expectCatalogError(dir, /dinghu-generic-drug-consistency\.json$/, '$.support.projectLabel', /one application per product/);
  });

  it('sign-off settings with neither a citation nor a note (a consistency error)', () => {
    const dir = copyWith('dinghu-rnd-institution.json', (j) => {
      delete j.rounds.note;
    });
    expectCatalogError(dir, /dinghu-rnd-institution\.json$/, '$.rounds.note', /needs a note/);
  });

  it('an empty directory', () => {
    const dir = mkdtempSync(join(work, 'empty-'));
    expectCatalogError(dir, /empty-/, '$', /no \*\.json program files/);
  });
});
