/**
 * End to end, issue 15: a recovery case for a closed application, over HTTP only, with the real
 * worker and API processes on Temporal's time-skipping test server. A `dinghu-rnd-institution`
 * award is paid as one lump sum and the application completes (its workflow closes: the program
 * has no obligation period). Two months later an inspector reports fraud on it: the report opens
 * the recovery case, which every path shows under the application's id; the approver recovers;
 * the finance officer pays the outstanding amount shown that day, and the case is settled. A
 * report on an application that ended before any payment is a 409.
 *
 * The steps depend on each other: after the first failure the rest are skipped, and the failure
 * carries the worker and API output.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { shanghaiDate } from '../../domain/calendar';
import type { Role } from '../../domain/roles';
import { creditCode } from '../helpers/fixtures';
import { openRound } from '../helpers/rounds';
import { storySteps } from '../helpers/story';
import { type Answer, startTimeSkippingEngine, type TimeSkippingEngine } from '../helpers/time-skipping-engine';

const DAY = 86_400_000;
const PROGRAM = 'dinghu-rnd-institution';
const FACTS = { institutionCategory: 'national-key-lab-or-engineering-centre', recognitionDocument: '国科发〔2026〕12号' };
const AWARD = '2000000.00';

function doc(name: string, materialId?: string) {
  const sha256 = createHash('sha256').update(`e2e-recovery:${name}`).digest('hex');
  return { name, sha256, url: `https://files.example.gov.cn/e2e/${sha256.slice(0, 12)}.pdf`, ...(materialId ? { materialId } : {}) };
}

describe('a recovery case for a closed application, over HTTP, on the time-skipping server', { timeout: 115_000 }, () => {
  let engine: TimeSkippingEngine;
  let id = '';
  let unpaidId = '';

  before(async () => {
    engine = await startTimeSkippingEngine();
  });
  after(async () => {
    await engine?.stop();
  });

  const step = storySteps(() => `--- worker / API / test server output (last part) ---\n${engine.output().slice(-10_000)}`);
  const path = (app: string, rest = '') => `/applications/${encodeURIComponent(app)}${rest ? `/${rest}` : ''}`;
  const state = async (app = id) => {
    const answer = await engine.http('GET', path(app), 'auditor');
    assert.equal(answer.status, 200, `GET ${path(app)}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const expectOk = (answer: Answer, what: string, status = 200) =>
    assert.equal(answer.status, status, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  async function until(what: string, done: (s: any) => boolean | Promise<boolean>, app = id, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = await state(app);
      if (await done(last)) return last;
      if (Date.now() > deadline) assert.fail(`waited ${timeoutMs / 1000} s for ${what}; stage ${last.stage}, pending ${JSON.stringify(last.pending)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async function post(role: Role, action: string, body: unknown, key: string, app = id): Promise<Answer> {
    return engine.http('POST', path(app, action), role, body, { 'Idempotency-Key': key });
  }
  const serverToday = async () => shanghaiDate((await engine.now()).getTime());

  step('the working-day calendar covers the coming months', async () => {
    const now = await engine.now();
    const years = new Set([0, 200].map((days) => Number(shanghaiDate(now.getTime() + days * DAY).slice(0, 4))));
    for (const year of years) {
      if ((await engine.http('GET', `/calendar/years/${year}`, 'auditor')).status === 200) continue;
      const holidays = [`${year}-01-01`, `${year}-05-01`, `${year}-05-02`, `${year}-05-03`, ...[1, 2, 3, 4, 5, 6, 7].map((d) => `${year}-10-0${d}`)];
      expectOk(await engine.http('PUT', `/calendar/years/${year}`, 'admin', { holidays, workdays: [] }), `PUT /calendar/years/${year}`);
    }
  });

  step('two applications filed into the round the admin opened; one fails its preliminary record (rejected, nothing paid)', async () => {
    const round = await openRound(engine.http, PROGRAM, { today: await serverToday() });
    for (const n of [5601, 5602]) {
      // One application per recognised institution.
      const project = { code: `GJZDSYS-${n}`, name: `鼎湖示例国家重点实验室${n}` };
      const filed = await engine.http('POST', '/applications', 'applicant-system', { programId: PROGRAM, roundId: round.id, applicant: { creditCode: creditCode(n), name: '鼎湖示例研究院有限公司' }, project, facts: FACTS });
      expectOk(filed, 'POST /applications', 201);
      assert.equal(filed.body.id, `${round.id}.${creditCode(n)}.${project.code}`);
      if (n === 5601) id = filed.body.id;
      else unpaidId = filed.body.id;
    }
    for (const app of [id, unpaidId]) await until('the preliminary record pending', (x) => x.pending.some((p: any) => p.action === 'preliminary-record'), app);
    expectOk(await post('intake-officer', 'preliminary-record', { decision: 'fail', reason: '认定文件已过有效期' }, 'rec-unpaid-pr', unpaidId), 'preliminary record (fail)');
    await until('rejected', (x) => x.stage === 'rejected', unpaidId);
  });

  step('the other is approved, noticed, paid its lump sum and completed: its workflow has closed', async () => {
    expectOk(await post('intake-officer', 'preliminary-record', { decision: 'pass', reason: '资格符合' }, 'rec-pr'), 'preliminary record');
    await until('formal-submission', (x) => x.stage === 'formal-submission');
    await engine.advance(DAY);
    const documents = [doc('扶持资金申请表', 'application-form'), doc('国家重点实验室认定文件', 'recognition-document')];
    expectOk(await post('applicant-system', 'materials', { documents }, 'rec-materials'), 'materials');
    await until('inspection', (x) => x.stage === 'inspection');
    expectOk(await post('inspector', 'inspection', { result: 'pass', findings: '现场核查属实' }, 'rec-inspection'), 'inspection');
    await until('review', (x) => x.stage === 'review');
    expectOk(await post('reviewer', 'recommendation', { decision: 'approve', amount: AWARD, reason: '符合条件' }, 'rec-recommendation'), 'recommendation');
    expectOk(await post('approver', 'sign-off', { decision: 'approve', amount: AWARD, reason: '同意' }, 'rec-sign-off'), 'sign-off');
    const noticed = await until('the notice published', (x) => x.stage === 'public-notice' && x.notice);
    let moved: any;
    for (let attempt = 0; attempt < 4 && !moved; attempt++) {
      const remaining = Date.parse(noticed.notice.closesAt) - (await engine.now()).getTime();
      await engine.advance(Math.max(remaining, 0) + 60_000 + attempt * 3_600_000);
      moved = await until('the lump sum instructed', (x) => x.tranches[0]?.status === 'instructed', id, 10_000).catch(() => undefined);
    }
    assert.ok(moved, 'the lump sum is instructed once the notice closes');
    await engine.advance(DAY);
    const paidOn = await serverToday();
    expectOk(await post('finance-officer', 'tranches/1/confirmation', { treasuryReference: 'GK-REC-1', paidOn }, 'rec-confirmation'), 'confirmation');
    const s = await until('completed', (x) => x.stage === 'completed');
    assert.deepEqual(s.tranches.map((t: any) => [t.amount, t.status, t.paidOn]), [[AWARD, 'paid', paidOn]]);
    assert.equal(s.recovery, undefined);
  });

  step('two months later: a report on the application that paid nothing is 409 and says why', async () => {
    await engine.advance(60 * DAY);
    const answer = await post('inspector', 'fraud-report', { findings: '申报材料造假', evidence: [doc('核查笔录')] }, 'rec-unpaid-fraud', unpaidId);
    assert.equal(answer.status, 409, JSON.stringify(answer.body));
    assert.equal(answer.body.type, '/problems/conflict');
    assert.match(answer.body.detail, /ended at stage rejected before any money was paid: there is nothing to recover/);
    assert.equal((await state(unpaidId)).stage, 'rejected');
  });

  step('fraud on the completed application opens its recovery case: the same id, at recovery, waiting for the approver', async () => {
    const report = { findings: '认定文件系伪造，骗取扶持资金', evidence: [doc('核查笔录')] };
    const answer = await post('inspector', 'fraud-report', report, 'rec-fraud');
    expectOk(answer, 'fraud-report on the completed application');
    assert.equal(answer.body.id, id);
    assert.equal(answer.body.stage, 'recovery');
    assert.equal(answer.body.recovery.workflowId, `${id}.recovery`);
    assert.equal(answer.body.recovery.closedStage, 'completed');
    assert.ok(answer.body.links.self.endsWith(encodeURIComponent(id)));
    const s = await state();
    assert.equal(s.stage, 'recovery');
    assert.deepEqual(s.pending.map((p: any) => [p.role, p.action]), [['approver', 'clawback-decision']]);
    // A retry: answered again, applied once.
    const again = await post('inspector', 'fraud-report', report, 'rec-fraud');
    expectOk(again, 'the retried report');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal((await state()).reports.length, 1);
    // A retry of the confirmation made before the end is still answered from the application's keys.
    const confirmation = await post('finance-officer', 'tranches/1/confirmation', { treasuryReference: 'GK-REC-1', paidOn: s.tranches[0].paidOn }, 'rec-confirmation');
    expectOk(confirmation, 'the retried confirmation');
    assert.equal(confirmation.headers.get('idempotent-replayed'), 'true');
  });

  step('the approver recovers: clawback with interest at the LPR; the outstanding shown today, paid today, settles it', async () => {
    const decided = await post('approver', 'clawback-decision', { decision: 'recover', reason: '伪造认定文件骗取资金' }, 'rec-decision');
    expectOk(decided, 'clawback-decision');
    assert.equal(decided.body.stage, 'clawback');
    const s = await until('the repayment deadline', (x) => x.clawback?.lastDay);
    assert.equal(s.clawback.principal, AWARD);
    assert.ok(Number(s.clawback.interest) > 0, `interest accrued since the payment: ${s.clawback.interest}`);
    assert.equal(s.clawback.asOf, await serverToday());
    assert.deepEqual(s.pending.map((p: any) => [p.role, p.action]), [['finance-officer', 'repayments']]);
    assert.ok((await engine.outbox()).some((m) => m.type === 'credit-record' && m.applicationId === id), 'credit recorded under the application id');

    await engine.advance(10 * DAY);
    // The API reads as of its own (wall-clock) today, behind this server's skipped clock, so the
    // statement is as of the workflow's latest day here: pay what is shown, dated as shown.
    const shown = await state();
    assert.ok(shown.clawback.asOf > s.clawback.asOf && shown.clawback.asOf <= (await serverToday()), `asOf ${shown.clawback.asOf}`);
    assert.ok(Number(shown.clawback.outstanding) > Number(s.clawback.outstanding), 'interest accrued meanwhile');
    const paid = await post('finance-officer', 'repayments', { amount: shown.clawback.outstanding, paidOn: shown.clawback.asOf }, 'rec-repayment');
    expectOk(paid, 'the repayment of the outstanding shown');
    assert.equal(paid.body.stage, 'clawed-back');
    assert.equal(paid.body.clawback.outstanding, '0.00');
  });

  step('the case closed: a later action is 409; the audit trail runs across the application and its case', async () => {
    await until('the outcome told', async () => (await engine.outbox()).some((m) => m.idempotencyKey === `${id}:outcome:clawed-back`));
    const late = await post('inspector', 'fraud-report', { findings: '再次举报', evidence: [doc('举报')] }, 'rec-late');
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.match(late.body.detail, /has ended at stage clawed-back \(its recovery case is closed\)/);

    const history = await engine.http('GET', `${path(id, 'history')}?detail=brief`, 'auditor');
    expectOk(history, 'GET history');
    const actions = history.body.entries.map((e: any) => e.action);
    for (const a of ['confirmation', 'recovery-case-started', 'recovery-opened', 'fraud-report', 'clawback-decision', 'repayments', 'clawback-settled']) {
      assert.ok(actions.includes(a), `the trail shows ${a}: ${actions.join(' ')}`);
    }
    const runs = history.body.runs;
    assert.equal(runs.at(-1).status, 'completed');
    const raw = await engine.http('GET', runs.at(-1).links.raw, 'auditor');
    expectOk(raw, 'the raw history of the case\'s run, under the application\'s path');
  });
});
