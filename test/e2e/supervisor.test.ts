/**
 * Fault tests on `npm start` (issue 14, defect 5 and "A supervisor that keeps running"): real
 * processes, real `kill -9`. The worker killed and the Temporal dev server killed are both started
 * again by the supervisor (the dev server on the same SQLite file), no application is lost and the
 * procedure goes on; the API killed under traffic comes back and every filing lands exactly once;
 * Ctrl-C with requests in flight answers every one of them (2xx, or 503 with Retry-After), then
 * stops everything.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { creditCode } from '../helpers/fixtures';
import { http, listening, type RunningEngine, startEngine } from '../helpers/engine';
import { callOn, openRound } from '../helpers/rounds';
import { tempDir } from '../helpers/temporal';

const PROGRAM = 'dinghu-emergency-major-project';
/** The round the admin opened in `before`: filing is possible only into an open round. */
let roundId = '';
/** Application `n` into the round, for its own project (the program awards per project). */
const filing = (n: number) => ({
  programId: PROGRAM,
  roundId,
  applicant: { creditCode: creditCode(n), name: '肇庆示例应急装备有限公司' },
  project: { code: `YJ-${n}`, name: `肇庆应急装备产业园${n}号项目` },
  facts: { fixedInvestment: '1200000000.00' },
});

/** The pid the supervisor last reported for `name` ("The worker is running (pid N).") */
function pidOf(engine: RunningEngine, name: string): number {
  const all = [...engine.output().matchAll(new RegExp(`The ${name} is running \\(pid (\\d+)\\)`, 'g'))];
  assert.ok(all.length > 0, `no pid reported for ${name}`);
  return Number(all.at(-1)![1]);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`waited ${timeoutMs / 1000} s for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A POST retried as a careful integrating system does: the same Idempotency-Key on every attempt,
 * again after a refused connection or a 503, until an answer that is neither.
 */
async function postRetrying(engine: RunningEngine, path: string, role: 'applicant-system' | 'intake-officer', body: unknown, timeoutMs = 90_000) {
  const key = randomUUID();
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const answer = await http(engine, 'POST', path, { role, body, headers: { 'Idempotency-Key': key } });
      if (answer.status !== 503) return { ...answer, attempts };
    } catch {
      // connection refused or reset while the API restarts: retry
    }
    if (Date.now() > deadline) assert.fail(`POST ${path} got no answer but 503 or a refused connection for ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('npm start under faults: the supervisor keeps the engine running', { timeout: 240_000 }, () => {
  let engine: RunningEngine;
  const dataDir = tempDir('e2e-supervisor');
  const ids: string[] = [];
  const stageOf = async (id: string) => (await http(engine, 'GET', `/applications/${id}`, { role: 'auditor' })).body?.stage as string | undefined;
  const waitPending = (id: string, action: string) =>
    until(`${id} pending ${action}`, async () => {
      const s = (await http(engine, 'GET', `/applications/${id}`, { role: 'auditor' })).body;
      return s?.pending?.some((p: any) => p.action === action) ? s : undefined;
    });

  before(async () => {
    engine = await startEngine(dataDir);
    roundId = (await openRound(callOn(engine), PROGRAM)).id;
  });

  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  it('when the worker is killed (kill -9), then the supervisor logs it, starts it again, and the procedure goes on', async () => {
    for (const n of [1401, 1402]) {
      const filed = await postRetrying(engine, '/applications', 'applicant-system', filing(n));
      assert.equal(filed.status, 201, JSON.stringify(filed.body));
      ids.push(filed.body.id);
    }
    await waitPending(ids[0]!, 'preliminary-record');
    const first = pidOf(engine, 'worker');
    process.kill(first, 'SIGKILL');
    await until('the worker restarted', async () => (pidOf(engine, 'worker') !== first ? true : undefined));
    assert.match(engine.output(), new RegExp(`The worker \\(pid ${first}\\) exited unasked \\(signal SIGKILL\\).*restarting it in`));

    const recorded = await postRetrying(engine, `/applications/${ids[0]}/preliminary-record`, 'intake-officer', { decision: 'pass', reason: '资格初审通过' });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
    assert.equal(recorded.body.stage, 'formal-submission');
  });

  it('when the Temporal dev server is killed (kill -9), then it comes back on the same SQLite file with every application where it was', async () => {
    const first = pidOf(engine, 'Temporal dev server');
    process.kill(first, 'SIGKILL');
    await until('the dev server restarted', async () => (pidOf(engine, 'Temporal dev server') !== first ? true : undefined), 90_000);
    assert.match(engine.output(), new RegExp(`The Temporal dev server \\(pid ${first}\\) exited unasked \\(signal SIGKILL\\)`));
    assert.equal(await until('the first application readable again', () => stageOf(ids[0]!)), 'formal-submission');
    assert.equal(await stageOf(ids[1]!), 'preliminary-record');

    // The worker and the API reconnect by themselves (or are restarted): the next action is applied.
    await waitPending(ids[1]!, 'preliminary-record');
    const recorded = await postRetrying(engine, `/applications/${ids[1]}/preliminary-record`, 'intake-officer', { decision: 'pass', reason: '资格初审通过' });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
    assert.equal(recorded.body.stage, 'formal-submission');
  });

  it('when the API is killed under traffic, then it comes back and every filing lands exactly once', async () => {
    const numbers = Array.from({ length: 12 }, (_, i) => 1500 + i);
    const apiPid = pidOf(engine, 'API');
    const traffic = Promise.all(
      numbers.map(async (n, i) => {
        await new Promise((r) => setTimeout(r, i * 150));
        return postRetrying(engine, '/applications', 'applicant-system', filing(n));
      }),
    );
    await new Promise((r) => setTimeout(r, 600));
    process.kill(apiPid, 'SIGKILL');
    const answers = await traffic;
    assert.match(engine.output(), new RegExp(`The API \\(pid ${apiPid}\\) exited unasked \\(signal SIGKILL\\)`));
    assert.notEqual(pidOf(engine, 'API'), apiPid);
    for (const a of answers) assert.ok([200, 201].includes(a.status), JSON.stringify(a.body));
    assert.ok(answers.some((a) => a.attempts > 1), 'no request met the restart: the test proved nothing');
    const filedIds = answers.map((a) => a.body.id as string);
    assert.equal(new Set(filedIds).size, numbers.length);
    for (const id of filedIds) {
      const s = await until(`${id} past its dishonesty check`, async () => {
        const body = (await http(engine, 'GET', `/applications/${id}`, { role: 'auditor' })).body;
        return body?.pending?.length ? body : undefined;
      });
      assert.equal(s.stage, 'preliminary-record');
      assert.equal(s.audit.filter((a: any) => a.action === 'filing').length, 1, JSON.stringify(s.audit));
    }
    ids.push(...filedIds);
  });

  it('when Ctrl-C comes with actions in flight, then every request is answered (2xx, or 503 with Retry-After) and everything stops', async () => {
    const targets = ids.slice(2, 8);
    for (const id of targets) await waitPending(id, 'preliminary-record');
    const sent = targets.map((id) =>
      fetch(`${engine.apiUrl}/applications/${id}/preliminary-record`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Api-Key': engine.keys['intake-officer'], 'Idempotency-Key': randomUUID() },
        body: JSON.stringify({ decision: 'pass', reason: '资格初审通过' }),
      }).then(
        async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() }),
        (err: Error) => ({ status: 0, retryAfter: null, body: `no answer: ${(err.cause as Error | undefined)?.message ?? err.message}` }),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    const code = await engine.interrupt();
    const answers = await Promise.all(sent);
    for (const a of answers) {
      assert.ok(a.status === 200 || (a.status === 503 && a.retryAfter !== null), `a request was dropped or refused without Retry-After: ${JSON.stringify(a)}`);
    }
    assert.equal(code, 0);
    assert.match(engine.output(), /Stopping: the API, then the worker, then the dev server/);
    for (const port of Object.values(engine.ports)) assert.equal(await listening(port), false, `port ${port} still open`);

    // Whatever was answered 200 was applied, and nothing else: the state says so after a restart.
    engine = await startEngine(dataDir, engine.ports);
    for (const [i, id] of targets.entries()) {
      const stage = await stageOf(id);
      if (answers[i]!.status === 200) assert.equal(stage, 'formal-submission', id);
    }
  });
});
