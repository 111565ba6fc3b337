/**
 * A receiver of the engine's signed effects webhook (activities/webhook.ts), as the treasury
 * gateway would run it, for fault tests: it checks each signature, applies each Idempotency-Key
 * once (a later delivery of the same key gets 409, "I have it already"), and records every
 * delivery. It can hold the next delivery of a type without answering, so a test can kill the
 * worker while that effect is in flight.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../activities/webhook';
import type { OutboxLine } from './time-skipping-engine';

export interface EffectsReceiver {
  url: string;
  secret: string;
  /** Every delivery, in arrival order (retries included). */
  deliveries: Array<{ key: string; type: string; answered: number | 'held' }>;
  /** The effects applied, once per key, in the order they were first received. */
  applied: OutboxLine[];
  /** Holds the next delivery of `type` unanswered; resolves when it arrives (already applied). */
  holdNext(type: string): Promise<OutboxLine>;
  /** Answers every held delivery still connected (200). */
  release(): void;
  close(): Promise<void>;
}

export async function startEffectsReceiver(secret = 'fault-test-webhook-secret'): Promise<EffectsReceiver> {
  const deliveries: EffectsReceiver['deliveries'] = [];
  const applied: OutboxLine[] = [];
  const seen = new Set<string>();
  const holds: Array<{ type: string; resolve: (m: OutboxLine) => void }> = [];
  const held: ServerResponse[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ok = verifyWebhookSignature(secret, req.headers['x-subsidy-timestamp'] as string, raw, req.headers['x-subsidy-signature'] as string, 300);
      if (!ok) {
        res.writeHead(401).end('bad signature');
        return;
      }
      const message = JSON.parse(raw) as OutboxLine;
      const key = String(req.headers['idempotency-key']);
      const fresh = !seen.has(key);
      if (fresh) {
        seen.add(key);
        applied.push({ ...message, writtenAt: new Date().toISOString() });
      }
      const hold = holds.findIndex((h) => h.type === message.type);
      if (hold >= 0) {
        const [h] = holds.splice(hold, 1);
        deliveries.push({ key, type: message.type, answered: 'held' });
        held.push(res);
        h!.resolve(message);
        return;
      }
      const status = fresh ? 200 : 409;
      deliveries.push({ key, type: message.type, answered: status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/effects`,
    secret,
    deliveries,
    applied,
    holdNext: (type) => new Promise((resolve) => holds.push({ type, resolve })),
    release() {
      for (const res of held.splice(0)) if (!res.destroyed) res.writeHead(200).end();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
