/**
 * The remote codec the Temporal Web UI (and `temporal --codec-endpoint`) calls to show payloads
 * decrypted: `POST /codec/decode` and `POST /codec/encode`, each `{"payloads":[{"metadata":{…},
 * "data":"…"}]}` with base64 values, answered in the same shape. It runs the API client's own
 * codecs (lib/data-converter.ts), so it decrypts exactly what the engine encrypts.
 *
 * Who: the same credentials as the rest of the API, and the same readers as the audit trail
 * (api/routes.ts: staff, auditors and admins; an applicant system gets 403), because a decrypted
 * payload shows what the trail shows. The browser calls from the UI's origin, so `codecCors`
 * answers the preflight (before any credential is read) for the allowed origins only.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { decodePayload } from '../lib/data-converter';
import { PayloadCodecError } from '../lib/payload-codec';
import { Problem, validationProblem } from './problem';

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

const WirePayload = z.object({
  metadata: z.record(z.string().min(1).max(256), Base64).default({}),
  data: Base64.default(''),
});

/** The body of both codec routes: the payloads to decode or encode, in proto3 JSON. */
export const CodecBody = z.object({ payloads: z.array(WirePayload).max(10_000) }).strict();

type Wire = z.infer<typeof WirePayload>;

const fromWire = (p: Wire): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data, 'base64')),
});

const toWire = (p: Payload): Wire => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** The origin (scheme://host:port) of a URL, and its loopback twin (localhost ↔ 127.0.0.1). */
export function originsOf(url: string): string[] {
  const { origin, hostname } = new URL(url);
  if (hostname === '127.0.0.1') return [origin, origin.replace('//127.0.0.1', '//localhost')];
  if (hostname === 'localhost') return [origin, origin.replace('//localhost', '//127.0.0.1')];
  return [origin];
}

const ALLOWED_HEADERS = 'Content-Type, Authorization, X-Api-Key, X-Namespace, X-Act-As, X-Request-Id';

/** CORS for `/codec/*`: the allowed origins may call it with credentials; the preflight needs none. */
export function codecCors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method !== 'OPTIONS') return next();
    if (origin === undefined || !allowed.has(origin)) {
      throw new Problem('forbidden', `The codec endpoint does not take calls from the web origin ${origin ?? '(none)'}; allowed: ${[...allowed].join(', ') || 'none (set PAYLOAD_CODEC_CORS_ORIGINS)'}`);
    }
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}

export interface CodecDeps {
  /** The codecs of the API's Temporal client, in encoding order. */
  codecs: readonly PayloadCodec[];
  namespace: string;
}

export function codecRoutes(deps: CodecDeps): express.Router {
  const router = express.Router();
  const handle = (direction: 'decode' | 'encode') => async (req: Request, res: Response) => {
    const namespace = req.get('x-namespace');
    if (namespace !== undefined && namespace !== deps.namespace) {
      throw new Problem('validation', `This codec serves namespace ${deps.namespace}, not ${namespace}`, {
        errors: [{ field: 'X-Namespace', reason: `must be ${deps.namespace}` }],
      });
    }
    const parsed = CodecBody.safeParse(req.body);
    if (!parsed.success) throw validationProblem(parsed.error);
    const payloads = parsed.data.payloads.map(fromWire);
    try {
      const done =
        direction === 'decode'
          ? await Promise.all(payloads.map((p) => decodePayload(p, deps.codecs)))
          : await deps.codecs.reduce(async (acc, codec) => codec.encode(await acc), Promise.resolve(payloads));
      res.json({ payloads: done.map(toWire) });
    } catch (err) {
      if (err instanceof PayloadCodecError) throw new Problem('unprocessable', `A payload cannot be ${direction}d: ${err.message}`);
      throw err;
    }
  };
  router.post('/codec/decode', handle('decode'));
  router.post('/codec/encode', handle('encode'));
  return router;
}
