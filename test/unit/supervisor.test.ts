/**
 * The supervisor of `npm start`: its restart policy as a pure function, then the real thing on
 * small node child processes (one that crashes at once, one that runs until stopped).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSupervisor, DEFAULT_RESTART_POLICY, exitReason, restartDelay, type RestartPolicy } from '../../lib/supervisor';

const policy: RestartPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, factor: 2, stableAfterMs: 60_000 };

describe('restartDelay: exponential back-off, reset after a stable run', () => {
  it('when crashes follow each other quickly, then the wait doubles up to the maximum', () => {
    let row = 0;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = restartDelay(policy, row, 500);
      waits.push(next.delayMs);
      row = next.crashesInARow;
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    assert.equal(row, 8);
  });

  it('when the run before the crash was stable, then the wait starts over', () => {
    assert.deepEqual(restartDelay(policy, 6, 60_000), { delayMs: 1_000, crashesInARow: 1 });
    assert.deepEqual(restartDelay(policy, 6, 59_999), { delayMs: 30_000, crashesInARow: 7 });
  });

  it('the default policy waits a second first and never more than 30 s', () => {
    assert.equal(restartDelay(DEFAULT_RESTART_POLICY, 0, 0).delayMs, 1_000);
    assert.equal(restartDelay(DEFAULT_RESTART_POLICY, 50, 0).delayMs, 30_000);
  });

  it('an exit is named by its signal, else its code', () => {
    assert.equal(exitReason(null, 'SIGKILL'), 'signal SIGKILL');
    assert.equal(exitReason(1, null), 'code 1');
  });
});

describe('createSupervisor on real child processes', { timeout: 30_000 }, () => {
  const fast: RestartPolicy = { initialDelayMs: 50, maxDelayMs: 200, factor: 2, stableAfterMs: 10_000 };
  const sleeper = () => spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => process.exit(0)); setInterval(() => {}, 1000)'], { stdio: 'ignore' });

  it('when a child is killed, then it is logged with its reason and started again; stop() ends it for good', async () => {
    const log: string[] = [];
    const supervisor = createSupervisor({ log: (l) => log.push(l), policy: fast });
    let starts = 0;
    const first = await supervisor.add({ name: 'sleeper', start: async () => (starts++, sleeper()) });
    first.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (!(supervisor.current('sleeper') && supervisor.current('sleeper') !== first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const second = supervisor.current('sleeper');
    assert.ok(second && second !== first, `not restarted: ${log.join(' | ')}`);
    assert.equal(starts, 2);
    assert.ok(log.some((l) => /sleeper \(pid \d+\) exited unasked \(signal SIGKILL\).*restarting it in 50 ms \(crash 1 in a row\)/.test(l)), log.join('\n'));

    await supervisor.stop(['sleeper']);
    // SIGTERM, never SIGKILL (a child that had not yet installed its handler dies of the SIGTERM itself).
    assert.ok(second.exitCode === 0 || second.signalCode === 'SIGTERM', `stopped by ${exitReason(second.exitCode, second.signalCode)}`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(starts, 2, 'a child stopped on request is not restarted');
    assert.equal(supervisor.current('sleeper'), undefined);
  });

  it('when a child keeps crashing, then the waits grow; stop() in the middle of a wait cancels the restart', async () => {
    const log: string[] = [];
    const supervisor = createSupervisor({ log: (l) => log.push(l), policy: fast });
    let starts = 0;
    await supervisor.add({ name: 'crasher', start: async () => (starts++, spawn(process.execPath, ['-e', 'process.exit(3)'], { stdio: 'ignore' })) });
    const deadline = Date.now() + 10_000;
    while (starts < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const waits = log.filter((l) => /exited unasked \(code 3\)/.test(l)).map((l) => Number(/restarting it in (\d+) ms/.exec(l)?.[1]));
    assert.deepEqual(waits.slice(0, 3), [50, 100, 200], log.join('\n'));
    await supervisor.stop([]);
    const after = starts;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(starts, after, 'no start after stop()');
  });

  it('stop() stops the children one at a time in the order given', async () => {
    const supervisor = createSupervisor({ log: () => undefined, policy: fast });
    const ended: string[] = [];
    for (const name of ['dev', 'worker', 'api']) {
      const child = await supervisor.add({ name, start: async () => sleeper() });
      child.once('exit', () => ended.push(name));
    }
    await supervisor.stop(['api', 'worker']);
    assert.deepEqual(ended, ['api', 'worker', 'dev']);
  });
});
