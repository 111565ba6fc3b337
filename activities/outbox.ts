/**
 * External effects: the adapter every effect activity delivers through, and its local default,
 * the outbox in the engine's database (lib/outbox-store.ts, table `outbox_messages`) that staff
 * read with GET /outbox-messages. Each message carries an idempotency key and is written at most
 * once, however often Temporal retries the activity that writes it. The signed webhook
 * (activities/webhook.ts) is the other adapter.
 */
import type { EngineDatabase } from '../lib/database';
import { type OutboxMessage, type OutboxStore, outboxStore } from '../lib/outbox-store';

export type { OutboxMessage } from '../lib/outbox-store';

export interface EffectAdapter {
  /** Delivers a message once; returns whether it was new (false: already delivered before). */
  deliver(message: OutboxMessage): Promise<{ delivered: boolean; at: string }>;
}

/** The local outbox in the engine's database: an effect adapter that can also be read. */
export function createOutbox(db: EngineDatabase, clock: () => Date = () => new Date()): EffectAdapter & Pick<OutboxStore, 'read'> {
  return outboxStore(db, clock);
}
