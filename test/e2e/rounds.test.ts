/**
 * End to end, issue 16: funding rounds over HTTP, with the real worker and API processes on
 * Temporal's time-skipping test server. Every date comes from the server's clock.
 *
 * The story: an admin opens three 前海 rounds and a 江海 round at run time. Twenty retailers file
 * into the retail round; one of them also files a warehouse project, whose award the executive
 * meeting approves first. A double-dipping filing is refused. The windows close; each round draws
 * its spot check from the seed whose SHA-256 it published at opening. The meeting decides the
 * retail list in one act: one application returned, the retailer's second program cut by the
 * merchant cap (002 第六条), the rest scaled pro rata to the budget (002 第五条), exactly to the
 * fen. One notice lists them with its SHA-256; an upheld objection reduces one entry, which is
 * noticed again. After the notice the first tranches are paid. Apart, three sign-offs for the
 * same applicant at the same moment never take it over its annual cap.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { addCalendarDays, shanghaiDate } from '../../domain/calendar';
import { creditCode } from '../helpers/fixtures';
import { httpStory } from '../helpers/http-story';
import { storySteps } from '../helpers/story';
import { startTimeSkippingEngine, type TimeSkippingEngine } from '../helpers/time-skipping-engine';

const DAY = 86_400_000;
const RETAIL = 'qianhai-retail-growth';
const WAREHOUSE = 'qianhai-warehouse-smart-upgrade';
const MAJOR = 'jianghai-major-project';
const DINGHU = 'dinghu-emergency-major-project';
const RETAILERS = 20;
const BUDGET = '3000000.00';
/** Applicant numbers: retailer n is 6000 + n; the warehouse of retailer 1; the double dipper; the racer. */
const X = 6001;
const DIPPER = 6101;
const RACER = 6201;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const fen = (yuan: string) => BigInt(yuan.replace('.', ''));
const yuanOf = (f: bigint) => `${f / 100n}.${String(f % 100n).padStart(2, '0')}`;

const MATERIALS: Record<string, string[]> = {
  [RETAIL]: ['application-form', 'sales-statements', 'tax-authorisation'],
  [WAREHOUSE]: ['application-form', 'investment-evidence', 'no-duplicate-declaration'],
  [MAJOR]: ['application-form', 'feasibility-report', 'investment-agreement'],
};

describe('funding rounds over HTTP, on the time-skipping server: budget, pro rata, caps, double dipping, one notice list', { timeout: 600_000 }, () => {
  let engine: TimeSkippingEngine;
  let year = 0;
  let today = '';
  const rounds: Record<'retail' | 'warehouse' | 'single' | 'major' | 'dinghu', string> = { retail: '', warehouse: '', single: '', major: '', dinghu: '' };
  const retailIds: string[] = [];
  let xWarehouse = '';
  const racerIds: string[] = [];

  before(async () => {
    engine = await startTimeSkippingEngine();
  });
  after(async () => {
    await engine?.stop();
  });

  const step = storySteps(() => `--- worker / API / test server output (last part) ---\n${engine.output().slice(-12_000)}`);
  const { key, ok, app, until, act, toReview: reviewWith } = httpStory(() => engine, 'rounds-e2e');
  const round = async (id: string) => {
    const answer = await engine.http('GET', `/rounds/${encodeURIComponent(id)}`, 'auditor');
    ok(answer, `GET /rounds/${id}`);
    return answer.body;
  };
  /** Files into `roundId`; answers the id. */
  async function file(roundId: string, programId: string, n: number, facts: Record<string, string>, project?: { code: string; name: string }): Promise<string> {
    const answer = await engine.http('POST', '/applications', 'applicant-system', {
      programId,
      roundId,
      applicant: { creditCode: creditCode(n), name: `前海示例企业${n}有限公司` },
      ...(project ? { project } : {}),
      facts,
    });
    ok(answer, `filing ${programId} for ${n}`, 201);
    assert.equal(answer.body.roundId, roundId);
    return answer.body.id;
  }

  const toReview = (id: string, programId: string) => reviewWith(id, MATERIALS[programId]!);

  /** Inspection when required, then the recommendation of the formula's amount: at sign-off afterwards. */
  async function toSignOff(id: string): Promise<any> {
    let s = await app(id);
    if (s.stage === 'inspection') {
      await act(id, 'inspector', 'inspection', { result: 'pass', findings: '现场核查：申报材料真实' });
      s = await until(`${id}: review after inspection`, () => app(id), (x) => x.stage === 'review');
    }
    await act(id, 'reviewer', 'recommendation', { decision: 'approve', amount: s.award.amountByFormula, reason: '符合条件，按公式金额推荐' });
    return until(`${id}: sign-off`, () => app(id), (x) => x.stage === 'sign-off');
  }

  /** Advances the server clock past `instant`, in bounded steps, until `done`. */
  async function pastInstant(instant: string, what: string, done: () => Promise<boolean>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const remaining = Date.parse(instant) - (await engine.now()).getTime();
      await engine.advance(Math.max(remaining, 0) + 60_000 + attempt * 3_600_000);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (await done()) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.fail(`nothing happened past ${instant}: ${what}`);
  }

  step('the working-day calendar covers the coming months', async () => {
    const now = await engine.now();
    today = shanghaiDate(now.getTime());
    year = Number(today.slice(0, 4));
    const years = new Set([0, 200].map((d) => Number(shanghaiDate(now.getTime() + d * DAY).slice(0, 4))));
    for (const y of years) {
      if ((await engine.http('GET', `/calendar/years/${y}`, 'auditor')).status === 200) continue;
      const holidays = [`${y}-01-01`, `${y}-05-01`, `${y}-05-02`, `${y}-05-03`, ...[1, 2, 3, 4, 5, 6, 7].map((d) => `${y}-10-0${d}`)];
      ok(await engine.http('PUT', `/calendar/years/${y}`, 'admin', { holidays, workdays: [] }, { 'Idempotency-Key': key() }), `PUT /calendar/years/${y}`);
    }
  });

  step('an admin opens rounds at run time: the announced 前海 window is required, the seed hash is published, the seed is not', async () => {
    const window = { opens: today, closes: addCalendarDays(today, 27), announcement: '前海管理局关于受理商贸物流业扶持资金的公告（测试）' };
    const noWindow = await engine.http('POST', '/rounds', 'admin', { programId: RETAIL, budget: BUDGET });
    assert.equal(noWindow.status, 400, JSON.stringify(noWindow.body));
    assert.equal(noWindow.body.errors[0].field, 'window');
    const notAdmin = await engine.http('POST', '/rounds', 'approver', { programId: RETAIL, budget: BUDGET, window });
    assert.equal(notAdmin.status, 403);

    const open = async (body: Record<string, unknown>) => {
      const answer = await engine.http('POST', '/rounds', 'admin', body);
      ok(answer, `POST /rounds ${JSON.stringify(body)}`, 201);
      assert.match(answer.body.definition.spotCheck.seedSha256, /^[0-9a-f]{64}$/);
      assert.equal(answer.body.status, 'open');
      assert.equal(answer.body.draw, null);
      assert.equal(JSON.stringify(answer.body).includes('"seed"'), false, 'the seed stays secret until the draw');
      return answer.body.definition.id as string;
    };
    rounds.retail = await open({ programId: RETAIL, label: `${year}-retail`, budget: BUDGET, window });
    rounds.warehouse = await open({ programId: WAREHOUSE, label: `${year}-wh`, budget: '50000000.00', window });
    rounds.single = await open({ programId: WAREHOUSE, label: `${year}-single`, budget: '50000000.00', window, signOff: 'single' });
    rounds.major = await open({ programId: MAJOR, label: `${year}-major`, budget: '50000000.00', window });
    rounds.dinghu = await open({ programId: DINGHU, label: `${year}-dh`, budget: '500000000.00', window });
    assert.equal(rounds.retail, `${RETAIL}.${year}-retail`);

    const again = await engine.http('POST', '/rounds', 'admin', { programId: RETAIL, label: `${year}-retail`, budget: BUDGET, window });
    assert.equal(again.status, 409, JSON.stringify(again.body));
    // One key, one action: a retry of an opening gets the first answer; the key with another body is refused.
    const majorKey = key();
    const opening = { programId: MAJOR, label: `${year}-keyed`, budget: '1000000.00', window };
    const first = await engine.http('POST', '/rounds', 'admin', opening, { 'Idempotency-Key': majorKey });
    ok(first, 'a keyed opening', 201);
    const retried = await engine.http('POST', '/rounds', 'admin', opening, { 'Idempotency-Key': majorKey });
    ok(retried, 'the retried opening', 201);
    assert.equal(retried.headers.get('idempotent-replayed'), 'true');
    assert.equal(retried.body.definition.spotCheck.seedSha256, first.body.definition.spotCheck.seedSha256);
    const otherBody = await engine.http('POST', '/rounds', 'admin', { ...opening, budget: '2000000.00' }, { 'Idempotency-Key': majorKey });
    assert.equal(otherBody.status, 422, JSON.stringify(otherBody.body));
    const r = await round(rounds.retail);
    assert.equal(r.definition.signOff, 'batch');
    assert.deepEqual(r.definition.caps.map((c: any) => c.id), ['program-300wan', 'policy-3000wan', 'merchant-300wan']);
    const pub = await engine.http('GET', `/public/rounds/${rounds.retail}`);
    ok(pub, 'GET /public/rounds/:id without a credential');
    assert.equal(JSON.stringify(pub.body).includes('"seed"'), false);
  });

  step('filing: into a named round only; twenty retailers, a warehouse project of retailer 1; a second program of the same nature is refused (002 第三十六条)', async () => {
    const unknown = await engine.http('POST', '/applications', 'applicant-system', {
      programId: RETAIL, roundId: `${RETAIL}.${year}-nope`, applicant: { creditCode: creditCode(X), name: '前海示例企业' }, facts: { annualSales: '300000000.00', salesGrowthPercent: '12' },
    });
    assert.equal(unknown.status, 422, JSON.stringify(unknown.body));
    assert.equal(unknown.body.errors[0].field, 'roundId');

    for (let n = 1; n <= RETAILERS; n++) {
      const sales = n === 1 ? '800000000.00' : yuanOf(20_000_000_000n + BigInt(n) * 1_234_567_891n);
      retailIds.push(await file(rounds.retail, RETAIL, 6000 + n, { annualSales: sales, salesGrowthPercent: '12' }));
    }
    assert.equal(retailIds[0], `${RETAIL}.${year}-retail.${creditCode(X)}`);
    xWarehouse = await file(rounds.warehouse, WAREHOUSE, X, { actualInvestment: '25000000.00' }, { code: 'WH-6001', name: '前海综保区1号仓智慧化升级' });
    assert.equal(xWarehouse, `${WAREHOUSE}.${year}-wh.${creditCode(X)}.WH-6001`);

    const major = await file(rounds.major, MAJOR, DIPPER, { agreedInvestment: '400000000.00' }, { code: 'PRJ-6101', name: '应急装备产业园' });
    const dip = await engine.http('POST', '/applications', 'applicant-system', {
      programId: WAREHOUSE, roundId: rounds.warehouse, applicant: { creditCode: creditCode(DIPPER), name: '前海示例企业6101有限公司' },
      project: { code: 'PRJ-6101', name: '应急装备产业园' }, facts: { actualInvestment: '20000000.00' },
    });
    assert.equal(dip.status, 409, JSON.stringify(dip.body));
    assert.match(dip.body.rule, /第三十六条/);
    assert.equal(dip.body.others[0].applicationId, major);
    assert.equal(dip.body.errors[0].field, 'project.code');
    // 鼎湖 and 江海 have no rule of their own: the same project is filed, and shown to the reviewer with the other named.
    const shown = await file(rounds.dinghu, DINGHU, DIPPER, { fixedInvestment: '1500000000.00' }, { code: 'PRJ-6101', name: '应急装备产业园' });
    const check = (await app(shown)).project.check;
    assert.equal(check.verdict, 'shown-to-reviewer');
    assert.equal(check.others[0].applicationId, major);

    for (let i = 1; i <= 3; i++) racerIds.push(await file(rounds.single, WAREHOUSE, RACER, { actualInvestment: '25000000.00' }, { code: `WZ-${i}`, name: `前海综保区${i}号仓智慧化升级` }));
    const r = await round(rounds.retail);
    assert.equal(r.entries.length, RETAILERS);
  });

  step('preliminary record and materials for all; below the threshold, no recommendation before the round draws its spot check', async () => {
    for (const id of retailIds) {
      const s = await toReview(id, RETAIL);
      assert.equal(s.inspection.why, 'round-draw');
      assert.equal(s.inspection.roundDraw.status, 'pending');
      assert.equal(s.inspection.roundDraw.roundId, rounds.retail);
      const item = s.pending.find((p: any) => p.action === 'recommendation');
      assert.equal(item.path, null, 'nothing to call before the draw');
      assert.match(item.reason, /draws its spot check/);
    }
    const early = await engine.http('POST', `/applications/${retailIds[1]}/recommendation`, 'reviewer', { decision: 'approve', amount: '1.00', reason: '提前推荐' }, { 'Idempotency-Key': key() });
    assert.equal(early.status, 409, JSON.stringify(early.body));
    assert.match(early.body.detail, /drawn when its window closes/);
    const wh = await toReview(xWarehouse, WAREHOUSE);
    assert.equal(wh.inspection.why, 'threshold');
    for (const id of racerIds) await toReview(id, WAREHOUSE);
  });

  step('the windows close: filing is refused, each round draws 5 % of its applications below the threshold from its published seed', async () => {
    const r0 = await round(rounds.retail);
    await pastInstant(r0.definition.window.closesAt, 'the retail round to draw', async () => (await round(rounds.retail)).draw !== null);
    const late = await engine.http('POST', '/applications', 'applicant-system', {
      programId: RETAIL, roundId: rounds.retail, applicant: { creditCode: creditCode(6999), name: '迟到企业' }, facts: { annualSales: '300000000.00', salesGrowthPercent: '12' },
    });
    // The round itself refuses it (its clock is the server's): nothing is started.
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.match(late.body.detail, /is closed/);
    assert.equal((await engine.http('GET', `/applications/${RETAIL}.${year}-retail.${creditCode(6999)}`, 'auditor')).status, 404);

    const r = await round(rounds.retail);
    assert.equal(r.status, 'closed');
    const draw = r.draw;
    assert.equal(sha256(draw.seed), r.definition.spotCheck.seedSha256, 'the revealed seed is the one whose hash was published');
    // Recomputed here from the revealed seed alone: the lowest SHA-256("<seed>:<id>") of those below 100万.
    const below = r.entries.filter((e: any) => fen(e.amountByFormula) < fen(r.definition.spotCheck.threshold));
    assert.equal(below.length, RETAILERS);
    const ranked = below.map((e: any) => ({ id: e.applicationId, h: sha256(`${draw.seed}:${e.applicationId}`) })).sort((a: any, b: any) => (a.h < b.h ? -1 : 1));
    const count = Math.ceil((below.length * 5) / 100);
    assert.equal(draw.count, count);
    assert.deepEqual(draw.selected, ranked.slice(0, count).map((x: any) => x.id));
    // The public calculator and the public page agree.
    const calc = await engine.http('POST', '/calculations/round-draw', undefined, {
      seed: draw.seed, ratePercent: r.definition.spotCheck.ratePercent, threshold: r.definition.spotCheck.threshold, inclusive: r.definition.spotCheck.inclusive,
      applications: r.entries.map((e: any) => ({ applicationId: e.applicationId, amountByFormula: e.amountByFormula })),
    });
    ok(calc, 'POST /calculations/round-draw');
    assert.deepEqual(calc.body.selected, draw.selected);
    const pub = await engine.http('GET', `/public/rounds/${rounds.retail}`);
    assert.equal(JSON.stringify(pub.body).includes(draw.seed), true, 'the public page reveals the seed after the draw');

    // Each application's inspection names the draw.
    for (const id of retailIds) {
      const s = await until(`${id}: the draw decided`, () => app(id), (x) => x.inspection.roundDraw.status === 'drawn');
      assert.equal(s.inspection.why, 'round-draw');
      assert.equal(s.inspection.roundDraw.roundId, rounds.retail);
      assert.equal(s.inspection.roundDraw.selected, draw.selected.includes(id));
      assert.equal(s.inspection.required, draw.selected.includes(id));
      assert.equal(s.stage, draw.selected.includes(id) ? 'inspection' : 'review');
    }
  });

  step('the warehouse meeting approves retailer 1\'s project (250万): one list, noticed', async () => {
    await toSignOff(xWarehouse);
    const single = await engine.http('POST', `/applications/${xWarehouse}/sign-off`, 'approver', { decision: 'approve', amount: '2500000.00', reason: '同意' }, { 'Idempotency-Key': key() });
    assert.equal(single.status, 409, 'a round run by the executive meeting is signed off as one list');
    const meeting = await engine.http('POST', `/rounds/${rounds.warehouse}/sign-off`, 'approver', {
      meeting: { reference: `前海管理局局务会议纪要〔${year}〕1号`, date: await serverToday() },
      decisions: [{ applicationId: xWarehouse, decision: 'approve', amount: '2500000.00' }],
    }, { 'Idempotency-Key': key() });
    ok(meeting, 'the warehouse meeting');
    assert.equal(meeting.body.batch.lines[0].outcome, 'approved', JSON.stringify(meeting.body.batch.lines[0]));
    assert.equal(meeting.body.batch.lines[0].approvedAfterCaps, '2500000.00');
    const s = await until('the warehouse notice', () => app(xWarehouse), (x) => x.notice !== null);
    assert.equal(s.award.approved, '2500000.00');
  });

  let retailMeeting: any;
  step('the retail meeting decides the list in one act: one returned, retailer 1 cut by the merchant cap, the rest scaled pro rata to the budget exactly', async () => {
    const recommended: Record<string, string> = {};
    for (const id of retailIds) recommended[id] = (await toSignOff(id)).award.recommended;
    const atSignOff = await app(retailIds[1]!);
    assert.equal(atSignOff.pending.find((p: any) => p.action === 'sign-off').path, `/rounds/${rounds.retail}/sign-off`);
    const returned = retailIds[RETAILERS - 1]!;
    const decisions = retailIds.map((id) =>
      id === returned ? { applicationId: id, decision: 'return', reason: '材料需补充核实' } : { applicationId: id, decision: 'approve', amount: recommended[id] },
    );
    const k = key();
    const body = { meeting: { reference: `前海管理局局务会议纪要〔${year}〕2号`, date: await serverToday() }, decisions };
    const unkeyed = await engine.http('POST', `/rounds/${rounds.retail}/sign-off`, 'approver', body);
    assert.equal(unkeyed.status, 428);
    const answer = await engine.http('POST', `/rounds/${rounds.retail}/sign-off`, 'approver', body, { 'Idempotency-Key': k });
    ok(answer, 'the retail meeting');
    retailMeeting = answer.body;
    const lines = retailMeeting.batch.lines;
    assert.equal(lines.find((l: any) => l.applicationId === returned).outcome, 'returned');
    const x = lines.find((l: any) => l.applicationId === retailIds[0]);
    assert.equal(x.outcome, 'approved');
    assert.equal(recommended[retailIds[0]!], '800000.00');
    assert.equal(x.approvedAfterCaps, '500000.00', 'the merchant cap: 300万 under the policy, 250万 already held by the warehouse project');
    assert.equal(x.capCuts[0].capId, 'merchant-300wan');

    // A retry with the same key is the same act; the same key with another body is refused.
    const retry = await engine.http('POST', `/rounds/${rounds.retail}/sign-off`, 'approver', body, { 'Idempotency-Key': k });
    ok(retry, 'the retried meeting');
    assert.deepEqual(retry.body.batch, retailMeeting.batch);
    const other = await engine.http('POST', `/rounds/${rounds.retail}/sign-off`, 'approver', { ...body, meeting: { ...body.meeting, reference: '另一次会议' } }, { 'Idempotency-Key': k });
    assert.equal(other.status, 422, JSON.stringify(other.body));

    const r = await round(rounds.retail);
    assert.equal(r.allocations.length, RETAILERS - 1);
    const total = r.allocations.reduce((sum: bigint, a: any) => sum + fen(a.allocated), 0n);
    assert.equal(yuanOf(total), BUDGET, 'the awards sum to the budget to the fen');
    assert.equal(retailMeeting.batch.scaling.scaled, true);
    for (const a of r.allocations) {
      assert.ok(a.proRata, `${a.applicationId} explains its scaling`);
      assert.equal(a.proRata.factor, retailMeeting.batch.scaling.factor);
      assert.match(a.proRata.exactShare, /^\d+\.\d+$/);
      assert.ok([0, 1].includes(a.proRata.fenAdded));
      assert.ok(fen(a.allocated) <= fen(a.approved));
    }
    // Each application shows its own explanation, its amount after pro rata and the notice it is on.
    for (const a of r.allocations) {
      const s = await until(`${a.applicationId}: on the notice`, () => app(a.applicationId), (x) => x.notice !== null);
      assert.equal(s.award.approved, a.allocated);
      assert.equal(s.roundAward.proRata.fenAdded, a.proRata.fenAdded);
      assert.equal(s.roundAward.notice.sha256, r.notices[0].sha256);
      assert.equal(s.notice.days.length, 5);
    }
    const xState = await app(retailIds[0]!);
    assert.equal(xState.roundAward.caps.cuts[0].capId, 'merchant-300wan');
    // The auditor reads the cut with its reason in the application's audit, and the reservation,
    // the round's draw and notice in its history.
    assert.match(xState.audit.find((a: any) => a.action === 'award-cut').comment, /merchant/);
    const history = await engine.http('GET', `/applications/${retailIds[0]}/history`, 'auditor');
    ok(history, 'GET history');
    const text = JSON.stringify(history.body);
    for (const word of ['merchant-300wan', 'roundNotice', 'roundDraw']) assert.ok(text.includes(word), `the trail names ${word}`);
  });

  step('one notice lists the round with its SHA-256 over the canonical form; an upheld objection reduces one entry, noticed again', async () => {
    const r = await round(rounds.retail);
    assert.equal(r.notices.length, 1);
    const notice = r.notices[0];
    assert.equal(notice.kind, 'list');
    assert.equal(notice.entries.length, RETAILERS - 1);
    assert.equal(sha256(notice.canonical), notice.sha256);
    assert.equal((await engine.outbox()).filter((m) => m.type === 'round-notice' && m.roundId === rounds.retail).length, 1);

    const target = retailIds[4]!;
    const before = await app(target);
    await act(target, 'notice-officer', 'objections', { text: '该企业销售额统计口径有误', objector: { name: '匿名举报人' } });
    const reduced = yuanOf(fen(before.award.approved) / 2n);
    await act(target, 'approver', 'objections/1/resolution', { upheld: true, decision: '经核实，按核定销售额减半支持', amount: reduced });
    const r2 = await until('the correction notice', () => round(rounds.retail), (x) => x.notices.length === 2);
    const correction = r2.notices[1];
    assert.equal(correction.kind, 'correction');
    assert.deepEqual(correction.entries.map((e: any) => [e.applicationId, e.amount]), [[target, reduced]]);
    assert.equal(sha256(correction.canonical), correction.sha256);
    const a = r2.allocations.find((x: any) => x.applicationId === target);
    assert.equal(a.status, 'reduced');
    assert.equal(a.allocated, reduced);
    const s = await until(`${target}: noticed again`, () => app(target), (x) => x.notice.publication === 2);
    assert.equal(s.notice.amount, reduced);
    assert.equal(s.roundAward.notice.publication, 2);
    // Nobody else grew.
    for (const other of r2.allocations.filter((x: any) => x.applicationId !== target)) {
      assert.equal(other.allocated, r.allocations.find((y: any) => y.applicationId === other.applicationId).allocated);
    }
    const pub = await engine.http('GET', `/public/rounds/${rounds.retail}`);
    ok(pub, 'GET /public/rounds/:id');
    assert.deepEqual(pub.body.notices.map((n: any) => n.sha256), r2.notices.map((n: any) => n.sha256));
    // The list and the HTML page read visibility, which the time-skipping server lacks: test/e2e/rounds-listing.test.ts.
  });

  step('after the notice: the first tranches are paid, once each', async () => {
    const r = await round(rounds.retail);
    const latest = r.notices.at(-1).closesAt;
    const paid = r.allocations.filter((a: any) => a.status !== 'removed').map((a: any) => a.applicationId);
    await pastInstant(latest, 'the notices to close', async () => {
      for (const id of paid) if ((await app(id)).tranches[0]?.status !== 'instructed') return false;
      return true;
    });
    const paidOn = await serverToday();
    for (const id of paid) {
      const s = await app(id);
      await act(id, 'finance-officer', 'tranches/1/confirmation', { treasuryReference: `GK-R-${id.slice(-6)}`, paidOn });
      await until(`${id}: paid`, () => app(id), (x) => x.tranches[0].status === 'paid');
      const instructions = (await engine.outbox()).filter((m) => m.type === 'payment-instruction' && m.applicationId === id);
      assert.equal(instructions.length, 1);
      assert.equal(instructions[0]!.amount, s.award.approved);
    }
  });

  step('three sign-offs for the same applicant at the same moment never take it over its 600万 a year (002 第十一条)', async () => {
    for (const id of racerIds) await toSignOff(id);
    const answers = await Promise.all(
      racerIds.map((id) => engine.http('POST', `/applications/${id}/sign-off`, 'approver', { decision: 'approve', amount: '2500000.00', reason: '同意' }, { 'Idempotency-Key': key() })),
    );
    for (const a of answers) ok(a, 'a racing sign-off');
    const states = await Promise.all(racerIds.map((id) => until(`${id}: caps checked`, () => app(id), (x) => x.roundAward?.caps !== null)));
    const granted = states.map((s) => fen(s.award.approved ?? '0.00'));
    assert.equal(yuanOf(granted.reduce((a, b) => a + b, 0n)), '6000000.00', `granted ${granted.map(yuanOf).join(', ')}`);
    assert.deepEqual(granted.map(yuanOf).sort(), ['1000000.00', '2500000.00', '2500000.00']);
    const cut = states.find((s) => s.award.approved === '1000000.00');
    assert.equal(cut.roundAward.caps.cuts[0].capId, 'program-600wan');
  });

  async function serverToday(): Promise<string> {
    return shanghaiDate((await engine.now()).getTime());
  }
});
