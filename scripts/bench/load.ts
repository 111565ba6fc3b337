/**
 * How `npm run bench` drives load: a pool of concurrent callers timing each operation, and
 * interleaved rounds (A, B, C, then B, C, A, …) so every kind meets the same machine, the same
 * neighbours and the same server state, rather than one kind running while the host is idle
 * and another while it is busy.
 */
import { performance } from 'node:perf_hooks';

/** What one kind measured over all its rounds. */
export interface Measured {
  latenciesMs: number[];
  errors: string[];
  /** Wall time spent in this kind's rounds, settling included. */
  elapsedMs: number;
  /** Each round on its own: operations completed and its wall time (for the median of the rounds' rates). */
  rounds: Array<{ ops: number; elapsedMs: number }>;
}

export const emptyMeasure = (): Measured => ({ latenciesMs: [], errors: [], elapsedMs: 0, rounds: [] });

/**
 * Runs `count` operations, `concurrency` at a time, timing each (a failed one is counted as an
 * error, not a latency), then `settle` (waiting until the server has nothing left to do for
 * them); the round's wall time, settling included, is added to `into.elapsedMs`, and the round
 * itself to `into.rounds`.
 */
export async function round(
  into: Measured,
  count: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
  settle: () => Promise<void> = async () => undefined,
): Promise<void> {
  const started = performance.now();
  const completedBefore = into.latenciesMs.length;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        try {
          await op(i);
          into.latenciesMs.push(performance.now() - t0);
        } catch (err) {
          into.errors.push((err as Error).message);
        }
      }
    }),
  );
  await settle();
  const elapsedMs = performance.now() - started;
  into.elapsedMs += elapsedMs;
  into.rounds.push({ ops: into.latenciesMs.length - completedBefore, elapsedMs });
}

/** Runs `work` over `items`, `limit` at a time (no timing): setting up, settling, filling. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

/** The kinds in the order of round `r`: rotated by one each round. */
export function rotation<T>(kinds: readonly T[], r: number): T[] {
  const k = r % kinds.length;
  return [...kinds.slice(k), ...kinds.slice(0, k)];
}
