/**
 * Deployment shape: with TEMPORAL_ADDRESS set, `npm start` starts no server of its own and uses
 * the given one; more workers (`npm run worker`) join the same task queue side by side.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type DevServer, freePort, startDevServer } from '../../lib/dev-server';
import { provisionTemporal } from '../../lib/provision';
import { PROJECT_ROOT } from '../../lib/settings';
import { creditCode } from '../helpers/fixtures';
import { http, type RunningEngine, startEngine } from '../helpers/engine';
import { callOn, openRound } from '../helpers/rounds';
import { tempDir } from '../helpers/temporal';

describe('npm start against an existing Temporal service, with an extra worker', () => {
  let server: DevServer;
  let engine: RunningEngine;
  let extraWorker: ChildProcess;
  const dataDir = tempDir('e2e-external');

  before(async () => {
    server = await startDevServer({
      cliPath: provisionTemporal().cli,
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'subsidy-test',
    });
    engine = await startEngine(dataDir, undefined, { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'subsidy-test' });
  });

  after(async () => {
    extraWorker?.kill('SIGTERM');
    if (engine?.process.exitCode === null) await engine.interrupt();
    await server?.stop();
  });

  it('when TEMPORAL_ADDRESS is set, then no dev server is started and the given one is used', async () => {
    assert.doesNotMatch(engine.output(), /Starting the Temporal dev server/);
    assert.match(engine.output(), new RegExp(`Temporal: +${server.address}, namespace subsidy-test`));
    assert.equal(existsSync(join(dataDir, 'temporal')), false);
    assert.equal((await http(engine, 'GET', '/health')).status, 200);
  });

  it('when a second worker process starts, then both poll the task queue and applications still run', async () => {
    extraWorker = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'worker/main.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'subsidy-test', DATA_DIR: dataDir },
      stdio: 'ignore',
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      const deadline = Date.now() + 60_000;
      let pollers = 0;
      while (Date.now() < deadline && pollers < 2) {
        const answer = await connection.workflowService.describeTaskQueue({
          namespace: 'subsidy-test',
          taskQueue: { name: 'subsidy-applications' },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        pollers = new Set(answer.pollers?.map((p) => p.identity)).size;
        if (pollers < 2) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(pollers, 2);
    } finally {
      await connection.close();
    }
    const round = await openRound(callOn(engine), 'dinghu-energy-saving-equipment');
    const filed = await http(engine, 'POST', '/applications', {
      role: 'applicant-system',
      body: {
        programId: 'dinghu-energy-saving-equipment',
        roundId: round.id,
        applicant: { creditCode: creditCode(77), name: '鼎湖节能装备有限公司' },
        project: { code: 'JN-0077', name: '鼎湖节能装备生产线' },
        facts: { fixedInvestment: '100000000.00' },
      },
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    assert.equal(filed.body.id, `${round.id}.${creditCode(77)}.JN-0077`);
    const passed = await http(engine, 'POST', `/applications/${filed.body.id}/preliminary-record`, {
      role: 'intake-officer',
      body: { decision: 'pass', reason: '资格符合' },
    });
    assert.equal(passed.status, 200);
    assert.equal(passed.body.stage, 'formal-submission');
  });
});
