/**
 * One Idempotency-Key, one operator repair (`POST /applications/:id/termination`, `…/effect-retry`,
 * `…/reset`; api/operator-routes.ts), kept in the engine's database (table `operator_requests`) so
 * that every API process on every host answers a retry alike.
 *
 * The key is claimed before the repair is sent to Temporal: a row with no answer yet. The first
 * answer is stored with it; a retry with the same key and body gets that answer again, and the
 * same key with another repair, application or body is refused. A retry while the first request
 * is still under way is told so (it may try again shortly). A repair that fails releases its key,
 * so a retry may try again: termination and effect retry refuse what was done already (nothing
 * runs, nothing waits), and a reset retried with the same key carries the same request id, which
 * Temporal recognises.
 */
import type { Actor } from '../domain/roles';
import type { EngineDatabase } from './database';

export type OperatorRepair = 'termination' | 'effect-retry' | 'reset';

export interface OperatorRequest {
  /** SHA-256 of the admin and the Idempotency-Key. */
  keyHash: string;
  /** SHA-256 of the repair, the application and the body. */
  bodyHash: string;
  operation: OperatorRepair;
  applicationId: string;
  by: Actor;
}

export interface RepairAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** The key stood for another repair, application or body. */
export class RepairKeyReusedError extends Error {
  constructor(
    readonly operation: string,
    readonly applicationId: string,
  ) {
    super(`the Idempotency-Key was used before for ${operation} of application ${applicationId}, with another body`);
    this.name = 'RepairKeyReusedError';
  }
}

/** The first request with the key has not been answered yet. */
export class RepairInProgressError extends Error {
  constructor(readonly since: string) {
    super(`a request with this Idempotency-Key has been under way since ${since}`);
    this.name = 'RepairInProgressError';
  }
}

export interface OperatorRequests {
  /** Performs the repair once per key: the first answer, or the stored one with `replayed`. */
  once(request: OperatorRequest, perform: () => Promise<RepairAnswer>): Promise<RepairAnswer & { replayed: boolean }>;
}

export function createOperatorRequests(db: EngineDatabase, clock: () => Date = () => new Date()): OperatorRequests {
  return {
    async once(request, perform) {
      const claimed = await db
        .insertInto('operator_requests')
        .values({
          key_hash: request.keyHash,
          body_hash: request.bodyHash,
          operation: request.operation,
          application_id: request.applicationId,
          requested_by: JSON.stringify({ id: request.by.id, role: request.by.role, name: request.by.name }),
          requested_at: clock().toISOString(),
          answer: null,
          answer_status: null,
          answered_at: null,
        })
        .onConflict((oc) => oc.column('key_hash').doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
        const earlier = await db.selectFrom('operator_requests').selectAll().where('key_hash', '=', request.keyHash).executeTakeFirstOrThrow();
        if (earlier.body_hash !== request.bodyHash) throw new RepairKeyReusedError(earlier.operation, earlier.application_id);
        if (earlier.answer === null || earlier.answer_status === null) throw new RepairInProgressError(earlier.requested_at);
        return { status: Number(earlier.answer_status), body: JSON.parse(earlier.answer) as Record<string, unknown>, replayed: true };
      }
      let answer: RepairAnswer;
      try {
        answer = await perform();
      } catch (err) {
        await db.deleteFrom('operator_requests').where('key_hash', '=', request.keyHash).where('answer', 'is', null).execute();
        throw err;
      }
      await db
        .updateTable('operator_requests')
        .set({ answer: JSON.stringify(answer.body), answer_status: answer.status, answered_at: clock().toISOString() })
        .where('key_hash', '=', request.keyHash)
        .execute();
      return { ...answer, replayed: false };
    },
  };
}
