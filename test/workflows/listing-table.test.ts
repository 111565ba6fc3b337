/**
 * The listing table (issue 18, patch `2026-12-listing-table`): each application writes its own row
 * (lib/listing-store.ts) as it changes, so that `GET /applications` and `GET /inbox` page an
 * indexed table. Here on the time-skipping server: the row is there soon after the filing, follows each action within a moment (the write is an activity), holds exactly the state's pending items, and says `Completed` once the
 * application has finished. Determinism is checked at `stop` (every history replayed).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { actor } from '../helpers/fixtures';
import { act, outcomeOf, startLifecycle, stateWhen, type Lifecycle } from '../helpers/lifecycle';
import { nextDueOf } from '../../domain/listing-row';
import type { StoredListingRow } from '../../lib/listing-store';

const DRUG = 'dinghu-generic-drug-consistency';

describe('the listing table, written by each application', () => {
  let lc: Lifecycle;
  before(async () => {
    lc = await startLifecycle('listing-table');
  });
  after(async () => lc.stop());

  /** The row of `id` once it satisfies `ok` (the write is an activity, a moment after the change). */
  async function rowWhen(id: string, ok: (row: StoredListingRow) => boolean): Promise<StoredListingRow> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const row = await lc.listing.get(id);
      if (row && ok(row)) return row;
      if (Date.now() > deadline) assert.fail(`the listing row of ${id} did not follow: ${JSON.stringify(row)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('follows the application action by action, with its pending items, and says when it finished', async () => {
    const h = await lc.file(DRUG, { drugName: '布洛芬缓释胶囊' });
    let s = await stateWhen(lc, h, (x) => x.pending.length > 0);
    const filed = await rowWhen(s.id, (r) => r.pending !== null && r.pending.length > 0);
    assert.equal(filed.stage, 'preliminary-record');
    assert.equal(filed.status, 'RUNNING');
    assert.equal(filed.workflowId, h.workflowId);
    assert.deepEqual(filed.pending, s.pending);
    assert.equal(filed.filedAt, s.filedAt);
    assert.equal(await lc.listing.count({ pendingRoleIn: ['intake-officer'], open: true, applicant: s.applicant.creditCode }), 1);

    s = await act(h, 'preliminary-record', { actor: actor('intake-officer'), decision: 'pass', reason: '资格符合' });
    // Written again as the engine reacts (the materials deadline counted): the row ends as the state is.
    const moved = await rowWhen(s.id, (r) => r.stage === s.stage && JSON.stringify(r.pending) === JSON.stringify(s.pending));
    assert.equal(moved!.stage, s.stage);
    assert.deepEqual(moved!.pending, s.pending);
    assert.equal(moved!.nextDueAt, nextDueOf(s.pending), 'the materials deadline is the next due');
    assert.ok(moved!.nextDueAt, 'the materials have a deadline');
    assert.ok(moved!.version > filed.version, 'each write is newer than the last');
    assert.equal(await lc.listing.count({ pendingRoleIn: ['intake-officer'], applicant: s.applicant.creditCode }), 0);
    assert.equal(await lc.listing.count({ pendingRoleIn: ['applicant-system'], applicant: s.applicant.creditCode }), 1);

    await act(h, 'withdrawal', { actor: actor('applicant-system'), reason: '放弃' });
    const final = await outcomeOf(lc, h, 'withdrawn');
    await h.result();
    // The run's last write is done before it completes.
    const closed = await lc.listing.get(final.id);
    assert.equal(closed!.stage, 'withdrawn');
    assert.equal(closed!.status, 'COMPLETED');
    assert.deepEqual(closed!.pending, []);
    assert.equal(await lc.listing.count({ open: false, applicant: final.applicant.creditCode }), 1);
  });

  it('never takes an older write over a newer one (a retried or late activity)', async () => {
    const h = await lc.file(DRUG, { drugName: '对乙酰氨基酚片' });
    const s = await stateWhen(lc, h, (x) => x.pending.length > 0);
    const row = await rowWhen(s.id, (r) => r.stage === 'preliminary-record');
    const stale = { ...row, status: 'RUNNING' as const, stage: 'review', pending: [], version: '0'.repeat(15) + '.' + '0'.repeat(9) };
    assert.equal(await lc.listing.write({ ...stale, pendingRoles: [] }, new Date()), false);
    assert.equal((await lc.listing.get(s.id))!.stage, 'preliminary-record');
  });
});
