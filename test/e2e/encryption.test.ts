/**
 * Encrypted payloads end to end (issue 14), on `npm start` itself: an application filed with a
 * distinctive applicant name, the dev server's SQLite files read byte by byte for that name (as
 * UTF-8 and as JSON \u escapes) and not finding it, while the API still shows it; search
 * attributes and memo without it; and the codec endpoint the Web UI is pointed at decrypting a
 * stored payload for an auditor and refusing an applicant system. Then a key rotation across two
 * starts on configured keys.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../lib/payload-codec';
import { provisionTemporal } from '../../lib/provision';
import { creditCode } from '../helpers/fixtures';
import { http, type RunningEngine, startEngine } from '../helpers/engine';
import { callOn, openRound } from '../helpers/rounds';
import { tempDir } from '../helpers/temporal';

// Names no other test uses, so finding one in the database can only mean this test's payloads.
const NAME = '鼎湖密文验证装备制造有限公司';
const REASON = '资格初审通过：密文验证专用理由';
const PROJECT_NAME = '鼎湖密文验证重大产业项目';
const PROGRAM = 'dinghu-emergency-major-project';

/** The filing of `code` into the round the admin opened (the program awards per project). */
async function filingInto(engine: RunningEngine, code: string) {
  const round = await openRound(callOn(engine), PROGRAM);
  return { programId: PROGRAM, roundId: round.id, applicant: { creditCode: code, name: NAME }, project: { code: `XM-${code}`, name: PROJECT_NAME }, facts: { fixedInvestment: '1200000000.00' } };
}

/** The forms a text may take in stored bytes: UTF-8, and JSON escapes (either case of hex digits). */
function formsOf(textValue: string): Buffer[] {
  const escaped = [...textValue].map((c) => (c.charCodeAt(0) > 0x7f ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c)).join('');
  return [Buffer.from(textValue, 'utf8'), Buffer.from(escaped, 'latin1'), Buffer.from(escaped.toUpperCase().replace(/\\U/g, '\\u'), 'latin1')];
}

const contains = (bytes: Buffer, textValue: string) => formsOf(textValue).some((form) => bytes.includes(form));

/** The dev server's database as it is on disk: the main file and its write-ahead log. */
function databaseBytes(dataDir: string): Buffer {
  const db = join(dataDir, 'temporal', 'temporal.db');
  return Buffer.concat([db, `${db}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

const wire = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

describe('encrypted payloads on the dev server (npm start)', () => {
  let engine: RunningEngine;
  let connection: Connection;
  let raw: Client;
  const dataDir = tempDir('e2e-encryption');
  const code = creditCode(4141);
  let id: string;

  before(async () => {
    engine = await startEngine(dataDir);
    connection = await Connection.connect({ address: `127.0.0.1:${engine.ports.temporal}` });
    // Without the codec: Temporal's view, as anyone with access to the service has it.
    raw = new Client({ connection });
    const filed = await http(engine, 'POST', '/applications', {
      role: 'applicant-system',
      headers: { 'Idempotency-Key': `encryption-filing-${code}` },
      body: await filingInto(engine, code),
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    id = filed.body.id;
    const recorded = await http(engine, 'POST', `/applications/${id}/preliminary-record`, {
      role: 'intake-officer',
      headers: { 'Idempotency-Key': `encryption-pr-${code}` },
      body: { decision: 'pass', reason: REASON },
    });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
  });

  after(async () => {
    await connection?.close();
    if (engine?.process.exitCode === null) assert.equal(await engine.interrupt(), 0);
  });

  it('when started without keys, then a development key is made once in the data folder (0600) and the banner says so', () => {
    assert.match(engine.output(), /Payloads: +encrypted \(AES-256-GCM\) with development key dev-\d{4}-\d{2}-\d{2}, created just now in .*payload-keys\.json/);
    assert.match(engine.output(), new RegExp(`Codec endpoint: +${engine.apiUrl}/codec`));
    assert.equal(statSync(join(dataDir, 'payload-keys.json')).mode & 0o777, 0o600);
  });

  it("when the dev server's SQLite files are read, then the applicant's and project's names and the reason are not there, though the credit code is", () => {
    const bytes = databaseBytes(dataDir);
    // The check can fail: what Temporal keeps in clear by design (the workflow id) is found.
    assert.ok(bytes.includes(Buffer.from(code)), 'the database files hold this application (its id)');
    // Also in the round and project workflows the filing reached.
    assert.ok(!contains(bytes, NAME), "the applicant's name is readable in the database");
    assert.ok(!contains(bytes, PROJECT_NAME), "the project's name is readable in the database");
    assert.ok(!contains(bytes, REASON), 'the reason is readable in the database');
  });

  it('when the application is read through the API, then the name and the audit trail are there, decrypted', async () => {
    const got = await http(engine, 'GET', `/applications/${id}`, { role: 'auditor' });
    assert.equal(got.status, 200);
    assert.equal(got.body.applicant.name, NAME);
    const trail = await http(engine, 'GET', `/applications/${id}/history`, { role: 'auditor' });
    assert.equal(trail.status, 200);
    assert.ok(JSON.stringify(trail.body).includes(REASON), 'the audit trail shows the reason');
    const rawHistory = await http(engine, 'GET', `/applications/${id}/history?format=raw`, { role: 'auditor' });
    assert.equal(rawHistory.status, 200);
    assert.ok(!JSON.stringify(rawHistory.body).includes('YmluYXJ5L2VuY3J5cHRlZA'), 'the raw history is served decrypted (no binary/encrypted marker)');
  });

  it('when Temporal describes the workflow, then its search attributes and memo hold no name; the memo and the input are ciphertext', async () => {
    // The service's own answer (the client's describe() would try to decode the memo, and cannot).
    const description = await connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId: id } });
    const info = description.workflowExecutionInfo!;
    const indexed = Object.values(info.searchAttributes?.indexedFields ?? {});
    assert.ok(indexed.length >= 5, 'the search attributes are there');
    for (const p of indexed) assert.ok(!contains(Buffer.from(p.data ?? []), NAME), 'a search attribute carries the name');
    const memo = Object.values(info.memo?.fields ?? {});
    assert.ok(memo.length > 0, 'the filing is remembered in the memo');
    for (const p of memo) {
      assert.equal(new TextDecoder().decode(p.metadata!.encoding!), ENCRYPTED_ENCODING);
      assert.ok(!contains(Buffer.from(p.data ?? []), NAME));
    }
    const history = await raw.workflow.getHandle(id).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    assert.equal(new TextDecoder().decode(input.metadata!.encoding!), ENCRYPTED_ENCODING);
  });

  it('when the Web UI codec endpoint gets a stored payload, then it decrypts for an auditor and refuses an applicant system', async () => {
    const history = await raw.workflow.getHandle(id).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    const headers = { 'X-Namespace': 'default', Origin: engine.uiUrl };
    const decoded = await http(engine, 'POST', '/codec/decode', { role: 'auditor', headers, body: { payloads: [wire(input)] } });
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
    assert.equal(decoded.headers.get('access-control-allow-origin'), engine.uiUrl);
    const [p] = decoded.body.payloads as Array<{ metadata: Record<string, string>; data: string }>;
    const value = defaultPayloadConverter.fromPayload({
      metadata: Object.fromEntries(Object.entries(p!.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
      data: new Uint8Array(Buffer.from(p!.data, 'base64')),
    }) as { applicant: { name: string } };
    assert.equal(value.applicant.name, NAME);
    const refused = await http(engine, 'POST', '/codec/decode', { role: 'applicant-system', headers, body: { payloads: [wire(input)] } });
    assert.equal(refused.status, 403);
    assert.ok(!JSON.stringify(refused.body).includes(NAME));
  });

  it("when the Temporal CLI shows the history through the codec endpoint with an auditor's key, then the input reads in clear", () => {
    const show = (extra: string[]) =>
      spawnSync(provisionTemporal().cli, ['workflow', 'show', '-w', id, '--address', `127.0.0.1:${engine.ports.temporal}`, '--output', 'json', ...extra], { encoding: 'utf8', timeout: 30_000 });
    const inputOf = (stdout: string) => {
      const p = JSON.parse(stdout).events[0].workflowExecutionStartedEventAttributes.input.payloads[0] as { metadata: Record<string, string>; data: string };
      return { encoding: Buffer.from(p.metadata.encoding!, 'base64').toString(), text: Buffer.from(p.data, 'base64').toString('utf8') };
    };
    const without = inputOf(show([]).stdout);
    assert.equal(without.encoding, ENCRYPTED_ENCODING);
    assert.ok(!without.text.includes(NAME));
    const through = show(['--codec-endpoint', `${engine.apiUrl}/codec`, '--codec-header', `X-Api-Key=${engine.keys.auditor}`]);
    assert.equal(through.status, 0, through.stderr);
    const decoded = inputOf(through.stdout);
    assert.equal(decoded.encoding, 'json/plain');
    assert.ok(decoded.text.includes(NAME));
  });

  it('when the Web UI asks for its settings, then its codec endpoint is the API', async () => {
    const settings = (await (await fetch(`${engine.uiUrl}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    assert.equal(settings.Codec?.Endpoint, `${engine.apiUrl}/codec`);
  });
});

describe('key rotation on npm start: a new key encrypts, the old one still decrypts', () => {
  const dataDir = tempDir('e2e-rotation');
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  const code = creditCode(4242);
  let engine: RunningEngine | undefined;

  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  /** The key id a stored payload names. */
  const keyIdOf = (p: Payload) => new TextDecoder().decode(p.metadata![KEY_ID_METADATA]!);

  it('when filed under key 2026-a and acted on after rotating to 2026-b, then each payload names its key and the API reads both', async () => {
    engine = await startEngine(dataDir, undefined, { PAYLOAD_CODEC_KEYS: `2026-a:${keyA}` });
    assert.match(engine.output(), /Payloads: +encrypted \(AES-256-GCM\) with key 2026-a of PAYLOAD_CODEC_KEYS \(1 key decrypt\)/);
    assert.equal(existsSync(join(dataDir, 'payload-keys.json')), false, 'no development key when keys are configured');
    assert.ok(!engine.output().includes(keyA), 'the key is never printed');
    const filed = await http(engine, 'POST', '/applications', {
      role: 'applicant-system',
      body: await filingInto(engine, code),
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const id = filed.body.id as string;
    const ports = engine.ports;
    assert.equal(await engine.interrupt(), 0);

    // Rolled out with both keys, the new one encrypting (docs/operations.md, rotation step 3).
    engine = await startEngine(dataDir, ports, { PAYLOAD_CODEC_KEYS: `2026-a:${keyA},2026-b:${keyB}`, PAYLOAD_CODEC_KEY_ID: '2026-b' });
    assert.match(engine.output(), /with key 2026-b of PAYLOAD_CODEC_KEYS \(2 keys decrypt\)/);
    const got = await http(engine, 'GET', `/applications/${id}`, { role: 'auditor' });
    assert.equal(got.status, 200, JSON.stringify(got.body));
    assert.equal(got.body.applicant.name, NAME);
    const recorded = await http(engine, 'POST', `/applications/${id}/preliminary-record`, {
      role: 'intake-officer',
      headers: { 'Idempotency-Key': `rotation-pr-${code}` },
      body: { decision: 'pass', reason: REASON },
    });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));

    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    try {
      const history = await new Client({ connection }).workflow.getHandle(id).fetchHistory();
      const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
      assert.equal(keyIdOf(started.workflowExecutionStartedEventAttributes!.input!.payloads![0]!), '2026-a');
      const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!;
      assert.equal(keyIdOf(accepted.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!), '2026-b');
    } finally {
      await connection.close();
    }
    const trail = await http(engine, 'GET', `/applications/${id}/history`, { role: 'auditor' });
    assert.equal(trail.status, 200);
    assert.ok(JSON.stringify(trail.body).includes(REASON));
    assert.equal(await engine.interrupt(), 0);
  });
});
