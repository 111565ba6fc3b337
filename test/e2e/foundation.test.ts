/**
 * End to end, as a person runs it: `npm start` (dev server, worker, API as separate processes) on
 * free ports, driven over HTTP with the keys it printed; Ctrl-C stops everything; a second start
 * finds the application where it was.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { creditCode } from '../helpers/fixtures';
import { http, listening, type RunningEngine, startEngine } from '../helpers/engine';
import { callOn, openRound, type OpenedRound } from '../helpers/rounds';
import { tempDir } from '../helpers/temporal';

const PROGRAM = 'dinghu-emergency-major-project';
/** The round the admin opened in `before`; filing is possible only into an open round. */
let round: OpenedRound;
/** The program awards per project: the project's code is the application id's fourth part. */
const PROJECT = { code: 'YJ-2026-042', name: '肇庆应急装备产业园' };

const filing = (code: string, facts: Record<string, unknown> = { fixedInvestment: '1200000000.00' }) => ({
  programId: PROGRAM,
  roundId: round.id,
  applicant: { creditCode: code, name: '肇庆示例应急装备有限公司' },
  project: PROJECT,
  facts,
});

/** Processes whose command line or environment mentions the data folder (dev server, worker, API). */
function processesUsing(dataDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes(dataDir) || environ.includes(`DATA_DIR=${dataDir}`)) found.push(`${pid} ${cmdline.replace(/\0/g, ' ')}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe('the engine over HTTP on the dev server (npm start)', () => {
  let engine: RunningEngine;
  const dataDir = tempDir('e2e');
  const code = creditCode(42);
  let id: string;

  before(async () => {
    engine = await startEngine(dataDir);
    round = await openRound(callOn(engine), PROGRAM);
  });

  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  it('when started, then it prints the API, the Web UI and one key per role, kept in a 0600 file', () => {
    const out = engine.output();
    assert.match(out, new RegExp(`API: +${engine.apiUrl}`));
    assert.match(out, new RegExp(`Temporal Web UI: ${engine.uiUrl}`));
    for (const [role, key] of Object.entries(engine.keys)) assert.match(out, new RegExp(`${role} +${key}`));
    assert.equal(statSync(join(dataDir, 'dev-keys.json')).mode & 0o777, 0o600);
  });

  it('when asked for health, then it answers 200 without a key', async () => {
    const answer = await http(engine, 'GET', '/health');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.temporal, true);
  });

  it('when the Web UI is asked for, then the dev server serves it', async () => {
    const response = await fetch(engine.uiUrl);
    assert.equal(response.status, 200);
  });

  describe('filing', () => {
    it('when no key or a wrong key is sent, then 401', async () => {
      assert.equal((await http(engine, 'POST', '/applications', { body: filing(code) })).status, 401);
      const wrong = await http(engine, 'POST', '/applications', { key: 'not-a-key', body: filing(code) });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    });

    it('when a staff role files, then 403 and nothing starts', async () => {
      const answer = await http(engine, 'POST', '/applications', { role: 'reviewer', body: filing(code) });
      assert.equal(answer.status, 403);
    });

    it('when the credit code has a wrong check character, then 400 naming applicant.creditCode', async () => {
      const bad = `${code.slice(0, 17)}${code[17] === '0' ? '1' : '0'}`;
      const answer = await http(engine, 'POST', '/applications', { role: 'applicant-system', body: filing(bad) });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.errors[0].field, 'applicant.creditCode');
      assert.match(answer.body.errors[0].reason, /check character/);
      const none = await http(engine, 'GET', `/applications/${round.id}.${bad}.${PROJECT.code}`, { role: 'auditor' });
      assert.equal(none.status, 404);
    });

    it('when an amount is a JSON number or has three decimals, then 400 naming the fact', async () => {
      for (const fixedInvestment of [1200000000, '1200000000.001', 'lots']) {
        const answer = await http(engine, 'POST', '/applications', {
          role: 'applicant-system',
          body: filing(code, { fixedInvestment }),
        });
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.errors[0].field, 'facts.fixedInvestment');
      }
    });

    it('when a field is unknown or the body is not JSON, then 400', async () => {
      const extra = await http(engine, 'POST', '/applications', {
        role: 'applicant-system',
        body: { ...filing(code), programme: 'x' },
      });
      assert.equal(extra.status, 400);
      assert.equal(extra.body.errors[0].field, 'programme');
      const broken = await http(engine, 'POST', '/applications', { role: 'applicant-system', rawBody: '{"programId":' });
      assert.equal(broken.status, 400);
    });

    it('when the program is unknown, then 400 naming programId', async () => {
      const answer = await http(engine, 'POST', '/applications', {
        role: 'applicant-system',
        body: { ...filing(code), programId: 'no-such-program' },
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.errors[0].field, 'programId');
    });

    it('when valid, then 201 with the id derived from program, round, credit code and project', async () => {
      const answer = await http(engine, 'POST', '/applications', { role: 'applicant-system', body: filing(code) });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(answer.body.id, `${PROGRAM}.${round.label}.${code}.${PROJECT.code}`);
      assert.equal(answer.body.roundId, round.id);
      assert.equal(answer.body.stage, 'preliminary-record');
      assert.match(answer.body.catalogVersion, /^sha256:/);
      assert.equal(answer.headers.get('location'), `/applications/${answer.body.id}`);
      id = answer.body.id;
    });

    it('when the same application is filed again, then 409 naming the existing id', async () => {
      const answer = await http(engine, 'POST', '/applications', { role: 'applicant-system', body: filing(code) });
      assert.equal(answer.status, 409);
      assert.equal(answer.body.existingId, id);
    });
  });

  describe('state and preliminary record', () => {
    it('when read, then the state comes from the workflow with a link to the Web UI', async () => {
      const answer = await http(engine, 'GET', `/applications/${id}`, { role: 'auditor' });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.stage, 'preliminary-record');
      assert.equal(answer.body.applicant.creditCode, code);
      assert.ok(answer.body.links.temporalUi.startsWith(engine.uiUrl));
    });

    it('when an unknown id is read, then 404', async () => {
      const answer = await http(engine, 'GET', `/applications/dinghu-emergency-major-project.2026.${creditCode(9999)}`, {
        role: 'auditor',
      });
      assert.equal(answer.status, 404);
      assert.equal(answer.body.type, '/problems/not-found');
    });

    it('when the wrong role records it, then 403', async () => {
      const answer = await http(engine, 'POST', `/applications/${id}/preliminary-record`, {
        role: 'approver',
        body: { decision: 'pass', reason: 'ok' },
      });
      assert.equal(answer.status, 403);
    });

    it('when the decision is not pass or fail, then 400 naming decision', async () => {
      const answer = await http(engine, 'POST', `/applications/${id}/preliminary-record`, {
        role: 'intake-officer',
        body: { decision: 'maybe', reason: 'ok' },
      });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.errors[0].field, 'decision');
    });

    it('when the intake officer passes it, then 200 and the actor comes from the key', async () => {
      const answer = await http(engine, 'POST', `/applications/${id}/preliminary-record`, {
        role: 'intake-officer',
        body: { decision: 'pass', reason: '资格初审通过' },
        headers: { 'Idempotency-Key': 'pr-e2e-1' },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.stage, 'formal-submission');
      assert.equal(answer.body.preliminaryRecord.by.role, 'intake-officer');
      assert.equal(answer.body.preliminaryRecord.by.id, 'dev-intake-officer');
    });

    it('when the same request is retried with its Idempotency-Key, then the same answer and no second record', async () => {
      const answer = await http(engine, 'POST', `/applications/${id}/preliminary-record`, {
        role: 'intake-officer',
        body: { decision: 'pass', reason: '资格初审通过' },
        headers: { 'Idempotency-Key': 'pr-e2e-1' },
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.audit.filter((e: { action: string }) => e.action === 'preliminary-record').length, 1);
    });

    it('when recorded again at the wrong stage, then 409 with the reason', async () => {
      const answer = await http(engine, 'POST', `/applications/${id}/preliminary-record`, {
        role: 'intake-officer',
        body: { decision: 'fail', reason: 'again' },
      });
      assert.equal(answer.status, 409);
      assert.equal(answer.body.type, '/problems/wrong-stage');
      assert.match(answer.body.detail, /formal-submission/);
    });
  });

  describe('stopping and starting again', () => {
    it('when interrupted (Ctrl-C), then every process it started stops and every port is free', async () => {
      const code = await engine.interrupt();
      assert.equal(code, 0);
      for (const port of Object.values(engine.ports)) assert.equal(await listening(port), false, `port ${port} still open`);
      assert.deepEqual(processesUsing(dataDir), []);
    });

    it('when started again on the same data folder, then the application is there at the same stage', async () => {
      engine = await startEngine(dataDir, engine.ports);
      const answer = await http(engine, 'GET', `/applications/${id}`, { role: 'auditor' });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.stage, 'formal-submission');
      assert.equal(answer.body.preliminaryRecord.reason, '资格初审通过');
    });
  });
});
