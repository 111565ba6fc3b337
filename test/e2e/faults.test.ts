/**
 * Fault tests on the real worker and API processes (issue 14, "Fault tests in the suite"), on
 * Temporal's time-skipping test server so the procedure reaches payment in seconds, with effects
 * sent to a signed webhook receiver that applies each Idempotency-Key once and can hold a delivery
 * unanswered. Two applications go from filing to their last tranche while:
 * - the worker is killed (`kill -9`) with the public-notice timers pending, and the notices close
 *   while no worker runs;
 * - the worker is killed while a payment instruction is in flight (the receiver holds it): the
 *   attempt is retried when its start-to-close timeout (2 minutes, real time) ends;
 * - meanwhile two workers run and one is killed; the other takes the second application through.
 * At the end: no application lost, every stage right, and exactly one payment instruction applied
 * per tranche (one notice per application), counted where the effects land.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { type EffectsReceiver, startEffectsReceiver } from '../helpers/effects-receiver';
import { checkConsistency, MILESTONES, Procedure } from '../helpers/procedure';
import { storySteps } from '../helpers/story';
import { startTimeSkippingEngine, type TimeSkippingEngine } from '../helpers/time-skipping-engine';


describe('faults on the worker: kill -9 with a timer pending, with a payment instruction in flight, one of two workers', { timeout: 300_000 }, () => {
  let engine: TimeSkippingEngine;
  let receiver: EffectsReceiver;
  let procedure: Procedure;
  let a = '';
  let b = '';

  before(async () => {
    receiver = await startEffectsReceiver();
    engine = await startTimeSkippingEngine({
      // A held delivery stays held until the test kills its worker or releases it.
      env: {
        EFFECTS_WEBHOOK_URL: receiver.url,
        EFFECTS_WEBHOOK_SECRET: receiver.secret,
        EFFECTS_WEBHOOK_TIMEOUT_MS: '60000',
        // No sticky execution: the time-skipping test server, unlike a cluster, keeps sending the
        // tasks and queries of a workflow to the sticky queue of a worker that died.
        WORKER_WORKFLOW_CACHE_SIZE: '0',
      },
      prebundle: true,
    });
    // 3 minutes: the verification whose instruction was in flight is answered after the retry.
    procedure = new Procedure(engine, { timeoutMs: 180_000, filingKeys: false });
  });

  after(async () => {
    receiver?.release();
    await engine?.stop();
    await receiver?.close();
  });

  const step = storySteps(() => `--- receiver deliveries ---\n${JSON.stringify(receiver.deliveries)}\n--- output (last part) ---\n${engine.output().slice(-10_000)}`);

  const deliveriesOf = (key: string) => receiver.deliveries.filter((d) => d.key === key);

  /** Starts the claim of tranche `n` and waits for its payment instruction to arrive (held); the claim's promise is returned to await later. */
  async function claimHeld(id: string, n: number) {
    const held = receiver.holdNext('payment-instruction');
    // The verification's answer waits for the instruction: it comes once the instruction is delivered.
    const claimed = procedure.claim(id, n);
    claimed.catch(() => undefined);
    const message = await Promise.race([held, claimed.then(() => assert.fail('the claim was answered while its instruction was held'))]);
    assert.equal(message.applicationId, id);
    assert.equal(Number(message.tranche), n);
    return { message, claimed };
  }

  step('two applications reach the public notice', async () => {
    await procedure.ensureCalendar();
    await procedure.openRound(2);
    [a, b] = await Promise.all([procedure.file(7101), procedure.file(7102)]);
    await Promise.all([procedure.toNotice(a), procedure.toNotice(b)]);
    assert.equal(receiver.applied.filter((m) => m.type === 'notice').length, 2);
  });

  step('kill -9 of the worker with the notice timers pending: a new worker takes both on when the notices close', async () => {
    await engine.kill('worker');
    await engine.start('worker');
    await procedure.pastNotices([a, b]);
    for (const id of [a, b]) assert.equal((await procedure.state(id)).stage, 'agreement');
    await Promise.all([procedure.agreement(a), procedure.agreement(b)]);
  });

  // The instruction of A's first tranche, held by the receiver when its worker is killed.
  let inFlight: { message: { idempotencyKey: string }; claimed: Promise<void> };

  step('kill -9 of the worker while a payment instruction is in flight; a new worker and a second one start', async () => {
    inFlight = await claimHeld(a, 1);
    await engine.kill('worker');
    await Promise.all([engine.start('worker'), engine.start('worker-2')]);
  });

  step('meanwhile, two workers, one killed (kill -9): the other takes the second application through every tranche', async () => {
    await procedure.claim(b, 1);
    await procedure.instructed(b, 1);
    await procedure.confirm(b, 1);
    await engine.kill('worker-2');
    for (let n = 2; n <= MILESTONES.length; n++) {
      await procedure.claim(b, n);
      await procedure.instructed(b, n);
      await procedure.confirm(b, n);
    }
    assert.equal((await procedure.state(b)).stage, 'monitoring');
    assert.match(engine.output(), /\[worker-2\] exited \(SIGKILL\)/);
  });

  step('the instruction in flight when its worker died is retried once its attempt times out (2 minutes), and applied once', async () => {
    // Nothing tells Temporal that the attempt died with its worker: the payment activity's
    // start-to-close timeout does (the test server's clock runs in real time while an activity runs).
    await inFlight.claimed;
    const s = await procedure.instructed(a, 1);
    assert.equal(s.tranches[0].status, 'instructed');
    const attempts = deliveriesOf(inFlight.message.idempotencyKey);
    assert.deepEqual(attempts.map((d) => d.answered).slice(0, 2), ['held', 409], 'a retry, answered "I have it already"');
    assert.equal(receiver.applied.filter((m) => m.idempotencyKey === inFlight.message.idempotencyKey).length, 1);
    await procedure.confirm(a, 1);
    for (let n = 2; n <= MILESTONES.length; n++) {
      await procedure.claim(a, n);
      await procedure.instructed(a, n);
      await procedure.confirm(a, n);
    }
  });

  step('no application lost, every stage right, exactly one payment instruction per tranche and one notice each', async () => {
    assert.deepEqual(await checkConsistency(procedure, [a, b], receiver.applied), []);
    const instructions = receiver.applied.filter((m) => m.type === 'payment-instruction');
    assert.equal(instructions.length, 2 * MILESTONES.length);
  });
});
