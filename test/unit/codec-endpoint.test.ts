/**
 * The remote codec of the Temporal Web UI (api/codec-routes.ts) over HTTP, on the real Express
 * app: the protocol (`{payloads}` in base64, both ways), who may call it (staff and auditors;
 * applicant systems 403; no credential 401), the browser's preflight from the UI's origin only,
 * `X-Namespace`, and a payload it cannot read (422 naming the key id). The real engine's codec
 * endpoint is exercised end to end in test/e2e/encryption.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { openApiDocument } from '../../api/openapi';
import type { Role } from '../../domain/roles';
import { startApp, type RunningApp } from '../helpers/app';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../lib/payload-codec';
import { readKeyFile } from '../../lib/codec-keys';
import { testDataConverter, TEST_ONLY_PAYLOAD_KEYS_FILE } from '../helpers/temporal';

const UI = 'http://127.0.0.1:8233';
const codec = new AesGcmPayloadCodec(readKeyFile(TEST_ONLY_PAYLOAD_KEYS_FILE));

type Wire = { metadata: Record<string, string>; data: string };
const toWire = (p: Payload): Wire => ({
  metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data!).toString('base64'),
});
const fromWire = (w: Wire): Payload => ({
  metadata: Object.fromEntries(Object.entries(w.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(w.data, 'base64')),
});

describe('codec endpoint for the Temporal Web UI', () => {
  let app: RunningApp;
  let base: string;
  let keys: Record<Role, string>;

  before(async () => {
    // Nothing is called on Temporal: the app's lazy connection never dials.
    app = await startApp({ dataConverter: testDataConverter(), webUiUrl: UI });
    base = app.base;
    keys = app.keys;
  });
  after(async () => app.close());

  const call = (path: string, options: { role?: Role; body?: unknown; headers?: Record<string, string>; method?: string } = {}) =>
    fetch(`${base}${path}`, {
      method: options.method ?? 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Namespace': 'default',
        Origin: UI,
        ...(options.role ? { 'X-Api-Key': keys[options.role] } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });

  it('when an auditor posts encrypted payloads to /codec/decode, then they come back as the engine wrote them, with CORS for the UI', async () => {
    const original = defaultPayloadConverter.toPayload({ applicant: { name: '鼎湖解码测试有限公司' } })!;
    const plain = defaultPayloadConverter.toPayload('json, not encrypted')!;
    const [encrypted] = await codec.encode([original]);
    for (const role of ['auditor', 'reviewer', 'finance-officer'] as const) {
      const res = await call('/codec/decode', { role, body: { payloads: [toWire(encrypted!), toWire(plain)] } });
      assert.equal(res.status, 200, role);
      assert.equal(res.headers.get('access-control-allow-origin'), UI);
      const body = (await res.json()) as { payloads: Wire[] };
      assert.deepEqual(defaultPayloadConverter.fromPayload(fromWire(body.payloads[0]!)), { applicant: { name: '鼎湖解码测试有限公司' } });
      assert.equal(defaultPayloadConverter.fromPayload(fromWire(body.payloads[1]!)), 'json, not encrypted');
    }
  });

  it('when a payload is sent to /codec/encode, then it comes back encrypted under the current key and decodes again', async () => {
    const res = await call('/codec/encode', { role: 'auditor', body: { payloads: [toWire(defaultPayloadConverter.toPayload({ n: 1 })!)] } });
    assert.equal(res.status, 200);
    const [wire] = ((await res.json()) as { payloads: Wire[] }).payloads;
    const encrypted = fromWire(wire!);
    assert.equal(new TextDecoder().decode(encrypted.metadata!.encoding!), ENCRYPTED_ENCODING);
    assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([encrypted]))[0]!), { n: 1 });
  });

  it('when an applicant system or nobody calls, then 403 or 401, and nothing is decoded', async () => {
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('secret')!]);
    const body = { payloads: [toWire(encrypted!)] };
    const applicant = await call('/codec/decode', { role: 'applicant-system', body });
    assert.equal(applicant.status, 403);
    assert.doesNotMatch(await applicant.text(), /secret/);
    assert.equal((await call('/codec/decode', { body })).status, 401);
    assert.equal((await call('/codec/encode', { role: 'applicant-system', body })).status, 403);
  });

  it("when the browser sends its preflight from the UI's origin, then it is allowed without a credential; from another origin, refused", async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/codec/decode`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace,authorization' },
      });
    for (const origin of [UI, 'http://localhost:8233']) {
      const ok = await preflight(origin);
      assert.equal(ok.status, 204, origin);
      assert.equal(ok.headers.get('access-control-allow-origin'), origin);
      assert.equal(ok.headers.get('access-control-allow-credentials'), 'true');
      assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
      for (const h of ['content-type', 'x-namespace', 'authorization']) assert.match((ok.headers.get('access-control-allow-headers') ?? '').toLowerCase(), new RegExp(h));
    }
    const evil = await preflight('https://evil.example');
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const answer = await call('/codec/decode', { role: 'auditor', body: { payloads: [] }, headers: { Origin: 'https://evil.example' } });
    assert.equal(answer.headers.get('access-control-allow-origin'), null, 'no CORS grant for another origin');
  });

  it('the OpenAPI document publishes both routes: for the readers of the audit trail, with their 400 and 422', () => {
    const paths = (openApiDocument({}) as { paths: Record<string, Record<string, { 'x-roles': string[]; responses: Record<string, unknown>; requestBody?: unknown }>> }).paths;
    for (const path of ['/codec/decode', '/codec/encode']) {
      const op = paths[path]?.post;
      assert.ok(op, path);
      assert.ok(!op['x-roles'].includes('applicant-system') && op['x-roles'].includes('auditor'), path);
      for (const status of ['200', '400', '401', '403', '422']) assert.ok(op.responses[status], `${path} ${status}`);
      assert.ok(op.requestBody, path);
    }
  });

  it('when X-Namespace names another namespace, the body is not payloads, or a payload cannot be read, then 400 or 422 saying why', async () => {
    const other = await call('/codec/decode', { role: 'auditor', body: { payloads: [] }, headers: { 'X-Namespace': 'elsewhere' } });
    assert.equal(other.status, 400);
    assert.match(((await other.json()) as { detail: string }).detail, /serves namespace default, not elsewhere/);
    assert.equal((await call('/codec/decode', { role: 'auditor', body: { payloads: [{ data: 'not base64!' }] } })).status, 400);
    const foreign = new AesGcmPayloadCodec({ encryptWith: 'retired-2024', keys: new Map([['retired-2024', new Uint8Array(randomBytes(32))]]) });
    const [unknown] = await foreign.encode([defaultPayloadConverter.toPayload('x')!]);
    const refused = await call('/codec/decode', { role: 'auditor', body: { payloads: [toWire(unknown!)] } });
    assert.equal(refused.status, 422);
    assert.match(((await refused.json()) as { detail: string }).detail, /key id "retired-2024"/);
  });
});
