/**
 * How the API reads a failed Temporal call (api/temporal-calls.ts): a query that no worker answers
 * in time (the client wraps the gRPC status in "Failed to query Workflow") is 503, retryable, not
 * 500; found by the soak when the worker was killed under load (issue 14).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status as grpcStatus } from '@grpc/grpc-js';
import { Client, Connection, ServiceError } from '@temporalio/client';
import { callTemporal } from '../../api/temporal-calls';
import { Problem } from '../../api/problem';

/** A gRPC error as grpc-js makes one. */
function grpcError(code: grpcStatus, details: string): Error {
  return Object.assign(new Error(`${code} ${grpcStatus[code]}: ${details}`), { code, details, metadata: {} });
}

describe('callTemporal: which failures are 503', () => {
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });

  it('when a query times out inside a wrapped ServiceError, then 503 with Retry-After', async () => {
    const failing = () => Promise.reject(new ServiceError('Failed to query Workflow', { cause: grpcError(grpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded after 10.002s') }));
    const err = await callTemporal(client, failing).catch((e: unknown) => e);
    assert.ok(err instanceof Problem, String(err));
    assert.equal(err.status, 503);
    assert.ok(err.extra.headers?.['Retry-After']);
  });

  it('when the wrapped status is not a transient one, then the error is left for a 500', async () => {
    const failing = () => Promise.reject(new ServiceError('Failed to query Workflow', { cause: grpcError(grpcStatus.INVALID_ARGUMENT, 'bad query') }));
    const err = await callTemporal(client, failing).catch((e: unknown) => e);
    assert.ok(err instanceof ServiceError);
  });
});
