import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Actor } from '../../domain/roles';
import { createDishonestyStore, DISHONESTY_LIST_FILE, DishonestyInputError, importDishonestyFile, NotListedError } from '../../lib/dishonesty-store';
import { twoConnectionsPerTest } from '../helpers/two-connections';

const admin: Actor = { id: 'admin-1', role: 'admin', name: '王管理' };
const otherAdmin: Actor = { id: 'admin-2', role: 'admin', name: '李管理' };
const LISTED = '91350100M000100Y43';
const CLEAN = '91110000600037341L';
const at = (iso: string) => () => new Date(iso);

/** Two connections to one database, as two processes have. */
const conn = twoConnectionsPerTest('dishonesty-store-');

describe('dishonesty store', () => {
  it('lists a code: normalised, stored with who and when, seen at once through the other connection', async () => {
    const { entry, change } = await createDishonestyStore(conn.db, { now: at('2026-03-02T01:00:00Z') }).put(` ${LISTED.toLowerCase()} `, { name: '示例有限公司', listedOn: '2025-11-03', authority: '福建省发改委', reason: '虚报冒领' }, admin);
    assert.equal(change, 'listed');
    assert.deepEqual(entry, {
      creditCode: LISTED, name: '示例有限公司', listedOn: '2025-11-03', authority: '福建省发改委', reason: '虚报冒领',
      addedAt: '2026-03-02T01:00:00.000Z', addedBy: admin,
    });
    const other = createDishonestyStore(conn.otherDb);
    assert.deepEqual(await other.lookup(LISTED), entry);
    assert.equal(await other.lookup(CLEAN), undefined);
    assert.deepEqual((await other.list()).map((e) => e.creditCode), [LISTED]);
  });

  it('refuses a bad credit code or date, naming the field', async () => {
    const store = createDishonestyStore(conn.db);
    await assert.rejects(store.put('91350100M000100Y44', {}, admin), (err: unknown) => err instanceof DishonestyInputError && err.field === 'creditCode' && /check character/.test(err.reason));
    await assert.rejects(store.put(LISTED, { listedOn: '2025-02-30' }, admin), (err: unknown) => err instanceof DishonestyInputError && err.field === 'listedOn');
    assert.deepEqual(await store.list({ includeRemoved: true }), []);
  });

  it('removes with a reason, keeping the entry and the whole history for the audit; listing again brings it back', async () => {
    await createDishonestyStore(conn.db, { now: at('2026-03-02T01:00:00Z') }).put(LISTED, { reason: '虚报冒领' }, admin);
    await createDishonestyStore(conn.otherDb, { now: at('2026-03-03T01:00:00Z') }).put(LISTED, { reason: '虚报冒领（更正）' }, admin);
    const removed = await createDishonestyStore(conn.otherDb, { now: at('2026-04-01T01:00:00Z') }).remove(LISTED, '信用修复完成', otherAdmin);
    assert.equal(removed.removedAt, '2026-04-01T01:00:00.000Z');
    assert.deepEqual(removed.removedBy, otherAdmin);
    assert.equal(removed.removalReason, '信用修复完成');

    const store = createDishonestyStore(conn.db, { now: at('2026-05-01T01:00:00Z') });
    assert.equal(await store.lookup(LISTED), undefined, 'a removed code is not listed');
    assert.deepEqual(await store.list(), []);
    assert.deepEqual((await store.list({ includeRemoved: true })).map((e) => e.creditCode), [LISTED]);
    await assert.rejects(store.remove(LISTED, 'again', admin), (err: unknown) => err instanceof NotListedError && /removed at 2026-04-01T01:00:00.000Z by admin-2/.test(err.message));
    await assert.rejects(store.remove(CLEAN, 'never', admin), NotListedError);

    const relisted = await store.put(LISTED, { reason: '再次失信' }, admin);
    assert.equal(relisted.change, 'listed');
    assert.equal(relisted.entry.removedAt, undefined);
    const { history } = (await store.get(LISTED))!;
    assert.deepEqual(history.map((h) => [h.change, h.at, h.by?.id, h.reason ?? h.entry?.reason]), [
      ['listed', '2026-03-02T01:00:00.000Z', 'admin-1', '虚报冒领'],
      ['updated', '2026-03-03T01:00:00.000Z', 'admin-1', '虚报冒领（更正）'],
      ['removed', '2026-04-01T01:00:00.000Z', 'admin-2', '信用修复完成'],
      ['listed', '2026-05-01T01:00:00.000Z', 'admin-1', '再次失信'],
    ]);
  });

  it('pages the list by credit code', async () => {
    const store = createDishonestyStore(conn.db);
    for (const code of [LISTED, CLEAN]) await store.put(code, {}, admin);
    const first = await store.list({ limit: 1 });
    assert.deepEqual(first.map((e) => e.creditCode), [CLEAN]);
    assert.deepEqual((await store.list({ after: first[0]!.creditCode })).map((e) => e.creditCode), [LISTED]);
  });

  it('moves the list of an older deployment, <dataDir>/dishonesty-list.json, into the database once, leaving what an admin did since', async () => {
    writeFileSync(join(conn.dir, DISHONESTY_LIST_FILE), JSON.stringify({ entries: [{ creditCode: LISTED.toLowerCase(), name: '示例', reason: '虚报冒领' }, { creditCode: CLEAN }] }));
    // An admin removed CLEAN before the file was moved (another API started first, then this).
    const store = createDishonestyStore(conn.db);
    await store.put(CLEAN, {}, admin);
    await store.remove(CLEAN, '误列', admin);
    assert.deepEqual(await importDishonestyFile(conn.db, conn.dir, at('2026-03-02T01:00:00Z')), [LISTED]);
    assert.deepEqual(await importDishonestyFile(conn.otherDb, conn.dir), [], 'a second start moves nothing');
    assert.deepEqual((await store.list()).map((e) => [e.creditCode, e.name, e.addedAt]), [[LISTED, '示例', '2026-03-02T01:00:00.000Z']]);
    assert.equal((await store.get(LISTED))!.history[0]!.change, 'imported');
    assert.equal(await store.lookup(CLEAN), undefined, 'the removal stands');
  });

  it('refuses to start from a malformed file, naming the file, the entry and the problem', async () => {
    const path = join(conn.dir, DISHONESTY_LIST_FILE);
    writeFileSync(path, JSON.stringify({ entries: [{ creditCode: LISTED }, { creditCode: LISTED, listedOn: '2025-02-30' }] }));
    await assert.rejects(importDishonestyFile(conn.db, conn.dir), (err: unknown) => err instanceof Error && err.message.includes(path) && /entries\[1\]\.listedOn is not a real calendar date/.test(err.message));
    writeFileSync(path, '{"entries": [');
    await assert.rejects(importDishonestyFile(conn.db, conn.dir), /not valid JSON/);
    assert.deepEqual(await createDishonestyStore(conn.db).list(), [], 'nothing moved from a bad file');
    assert.deepEqual(await importDishonestyFile(conn.db, join(conn.dir, 'nowhere')), [], 'no file, nothing to move');
  });
});
