/**
 * Encrypts every Temporal payload the engine writes (workflow and activity inputs and results,
 * update arguments and answers, queries, signals, memo, failure details) with AES-256-GCM, so the
 * Temporal service and its database hold ciphertext: applicant names, facts, findings and amounts
 * are readable only by processes that hold a key.
 *
 * The whole original payload (its metadata and its data, as protobuf bytes) is what is encrypted,
 * so `decode` restores it byte for byte. The encrypted payload carries, in clear, only the marker
 * `encoding: binary/encrypted` and the id of the key (`encryption-key-id`); the id is also bound
 * into the authentication tag, so a payload cannot be passed off as encrypted under another key.
 * Each payload gets a fresh random 96-bit IV; its data is `IV ‖ ciphertext ‖ 16-byte tag`.
 *
 * Rotation: one key encrypts, every configured key decrypts, so a new key can be introduced while
 * histories written under the old one still replay. A payload without the marker (histories
 * recorded before the codec) passes through `decode` unchanged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** The keys a process holds: the one that encrypts, and every one that may still decrypt. */
export interface CodecKeys {
  encryptWith: string;
  /** Key id → 32 raw key bytes. */
  keys: ReadonlyMap<string, Uint8Array>;
}

/** A payload that cannot be decrypted: unknown key id, missing id, or failed authentication. */
export class PayloadCodecError extends Error {
  override name = 'PayloadCodecError';
}

const utf8 = new TextEncoder();
const text = new TextDecoder();
const PayloadProto = temporal.api.common.v1.Payload;

function metadataText(payload: Payload, name: string): string | undefined {
  const value = payload.metadata?.[name];
  return value ? text.decode(value) : undefined;
}

/** True when the payload was written by this codec (whatever its key). */
export function isEncrypted(payload: Payload): boolean {
  return metadataText(payload, 'encoding') === ENCRYPTED_ENCODING;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly encryptKey: Uint8Array;

  constructor(private readonly config: CodecKeys) {
    const key = config.keys.get(config.encryptWith);
    if (!key) throw new PayloadCodecError(`the encrypting key id "${config.encryptWith}" is not among the configured keys (${[...config.keys.keys()].join(', ')})`);
    for (const [id, k] of config.keys) if (k.length !== KEY_BYTES) throw new PayloadCodecError(`key "${id}" has ${k.length} bytes; AES-256 needs ${KEY_BYTES}`);
    this.encryptKey = key;
  }

  /** The id new payloads are encrypted under. */
  get keyId(): string {
    return this.config.encryptWith;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encryptOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decryptOne(p));
  }

  encryptOne(payload: Payload): Payload {
    const plain = PayloadProto.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.encryptKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(utf8.encode(this.keyId));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: { encoding: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(this.keyId) },
      data: new Uint8Array(Buffer.concat([iv, body, cipher.getAuthTag()])),
    };
  }

  decryptOne(payload: Payload): Payload {
    if (!isEncrypted(payload)) return payload;
    const id = metadataText(payload, KEY_ID_METADATA);
    if (!id) throw new PayloadCodecError(`an encrypted payload carries no ${KEY_ID_METADATA} in its metadata`);
    const key = this.config.keys.get(id);
    if (!key) {
      throw new PayloadCodecError(
        `a payload is encrypted with key id "${id}", which is not among the configured keys (${[...this.config.keys.keys()].join(', ')}): add it to PAYLOAD_CODEC_KEYS`,
      );
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadCodecError(`an encrypted payload (key id "${id}") is too short to hold an IV and a tag`);
    const iv = data.subarray(0, IV_BYTES);
    const tag = data.subarray(data.length - TAG_BYTES);
    const body = data.subarray(IV_BYTES, data.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(utf8.encode(id));
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new PayloadCodecError(`an encrypted payload (key id "${id}") failed authentication: it was altered, or the key with that id is not the one it was encrypted with`);
    }
    const restored = PayloadProto.decode(plain);
    return { metadata: restored.metadata, data: restored.data };
  }
}
