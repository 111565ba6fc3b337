/**
 * Keeps a set of child processes running: `npm start` uses it for the embedded Temporal dev
 * server, the worker and the API, so that one crashed process no longer stops the whole stack.
 *
 * A child that exits while nobody asked it to is a crash: the supervisor logs it with its reason
 * (exit code or signal, and how long it ran) and starts it again after an exponential back-off,
 * which starts over once a run has been stable for a while (`restartDelay`, a pure function so the
 * policy is tested on its own). The supervisor stops only when asked (`stop()`), and then stops the
 * children one at a time in the order it is given (the API first, so no new request comes in,
 * then the worker, which finishes its in-flight tasks, then the dev server).
 */
import type { ChildProcess } from 'node:child_process';

export interface RestartPolicy {
  /** The wait before the first restart after a stable run. */
  initialDelayMs: number;
  /** The longest wait between restarts. */
  maxDelayMs: number;
  /** Each crash in a row multiplies the wait by this. */
  factor: number;
  /** A run at least this long counts as stable: the next crash waits `initialDelayMs` again. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  factor: 2,
  stableAfterMs: 60_000,
};

/**
 * After a crash: how long to wait before the next start, and how many crashes in a row there
 * have been (`crashesInARow` before this one; a stable run resets it).
 */
export function restartDelay(
  policy: RestartPolicy,
  crashesInARow: number,
  ranForMs: number,
): { delayMs: number; crashesInARow: number } {
  const row = ranForMs >= policy.stableAfterMs ? 1 : crashesInARow + 1;
  const delayMs = Math.min(policy.maxDelayMs, Math.round(policy.initialDelayMs * policy.factor ** (row - 1)));
  return { delayMs, crashesInARow: row };
}

/** How a child ended, in words: `code 1`, `signal SIGKILL`. */
export function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

export interface SupervisedChild {
  /** `worker`, `api`, `Temporal dev server`: used in every log line about it. */
  name: string;
  /** Starts one run; resolves with its process once it is started (and, if the start waits for it, ready). */
  start(): Promise<ChildProcess>;
  /** Stops the current run gracefully (SIGTERM, then SIGKILL after the grace time). */
  stopTimeoutMs?: number;
}

export interface Supervisor {
  /** Starts a child and keeps it running until `stop()`. Rejects if its first start fails. */
  add(child: SupervisedChild): Promise<ChildProcess>;
  /** The current process of a child, if one is running. */
  current(name: string): ChildProcess | undefined;
  /** Stops every child, one at a time, in `order` (names), the others after them; resolves when all have exited. */
  stop(order: string[]): Promise<void>;
  readonly stopping: boolean;
}

interface Entry {
  child: SupervisedChild;
  process?: ChildProcess;
  crashesInARow: number;
  restartTimer?: NodeJS.Timeout;
}

export function createSupervisor(options: {
  log: (line: string) => void;
  policy?: RestartPolicy;
  now?: () => number;
}): Supervisor {
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let stopping = false;

  const run = async (entry: Entry): Promise<ChildProcess> => {
    const child = await entry.child.start();
    entry.process = child;
    const startedAt = now();
    options.log(`The ${entry.child.name} is running (pid ${child.pid}).`);
    child.once('exit', (code, signal) => {
      if (entry.process === child) entry.process = undefined;
      if (stopping) return;
      const ranForMs = now() - startedAt;
      const next = restartDelay(policy, entry.crashesInARow, ranForMs);
      entry.crashesInARow = next.crashesInARow;
      options.log(
        `The ${entry.child.name} (pid ${child.pid}) exited unasked (${exitReason(code, signal)}) after ${formatMs(ranForMs)}; ` +
          `restarting it in ${formatMs(next.delayMs)} (crash ${next.crashesInARow} in a row).`,
      );
      scheduleRestart(entry, next.delayMs);
    });
    return child;
  };

  const scheduleRestart = (entry: Entry, delayMs: number) => {
    entry.restartTimer = setTimeout(() => {
      entry.restartTimer = undefined;
      if (stopping) return;
      run(entry).catch((err: Error) => {
        if (stopping) return;
        const next = restartDelay(policy, entry.crashesInARow, 0);
        entry.crashesInARow = next.crashesInARow;
        options.log(`The ${entry.child.name} could not be restarted (${err.message.split('\n')[0]}); trying again in ${formatMs(next.delayMs)}.`);
        scheduleRestart(entry, next.delayMs);
      });
    }, delayMs);
  };

  const stopOne = async (entry: Entry) => {
    if (entry.restartTimer) clearTimeout(entry.restartTimer);
    const child = entry.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        options.log(`The ${entry.child.name} did not stop within ${formatMs(entry.child.stopTimeoutMs ?? 20_000)}; killing it.`);
        child.kill('SIGKILL');
      }, entry.child.stopTimeoutMs ?? 20_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };

  return {
    get stopping() {
      return stopping;
    },
    async add(child) {
      const entry: Entry = { child, crashesInARow: 0 };
      entries.set(child.name, entry);
      return run(entry);
    },
    current: (name) => entries.get(name)?.process,
    async stop(order) {
      stopping = true;
      const names = [...order.filter((n) => entries.has(n)), ...[...entries.keys()].filter((n) => !order.includes(n))];
      for (const name of names) await stopOne(entries.get(name)!);
    },
  };
}

function formatMs(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(ms % 1_000 === 0 ? 0 : 1)} s`;
}
