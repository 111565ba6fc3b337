/**
 * Operator repair (issue 19): an external effect the receiver refused waits an hour for its retry;
 * an admin who has fixed the receiver asks for it now (`retryEffects`, as `POST
 * /applications/:id/effect-retry` sends it), and it is delivered without the clock moving, with the
 * admin and the reason in the workflow's audit and in the trail read from history.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { historyReport } from '../../api/history';
import { fetchRunsOfApplication } from '../../api/recovery';
import { retryEffectsSignal } from '../../workflows/messages';
import { actor } from '../helpers/fixtures';
import { act, outboxOf, stateWhen, startLifecycle, type Lifecycle } from '../helpers/lifecycle';

const DRUG = 'dinghu-generic-drug-consistency';
const FACTS = { drugName: '头孢克肟片' };

describe('an admin retries a refused effect now (time-skipping server)', () => {
  let lc: Lifecycle;
  /** The receiver refuses notifications (a 4xx: not retried by Temporal) while this is true. */
  let refusing = true;
  before(async () => {
    lc = await startLifecycle('effect-retry', {
      effects: (outbox) => ({
        deliver: async (message) => {
          if (refusing && message.type === 'notification') throw ApplicationFailure.nonRetryable('the receiver answered 422: unknown recipient', 'WebhookRejected');
          return outbox.deliver(message);
        },
      }),
    });
  });
  after(async () => lc.stop());

  it('when the outcome notification is refused and an admin asks for a retry, then it is delivered at once, and the audit names the admin and the reason', async () => {
    const h = await lc.file(DRUG, FACTS);
    await act(h, 'preliminary-record', { actor: actor('intake-officer'), decision: 'fail', reason: '非本区注册企业' });
    const failed = await stateWhen(lc, h, (s) => (s.effectsAwaitingRetry ?? []).length === 1);
    const waiting = failed.effectsAwaitingRetry![0]!;
    assert.equal(waiting.what, 'notifyApplicant');
    assert.equal(waiting.attempt, 1);
    assert.match(waiting.problem, /unknown recipient/);
    assert.equal(Date.parse(waiting.retryAt) - Date.parse(waiting.failedAt), 3_600_000);
    assert.deepEqual(await outboxOf(lc, h.workflowId, 'notification'), []);
    const before = await lc.env.currentTimeMs();

    refusing = false;
    const admin = actor('admin', 'ops-wang');
    await h.signal(retryEffectsSignal, { actor: admin, reason: '接收系统已修复' });
    const done = await stateWhen(lc, h, async (s) => (s.effectsAwaitingRetry ?? []).length === 0 && (await outboxOf(lc, h.workflowId, 'notification')).length === 1);
    assert.ok((await lc.env.currentTimeMs()) - before < 3_600_000, 'delivered without waiting for the hourly retry');
    assert.equal((await outboxOf(lc, h.workflowId, 'notification'))[0]!.idempotencyKey, `${h.workflowId}:outcome:rejected`);

    const requested = done.audit.find((a) => a.action === 'effect-retry-requested');
    assert.deepEqual(requested?.actor, admin);
    assert.equal(requested?.comment, '接收系统已修复');
    assert.deepEqual(requested?.details, { effects: ['notifyApplicant'] });

    // The trail read from history: the signal names the admin and the reason; the hourly timer was cancelled.
    const { entries } = historyReport(await fetchRunsOfApplication(lc.env.client, h.workflowId));
    const signal = entries.find((e) => e.kind === 'signal' && e.action === 'retryEffects');
    assert.deepEqual(signal?.actor, admin);
    assert.match(signal!.summary, /admin Test admin \(ops-wang\) asked for the effects .* tried again now: 接收系统已修复/);
    const timer = entries.find((e) => e.kind === 'timer-started' && e.timer?.purpose?.startsWith('a retry of notifyApplicant'));
    assert.equal(timer?.outcome, 'cancelled');
  });
});
