/**
 * Where the payload keys come from: never from code. In a deployment, from the settings
 * (`PAYLOAD_CODEC_KEYS` = `id:base64key,…` and `PAYLOAD_CODEC_KEY_ID`, lib/settings.ts); on one
 * machine under `npm start` with development credentials and no key configured, from a key file
 * in the data folder (`$DATA_DIR/payload-keys.json`, mode 0600) that the first process to need
 * it creates with one random key, like the development API keys (api/keys.ts).
 *
 * A key file is `{"encryptWith": "<id>", "keys": {"<id>": "<base64 of 32 bytes>", …}}`; the same
 * shape serves the test-only key committed under test/ and `npm run record-histories -- --payload-keys`.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { type CodecKeys, KEY_BYTES } from './payload-codec';

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A key id that is not a key id, or a key that is not 32 bytes in base64; never shows the key. */
function keyProblem(id: string, base64: string): string | undefined {
  if (!KEY_ID.test(id)) return `has a key id that is not letters, digits, . _ - (at most 64): ${JSON.stringify(id.slice(0, 64))}`;
  if (!BASE64.test(base64) || Buffer.from(base64, 'base64').length !== KEY_BYTES) {
    return `has a key for id "${id}" that is not ${KEY_BYTES} bytes in base64 (make one with: openssl rand -base64 32)`;
  }
  return undefined;
}

/**
 * Parses `id:base64key,id:base64key,…` (the value of PAYLOAD_CODEC_KEYS) and the encrypting id.
 * Answers the keys, or a sentence (to follow the variable's name) saying what is wrong.
 */
export function parseKeyList(list: string, encryptWith: string | undefined): { keys: CodecKeys } | { problem: string; variable: string } {
  const keys = new Map<string, Uint8Array>();
  const entries = list.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return { variable: 'PAYLOAD_CODEC_KEYS', problem: 'holds no key: write id:base64key, comma-separated' };
  for (const [i, entry] of entries.entries()) {
    const at = entry.indexOf(':');
    if (at < 0) return { variable: 'PAYLOAD_CODEC_KEYS', problem: `entry ${i + 1} is not id:base64key` };
    const id = entry.slice(0, at);
    const problem = keyProblem(id, entry.slice(at + 1));
    if (problem) return { variable: 'PAYLOAD_CODEC_KEYS', problem };
    if (keys.has(id)) return { variable: 'PAYLOAD_CODEC_KEYS', problem: `names key id "${id}" twice` };
    keys.set(id, new Uint8Array(Buffer.from(entry.slice(at + 1), 'base64')));
  }
  if (encryptWith === undefined) {
    if (keys.size > 1) {
      return { variable: 'PAYLOAD_CODEC_KEY_ID', problem: `is not set: PAYLOAD_CODEC_KEYS holds ${keys.size} keys (${[...keys.keys()].join(', ')}); name the one that encrypts` };
    }
    return { keys: { encryptWith: [...keys.keys()][0]!, keys } };
  }
  if (!keys.has(encryptWith)) {
    return { variable: 'PAYLOAD_CODEC_KEY_ID', problem: `names key id "${encryptWith}", which PAYLOAD_CODEC_KEYS does not hold (${[...keys.keys()].join(', ')})` };
  }
  return { keys: { encryptWith, keys } };
}

const KeyFileSchema = z
  .object({
    encryptWith: z.string().regex(KEY_ID, 'must be a key id'),
    keys: z.record(z.string().regex(KEY_ID, 'must be a key id'), z.string()),
  })
  .strict();

/** Reads a key file (the shape above); a bad one is an error naming the file and the reason. */
export function readKeyFile(path: string): CodecKeys {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`The payload key file ${path} cannot be read as JSON: ${(err as Error).message}`);
  }
  const parsed = KeyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`The payload key file ${path} is not valid at ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const keys = new Map<string, Uint8Array>();
  for (const [id, base64] of Object.entries(parsed.data.keys)) {
    const problem = keyProblem(id, base64);
    if (problem) throw new Error(`The payload key file ${path} ${problem}`);
    keys.set(id, new Uint8Array(Buffer.from(base64, 'base64')));
  }
  if (!keys.has(parsed.data.encryptWith)) throw new Error(`The payload key file ${path} encrypts with "${parsed.data.encryptWith}", a key id it does not hold`);
  return { encryptWith: parsed.data.encryptWith, keys };
}

/** A random key for one run of an in-memory server (the demo): nothing it encrypts outlives the run. */
export function ephemeralPayloadKeys(): CodecKeys {
  return { encryptWith: 'ephemeral', keys: new Map([['ephemeral', new Uint8Array(randomBytes(KEY_BYTES))]]) };
}

/** The development key file, created with one random key (mode 0600) when it does not exist yet. */
export function loadOrCreateDevPayloadKeys(path: string): { keys: CodecKeys; created: boolean } {
  mkdirSync(dirname(path), { recursive: true });
  let created = false;
  try {
    const id = `dev-${new Date().toISOString().slice(0, 10)}`;
    const file = { encryptWith: id, keys: { [id]: randomBytes(KEY_BYTES).toString('base64') } };
    // Written aside, then linked into place: the link fails if the file exists, so concurrent
    // starters never replace each other's key, and none reads a half-written file.
    const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(aside, `${JSON.stringify(file, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    try {
      linkSync(aside, path);
      created = true;
    } finally {
      unlinkSync(aside);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return { keys: readKeyFile(path), created };
}
