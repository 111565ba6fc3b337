import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOutbox } from '../../activities/outbox';
import { importOutboxFile, OUTBOX_FILE } from '../../lib/outbox-store';
import { twoConnectionsPerTest } from '../helpers/two-connections';

/** Two connections to one database, as two processes have. */
const conn = twoConnectionsPerTest('outbox-');

describe('local outbox (engine database)', () => {
  it('when the same idempotency key is delivered several times, even concurrently by two workers, then one message is written', async () => {
    const outbox = createOutbox(conn.db, () => new Date('2026-09-01T02:00:00Z'));
    const other = createOutbox(conn.otherDb, () => new Date('2026-09-01T02:00:05Z'));
    const message = { type: 'notification', applicationId: 'a.2026.x', idempotencyKey: 'a:1', body: '你好' };
    const results = await Promise.all([outbox.deliver(message), other.deliver(message), outbox.deliver(message), other.deliver(message)]);
    assert.deepEqual(results.map((r) => r.delivered).sort(), [false, false, false, true]);
    const written = results.find((r) => r.delivered)!.at;
    assert.ok(results.every((r) => r.at === written), 'a repeat answers with when the message was first written');
    assert.deepEqual(await other.read(), [{ ...message, seq: 1, writtenAt: written }]);
  });

  it('when keys differ, then each message is written in order, and read filtered by application and type', async () => {
    const outbox = createOutbox(conn.db);
    await outbox.deliver({ type: 'notice', applicationId: 'a', idempotencyKey: 'k1' });
    await outbox.deliver({ type: 'notification', applicationId: 'a', idempotencyKey: 'k2' });
    await outbox.deliver({ type: 'notice', applicationId: 'b', idempotencyKey: 'k3' });
    assert.deepEqual((await outbox.read()).map((m) => m.idempotencyKey), ['k1', 'k2', 'k3']);
    assert.deepEqual((await outbox.read({ applicationId: 'a' })).map((m) => m.idempotencyKey), ['k1', 'k2']);
    assert.deepEqual((await outbox.read({ type: 'notice' })).map((m) => m.idempotencyKey), ['k1', 'k3']);
    assert.deepEqual((await outbox.read({ after: 1, limit: 1 })).map((m) => m.idempotencyKey), ['k2']);
  });

  it('moves an older outbox.jsonl once, keeping when each was written, so a retried effect is not delivered twice', async () => {
    const lines = [
      { type: 'notice', applicationId: 'a', idempotencyKey: 'k1', writtenAt: '2026-01-05T01:00:00.000Z', text: '公示' },
      { type: 'notification', applicationId: 'a', idempotencyKey: 'k2', writtenAt: '2026-01-06T01:00:00.000Z' },
    ];
    writeFileSync(join(conn.dir, OUTBOX_FILE), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    assert.equal(await importOutboxFile(conn.db, conn.dir), 2);
    assert.equal(await importOutboxFile(conn.otherDb, conn.dir), 0, 'a second start moves nothing');
    const outbox = createOutbox(conn.db);
    assert.deepEqual(await outbox.read(), lines.map((l, i) => ({ ...l, seq: i + 1 })));
    assert.deepEqual(await outbox.deliver({ type: 'notice', applicationId: 'a', idempotencyKey: 'k1', text: '公示' }), { delivered: false, at: '2026-01-05T01:00:00.000Z' });
    assert.equal(await importOutboxFile(conn.db, join(conn.dir, 'nowhere')), 0);
    writeFileSync(join(conn.dir, OUTBOX_FILE), '{"type": "notice"}\n');
    await assert.rejects(importOutboxFile(conn.db, conn.dir), /line 1, is not a message/);
  });
});
