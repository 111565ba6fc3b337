/**
 * End to end, issue 17: a catalog version published at run time, over HTTP, with the real worker
 * and API processes on Temporal's time-skipping test server. Every date comes from the server's
 * clock.
 *
 * The story: the shipped catalog is in force. An admin opens a 江海 major-project round and an
 * enterprise files into it; its application is under way. The admin then publishes a version in
 * which the last milestone of 四（二）3 pays 0.2 % instead of 0.4 % (a bad file first: refused,
 * naming the file, the path and the reason, and nothing changes). A round opened afterwards pins
 * the new version, and a filing into it is judged by it; the running application keeps the
 * version it pinned, and its recommendation is held to the old formula. Past versions stay
 * readable. The API restarts and the published version is still in force.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { addCalendarDays, shanghaiDate } from '../../domain/calendar';
import { creditCode } from '../helpers/fixtures';
import { httpStory } from '../helpers/http-story';
import { storySteps } from '../helpers/story';
import { startTimeSkippingEngine, type TimeSkippingEngine } from '../helpers/time-skipping-engine';

const DAY = 86_400_000;
const MAJOR = 'jianghai-major-project';
const FILE = `${MAJOR}.json`;
const MATERIALS = ['application-form', 'feasibility-report', 'investment-agreement'];
/** 0.3 % + 0.3 % + 0.4 % of 4亿 under the shipped catalog; 0.3 % + 0.3 % + 0.2 % under the published one. */
const INVESTMENT = '400000000.00';
const BY_SHIPPED = '4000000.00';
const BY_PUBLISHED = '3200000.00';

describe('catalog versions published at run time: new rounds and filings take them, running applications keep theirs', { timeout: 600_000 }, () => {
  let engine: TimeSkippingEngine;
  let today = '';
  let year = 0;
  let shipped = '';
  let published = '';
  let shippedFiles: Record<string, any> = {};
  const rounds = { before: '', after: '' };
  const apps = { running: '', lateIntoOld: '', underNew: '' };

  before(async () => {
    engine = await startTimeSkippingEngine();
  });
  after(async () => {
    await engine?.stop();
  });

  const step = storySteps(() => `--- worker / API / test server output (last part) ---\n${engine.output().slice(-12_000)}`);
  const { key, ok, app, until, act, toReview } = httpStory(() => engine, 'catalog-e2e');

  async function openRound(label: string): Promise<any> {
    const window = { opens: today, closes: addCalendarDays(today, 27) };
    const answer = await engine.http('POST', '/rounds', 'admin', { programId: MAJOR, label, budget: '50000000.00', window });
    ok(answer, `POST /rounds ${label}`, 201);
    return answer.body.definition;
  }
  async function file(roundId: string, n: number): Promise<any> {
    const answer = await engine.http('POST', '/applications', 'applicant-system', {
      programId: MAJOR,
      roundId,
      applicant: { creditCode: creditCode(n), name: `江海示例企业${n}有限公司` },
      project: { code: `PRJ-${n}`, name: `应急装备项目${n}` },
      facts: { agreedInvestment: INVESTMENT },
    });
    ok(answer, `filing for ${n} into ${roundId}`, 201);
    return answer.body;
  }
  /** Inspection (400万 is over the 100万 threshold), then review. */
  async function toRecommendation(id: string): Promise<any> {
    let s = await toReview(id, MATERIALS);
    if (s.stage === 'inspection') {
      await act(id, 'inspector', 'inspection', { result: 'pass', findings: '现场核查：项目投资属实' });
      s = await until(`${id}: review after inspection`, () => app(id), (x) => x.stage === 'review');
    }
    return s;
  }

  step('the working-day calendar covers the coming months; the shipped catalog is the one version, in force', async () => {
    const now = await engine.now();
    today = shanghaiDate(now.getTime());
    year = Number(today.slice(0, 4));
    for (const y of new Set([0, 120].map((d) => Number(shanghaiDate(now.getTime() + d * DAY).slice(0, 4))))) {
      if ((await engine.http('GET', `/calendar/years/${y}`, 'auditor')).status === 200) continue;
      ok(await engine.http('PUT', `/calendar/years/${y}`, 'admin', { holidays: [`${y}-01-01`, `${y}-10-01`], workdays: [] }), `PUT /calendar/years/${y}`);
    }
    const versions = await engine.http('GET', '/catalog/versions', 'auditor');
    ok(versions, 'GET /catalog/versions');
    assert.equal(versions.body.publications.length, 1);
    const [first] = versions.body.publications;
    assert.equal(first.source, 'files');
    assert.equal(first.inForce, true);
    shipped = versions.body.inForce;
    assert.match(shipped, /^sha256:[0-9a-f]{16}$/);
    const programs = await engine.http('GET', '/programs', 'applicant-system');
    assert.equal(programs.body.catalogVersion, shipped);
    const whole = await engine.http('GET', `/catalog/versions/${shipped}`, 'admin');
    ok(whole, 'GET /catalog/versions/:version');
    shippedFiles = whole.body.programs;
    assert.ok(shippedFiles[FILE], `the version holds ${FILE}`);
  });

  step('a round opened now pins the shipped version; an application filed into it records it', async () => {
    const definition = await openRound(`${year}-before`);
    rounds.before = definition.id;
    assert.equal(definition.catalogVersion, shipped);
    const filed = await file(rounds.before, 7101);
    apps.running = filed.id;
    assert.equal(filed.catalogVersion, shipped);
    const s = await toRecommendation(apps.running);
    assert.equal(s.award.amountByFormula, BY_SHIPPED);
  });

  step('a bad program is refused, naming the file, the JSON path and the reason; only an admin publishes; nothing changes', async () => {
    const bad = structuredClone(shippedFiles);
    bad[FILE].formula.lines[2].ratePercent = 'zero point two';
    const refused = await engine.http('POST', '/catalog/versions', 'admin', { programs: bad, basedOn: shipped }, { 'Idempotency-Key': key() });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.file, FILE);
    assert.equal(refused.body.path, '$.formula.lines[2].ratePercent');
    assert.ok(refused.body.reason.length > 0);
    assert.equal(refused.body.errors[0].field, `programs["${FILE}"].formula.lines[2].ratePercent`);

    const misnamed = await engine.http('POST', '/catalog/versions', 'admin', { programs: { 'another-name.json': shippedFiles[FILE] } });
    assert.equal(misnamed.status, 422, JSON.stringify(misnamed.body));
    assert.equal(misnamed.body.path, '$.id');

    const notAdmin = await engine.http('POST', '/catalog/versions', 'approver', { programs: shippedFiles });
    assert.equal(notAdmin.status, 403);
    const versions = await engine.http('GET', '/catalog/versions', 'auditor');
    assert.equal(versions.body.inForce, shipped);
    assert.equal(versions.body.publications.length, 1);
  });

  step('the admin publishes a version: in force at once, one key one publication, a stale base refused', async () => {
    const changed = structuredClone(shippedFiles);
    changed[FILE].formula.lines[2].ratePercent = '0.2';
    const body = { programs: changed, basedOn: shipped, note: '区政府常务会议调整：投资达100%时按0.2%奖励（测试）' };
    const publishKey = key();
    const first = await engine.http('POST', '/catalog/versions', 'admin', body, { 'Idempotency-Key': publishKey });
    ok(first, 'POST /catalog/versions', 201);
    published = first.body.version;
    assert.notEqual(published, shipped);
    assert.equal(first.body.publication.inForce, true);
    assert.equal(first.body.publication.basedOn, shipped);
    assert.equal(first.body.publication.publishedBy.role, 'admin');

    const retried = await engine.http('POST', '/catalog/versions', 'admin', body, { 'Idempotency-Key': publishKey });
    ok(retried, 'the retried publication', 201);
    assert.equal(retried.headers.get('idempotent-replayed'), 'true');
    assert.equal(retried.body.publication.seq, first.body.publication.seq);
    const otherBody = await engine.http('POST', '/catalog/versions', 'admin', { ...body, note: 'another' }, { 'Idempotency-Key': publishKey });
    assert.equal(otherBody.status, 422, JSON.stringify(otherBody.body));
    const stale = await engine.http('POST', '/catalog/versions', 'admin', { programs: shippedFiles, basedOn: shipped }, { 'Idempotency-Key': key() });
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.equal(stale.body.inForce, published);

    const versions = await engine.http('GET', '/catalog/versions', 'auditor');
    assert.equal(versions.body.inForce, published);
    assert.deepEqual(versions.body.publications.map((p: any) => [p.version, p.source]), [[shipped, 'files'], [published, 'api']]);
  });

  step('GET /programs reads the version in force, and any past one with ?version=; previews follow the version', async () => {
    const now = await engine.http('GET', `/programs/${MAJOR}`, 'reviewer');
    assert.equal(now.body.catalogVersion, published);
    assert.equal(now.body.formula.lines[2].ratePercent, '0.2');
    const then = await engine.http('GET', `/programs/${MAJOR}?version=${encodeURIComponent(shipped)}`, 'reviewer');
    assert.equal(then.body.catalogVersion, shipped);
    assert.equal(then.body.formula.lines[2].ratePercent, '0.4');
    const list = await engine.http('GET', `/programs?version=${encodeURIComponent(shipped)}`, 'auditor');
    assert.equal(list.body.catalogVersion, shipped);
    const unknown = await engine.http('GET', '/programs?version=sha256:0000000000000000', 'auditor');
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    const malformed = await engine.http('GET', '/programs?version=latest', 'auditor');
    assert.equal(malformed.status, 400, JSON.stringify(malformed.body));
    assert.equal(malformed.body.errors[0].field, 'version');

    const preview = await engine.http('POST', `/programs/${MAJOR}/award-preview`, undefined, { agreedInvestment: INVESTMENT });
    assert.equal(preview.body.amount, BY_PUBLISHED);
    const previewThen = await engine.http('POST', `/programs/${MAJOR}/award-preview?version=${encodeURIComponent(shipped)}`, undefined, { agreedInvestment: INVESTMENT });
    assert.equal(previewThen.body.amount, BY_SHIPPED);
  });

  step('a round opened after the publication pins it, and a filing into it is judged by it; the older round keeps its version', async () => {
    const definition = await openRound(`${year}-after`);
    rounds.after = definition.id;
    assert.equal(definition.catalogVersion, published);
    const underNew = await file(rounds.after, 7102);
    apps.underNew = underNew.id;
    assert.equal(underNew.catalogVersion, published);
    const lateIntoOld = await file(rounds.before, 7103);
    apps.lateIntoOld = lateIntoOld.id;
    assert.equal(lateIntoOld.catalogVersion, shipped, 'a round judges every filing by the version it opened under');
    assert.equal((await toRecommendation(apps.underNew)).award.amountByFormula, BY_PUBLISHED);
    assert.equal((await toRecommendation(apps.lateIntoOld)).award.amountByFormula, BY_SHIPPED);
  });

  step('the running application keeps its version: its recommendation is held to the shipped formula, the new one to the new', async () => {
    const running = await app(apps.running);
    assert.equal(running.catalogVersion, shipped);
    await act(apps.running, 'reviewer', 'recommendation', { decision: 'approve', amount: BY_SHIPPED, reason: '按立项时的公式金额推荐' });
    const recommended = await until(`${apps.running}: sign-off`, () => app(apps.running), (x) => x.stage === 'sign-off');
    assert.equal(recommended.award.recommended, BY_SHIPPED);

    const over = await engine.http('POST', `/applications/${encodeURIComponent(apps.underNew)}/recommendation`, 'reviewer', { decision: 'approve', amount: BY_SHIPPED, reason: '超出新公式' }, { 'Idempotency-Key': key() });
    assert.equal(over.status, 400, JSON.stringify(over.body));
    assert.match(JSON.stringify(over.body), new RegExp(BY_PUBLISHED.replace('.', '\\.')));
    await act(apps.underNew, 'reviewer', 'recommendation', { decision: 'approve', amount: BY_PUBLISHED, reason: '按新公式金额推荐' });
  });

  step('the API restarts: the published version is still in force (the shipped files were seen before)', async () => {
    await engine.kill('api', 'SIGTERM');
    await engine.start('api');
    const versions = await engine.http('GET', '/catalog/versions', 'auditor');
    ok(versions, 'GET /catalog/versions after the restart');
    assert.equal(versions.body.inForce, published);
    assert.equal(versions.body.publications.length, 2);
  });
});
