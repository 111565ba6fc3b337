/**
 * The payload codec (lib/payload-codec.ts) and where its keys come from (lib/codec-keys.ts,
 * lib/settings.ts): a round trip restores the payload exactly, the stored form shows the key id
 * and nothing of the plaintext, tampering and unknown keys are errors that say why, a rotated key
 * set still reads what the old key wrote, and production settings without keys are refused.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadOrCreateDevPayloadKeys, parseKeyList } from '../../lib/codec-keys';
import { codecsOf, dataConverterFor, decodeHistoryPayloads, payloadEncryptionOf } from '../../lib/data-converter';
import { AesGcmPayloadCodec, type CodecKeys, ENCRYPTED_ENCODING, KEY_ID_METADATA, PayloadCodecError } from '../../lib/payload-codec';
import { parseSettings, PROJECT_ROOT, SettingsError } from '../../lib/settings';
import { tempDir } from '../helpers/temporal';

const text = new TextDecoder();
const NAME = '鼎湖密文测试生物科技有限公司';
const newKey = () => randomBytes(32);
const keysOf = (encryptWith: string, entries: Record<string, Uint8Array>): CodecKeys => ({ encryptWith, keys: new Map(Object.entries(entries)) });
const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');

const filing = () => defaultPayloadConverter.toPayload({ applicant: { creditCode: '91350100M000100Y43', name: NAME }, facts: { fixedInvestment: '1200000000.00' } })!;

/** The stored bytes contain the text, as UTF-8 or as a JSON \u escape. */
function shows(payload: Payload, needle: string): boolean {
  const all = [payload.data ?? new Uint8Array(), ...Object.values(payload.metadata ?? {})].map((b) => Buffer.from(b!));
  const escaped = JSON.stringify(needle).slice(1, -1).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return all.some((b) => b.includes(Buffer.from(needle, 'utf8')) || b.includes(Buffer.from(escaped, 'latin1')));
}

describe('payload codec: AES-256-GCM', () => {
  const k1 = newKey();
  const codec = new AesGcmPayloadCodec(keysOf('2026-01', { '2026-01': k1 }));

  it('when a payload is encoded and decoded, then metadata and data come back exactly', async () => {
    const original = filing();
    assert.ok(shows(original, NAME), 'the plain payload shows the name (the check can fail)');
    const [encrypted] = await codec.encode([original]);
    const [decoded] = await codec.decode([encrypted!]);
    assert.deepEqual(Buffer.from(decoded!.data!), Buffer.from(original.data!));
    assert.deepEqual(Object.keys(decoded!.metadata!).sort(), Object.keys(original.metadata!).sort());
    for (const [k, v] of Object.entries(original.metadata!)) assert.deepEqual(Buffer.from(decoded!.metadata![k]!), Buffer.from(v!), k);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded!), defaultPayloadConverter.fromPayload(original));
  });

  it('when a payload is encoded, then its metadata carries the marker and the key id, and nothing shows the plaintext', async () => {
    const [encrypted] = await codec.encode([filing()]);
    assert.deepEqual(Object.keys(encrypted!.metadata!).sort(), ['encoding', KEY_ID_METADATA].sort());
    assert.equal(text.decode(encrypted!.metadata!.encoding!), ENCRYPTED_ENCODING);
    assert.equal(text.decode(encrypted!.metadata![KEY_ID_METADATA]!), '2026-01');
    assert.ok(!shows(encrypted!, NAME), 'the name is not readable');
    assert.ok(!shows(encrypted!, '91350100M000100Y43') && !shows(encrypted!, 'json/plain') && !shows(encrypted!, 'fixedInvestment'));
  });

  it('when the same payload is encoded twice, then the ciphertexts differ (a fresh IV each time)', async () => {
    const [a, b] = await codec.encode([filing(), filing()]);
    assert.notDeepEqual(Buffer.from(a!.data!), Buffer.from(b!.data!));
    assert.notDeepEqual(Buffer.from(a!.data!.subarray(0, 12)), Buffer.from(b!.data!.subarray(0, 12)));
  });

  it('when a ciphertext, its tag or its key id is altered, then decoding fails saying so', async () => {
    const [encrypted] = await codec.encode([filing()]);
    for (const at of [0, 20, encrypted!.data!.length - 1]) {
      const data = Uint8Array.from(encrypted!.data!);
      data[at]! ^= 0x01;
      await assert.rejects(codec.decode([{ ...encrypted!, data }]), (err: unknown) => err instanceof PayloadCodecError && /failed authentication/.test((err as Error).message), `byte ${at}`);
    }
    // The same key under another id: the id is bound into the tag.
    const twin = new AesGcmPayloadCodec(keysOf('2026-01', { '2026-01': k1, alias: k1 }));
    const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('alias') } };
    await assert.rejects(twin.decode([relabelled]), /failed authentication/);
    await assert.rejects(codec.decode([{ ...encrypted!, data: encrypted!.data!.subarray(0, 10) }]), /too short/);
  });

  it('when a payload names a key id nobody configured, then the error names that id and the variable', async () => {
    const other = new AesGcmPayloadCodec(keysOf('2025-07', { '2025-07': newKey() }));
    const [encrypted] = await other.encode([filing()]);
    await assert.rejects(codec.decode([encrypted!]), (err: unknown) => {
      assert.ok(err instanceof PayloadCodecError);
      assert.match(err.message, /key id "2025-07", which is not among the configured keys \(2026-01\)/);
      assert.match(err.message, /PAYLOAD_CODEC_KEYS/);
      return true;
    });
    const noId = { ...encrypted!, metadata: { encoding: encrypted!.metadata!.encoding! } };
    await assert.rejects(codec.decode([noId]), new RegExp(`no ${KEY_ID_METADATA}`));
  });

  it('when keys rotate, then the new key encrypts and the old one still decrypts', async () => {
    const k2 = newKey();
    const [old] = await codec.encode([filing()]);
    const rotated = new AesGcmPayloadCodec(keysOf('2026-07', { '2026-01': k1, '2026-07': k2 }));
    const [fresh] = await rotated.encode([filing()]);
    assert.equal(text.decode(fresh!.metadata![KEY_ID_METADATA]!), '2026-07');
    for (const p of [old!, fresh!]) assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([p]))[0]!), defaultPayloadConverter.fromPayload(filing()));
    // The old key alone cannot read what the new one wrote.
    await assert.rejects(codec.decode([fresh!]), /key id "2026-07"/);
  });

  it('when a payload is not encrypted (recorded before the codec), then decode passes it through unchanged', async () => {
    const plain = filing();
    const [same] = await codec.decode([plain]);
    assert.equal(same, plain);
  });

  it('when the encrypting id is not a configured key, or a key is not 32 bytes, then the codec is not built', () => {
    assert.throws(() => new AesGcmPayloadCodec(keysOf('b', { a: k1 })), /"b" is not among the configured keys/);
    assert.throws(() => new AesGcmPayloadCodec(keysOf('a', { a: randomBytes(16) })), /16 bytes; AES-256 needs 32/);
  });

  it('when a fetched history holds encrypted payloads at any depth, then decodeHistoryPayloads restores them in place', async () => {
    const converter = dataConverterFor(keysOf('2026-01', { '2026-01': k1 }));
    const [input] = await codec.encode([filing()]);
    const [summary] = await codec.encode([defaultPayloadConverter.toPayload('the agreement deadline')!]);
    const history = { events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [input] } }, userMetadata: { summary } }] };
    await decodeHistoryPayloads(history, codecsOf(converter));
    const e = history.events[0]!;
    assert.equal((defaultPayloadConverter.fromPayload(e.workflowExecutionStartedEventAttributes.input.payloads[0]!) as { applicant: { name: string } }).applicant.name, NAME);
    assert.equal(defaultPayloadConverter.fromPayload(e.userMetadata.summary!), 'the agreement deadline');
  });
});

describe('payload keys: from settings, never from code', () => {
  const k1 = b64(newKey());
  const k2 = b64(newKey());

  it('when PAYLOAD_CODEC_KEYS holds one key, then it encrypts; with several, PAYLOAD_CODEC_KEY_ID names the one', () => {
    const one = parseSettings({ PAYLOAD_CODEC_KEYS: `2026-01:${k1}` }).payloadCodec.keys!;
    assert.equal(one.encryptWith, '2026-01');
    assert.deepEqual(Buffer.from(one.keys.get('2026-01')!), Buffer.from(k1, 'base64'));
    const two = parseSettings({ PAYLOAD_CODEC_KEYS: `2026-01:${k1}, 2026-07:${k2}`, PAYLOAD_CODEC_KEY_ID: '2026-07' }).payloadCodec.keys!;
    assert.equal(two.encryptWith, '2026-07');
    assert.deepEqual([...two.keys.keys()], ['2026-01', '2026-07']);
  });

  it('when the keys are wrong, then settings name the variable and never echo a key', () => {
    const refused = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
      assert.throws(
        () => parseSettings(env),
        (err: unknown) => {
          assert.ok(err instanceof SettingsError);
          assert.match(err.message, pattern);
          assert.ok(!err.message.includes(k1) && !err.message.includes(k2), 'no key in the message');
          return true;
        },
      );
    refused({ PAYLOAD_CODEC_KEYS: `2026-01:${k1},2026-07:${k2}` }, /PAYLOAD_CODEC_KEY_ID is not set: PAYLOAD_CODEC_KEYS holds 2 keys \(2026-01, 2026-07\)/);
    refused({ PAYLOAD_CODEC_KEYS: `2026-01:${k1}`, PAYLOAD_CODEC_KEY_ID: '2027-01' }, /PAYLOAD_CODEC_KEY_ID names key id "2027-01", which PAYLOAD_CODEC_KEYS does not hold/);
    refused({ PAYLOAD_CODEC_KEYS: `short:${b64(randomBytes(16))}` }, /PAYLOAD_CODEC_KEYS has a key for id "short" that is not 32 bytes in base64/);
    refused({ PAYLOAD_CODEC_KEYS: k1 }, /PAYLOAD_CODEC_KEYS entry 1 is not id:base64key/);
    refused({ PAYLOAD_CODEC_KEYS: `a:${k1},a:${k2}` }, /PAYLOAD_CODEC_KEYS names key id "a" twice/);
    refused({ PAYLOAD_CODEC_KEY_ID: 'a' }, /PAYLOAD_CODEC_KEYS is not set, but PAYLOAD_CODEC_KEY_ID is/);
    refused({ PAYLOAD_CODEC_CORS_ORIGINS: 'http://ui.example/path' }, /PAYLOAD_CODEC_CORS_ORIGINS must be comma-separated origins/);
  });

  it('when production credentials are configured without keys, then the settings are refused naming PAYLOAD_CODEC_KEYS', () => {
    for (const env of [{ API_KEY_HASHES_FILE: 'keys.json' }, { DEV_API_KEYS: 'false' }]) {
      assert.throws(() => parseSettings(env), /PAYLOAD_CODEC_KEYS is not set: with production credentials \(DEV_API_KEYS off\) payload encryption keys must be configured/);
      assert.ok(parseSettings({ ...env, PAYLOAD_CODEC_KEYS: `prod-1:${k1}` }).payloadCodec.keys);
    }
    // Development credentials and no key: the development key file.
    assert.equal(parseSettings({}).payloadCodec.keys, undefined);
  });

  it('when a worker or API process starts with production credentials and no keys, then it refuses to start, naming PAYLOAD_CODEC_KEYS', () => {
    const dataDir = tempDir('refuse-start');
    for (const entry of ['worker/main.ts', 'api/main.ts']) {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, DATA_DIR: dataDir, DEV_API_KEYS: 'false', TEMPORAL_ADDRESS: '127.0.0.1:1' };
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, entry)], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(run.status, 2, `${entry}: ${run.stderr}`);
      assert.match(run.stderr, /PAYLOAD_CODEC_KEYS is not set: with production credentials/, entry);
    }
    assert.equal(existsSync(join(dataDir, 'payload-keys.json')), false, 'no development key made');
  });

  it('when no key is configured under development credentials, then one random key is created once in the data folder', () => {
    const dataDir = tempDir('payload-keys');
    const settings = parseSettings({ DATA_DIR: dataDir });
    const file = join(dataDir, 'payload-keys.json');
    assert.equal(existsSync(file), false);
    const first = payloadEncryptionOf(settings);
    assert.match(first.description, /development key dev-\d{4}-\d{2}-\d{2}, created just now in .*payload-keys\.json/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const stored = readFileSync(file, 'utf8');
    const again = loadOrCreateDevPayloadKeys(file);
    assert.equal(again.created, false);
    assert.equal(readFileSync(file, 'utf8'), stored, 'the key is kept, not replaced');
    assert.equal(again.keys.encryptWith, first.keyId);
  });

  it('parseKeyList answers the keys or a sentence for the variable', () => {
    assert.deepEqual(parseKeyList('', undefined), { variable: 'PAYLOAD_CODEC_KEYS', problem: 'holds no key: write id:base64key, comma-separated' });
    assert.match(JSON.stringify(parseKeyList(`bad id:${k1}`, undefined)), /key id that is not letters/);
  });
});
