/**
 * The local default for external effects: an append-only JSON-lines outbox that staff can read
 * (`$DATA_DIR/outbox.jsonl`). Each message carries an idempotency key and is written at most once,
 * however often Temporal retries the activity that writes it: a lock serialises writers on this
 * host, and the key is looked up before appending.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface OutboxMessage {
  /** `notice`, `notification`, `payment-instruction`, ... */
  type: string;
  applicationId: string;
  idempotencyKey: string;
  [field: string]: unknown;
}

export interface EffectAdapter {
  /** Delivers a message once; returns whether it was new (false: already delivered before). */
  deliver(message: OutboxMessage): Promise<{ delivered: boolean; at: string }>;
}

export function createOutbox(path: string, clock: () => Date = () => new Date()): EffectAdapter & {
  read(): Array<OutboxMessage & { writtenAt: string }>;
} {
  mkdirSync(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;

  const read = () =>
    existsSync(path)
      ? readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as OutboxMessage & { writtenAt: string })
      : [];

  async function withLock<T>(fn: () => T): Promise<T> {
    const started = Date.now();
    for (;;) {
      try {
        mkdirSync(lockPath);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // A writer that died holding the lock leaves it behind: break it after 30 s.
        if (Date.now() - started > 30_000) rmdirSync(lockPath);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return fn();
    } finally {
      rmdirSync(lockPath);
    }
  }

  return {
    read,
    deliver: (message) =>
      withLock(() => {
        const existing = read().find((m) => m.idempotencyKey === message.idempotencyKey);
        if (existing) return { delivered: false, at: existing.writtenAt };
        const writtenAt = clock().toISOString();
        appendFileSync(path, `${JSON.stringify({ ...message, writtenAt })}\n`);
        return { delivered: true, at: writtenAt };
      }),
  };
}
