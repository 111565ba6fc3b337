/**
 * `npm run soak [-- --applications N --faults N --concurrency N]`: a bounded soak (issue 14).
 *
 * Runs the real worker and API processes on Temporal's time-skipping test server (so the public
 * notice passes in seconds) and drives N applications of `dinghu-generic-drug-consistency`
 * (default 200) from filing to their last tranche paid, many at once, with staff actions from
 * concurrent callers, while it injects faults spread over the run: the worker killed (`kill -9`)
 * and started again, the API killed (`kill -9`) or stopped (SIGTERM) and started again. Callers
 * retry a refused or cut-off request with the same Idempotency-Key.
 *
 * Then the consistency check (test/helpers/procedure.ts, `checkConsistency`): every application
 * at `monitoring`, every tranche paid with its amount and the paid total equal to the award, the
 * audit trail complete (each action once, in order), exactly one payment instruction per tranche
 * and one notice per application in the outbox, no effect twice. It prints
 * `applications N, faults N, inconsistencies N` and exits 1 when there is any inconsistency.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkConsistency, Procedure } from '../test/helpers/procedure';
import { startTimeSkippingEngine, type TimeSkippingEngine } from '../test/helpers/time-skipping-engine';

const { values } = parseArgs({
  options: {
    applications: { type: 'string', default: '200' },
    faults: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '16' },
  },
});

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 10_000) {
    console.error(`--${name} must be a whole number from ${min} to 10000 (got ${JSON.stringify(value)})`);
    process.exit(2);
  }
  return n;
}

const APPLICATIONS = count('applications', values.applications, 1);
const FAULTS = count('faults', values.faults, 0);
const CONCURRENCY = count('concurrency', values.concurrency, 1);

const started = Date.now();
const say = (line: string) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

/** Runs `work` on every item, at most `limit` at a time; each failure is kept, the others go on. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<Array<{ item: T; error: Error }>> {
  const failures: Array<{ item: T; error: Error }> = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await work(item).catch((error: Error) => failures.push({ item, error }));
      }
    }),
  );
  return failures;
}

/**
 * Injects fault k when the share of work done passes (k + ½) / FAULTS: the worker killed and
 * restarted, then the API killed, then the API stopped gracefully, and so on. One at a time.
 */
function faultInjector(engine: TimeSkippingEngine, totalUnits: number) {
  let done = 0;
  let injected = 0;
  let queue = Promise.resolve();
  const kinds = [
    { name: 'worker kill -9', run: async () => (await engine.kill('worker', 'SIGKILL'), await engine.start('worker')) },
    { name: 'API kill -9', run: async () => (await engine.kill('api', 'SIGKILL'), await engine.start('api')) },
    { name: 'API SIGTERM (graceful stop)', run: async () => (await engine.kill('api', 'SIGTERM'), await engine.start('api')) },
  ];
  return {
    get injected() {
      return injected;
    },
    unitDone() {
      done++;
      while (injected < FAULTS && done >= ((injected + 0.5) * totalUnits) / FAULTS) {
        const kind = kinds[injected % kinds.length]!;
        injected++;
        const n = injected;
        queue = queue.then(async () => {
          say(`fault ${n}/${FAULTS}: ${kind.name} (${done} of ${totalUnits} steps done)`);
          await kind.run();
          say(`fault ${n}/${FAULTS}: recovered`);
        });
      }
    },
    settled: () => queue,
  };
}

async function main(): Promise<void> {
  say(`${APPLICATIONS} applications, ${FAULTS} faults, ${CONCURRENCY} callers at a time; starting the engine on the time-skipping test server...`);
  // No sticky execution: the test server, unlike a cluster, keeps sending tasks to a dead worker's sticky queue.
  const engine = await startTimeSkippingEngine({ prebundle: true, env: { WORKER_WORKFLOW_CACHE_SIZE: '0' } });
  let inconsistencies: string[] = [];
  let faults = 0;
  try {
    // Long enough for an instruction in flight when its worker died (retried after 2 minutes).
    const procedure = new Procedure(engine, { timeoutMs: 240_000, filingKeys: false });
    await procedure.ensureCalendar();
    await procedure.openRound(APPLICATIONS);
    const injector = faultInjector(engine, 2 * APPLICATIONS);
    const numbers = Array.from({ length: APPLICATIONS }, (_, i) => 800_000 + i);
    const ids = new Map<number, string>();

    say('filing and taking each application to its public notice...');
    const early = await pool(numbers, CONCURRENCY, async (n) => {
      const id = await procedure.file(n);
      ids.set(n, id);
      await procedure.toNotice(id);
      injector.unitDone();
    });
    await injector.settled();
    const noticed = [...ids.values()].filter((id) => !early.some((f) => ids.get(f.item) === id));
    say(`${noticed.length} at public-notice; moving the clock past every notice...`);
    await procedure.pastNotices(noticed);

    say('agreements, then three tranches each: claim, verification, instruction, confirmation...');
    const late = await pool(noticed, CONCURRENCY, async (id) => {
      await procedure.agreement(id);
      for (let n = 1; n <= 3; n++) {
        await procedure.claim(id, n);
        await procedure.instructed(id, n);
        await procedure.confirm(id, n);
      }
      injector.unitDone();
    });
    await injector.settled();
    faults = injector.injected;

    say(`checking consistency (${procedure.retries} requests retried after a fault, ${procedure.readRetries} reads retried)...`);
    inconsistencies = [
      ...early.map((f) => `application ${f.item} (${ids.get(f.item) ?? 'not filed'}) failed before its notice: ${f.error.message}`),
      ...late.map((f) => `${f.item} failed after its notice: ${f.error.message}`),
    ];
    const lost = numbers.filter((n) => !ids.has(n));
    if (lost.length && !early.length) inconsistencies.push(`${lost.length} applications never filed`);
    inconsistencies.push(...(await checkConsistency(procedure, [...ids.values()], await engine.outbox())));
  } catch (err) {
    inconsistencies.push(`the soak stopped: ${(err as Error).message}`);
  } finally {
    await engine.stop();
  }
  // What the server, the worker and the API said, for whoever looks into it.
  const file = join(mkdtempSync(join(tmpdir(), 'subsidy-soak-')), 'engine.log');
  writeFileSync(file, engine.output());
  say(`the engine's output: ${file}`);
  for (const line of inconsistencies.slice(0, 50)) console.log(`  inconsistency: ${line}`);
  if (inconsistencies.length > 50) console.log(`  … and ${inconsistencies.length - 50} more`);
  say('done');
  console.log(`applications ${APPLICATIONS}, faults ${faults}, inconsistencies ${inconsistencies.length}`);
  process.exit(inconsistencies.length > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
