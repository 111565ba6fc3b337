/**
 * End to end, issue 19: an admin resets an application's workflow to its last workflow task (as
 * after a replayable bug fix), on the dev server (`npm start`): the time-skipping test server does
 * not implement reset. The application carries on in the new run, and its audit trail shows the
 * reset once, with the admin and the reason, without the copied events twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { creditCode } from '../helpers/fixtures';
import { http, type HttpAnswer, type RunningEngine, startEngine } from '../helpers/engine';
import { callOn, openRound } from '../helpers/rounds';
import { tempDir } from '../helpers/temporal';

const EMERGENCY = 'dinghu-emergency-major-project';

describe('operator repair on the dev server: reset', { timeout: 300_000 }, () => {
  let engine: RunningEngine;
  const dataDir = tempDir('e2e-operator-repair');
  const call = (method: string, path: string, options: Parameters<typeof http>[3] = {}) => http(engine, method, path, options);
  async function eventually(path: string, ok: (a: HttpAnswer) => boolean, what: string): Promise<HttpAnswer> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await call('GET', path, { role: 'auditor' });
      if (ok(answer)) return answer;
      if (Date.now() > deadline) assert.fail(`waited 20 s for ${what}; last answer ${answer.status} ${JSON.stringify(answer.body).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  before(async () => {
    engine = await startEngine(dataDir, undefined, { DEV_API_KEYS: 'true' });
  });
  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  it('when an admin resets to the last workflow task, then the application carries on in a new run and the trail names the admin and the reason once', async () => {
    const round = await openRound(callOn(engine), EMERGENCY);
    const code = creditCode(7501);
    const filed = await call('POST', '/applications', {
      role: 'applicant-system',
      body: {
        programId: EMERGENCY,
        roundId: round.id,
        applicant: { creditCode: code, name: '肇庆示例装备有限公司' },
        project: { code: `XM-${code.slice(-8)}`, name: '应急装备产业园' },
        facts: { fixedInvestment: '1200000000.00', projectName: '应急装备产业园' },
      },
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const id = filed.body.id as string;
    await eventually(`/applications/${id}`, (a) => a.status === 200 && a.body.pending.length > 0, 'the filed application');
    const passed = await call('POST', `/applications/${id}/preliminary-record`, { role: 'intake-officer', body: { decision: 'pass', reason: '资格符合' } });
    assert.equal(passed.status, 200, JSON.stringify(passed.body));
    assert.equal(passed.body.stage, 'formal-submission');

    // Nothing waits for a retry: refused, nothing sent. A reset point that is no workflow task: refused, naming it.
    const noRetry = await call('POST', `/applications/${id}/effect-retry`, { role: 'admin', body: { reason: '接收系统已修复' } });
    assert.equal(noRetry.status, 409, JSON.stringify(noRetry.body));
    assert.equal((await call('POST', `/applications/${id}/reset`, { role: 'reviewer', body: { reason: 'x' } })).status, 403);
    const notATask = await call('POST', `/applications/${id}/reset`, { role: 'admin', body: { reason: '修复后重放', to: { eventId: 1 } } });
    assert.equal(notATask.status, 409, JSON.stringify(notATask.body));
    assert.ok(notATask.body.errors.some((e: { field: string }) => e.field === 'to.eventId'));

    const keyed = { role: 'admin' as const, body: { reason: '修复审核期计算缺陷后重放' }, headers: { 'Idempotency-Key': `reset-${id}` } };
    const reset = await call('POST', `/applications/${id}/reset`, keyed);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.notEqual(reset.body.runId, reset.body.resetRunId);
    assert.equal(reset.body.to, 'last-workflow-task');
    // One key, one reset: a retry (the answer was lost, say) gets the first answer and resets nothing
    // again; the key with another body is refused.
    const retry = await call('POST', `/applications/${id}/reset`, keyed);
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, reset.body);
    const reused = await call('POST', `/applications/${id}/reset`, { ...keyed, body: { reason: '另一个理由' } });
    assert.equal(reused.status, 422, JSON.stringify(reused.body));
    assert.ok(reused.body.errors.some((e: { field: string }) => e.field === 'Idempotency-Key'));

    // The new run holds the application as it was, and takes the next action.
    const state = await eventually(`/applications/${id}`, (a) => a.status === 200 && a.body.stage === 'formal-submission', 'the state after the reset');
    assert.equal(state.body.preliminaryRecord?.decision ?? 'pass', 'pass');
    const listed = await eventually(`/applications?applicant=${code}`, (a) => a.body.items?.[0]?.runId === reset.body.runId, 'the listing on the new run');
    assert.equal(listed.body.items[0].status, 'RUNNING');

    const trail = (await call('GET', `/applications/${id}/history`, { role: 'auditor' })).body;
    assert.deepEqual(trail.runs.map((r: { runId: string; status: string }) => [r.runId, r.status]), [[reset.body.resetRunId, 'reset'], [reset.body.runId, 'running']]);
    assert.equal(trail.runs[1].resetFrom.eventId, reset.body.eventId);
    const resets = trail.entries.filter((e: { kind: string }) => e.kind === 'reset');
    assert.equal(resets.length, 2, 'the old run ended by the reset, and the new run carrying on');
    for (const entry of resets) assert.match(entry.summary, new RegExp(`by admin ${reset.body.resetBy.id}: 修复审核期计算缺陷后重放`));
    // The copied events are not shown twice: one filing, one preliminary record.
    assert.equal(trail.entries.filter((e: { kind: string }) => e.kind === 'filed').length, 1);
    assert.equal(trail.entries.filter((e: { action: string; kind: string }) => e.kind === 'action' && e.action === 'preliminary-record').length, 1);
  });
});
