/**
 * One Idempotency-Key, one operator repair (lib/operator-requests.ts), in the engine's database
 * shared by API processes: two connections stand for two APIs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOperatorRequests, RepairInProgressError, RepairKeyReusedError, type OperatorRequest } from '../../lib/operator-requests';
import { actor } from '../helpers/fixtures';
import { twoConnectionsPerTest } from '../helpers/two-connections';

const conn = twoConnectionsPerTest('operator-requests-');
const request = (over: Partial<OperatorRequest> = {}): OperatorRequest => ({
  keyHash: 'k'.repeat(64),
  bodyHash: 'b'.repeat(64),
  operation: 'reset',
  applicationId: 'app-1',
  by: actor('admin', 'ops-wang'),
  ...over,
});

describe('operator requests: one key, one repair', () => {
  it('when a repair is retried with the same key and body, through another API, then it is done once and the retry gets the first answer', async () => {
    const api1 = createOperatorRequests(conn.db);
    const api2 = createOperatorRequests(conn.otherDb);
    let performed = 0;
    const perform = async () => ({ status: 200, body: { runId: `run-${(performed += 1)}` } });
    const first = await api1.once(request(), perform);
    const retry = await api2.once(request(), perform);
    assert.equal(performed, 1);
    assert.deepEqual(first, { status: 200, body: { runId: 'run-1' }, replayed: false });
    assert.deepEqual(retry, { status: 200, body: { runId: 'run-1' }, replayed: true });
  });

  it('when the key is sent with another body, then nothing is done and the reuse is refused', async () => {
    const store = createOperatorRequests(conn.db);
    await store.once(request(), async () => ({ status: 202, body: {} }));
    let performed = false;
    await assert.rejects(
      store.once(request({ bodyHash: 'c'.repeat(64), operation: 'termination' }), async () => {
        performed = true;
        return { status: 200, body: {} };
      }),
      (err: unknown) => err instanceof RepairKeyReusedError && err.operation === 'reset' && err.applicationId === 'app-1',
    );
    assert.equal(performed, false);
  });

  it('when the same key arrives at two APIs at once, then one performs the repair and the other is told it is under way', async () => {
    const api1 = createOperatorRequests(conn.db);
    const api2 = createOperatorRequests(conn.otherDb);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let performed = 0;
    const first = api1.once(request(), async () => {
      performed += 1;
      await held;
      return { status: 200, body: { done: true } };
    });
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(api2.once(request(), async () => ({ status: 200, body: { performed: (performed += 1) } })), RepairInProgressError);
    release();
    assert.deepEqual((await first).body, { done: true });
    assert.equal(performed, 1);
  });

  it('when the repair fails, then the key is released and a retry may perform it', async () => {
    const store = createOperatorRequests(conn.db);
    await assert.rejects(store.once(request(), async () => Promise.reject(new Error('Temporal is unavailable'))), /unavailable/);
    const retry = await store.once(request(), async () => ({ status: 200, body: { ok: true } }));
    assert.deepEqual(retry, { status: 200, body: { ok: true }, replayed: false });
  });
});
