import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createFileDishonestyList, createHttpDishonestyList } from '../../activities/dishonesty-list';
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

describe('dishonesty list: file', () => {
  it('when the file is absent, then nobody is listed and the source says the list was empty', async () => {
    const path = join(tempDir('dishonesty'), 'dishonesty-list.json');
    const found = await createFileDishonestyList(path).lookup(LISTED);
    assert.deepEqual(found, { listed: false, source: `file:${path} (absent: empty list)` });
  });

  it('when a code is on the list, then it is found with its entry; another code is not', async () => {
    const path = join(tempDir('dishonesty'), 'dishonesty-list.json');
    writeFileSync(path, JSON.stringify({ entries: [entry] }));
    const list = createFileDishonestyList(path);
    const found = await list.lookup(LISTED);
    assert.equal(found.listed, true);
    assert.deepEqual(found.entry, entry);
    assert.match(found.source, new RegExp(`^file:${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(sha256:[0-9a-f]{16}\\)$`));
    const other = await list.lookup(CLEAN);
    assert.equal(other.listed, false);
    assert.equal(other.entry, undefined);
  });

  it('when staff edit the file, then the next lookup sees the edit', async () => {
    const path = join(tempDir('dishonesty'), 'dishonesty-list.json');
    const list = createFileDishonestyList(path);
    writeFileSync(path, JSON.stringify({ entries: [] }));
    const before = await list.lookup(LISTED);
    assert.equal(before.listed, false);
    writeFileSync(path, JSON.stringify({ entries: [{ creditCode: LISTED.toLowerCase() }] }));
    const afterEdit = await list.lookup(LISTED);
    assert.equal(afterEdit.listed, true);
    assert.notEqual(afterEdit.source, before.source, 'the source identifies the version consulted');
  });

  it('when the file is not JSON, then the lookup fails naming the file', async () => {
    const path = join(tempDir('dishonesty'), 'dishonesty-list.json');
    writeFileSync(path, '{"entries": [');
    await assert.rejects(createFileDishonestyList(path).lookup(LISTED), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(err.message.includes(path));
      assert.match(err.message, /not valid JSON/);
      return true;
    });
  });

  it('when an entry is wrong, then the lookup fails naming the file, the entry and the problem', async () => {
    const path = join(tempDir('dishonesty'), 'dishonesty-list.json');
    writeFileSync(path, JSON.stringify({ entries: [entry, { creditCode: '91350100M000100Y44', listedOn: '2025-02-30' }] }));
    await assert.rejects(createFileDishonestyList(path).lookup(CLEAN), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(err.message.includes(path));
      assert.match(err.message, /entries\[1\]\.creditCode is not a credit code: check character/);
      assert.match(err.message, /entries\[1\]\.listedOn is not a real calendar date/);
      return true;
    });
    writeFileSync(path, JSON.stringify([entry]));
    await assert.rejects(createFileDishonestyList(path).lookup(CLEAN), /malformed: \(top level\) must be an object \{"entries"/);
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
