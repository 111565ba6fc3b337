/**
 * The "bare Temporal" side of `npm run bench` (scripts/bench.ts): workflows that do nothing
 * of the engine's, so the bench can tell what the engine adds to what Temporal itself costs on
 * the same server, machine and payload codec. Bundled only by the bench's own worker
 * (scripts/bench/bare-worker.ts), on a task queue of its own.
 */
import { allHandlersFinished, condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

/** A small answer, about the size of a compact action outcome. */
export interface BareAnswer {
  name: string;
  n: number;
}

export const bareUpdate = defineUpdate<BareAnswer, [{ n: number }]>('bare');
export const bareDone = defineSignal('done');

/** Returns at once: one start, one workflow task, completed. The baseline for a filing. */
export async function bareWorkflow(): Promise<string> {
  return 'done';
}

/** Waits with an Update handler answering a small object: the baseline for a staff action. */
export async function bareUpdateWorkflow(): Promise<void> {
  let done = false;
  setHandler(bareUpdate, ({ n }) => ({ name: 'bare', n }));
  setHandler(bareDone, () => void (done = true));
  await condition(() => done);
}

/** The bare worker's one activity: returns at once (scripts/bench/bare-worker.ts). */
const { noop } = proxyActivities<{ noop(n: number): Promise<number> }>({ startToCloseTimeout: '1 minute' });

export const bareStep = defineUpdate<BareAnswer, [{ n: number }]>('step');

/**
 * The baseline for a whole lifecycle (scripts/bench/lifecycle.ts): as many Updates as the engine's
 * lifecycle has actions, and as many activities as it schedules, one run by each of the first
 * Updates before it answers, the rest after the last one. Completes then.
 */
export async function bareLifecycle(shape: { updates: number; activities: number }): Promise<number> {
  let received = 0;
  let ran = 0;
  setHandler(bareStep, async ({ n }) => {
    received += 1;
    if (ran < shape.activities) {
      ran += 1;
      await noop(n);
    }
    return { name: 'step', n };
  });
  await condition(() => received >= shape.updates && allHandlersFinished());
  while (ran < shape.activities) {
    ran += 1;
    await noop(ran);
  }
  return received;
}
