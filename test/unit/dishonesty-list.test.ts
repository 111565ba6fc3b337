import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDatabaseDishonestyList, createHttpDishonestyList, DATABASE_SOURCE } from '../../activities/dishonesty-list';
import { type EngineDatabase, openDatabase } from '../../lib/database';
import { createDishonestyStore } from '../../lib/dishonesty-store';
import { verifyWebhookSignature } from '../../activities/webhook';
import { tempDir } from '../helpers/temporal';

const LISTED = '91350100M000100Y43';
const CLEAN = '91110000600037341L';

const entry = {
  creditCode: LISTED,
  name: '示例应急装备有限公司',
  listedOn: '2025-11-03',
  authority: '福建省发展和改革委员会',
  reason: '虚报冒领财政资金',
};

describe('dishonesty list: the engine database', () => {
  let dir: string;
  let db: EngineDatabase;
  /** A second connection to the same file, as the worker has beside the API. */
  let workerDb: EngineDatabase;
  before(async () => {
    dir = tempDir('dishonesty');
    db = await openDatabase({ kind: 'sqlite', file: join(dir, 'engine.db') });
    workerDb = await openDatabase({ kind: 'sqlite', file: join(dir, 'engine.db') });
  });
  after(async () => {
    await db.destroy();
    await workerDb.destroy();
  });

  it('when a code is not on the list, then it is not listed and the source names the table', async () => {
    const found = await createDatabaseDishonestyList(createDishonestyStore(workerDb)).lookup(CLEAN);
    assert.deepEqual(found, { listed: false, source: DATABASE_SOURCE });
    assert.equal(DATABASE_SOURCE, 'database:dishonesty_list');
  });

  it('when an admin lists a code, then the next lookup on another connection finds it with its entry; once removed, it is not listed', async () => {
    const admin = { id: 'admin-1', role: 'admin' as const, name: '王管理' };
    const store = createDishonestyStore(db, { now: () => new Date('2026-03-02T01:00:00Z') });
    const list = createDatabaseDishonestyList(createDishonestyStore(workerDb));
    const { creditCode: _code, ...fields } = entry;
    await store.put(LISTED, fields, admin);
    const found = await list.lookup(LISTED.toLowerCase());
    assert.deepEqual(found, { listed: true, source: DATABASE_SOURCE, entry: { ...entry, addedAt: '2026-03-02T01:00:00.000Z' } });
    assert.equal((await list.lookup(CLEAN)).listed, false);
    await store.remove(LISTED, '信用修复完成', admin);
    assert.deepEqual(await list.lookup(LISTED), { listed: false, source: DATABASE_SOURCE });
  });
});

describe('dishonesty list: HTTP service', () => {
  const SECRET = 'list-secret-0123456789';
  let server: Server;
  let base: string;
  let requests: Array<{ url: string; headers: IncomingHttpHeaders }>;
  let answer: (res: ServerResponse, creditCode: string | null) => void;

  before(async () => {
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', headers: req.headers });
      answer(res, new URL(req.url ?? '/', 'http://x').searchParams.get('creditCode'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lookup`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests = [];
    // The service the engine expects: listed codes answer 200 with the entry, others 404.
    answer = (res, code) =>
      code === LISTED
        ? res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ listed: true, entry }))
        : res.writeHead(404).end();
  });

  it('when the code is listed, then it is found with its entry, and the signed query verifies', async () => {
    const found = await createHttpDishonestyList({ url: base, secret: SECRET }).lookup(LISTED);
    assert.deepEqual(found, { listed: true, source: base, entry });
    const { url, headers } = requests[0]!;
    assert.equal(url, `/lookup?creditCode=${LISTED}`);
    const query = url.slice(url.indexOf('?') + 1);
    const timestamp = headers['x-subsidy-timestamp'] as string;
    const signature = headers['x-subsidy-signature'] as string;
    assert.equal(verifyWebhookSignature(SECRET, timestamp, query, signature, 300), true);
    assert.equal(verifyWebhookSignature(SECRET, timestamp, `creditCode=${CLEAN}`, signature, 300), false);
  });

  it('when the service answers 404, then the code is not listed', async () => {
    const found = await createHttpDishonestyList({ url: base }).lookup(CLEAN);
    assert.deepEqual(found, { listed: false, source: base });
    assert.equal(requests[0]!.headers['x-subsidy-signature'], undefined, 'unsigned without a secret');
  });

  it('when the service answers 200 {listed: false}, then the code is not listed', async () => {
    answer = (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"listed":false}');
    assert.deepEqual(await createHttpDishonestyList({ url: base }).lookup(CLEAN), { listed: false, source: base });
  });

  it('when the service answers 500, then the lookup fails (retryably) naming the status', async () => {
    answer = (res) => res.writeHead(500).end('database down');
    await assert.rejects(createHttpDishonestyList({ url: base }).lookup(LISTED), /answered 500: database down/);
  });

  it('when the service answers something that is not the expected JSON, then the lookup fails naming the URL', async () => {
    answer = (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>');
    await assert.rejects(createHttpDishonestyList({ url: base }).lookup(LISTED), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(err.message.includes(base));
      assert.match(err.message, /not \{"listed": boolean/);
      return true;
    });
  });

  // The runner's timeout turns a hang into a failure; the message names the timeout that fired.
  it('when the service does not answer in time, then the lookup fails naming the timeout', { timeout: 20_000 }, async () => {
    answer = () => undefined;
    await assert.rejects(createHttpDishonestyList({ url: base, timeoutMs: 200 }).lookup(LISTED), /did not answer within 200 ms/);
  });
});
