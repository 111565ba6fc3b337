/**
 * The paid lifecycle of the table: the `paid-and-kept` scenario (scripts/scenarios.ts:
 * filed, approved, noticed, three tranches claimed, verified, instructed and paid, then monitored
 * to its end), run by the current workflow code on the time-skipping server, which moves through
 * its waiting periods at once. Measured: the history of every run (events, bytes as Temporal
 * stores them, update answers), and its replay in a warm replayer with the engine's bundle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createRunner, SCENARIOS } from '../scenarios';
import { summarise, type Summary } from './stats';

export interface PaidLifecycle {
  scenario: string;
  /** Its runs (more than one when it continued as new). */
  runs: number;
  /** Updates accepted (the staff and applicant actions), over every run. */
  actions: number;
  events: number;
  bytes: number;
  updateAnswerBytes: number;
  /** Replay of the whole lifecycle (every run), warm. */
  warmReplay: Summary;
  coldReplayMs: number;
  finalStage: string;
}

type History = temporal.api.history.v1.IHistory;

export async function paidLifecycle(options: { replays: number; dataConverter: DataConverter; workflowBundleCode: string }): Promise<PaidLifecycle> {
  const scenario = SCENARIOS.find((s) => s.id === 'paid-and-kept');
  if (!scenario) throw new Error('scripts/scenarios.ts has no paid-and-kept scenario');
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-paid-'));
  try {
    const runner = await createRunner(dataDir, undefined, options.dataConverter);
    const { histories, finalStage } = await runner.run(scenario, async (o) => ({
      histories: await Promise.all(o.runIds.map((runId) => o.env.client.workflow.getHandle(o.workflowId, runId).fetchHistory())),
      finalStage: o.final.stage,
    }));
    const events = histories.flatMap((h) => h.events ?? []);
    const encoded = (e: temporal.api.history.v1.IHistoryEvent) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
    const lifecycleMs = await replayTimes(histories, options);
    const coldReplayMs = lifecycleMs.shift()!;
    return {
      scenario: scenario.id,
      runs: histories.length,
      actions: events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length,
      events: events.length,
      bytes: histories.reduce((sum, h) => sum + temporal.api.history.v1.History.encode(h).finish().length, 0),
      updateAnswerBytes: events.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes).reduce((sum, e) => sum + encoded(e), 0),
      warmReplay: summarise(lifecycleMs, lifecycleMs.reduce((a, b) => a + b, 0)),
      coldReplayMs: Math.round(coldReplayMs),
      finalStage,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Each lifecycle's replay time (all its runs), the first one cold (the replayer is created for it). */
async function replayTimes(histories: History[], options: { replays: number; dataConverter: DataConverter; workflowBundleCode: string }): Promise<number[]> {
  const copies = Array.from({ length: options.replays + 1 }, (_, i) => histories.map((history, k) => ({ workflowId: `paid-and-kept#replay-${i}-run-${k + 1}`, history }))).flat();
  const perLifecycle = Array.from({ length: options.replays + 1 }, () => 0);
  let n = 0;
  let last = performance.now();
  const replayer = Worker.runReplayHistories({ workflowBundle: { code: options.workflowBundleCode }, dataConverter: options.dataConverter }, copies);
  for await (const result of replayer) {
    const now = performance.now();
    if (result.error) throw new Error(`the replay of ${result.workflowId} failed: ${String(result.error)}`);
    perLifecycle[Math.floor(n / histories.length)]! += now - last;
    n += 1;
    last = now;
  }
  return perLifecycle;
}
