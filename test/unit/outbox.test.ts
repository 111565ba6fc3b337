import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createOutbox } from '../../activities/outbox';
import { tempDir } from '../helpers/temporal';

describe('local outbox', () => {
  it('when the same idempotency key is delivered twice, even concurrently, then one line is written', async () => {
    const outbox = createOutbox(join(tempDir('outbox'), 'outbox.jsonl'), () => new Date('2026-09-01T02:00:00Z'));
    const message = { type: 'notification', applicationId: 'a.2026.x', idempotencyKey: 'a:1', body: '你好' };
    const results = await Promise.all([outbox.deliver(message), outbox.deliver(message), outbox.deliver(message)]);
    assert.deepEqual(results.map((r) => r.delivered).sort(), [false, false, true]);
    assert.deepEqual(outbox.read(), [{ ...message, writtenAt: '2026-09-01T02:00:00.000Z' }]);
  });

  it('when keys differ, then each message is written in order', async () => {
    const outbox = createOutbox(join(tempDir('outbox'), 'outbox.jsonl'));
    await outbox.deliver({ type: 'notice', applicationId: 'a', idempotencyKey: 'k1' });
    await outbox.deliver({ type: 'notice', applicationId: 'a', idempotencyKey: 'k2' });
    assert.deepEqual(outbox.read().map((m) => m.idempotencyKey), ['k1', 'k2']);
  });
});
