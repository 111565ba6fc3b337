import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createWebhookAdapter, redactUrl, signPayload, verifyWebhookSignature, WEBHOOK_REJECTED } from '../../activities/webhook';

const SECRET = 'test-secret-0123456789abcdef';

/** A real receiver on a free port: records each request and answers as `answer` says. */
interface Received {
  method: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}
let server: Server;
let base: string;
let received: Received[];
let answer: (res: ServerResponse) => void;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answer = (res) => res.writeHead(204).end();
});

const message = {
  type: 'payment-instruction',
  applicationId: 'dinghu-emergency-major-project.2026.91350100M000100Y43',
  idempotencyKey: 'dinghu-emergency-major-project.2026.91350100M000100Y43:tranche:1:payment-instruction',
  tranche: 1,
  amount: '12000000.00',
  payee: { creditCode: '91350100M000100Y43', name: '示例应急装备有限公司' },
};

const adapter = (options: { timeoutMs?: number; secret?: string } = {}) =>
  createWebhookAdapter({ url: `${base}/effects`, secret: options.secret ?? SECRET, timeoutMs: options.timeoutMs ?? 2000 });

describe('effects webhook: the request', () => {
  it('when a message is delivered, then the body is exactly its JSON, with the idempotency key and a signature the receiver can verify', async () => {
    const receipt = await adapter().deliver(message);
    assert.equal(receipt.delivered, true);
    assert.ok(!Number.isNaN(Date.parse(receipt.at)));

    assert.equal(received.length, 1);
    const got = received[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.body, JSON.stringify(message));
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['idempotency-key'], message.idempotencyKey);
    const timestamp = got.headers['x-subsidy-timestamp'] as string;
    const signature = got.headers['x-subsidy-signature'] as string;
    assert.match(timestamp, /^[0-9]+$/);
    assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60);
    assert.match(signature, /^sha256=[0-9a-f]{64}$/);
    assert.equal(verifyWebhookSignature(SECRET, timestamp, got.body, signature, 300), true);
    // The secret itself never travels.
    assert.equal(JSON.stringify(got).includes(SECRET), false);
  });

  it('when the secret is wrong, the body tampered with or the timestamp changed, then the signature does not verify', async () => {
    await adapter().deliver(message);
    const { headers, body } = received[0]!;
    const timestamp = headers['x-subsidy-timestamp'] as string;
    const signature = headers['x-subsidy-signature'] as string;
    assert.equal(verifyWebhookSignature('another-secret-0123456789', timestamp, body, signature, 300), false);
    assert.equal(verifyWebhookSignature(SECRET, timestamp, body.replace('12000000.00', '92000000.00'), signature, 300), false);
    assert.equal(verifyWebhookSignature(SECRET, String(Number(timestamp) + 1), body, signature, 300), false);
    assert.equal(verifyWebhookSignature(SECRET, timestamp, body, signature.slice(0, -1), 300), false);
    assert.equal(verifyWebhookSignature(SECRET, timestamp, body, undefined, 300), false);
    assert.equal(verifyWebhookSignature(SECRET, 'yesterday', body, signature, 300), false);
  });

  it('when a signed request is replayed later than the tolerance, then it does not verify', () => {
    const sent = new Date('2026-09-01T02:00:00Z');
    const ts = Math.floor(sent.getTime() / 1000);
    const body = JSON.stringify(message);
    const signature = signPayload(SECRET, ts, body);
    assert.equal(verifyWebhookSignature(SECRET, ts, body, signature, 300, new Date(sent.getTime() + 299_000)), true);
    assert.equal(verifyWebhookSignature(SECRET, ts, body, signature, 300, new Date(sent.getTime() + 301_000)), false);
    assert.equal(verifyWebhookSignature(SECRET, ts, Buffer.from(body, 'utf8'), signature, 300, sent), true);
  });

  it('when the idempotency key cannot be a header value, then delivery is refused without sending', async () => {
    await assert.rejects(adapter().deliver({ ...message, idempotencyKey: '公示:1' }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.type, 'InvalidInput');
      return true;
    });
    assert.equal(received.length, 0);
  });
});

describe('effects webhook: the answer', () => {
  it('when the receiver answers 200, then the message is delivered', async () => {
    answer = (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    assert.equal((await adapter().deliver(message)).delivered, true);
  });

  it('when the receiver answers 409 (it already has the key), then the message counts as delivered before', async () => {
    answer = (res) => res.writeHead(409).end('duplicate idempotency key');
    const receipt = await adapter().deliver(message);
    assert.equal(receipt.delivered, false);
    assert.ok(!Number.isNaN(Date.parse(receipt.at)));
  });

  it('when the receiver answers 400, then a non-retryable WebhookRejected names the status and the body', async () => {
    answer = (res) => res.writeHead(400, { 'Content-Type': 'application/json' }).end(`{"error":"payee account missing ${'x'.repeat(500)}"}`);
    await assert.rejects(adapter().deliver(message), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.type, WEBHOOK_REJECTED);
      assert.match(err.message, /answered 400/);
      assert.match(err.message, /payee account missing/);
      assert.ok(err.message.length < 600, 'the body is cut to an excerpt');
      assert.equal(err.message.includes(SECRET), false);
      return true;
    });
  });

  it('when the receiver answers 500 or 429, then the error is retryable', async () => {
    for (const status of [500, 503, 429]) {
      answer = (res) => res.writeHead(status).end('try later');
      await assert.rejects(adapter().deliver(message), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal(err instanceof ApplicationFailure && err.nonRetryable, false, `status ${status} must be retryable`);
        assert.match(err.message, new RegExp(`answered ${status}`));
        return true;
      });
    }
  });

  // The runner's timeout turns a hang into a failure; the message names the timeout that fired.
  it('when the receiver does not answer within the timeout, then the error is retryable and names the timeout', { timeout: 20_000 }, async () => {
    answer = () => undefined; // never answers
    await assert.rejects(adapter({ timeoutMs: 300 }).deliver(message), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal(err instanceof ApplicationFailure, false);
      assert.match(err.message, /did not answer within 300 ms/);
      return true;
    });
  });

  it('when nothing listens at the address, then the error is retryable and says why', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const webhook = createWebhookAdapter({ url: `http://127.0.0.1:${port}/effects`, secret: SECRET });
    await assert.rejects(webhook.deliver(message), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.equal(err instanceof ApplicationFailure, false);
      assert.match(err.message, /unreachable: ECONNREFUSED/);
      return true;
    });
  });
});

describe('effects webhook: URLs in messages', () => {
  it('when a URL carries credentials or a query, then messages show neither', () => {
    assert.equal(redactUrl('https://user:pw@gw.example.gov.cn/hook?token=abc#x'), 'https://gw.example.gov.cn/hook');
  });
});
