/**
 * Temporal for tests: the official time-skipping test server (workflow tests) and the CLI dev
 * server (end-to-end tests), both provisioned by the project itself.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { readKeyFile } from '../../lib/codec-keys';
import { dataConverterFor } from '../../lib/data-converter';
import { provisionTemporal } from '../../lib/provision';
import { ensureSearchAttributes } from '../../lib/search-attributes';
import { WORKFLOWS_PATH } from '../../worker/worker';
import { quietLogger } from '../../lib/quiet-logger';

// Workers log every state change at INFO; tests want warnings only.
Runtime.install({ logger: new DefaultLogger('WARN') });

/**
 * A key committed for tests only (never a deployment's): the workflow tests run with payloads
 * encrypted as in production, and test/histories/*.codec.json were recorded under it.
 */
export const TEST_ONLY_PAYLOAD_KEYS_FILE = join(__dirname, 'TEST-ONLY-payload-keys.json');

/** The engine's data converter (lib/data-converter.ts) with the test-only key. */
export function testDataConverter(): DataConverter {
  return dataConverterFor(readKeyFile(TEST_ONLY_PAYLOAD_KEYS_FILE));
}

export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const { testServer } = provisionTemporal();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServer } },
    client: { dataConverter: testDataConverter() },
  });
  // Before any worker runs: an upsert of an unregistered attribute fails the workflow task forever.
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  watchLeakedTimeLocks(env);
  return env;
}

/** How long the server's clock may run at wall-clock speed during a sleep before a leaked lock is released. */
const NOT_SKIPPING_MS = 15_000;

/**
 * The time-skipping test server sometimes keeps a lock on its clock that nothing will release:
 * a run continued as new right after an activity completed, its last workflow task answered "Task
 * not found … workflow execution already completed", and that task's lock stayed (the old run's
 * history ends at WorkflowTaskStarted; sdk-java #1138 and #3088 are the same family). Locked, the
 * clock runs at wall-clock speed: every workflow was idle, a sleep of three months would take three
 * months, and the test hung (CI, 2026-12-03). So `sleep` watches the clock: when for 15 s it runs
 * no faster than the wall clock while the test sleeps, one lock is released
 * (`UnlockTimeSkipping`), the leaked one, and the sleep skips on; the release is logged. Engine
 * code is not involved: a real server has no such lock.
 */
function watchLeakedTimeLocks(env: TestWorkflowEnvironment): void {
  const sleep = env.sleep.bind(env);
  const testService = (env.connection as unknown as { testService: { unlockTimeSkipping(request: object): Promise<unknown> } }).testService;
  env.sleep = async (duration) => {
    let done = false;
    const watchdog = (async () => {
      let since = { server: await env.currentTimeMs(), real: Date.now() };
      while (!done) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        if (done) return;
        const now = { server: await env.currentTimeMs(), real: Date.now() };
        const real = now.real - since.real;
        if (now.server - since.server > 2 * real + 1_000) {
          since = now; // skipping
        } else if (real >= NOT_SKIPPING_MS) {
          console.error(`# the time-skipping server's clock ran at wall-clock speed for ${real / 1000} s during a sleep (at ${new Date(now.server).toISOString()}): releasing a leaked time lock`);
          await testService.unlockTimeSkipping({});
          since = now;
        }
      }
    })();
    try {
      await sleep(duration);
    } finally {
      done = true;
      await watchdog.catch(() => undefined);
    }
  };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundles the workflows once per test process; a forbidden import fails here. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `subsidy-${prefix}-`));
}
