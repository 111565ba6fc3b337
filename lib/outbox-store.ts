/**
 * The local outbox of external effects, in the engine's database (lib/database.ts, table
 * `outbox_messages`): the default effect adapter when no webhook is configured
 * (activities/outbox.ts), and what people read it with (GET /outbox-messages). Every worker on
 * every host writes to the same table, and each message is written once by its idempotency key,
 * however often Temporal retries the activity that writes it: the key is unique and a second
 * insert does nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineDatabase } from './database';

export const OUTBOX_FILE = 'outbox.jsonl';

export interface OutboxMessage {
  /** `notice`, `notification`, `payment-instruction`, ... */
  type: string;
  applicationId: string;
  idempotencyKey: string;
  [field: string]: unknown;
}

/** A message as the outbox holds it: numbered in the order written, with when. */
export type StoredOutboxMessage = OutboxMessage & { seq: number; writtenAt: string };

export interface OutboxFilter {
  applicationId?: string;
  type?: string;
  /** Only messages after this number (paging). */
  after?: number;
  limit?: number;
}

export interface OutboxStore {
  /** Writes a message once; `delivered: false` (with when it was first written) when its key was there already. */
  deliver(message: OutboxMessage): Promise<{ delivered: boolean; at: string }>;
  /** The messages, in the order written; every one when no filter is given. */
  read(filter?: OutboxFilter): Promise<StoredOutboxMessage[]>;
}

type Row = { seq: number; message: string; written_at: string };

const messageOf = (row: Row): StoredOutboxMessage => ({ ...(JSON.parse(row.message) as OutboxMessage), seq: Number(row.seq), writtenAt: row.written_at });

async function insertOnce(db: EngineDatabase, message: OutboxMessage, writtenAt: string): Promise<boolean> {
  const { writtenAt: _dropped, seq: _seq, ...content } = message;
  const result = await db
    .insertInto('outbox_messages')
    .values({
      idempotency_key: message.idempotencyKey,
      type: message.type,
      application_id: message.applicationId,
      message: JSON.stringify(content),
      written_at: writtenAt,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function outboxStore(db: EngineDatabase, clock: () => Date = () => new Date()): OutboxStore {
  return {
    async deliver(message) {
      const writtenAt = clock().toISOString();
      if (await insertOnce(db, message, writtenAt)) return { delivered: true, at: writtenAt };
      const first = await db.selectFrom('outbox_messages').select('written_at').where('idempotency_key', '=', message.idempotencyKey).executeTakeFirstOrThrow();
      return { delivered: false, at: first.written_at };
    },

    async read(filter = {}) {
      let query = db.selectFrom('outbox_messages').select(['seq', 'message', 'written_at']);
      if (filter.applicationId !== undefined) query = query.where('application_id', '=', filter.applicationId);
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.after !== undefined) query = query.where('seq', '>', filter.after);
      query = query.orderBy('seq');
      if (filter.limit !== undefined) query = query.limit(filter.limit);
      return (await query.execute()).map(messageOf);
    },
  };
}

/**
 * The outbox of an older deployment, `<dataDir>/outbox.jsonl` (one message a line): every message
 * whose key the table does not hold yet is written once, with the time the file gave it, so a
 * retried activity finds its message there and does not deliver it twice. The file is left as it
 * was (still readable). Returns how many were moved.
 */
export async function importOutboxFile(db: EngineDatabase, dataDir: string): Promise<number> {
  const path = join(dataDir, OUTBOX_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new Error(`cannot read the outbox ${path}: ${(err as Error).message}`);
  }
  let moved = 0;
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let message: OutboxMessage & { writtenAt?: unknown };
    try {
      message = JSON.parse(line) as OutboxMessage & { writtenAt?: unknown };
    } catch (err) {
      throw new Error(`the outbox ${path}, line ${i + 1}, is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof message?.idempotencyKey !== 'string' || typeof message.type !== 'string' || typeof message.applicationId !== 'string') {
      throw new Error(`the outbox ${path}, line ${i + 1}, is not a message {type, applicationId, idempotencyKey, …}`);
    }
    if (await insertOnce(db, message, typeof message.writtenAt === 'string' ? message.writtenAt : '')) moved++;
  }
  return moved;
}
