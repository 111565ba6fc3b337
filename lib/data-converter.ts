/**
 * The one data converter every Temporal client and worker of the engine uses: the worker, the
 * API, the scripts (start, demo, record-histories) and the test helpers all build theirs here,
 * so a payload one of them writes is one every other can read.
 *
 * It is Temporal's default payload conversion (JSON) followed by the AES-256-GCM codec
 * (lib/payload-codec.ts) with the keys of the settings (lib/codec-keys.ts).
 */
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { loadOrCreateDevPayloadKeys } from './codec-keys';
import { AesGcmPayloadCodec, type CodecKeys, isEncrypted } from './payload-codec';
import type { Settings } from './settings';

/** A data converter that encrypts with `keys`. */
export function dataConverterFor(keys: CodecKeys): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)] };
}

export interface PayloadEncryption {
  dataConverter: DataConverter;
  /** The key id new payloads are encrypted under. */
  keyId: string;
  /** What happens to payloads, for a start banner or log: which key, from where (never a key). */
  description: string;
}

/**
 * The data converter of the settings: the configured keys, or (development credentials, no key
 * configured) the development key file in the data folder, created on first use.
 */
export function payloadEncryptionOf(settings: Settings): PayloadEncryption {
  const configured = settings.payloadCodec.keys;
  if (configured) {
    return {
      dataConverter: dataConverterFor(configured),
      keyId: configured.encryptWith,
      description: `encrypted (AES-256-GCM) with key ${configured.encryptWith} of PAYLOAD_CODEC_KEYS (${configured.keys.size} key${configured.keys.size === 1 ? '' : 's'} decrypt)`,
    };
  }
  const { keys, created } = loadOrCreateDevPayloadKeys(settings.payloadCodec.devKeyFile);
  return {
    dataConverter: dataConverterFor(keys),
    keyId: keys.encryptWith,
    description: `encrypted (AES-256-GCM) with development key ${keys.encryptWith}, ${created ? 'created just now in' : 'from'} ${settings.payloadCodec.devKeyFile} (set PAYLOAD_CODEC_KEYS in production)`,
  };
}

/** The codecs of a data converter, in the order they encode. */
export function codecsOf(converter: { payloadCodecs?: PayloadCodec[] } | undefined): PayloadCodec[] {
  return converter?.payloadCodecs ?? [];
}

/** One payload through every codec's decode, last codec first (the reverse of encoding). */
export async function decodePayload(payload: Payload, codecs: readonly PayloadCodec[]): Promise<Payload> {
  let p = payload;
  for (const codec of [...codecs].reverse()) {
    const [decoded] = await codec.decode([p]);
    if (!decoded) throw new Error('a payload codec answered no payload for one it was given');
    p = decoded;
  }
  return p;
}

function isEncryptedPayload(v: unknown): v is Payload {
  if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) return false;
  const metadata = (v as Payload).metadata;
  return !!metadata && typeof metadata === 'object' && metadata.encoding instanceof Uint8Array && isEncrypted(v as Payload);
}

/**
 * Decrypts, in place, every encrypted payload anywhere in a fetched history (inputs, results,
 * update arguments and answers, signals, memo, failure details, timer summaries), so the audit
 * trail can read it and the raw history replays without the keys. Plain payloads stay as they are.
 */
export async function decodeHistoryPayloads<T extends object>(history: T, codecs: readonly PayloadCodec[]): Promise<T> {
  if (codecs.length === 0) return history;
  const visit = async (node: unknown): Promise<void> => {
    if (!node || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
    const holder = node as Record<string, unknown>;
    for (const key of Object.keys(holder)) {
      const value = holder[key];
      if (isEncryptedPayload(value)) holder[key] = temporal.api.common.v1.Payload.create(await decodePayload(value, codecs));
      else await visit(value);
    }
  };
  await visit(history);
  return history;
}
