/**
 * `npm run bundle-workflows [out]`: prebuilds the workflow bundle for production workers
 * (WORKFLOW_BUNDLE_PATH), so they start without bundling and every worker runs the same code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT } from '../lib/settings';
import { WORKFLOWS_PATH } from '../worker/worker';

async function main(): Promise<void> {
  const out = resolve(PROJECT_ROOT, process.argv[2] ?? 'dist/workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(`Workflow bundle written to ${out}; run workers with WORKFLOW_BUNDLE_PATH=${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
