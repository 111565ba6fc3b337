import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarise } from '../../scripts/bench/stats';

describe('bench statistics (scripts/bench/stats.ts)', () => {
  it('takes percentiles by the nearest rank, whatever the order of the samples', () => {
    const samples = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
    assert.equal(percentile(samples, 50), 50);
    assert.equal(percentile(samples, 90), 90);
    assert.equal(percentile(samples, 99), 100);
    assert.equal(percentile(samples, 0), 10);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile(samples, 101), /between 0 and 100/);
  });

  it('p99 of a hundred samples is the 99th, not the largest', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(samples, 99), 99);
    assert.equal(percentile(samples, 50), 50);
  });

  it('summarises a phase: operations per second of its wall time, latencies, errors', () => {
    const s = summarise([10, 20, 30, 40], 2000, 1);
    assert.deepEqual(s, { ops: 4, errors: 1, opsPerSecond: 2, p50Ms: 20, p99Ms: 40, meanMs: 25 });
  });
});
