import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { provisionTemporal } from '../lib/provision';
import { createCalendarStore } from '../lib/calendar-store';
import { loadCatalog } from '../lib/catalog-store';
Runtime.install({ logger: new DefaultLogger('WARN') });
(async () => {
  const { testServer } = provisionTemporal();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServer } } });
  try {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'wfcheck', workflowsPath: __dirname + '/wf.ts' });
    const data = createCalendarStore('/tmp/wfcheck-none').data([2024]);
    const program = loadCatalog().getProgram('dinghu-emergency-major-project');
    const r = await worker.runUntil(env.client.workflow.execute('check', { taskQueue: 'wfcheck', workflowId: 'wfcheck-1', args: [data, program] }));
    console.log(JSON.stringify(r));
  } finally { await env.teardown(); }
})().catch((e) => { console.error('FAIL', e); process.exit(1); });
