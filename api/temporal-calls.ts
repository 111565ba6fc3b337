/**
 * Every call into Temporal has a deadline, and every failure maps to a problem a caller can act
 * on: a refused update carries the validator's stable type; no answer in time is a 503 with
 * Retry-After (an action's 503 also names its Idempotency-Key: retrying with it is safe).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Request } from 'express';
import {
  type Client,
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Refusal, RefusalType } from '../domain/actions';
import { Problem, type ProblemType } from './problem';
import { IDEMPOTENCY_KEY_PATTERN } from './schemas';

export const TEMPORAL_CALL_TIMEOUT_MS = 15_000;

const REFUSAL_TO_PROBLEM: Record<RefusalType, ProblemType> = {
  WrongStage: 'wrong-stage',
  Forbidden: 'forbidden',
  SeparationOfDuties: 'separation-of-duties',
  InvalidInput: 'validation',
  Conflict: 'conflict',
};

/** A refusal of the rule table (domain/actions), checked by the API itself, as its problem. */
export function refusalProblem(refusal: Refusal): Problem {
  const type = REFUSAL_TO_PROBLEM[refusal.type];
  return new Problem(type, refusal.message, type === 'validation' ? { errors: [{ field: '(body)', reason: refusal.message }] } : {});
}

function unavailable(): Problem {
  return new Problem('unavailable', 'Temporal or its workers did not answer in time; retry the same request', {
    headers: { 'Retry-After': '5' },
  });
}

/**
 * Runs one Temporal call under a deadline. `mapError` turns a known error into a problem;
 * deadline and connection failures become 503.
 */
export async function callTemporal<T>(
  client: Client,
  call: () => Promise<T>,
  mapError?: (err: unknown) => Problem | undefined,
): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + TEMPORAL_CALL_TIMEOUT_MS, call);
  } catch (err) {
    const mapped = mapError?.(err);
    if (mapped) throw mapped;
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw unavailable();
    // The client wraps some gRPC errors (a query: "Failed to query Workflow") with the status in `cause`.
    const cause = (err as { cause?: unknown } | null)?.cause;
    const grpc = isGrpcServiceError(err) ? err : isGrpcServiceError(cause) ? cause : undefined;
    if (grpc && [grpcStatus.DEADLINE_EXCEEDED, grpcStatus.UNAVAILABLE, grpcStatus.CANCELLED].includes(grpc.code)) {
      throw unavailable();
    }
    // A query with no worker to answer it times out with this message.
    if (/deadline|timed? ?out|no poller/i.test((err as Error)?.message ?? '')) throw unavailable();
    throw err;
  }
}

/**
 * The caller's `Idempotency-Key` header, validated: actions bind it to the action, the caller and
 * the body (domain/idempotency.ts), filing remembers it with the application. `undefined` when
 * none was sent.
 */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new Problem('validation', 'Idempotency-Key must be 1-200 letters, digits or . _ : -', {
      errors: [{ field: 'Idempotency-Key', reason: 'must be 1-200 letters, digits or . _ : -' }],
    });
  }
  return key;
}

/** Maps a failed update to the problem its validator or the server described. */
export async function updateProblem(client: Client, id: string, err: unknown): Promise<Problem | undefined> {
  if (err instanceof Problem) return err;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type === 'IdempotencyConflict') {
      return new Problem('unprocessable', `${cause.message}; nothing was done`, { errors: [{ field: 'Idempotency-Key', reason: 'was used before for another action, caller or body' }] });
    }
    if (cause instanceof ApplicationFailure && cause.type && cause.type in REFUSAL_TO_PROBLEM) {
      const type = REFUSAL_TO_PROBLEM[cause.type as RefusalType];
      return new Problem(type, cause.message, type === 'validation' ? { errors: [{ field: '(body)', reason: cause.message }] } : {});
    }
    return new Problem('conflict', cause?.message ?? err.message);
  }
  if (err instanceof WorkflowNotFoundError) {
    // Updates cannot reach a closed workflow: tell apart "never existed" from "already ended".
    try {
      const description = await client.withDeadline(Date.now() + TEMPORAL_CALL_TIMEOUT_MS, () =>
        client.workflow.getHandle(id).describe(),
      );
      const stage = description.typedSearchAttributes.get({ name: 'SubsidyStage', type: 'KEYWORD' });
      return new Problem('wrong-stage', `Application ${id} has ended${stage ? ` at stage ${stage}` : ''} and takes no more actions`);
    } catch {
      return new Problem('not-found', `No application ${id}`);
    }
  }
  return undefined;
}

/**
 * A string literal for a visibility query (the filing-key lookup). Values are validated before
 * they get here; quoting still escapes backslashes and quotes, so a value can never end the
 * literal early.
 */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
