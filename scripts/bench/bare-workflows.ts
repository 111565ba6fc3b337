/**
 * The "bare Temporal" side of `npm run bench` (scripts/bench.ts): two workflows that do nothing
 * of the engine's, so the bench can tell what the engine adds to what Temporal itself costs on
 * the same server, machine and payload codec. Bundled only by the bench's own worker
 * (scripts/bench/bare-worker.ts), on a task queue of its own.
 */
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

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
