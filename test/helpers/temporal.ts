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
  return env;
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
