/**
 * The arithmetic of `npm run bench`: percentiles of latencies and throughput of a measured phase.
 * Pure, so the figures the report prints are computed one way only.
 */

/** The p-th percentile (0–100) of `values` by the nearest-rank method; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new Error(`a percentile is between 0 and 100, not ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** What one kind of operation measured: its count, rate and latencies. */
export interface Summary {
  ops: number;
  errors: number;
  /** Operations completed per second of the time spent in this kind's rounds. */
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** Summarises latencies (ms) measured over `elapsedMs` of wall time spent on them. */
export function summarise(latenciesMs: readonly number[], elapsedMs: number, errors = 0): Summary {
  const ops = latenciesMs.length;
  return {
    ops,
    errors,
    opsPerSecond: elapsedMs > 0 ? round((ops * 1000) / elapsedMs) : Number.NaN,
    p50Ms: round(percentile(latenciesMs, 50)),
    p99Ms: round(percentile(latenciesMs, 99)),
    meanMs: ops ? round(latenciesMs.reduce((a, b) => a + b, 0) / ops) : Number.NaN,
  };
}

/** The median of `values` (the mean of the middle two when their count is even); NaN when there are none. */
function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median over rounds of each round's operations per second. */
export function medianRate(rounds: ReadonlyArray<{ ops: number; elapsedMs: number }>): number {
  return round(median(rounds.filter((r) => r.elapsedMs > 0).map((r) => (r.ops * 1000) / r.elapsedMs)));
}

/** Two decimals, enough for milliseconds and rates. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
