/**
 * End to end, issue 5: one application of `dinghu-generic-drug-consistency` from filing to its
 * last tranche, over HTTP only, with the real worker and API processes connected to Temporal's
 * time-skipping test server. The server's clock stays locked while the test talks to the API and
 * moves only when the test advances it (a notice lasts five real working days).
 *
 * Each step follows the application's own `pending` item (role, action, path) to know what to
 * call next. The steps depend on each other: after the first failure the rest are skipped, and the
 * failure carries the worker and API output.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { shanghaiDate } from '../../domain/calendar';
import type { Role } from '../../domain/roles';
import { Worker } from '@temporalio/worker';
import { historyFromJson } from '../../scripts/history-json';
import { creditCode } from '../helpers/fixtures';
import { openRound } from '../helpers/rounds';
import { storySteps } from '../helpers/story';
import { workflowBundle } from '../helpers/temporal';
import { type Answer, startTimeSkippingEngine, type TimeSkippingEngine } from '../helpers/time-skipping-engine';

const DAY = 86_400_000;
const PROGRAM = 'dinghu-generic-drug-consistency';
const AWARD = '3500000.00';
const MILESTONES = [
  { milestone: 'be-filing', amount: '1000000.00' },
  { milestone: 'be-trial-submitted', amount: '1000000.00' },
  { milestone: 'consistency-passed', amount: '1500000.00' },
];

function doc(name: string) {
  const sha256 = createHash('sha256').update(`e2e:${name}`).digest('hex');
  return { name, sha256, url: `https://files.example.gov.cn/e2e/${sha256.slice(0, 12)}.pdf` };
}

describe(`one ${PROGRAM} application from filing to its last tranche, over HTTP, on the time-skipping server`, { timeout: 115_000 }, () => {
  let engine: TimeSkippingEngine;
  let id = '';

  before(async () => {
    engine = await startTimeSkippingEngine();
  });

  after(async () => {
    await engine?.stop();
  });

  /** A step of the story: skipped after an earlier failure; a failure names its step and carries the engine's output. */
  const step = storySteps(() => `--- worker / API / test server output (last part) ---\n${engine.output().slice(-10_000)}`);

  const path = (rest = '') => `/applications/${encodeURIComponent(id)}${rest ? `/${rest}` : ''}`;
  const state = async () => {
    const answer = await engine.http('GET', path(), 'auditor');
    assert.equal(answer.status, 200, `GET ${path()}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const expectOk = (answer: Answer, what: string, status = 200) =>
    assert.equal(answer.status, status, `${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);

  /** Polls the state (real time; the server clock stays locked) until `done`, or fails naming what it waited for. */
  async function until(what: string, done: (s: any) => boolean, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    for (;;) {
      last = await state();
      if (done(last)) return last;
      if (Date.now() > deadline) {
        assert.fail(`waited ${timeoutMs / 1000} s for ${what}; stage ${last.stage}, pending ${JSON.stringify(last.pending)}, tranches ${JSON.stringify(last.tranches?.map((t: any) => [t.n, t.status]))}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** The pending item for `action` must be there, for `role`; returns it. */
  function pendingFor(s: any, role: Role, action: string, pathIs?: string) {
    const item = (s.pending as any[]).find((p) => p.action === action);
    assert.ok(item, `no pending ${action} at stage ${s.stage}: ${JSON.stringify(s.pending)}`);
    assert.equal(item.role, role);
    if (pathIs) assert.equal(item.path, pathIs);
    return item;
  }

  /** Calls what the pending item says, as its role, with an Idempotency-Key. */
  async function act(s: any, role: Role, action: string, body: unknown, key: string, pathIs?: string): Promise<Answer> {
    const item = pendingFor(s, role, action, pathIs);
    const answer = await engine.http('POST', path(item.path), role, body, { 'Idempotency-Key': key });
    expectOk(answer, `POST ${item.path} as ${role}`);
    return answer;
  }

  const serverToday = async () => shanghaiDate((await engine.now()).getTime());

  step('the server clock stays put while nobody advances it, and moves when advanced', async () => {
    const before = await engine.now();
    await new Promise((r) => setTimeout(r, 300));
    const still = await engine.now();
    // Locked: the clock runs at wall-clock speed, no jumps.
    assert.ok(still.getTime() - before.getTime() < 5_000, `the clock jumped by itself: ${before.toISOString()} → ${still.toISOString()}`);
    assert.equal(Math.abs(before.getTime() - Date.now()) < 60_000, true, 'the test server starts at the real time');
    await engine.advance(3_600_000);
    const later = await engine.now();
    assert.ok(later.getTime() - still.getTime() >= 3_600_000, `advance(1 h) moved ${still.toISOString()} only to ${later.toISOString()}`);
    assert.ok(later.getTime() - still.getTime() < 3_600_000 + 60_000);
  });

  step('the working-day calendar covers the coming months (an admin supplies a missing year)', async () => {
    const now = await engine.now();
    const years = new Set([now, new Date(now.getTime() + 120 * DAY)].map((d) => Number(shanghaiDate(d.getTime()).slice(0, 4))));
    for (const year of years) {
      const known = await engine.http('GET', `/calendar/years/${year}`, 'auditor');
      if (known.status === 200) continue;
      assert.equal(known.status, 422, JSON.stringify(known.body));
      // Illustrative holidays (fixed-date ones only), as an admin would type in the State Council notice.
      const holidays = [`${year}-01-01`, `${year}-05-01`, `${year}-05-02`, `${year}-05-03`, ...[1, 2, 3, 4, 5, 6, 7].map((d) => `${year}-10-0${d}`)];
      expectOk(await engine.http('PUT', `/calendar/years/${year}`, 'admin', { holidays, workdays: [] }), `PUT /calendar/years/${year}`);
      expectOk(await engine.http('GET', `/calendar/years/${year}`, 'auditor'), `GET /calendar/years/${year}`);
    }
  });

  step('filing into the round the admin opened: 201 with the id, at preliminary-record waiting for the intake officer', async () => {
    // The API checks a filing against its own (wall) clock, and the server's is an hour ahead
    // (the step above): within an hour of midnight in Shanghai they name different days. The
    // round opens on the earlier one, so both are inside its window.
    const round = await openRound(engine.http, PROGRAM, { today: [await serverToday(), shanghaiDate(Date.now())].sort()[0]! });
    const filed = await engine.http('POST', '/applications', 'applicant-system', {
      programId: PROGRAM,
      roundId: round.id,
      applicant: { creditCode: creditCode(5501), name: '肇庆鼎湖示例制药有限公司' },
      project: { code: 'MET-XR-500', name: '盐酸二甲双胍缓释片 0.5g' },
      facts: { drugName: '盐酸二甲双胍缓释片' },
    });
    expectOk(filed, 'POST /applications', 201);
    id = filed.body.id;
    assert.equal(filed.body.roundId, round.id);
    // Per product (每品种): the product's code is the id's fourth part.
    assert.equal(id, `${PROGRAM}.${round.label}.${creditCode(5501)}.MET-XR-500`);
    const s = await until('the dishonesty check and the pending preliminary record', (x) => x.pending.some((p: any) => p.action === 'preliminary-record'));
    assert.equal(s.stage, 'preliminary-record');
    pendingFor(s, 'intake-officer', 'preliminary-record', 'preliminary-record');
  });

  step('preliminary record passed → formal-submission, waiting for the materials', async () => {
    await act(await state(), 'intake-officer', 'preliminary-record', { decision: 'pass', reason: '持有人注册在鼎湖区，委托区内研发公司，资格符合' }, 'e2e-preliminary-record');
    const s = await until('formal-submission', (x) => x.stage === 'formal-submission');
    pendingFor(s, 'applicant-system', 'materials', 'materials');
  });

  step('materials handed in → inspection (mandatory: 3500000.00 is at or above 1000000.00)', async () => {
    await engine.advance(1 * DAY);
    const documents = [
      { ...doc('扶持资金申请表'), materialId: 'application-form' },
      { ...doc('营业执照复印件'), materialId: 'business-licence' },
      { ...doc('委托区内研发公司的研发合同'), materialId: 'research-contract' },
    ];
    // One key, one action: the preliminary record's key sent with the materials is 422, and
    // the materials are not recorded (they were silently skipped before issue 14).
    const reused = await engine.http('POST', path('materials'), 'applicant-system', { documents }, { 'Idempotency-Key': 'e2e-preliminary-record' });
    assert.equal(reused.status, 422, JSON.stringify(reused.body));
    assert.equal(reused.body.type, '/problems/unprocessable');
    assert.equal(reused.body.errors[0].field, 'Idempotency-Key');
    assert.match(reused.body.detail, /used before for the action preliminary-record/);
    const unchanged = await state();
    assert.equal(unchanged.stage, 'formal-submission');
    assert.equal(unchanged.materials.submissions.length, 0);
    await act(await state(), 'applicant-system', 'materials', { documents }, 'e2e-materials');
    const s = await until('inspection', (x) => x.stage === 'inspection');
    assert.equal(s.award.amountByFormula, AWARD);
    assert.equal(s.inspection.required, true);
    assert.equal(s.inspection.why, 'threshold');
    pendingFor(s, 'inspector', 'inspection', 'inspection');
    // The 60-day review clock is a pending timer now; the locked server does not skip to it.
    const t0 = await engine.now();
    await new Promise((r) => setTimeout(r, 500));
    assert.ok((await engine.now()).getTime() - t0.getTime() < 5_000, 'the server skipped time by itself');
    assert.equal((await state()).stage, 'inspection');
  });

  step('a wrong role is refused with 403 and nothing changes', async () => {
    const answer = await engine.http('POST', path('inspection'), 'applicant-system', { result: 'pass', findings: '自查通过' }, { 'Idempotency-Key': 'e2e-wrong-role' });
    assert.equal(answer.status, 403, JSON.stringify(answer.body));
    const signOff = await engine.http('POST', path('sign-off'), 'reviewer', { decision: 'approve', amount: AWARD, reason: 'x' });
    assert.equal(signOff.status, 403, JSON.stringify(signOff.body));
    assert.equal((await state()).stage, 'inspection');
  });

  step('inspection passed → review, waiting for the recommendation', async () => {
    await engine.advance(2 * DAY);
    await act(await state(), 'inspector', 'inspection', { result: 'pass', findings: '现场核查：研发合同与BE备案资料真实' }, 'e2e-inspection');
    const s = await until('review', (x) => x.stage === 'review');
    pendingFor(s, 'reviewer', 'recommendation', 'recommendation');
  });

  step('recommendation to approve 3500000.00 → sign-off', async () => {
    await engine.advance(1 * DAY);
    await act(await state(), 'reviewer', 'recommendation', { decision: 'approve', amount: AWARD, reason: '符合四（二）1，按三个节点合计350万元' }, 'e2e-recommendation');
    const s = await until('sign-off', (x) => x.stage === 'sign-off');
    assert.equal(s.award.recommended, AWARD);
    pendingFor(s, 'approver', 'sign-off', 'sign-off');
  });

  step('sign-off approves 3500000.00 → public-notice for five working days, published once in the outbox', async () => {
    await engine.advance(1 * DAY);
    await act(await state(), 'approver', 'sign-off', { decision: 'approve', amount: AWARD, reason: '同意' }, 'e2e-sign-off');
    const s = await until('public-notice with the notice published', (x) => x.stage === 'public-notice' && x.notice);
    assert.equal(s.award.approved, AWARD);
    const notice = s.notice;
    assert.equal(notice.days.length, 5, `a notice lasts five working days: ${JSON.stringify(notice.days)}`);
    assert.equal(notice.publishedOn <= notice.days[0], true);
    assert.equal(notice.lastDay, notice.days[4]);
    assert.match(notice.closesAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.deepEqual(notice.objections, []);
    const notices = (await engine.outbox()).filter((m) => m.type === 'notice' && m.applicationId === id);
    assert.equal(notices.length, 1, JSON.stringify(await engine.outbox()));
  });

  step('nothing happens before the window closes; past notice.closesAt → agreement', async () => {
    const s0 = await state();
    const closesAt = Date.parse(s0.notice.closesAt);
    // One day before the close: still in notice.
    const early = closesAt - (await engine.now()).getTime() - DAY;
    if (early > 0) {
      await engine.advance(early);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await state()).stage, 'public-notice');
    }
    // Past the close, in bounded steps, until the engine moves on.
    let moved: any;
    for (let attempt = 0; attempt < 4 && !moved; attempt++) {
      const remaining = closesAt - (await engine.now()).getTime();
      await engine.advance(Math.max(remaining, 0) + 60_000 + attempt * 3_600_000);
      moved = await until('the notice to close', (x) => x.stage !== 'public-notice', 10_000).catch(() => undefined);
    }
    assert.ok(moved, `still at public-notice after advancing past ${s0.notice.closesAt} (server now ${(await engine.now()).toISOString()})`);
    const s = await until('agreement with its pending item', (x) => x.stage === 'agreement' && x.pending.length > 0);
    assert.ok((await engine.now()).getTime() >= closesAt);
    pendingFor(s, 'applicant-system', 'agreement', 'agreement');
  });

  step('agreement signed today (Asia/Shanghai, server time) → disbursement with three scheduled tranches', async () => {
    await engine.advance(1 * DAY);
    await act(await state(), 'applicant-system', 'agreement', { signedOn: await serverToday() }, 'e2e-agreement');
    const s = await until('disbursement with the schedule fixed', (x) => x.stage === 'disbursement' && x.tranches.length > 0);
    assert.deepEqual(
      s.tranches.map((t: any) => ({ n: t.n, milestone: t.milestone, amount: t.amount, status: t.status, paidOn: t.paidOn, treasuryReference: t.treasuryReference })),
      MILESTONES.map((m, i) => ({ n: i + 1, ...m, status: 'scheduled', paidOn: null, treasuryReference: null })),
    );
    pendingFor(s, 'applicant-system', 'progress', 'progress');
    assert.equal((await engine.outbox()).filter((m) => m.type === 'payment-instruction').length, 0);
  });

  for (const [i, { milestone, amount }] of MILESTONES.entries()) {
    const n = i + 1;
    step(`tranche ${n} (${milestone}, ${amount}): claimed → verified and instructed once → paid`, async () => {
      await engine.advance(3 * DAY);
      await act(await state(), 'applicant-system', 'progress', { milestone, evidence: [doc(`${milestone} 证明材料`)] }, `e2e-progress-${n}`);
      let s = await until(`tranche ${n} claimed`, (x) => x.tranches[i].status === 'claimed');

      await engine.advance(1 * DAY);
      await act(s, 'reviewer', 'verification', { accepted: true, reason: '节点证明材料核实无误' }, `e2e-verification-${n}`, `progress/${n}/verification`);
      s = await until(`tranche ${n} instructed`, (x) => x.tranches[i].status === 'instructed');
      const instructions = (await engine.outbox()).filter((m) => m.type === 'payment-instruction' && m.applicationId === id && m.tranche === n);
      assert.equal(instructions.length, 1, JSON.stringify(await engine.outbox()));
      assert.equal(instructions[0]!.amount, amount);

      await engine.advance(2 * DAY);
      const paidOn = await serverToday();
      const confirmation = { treasuryReference: `GK-E2E-${n}-${paidOn.replaceAll('-', '')}`, paidOn };
      if (n === 1) {
        // Money moves: a confirmation without an Idempotency-Key is 428, and nothing is recorded.
        const unkeyed = await engine.http('POST', path('tranches/1/confirmation'), 'finance-officer', confirmation);
        assert.equal(unkeyed.status, 428, JSON.stringify(unkeyed.body));
        assert.equal(unkeyed.body.type, '/problems/idempotency-key-required');
        assert.equal((await state()).tranches[0].status, 'instructed');
      }
      await act(s, 'finance-officer', 'confirmation', confirmation, `e2e-confirmation-${n}`, `tranches/${n}/confirmation`);
      s = await until(`tranche ${n} paid`, (x) => x.tranches[i].status === 'paid');
      assert.equal(s.tranches[i].paidOn, paidOn);
      assert.equal(s.tranches[i].treasuryReference, confirmation.treasuryReference);

      if (n === 1) {
        // The same confirmation retried with the same Idempotency-Key: 200, applied once.
        const again = await engine.http('POST', path('tranches/1/confirmation'), 'finance-officer', confirmation, { 'Idempotency-Key': 'e2e-confirmation-1' });
        expectOk(again, 'the retried confirmation of tranche 1');
        assert.equal(again.headers.get('idempotent-replayed'), 'true');
        // The same key with another body (another treasury reference) is 422: nothing changes.
        const otherBody = await engine.http('POST', path('tranches/1/confirmation'), 'finance-officer', { ...confirmation, treasuryReference: 'GK-OTHER' }, { 'Idempotency-Key': 'e2e-confirmation-1' });
        assert.equal(otherBody.status, 422, JSON.stringify(otherBody.body));
        const after = await state();
        const confirmations = after.audit.filter((a: any) => a.action === 'confirmation' && (a.details?.tranche ?? a.details?.n) === 1);
        assert.equal(confirmations.length, 1, JSON.stringify(after.audit.map((a: any) => [a.action, a.details?.tranche])));
        assert.equal(after.tranches[0].status, 'paid');
      }
    });
  }

  step('after the last tranche: monitoring (5-year stay obligation); the outbox has one instruction per tranche and one notice', async (t) => {
    const s = await until('monitoring', (x) => x.stage === 'monitoring');
    t.diagnostic(
      `server time ${(await engine.now()).toISOString()}; filed ${s.filedAt}; notice ${s.notice.days.join(' ')} (closes ${s.notice.closesAt}); ` +
        `agreement signed ${s.agreement?.signedOn}; paid ${s.tranches.map((x: any) => x.paidOn).join(' ')}`,
    );
    assert.deepEqual(s.tranches.map((t: any) => t.status), ['paid', 'paid', 'paid']);
    const stay = s.obligations.find((o: any) => o.id === 'stay-5-years');
    assert.equal(stay?.status, 'running');
    assert.equal(stay.startsOn, s.tranches[2].paidOn);

    const mine = (await engine.outbox()).filter((m) => m.applicationId === id);
    const instructions = mine.filter((m) => m.type === 'payment-instruction');
    assert.deepEqual(
      instructions.map((m) => ({ tranche: m.tranche, amount: m.amount })).sort((a, b) => Number(a.tranche) - Number(b.tranche)),
      MILESTONES.map((m, i) => ({ tranche: i + 1, amount: m.amount })),
    );
    for (const m of instructions) assert.equal(typeof m.idempotencyKey, 'string');
    assert.equal(new Set(instructions.map((m) => m.idempotencyKey)).size, 3);
    assert.equal(mine.filter((m) => m.type === 'notice').length, 1);
  });

  step('the audit trail over HTTP names every actor in order, each payment with its amount and references, and the notice timer; the raw history replays', async () => {
    const answer = await engine.http('GET', `${path()}/history`, 'auditor');
    expectOk(answer, 'GET history');
    const { entries, runs } = answer.body;
    assert.equal(runs.length, 1);
    const people = entries.filter((e: any) => ['filed', 'action'].includes(e.kind)).map((e: any) => e.actor.role);
    assert.deepEqual(people, [
      'applicant-system', // filed
      'intake-officer',
      'applicant-system', // materials
      'inspector',
      'reviewer',
      'approver',
      'applicant-system', // agreement
      ...MILESTONES.flatMap(() => ['applicant-system', 'reviewer', 'finance-officer']),
    ]);
    const instructions = entries.filter((e: any) => e.kind === 'effect' && e.action === 'sendPaymentInstruction');
    assert.deepEqual(
      instructions.map((e: any) => [e.paymentReference.tranche, e.amounts.amount, e.paymentReference.idempotencyKey]),
      MILESTONES.map((m, i) => [i + 1, m.amount, `${id}:tranche:${i + 1}:payment-instruction`]),
    );
    const confirmations = entries.filter((e: any) => e.kind === 'action' && e.action === 'confirmation');
    assert.equal(confirmations.length, MILESTONES.length);
    for (const [i, e] of confirmations.entries()) assert.match(e.paymentReference.treasuryReference, new RegExp(`^GK-E2E-${i + 1}-`));
    assert.ok(entries.some((e: any) => e.kind === 'timer-fired' && /public-notice/.test(e.timer?.purpose ?? '')), 'the notice window timer fired');
    assert.ok(entries.some((e: any) => e.kind === 'effect' && e.action === 'publishNotice'));

    const raw = await engine.http('GET', `${path()}/history?format=raw`, 'auditor');
    expectOk(raw, 'GET raw history');
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJson(raw.body), id);
  });
});
