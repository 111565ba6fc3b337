/**
 * End to end, issue 7: the API as other systems, staff and auditors use it, on the dev server
 * (`npm start`, SQLite visibility), with all three kinds of credential: development keys, hashed
 * production keys (one holding two roles, one bound to two applicants) and bearer JWTs signed by
 * a real key served from a JWKS endpoint in this test.
 *
 * It proves every cell of the role × endpoint matrix, listing with each filter and pagination,
 * injection refused in every filter, the audit trail of a lifecycle to its end naming every actor
 * in order, the raw history replaying against the workflow code, idempotent filing, and
 * problem+json for every error class.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Worker } from '@temporalio/worker';
import { ROLES, type Role } from '../../domain/roles';
import { ROUTES, type RouteSpec } from '../../api/routes';
import { historyFromJson } from '../../scripts/history-json';
import { creditCode } from '../helpers/fixtures';
import { doc } from '../helpers/lifecycle';
import { illustrativeCalendar } from '../../scripts/illustrative-calendar';
import { http, type HttpAnswer, type RunningEngine, startEngine } from '../helpers/engine';
import { openRound } from '../helpers/rounds';
import { tempDir, workflowBundle } from '../helpers/temporal';
import { openDatabase } from '../../lib/database';

const EMERGENCY = 'dinghu-emergency-major-project';
const ENERGY = 'dinghu-energy-saving-equipment';
const ISSUER = 'https://idp.example.gov.cn/realms/district';
const AUDIENCE = 'subsidy-engine';

const MATERIALS = ['application-form', 'business-licence', 'project-recognition', 'project-filing-certificate', 'fixed-investment-audit'].map((m) =>
  doc(`${m}.pdf`, m),
);

/** The round each program files into, opened in `before`. */
const roundIds: Record<string, string> = {};

/** Both programs award per project: each applicant files its own project (the code ends with its credit code's). */
const projectCodeOf = (code: string) => `XM-${code.slice(-8)}`;

const filingOf = (programId: string, code: string, investment = '1200000000.00') => ({
  programId,
  roundId: roundIds[programId]!,
  applicant: { creditCode: code, name: '肇庆示例装备有限公司' },
  project: { code: projectCodeOf(code), name: '应急装备产业园' },
  facts: { fixedInvestment: investment, projectName: '应急装备产业园' },
});

/** Production keys: the secret is known to the test only; the engine holds its SHA-256. */
const PROD = {
  twoRoles: { id: 'staff-li', name: 'Li Ming', roles: ['reviewer', 'approver'] as Role[], key: randomBytes(24).toString('base64url') },
  bound: { id: 'system-yuexin', name: 'Yuexin filing system', roles: ['applicant-system'] as Role[], applicants: [creditCode(7001), creditCode(7002)], key: randomBytes(24).toString('base64url') },
  auditor: { id: 'audit-office-1', name: 'District audit office', roles: ['auditor'] as Role[], key: randomBytes(24).toString('base64url') },
  limited: { id: 'rate-probe', name: 'Rate probe', roles: ['auditor'] as Role[], key: randomBytes(24).toString('base64url') },
};

const RATE_LIMIT = 1000;

describe('the API for other systems, staff and auditors, on the dev server', { timeout: 600_000 }, () => {
  let engine: RunningEngine;
  let jwks: Server;
  let signingKey: CryptoKey;
  const dataDir = tempDir('e2e-api');
  /** An application of the development applicant system, left at preliminary-record. */
  let appId = '';
  /** The label of the round the dinghu programs file into today. */
  let round = '';

  const asKey = (key: string) => ({ key });
  const call = (method: string, path: string, options: Parameters<typeof http>[3] = {}) => http(engine, method, path, options);
  const bearer = (token: string, extra: Record<string, string> = {}) => ({ headers: { Authorization: `Bearer ${token}`, ...extra } });

  async function token(claims: Record<string, unknown>, options: { expiresIn?: string; key?: CryptoKey; issuer?: string; audience?: string } = {}) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'test-1' })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '10m')
      .sign(options.key ?? signingKey);
  }

  function assertProblem(answer: HttpAnswer, status: number, type: string, field?: string) {
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.equal(answer.body.type, `/problems/${type}`);
    assert.equal(answer.body.status, status);
    assert.equal(typeof answer.body.title, 'string');
    assert.equal(typeof answer.body.detail, 'string');
    assert.equal(answer.body.requestId, answer.headers.get('x-request-id'));
    assert.doesNotMatch(JSON.stringify(answer.body), /\bat [\w.<>]+ \(|node_modules|\.ts:\d+/, 'no stack trace or internals');
    if (field) assert.ok(answer.body.errors?.some((e: any) => e.field === field), `no error for ${field}: ${JSON.stringify(answer.body)}`);
  }

  /** Visibility is eventually consistent: ask until the answer satisfies `ok`. */
  async function eventually(path: string, options: Parameters<typeof http>[3], ok: (a: HttpAnswer) => boolean, what: string): Promise<HttpAnswer> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await call('GET', path, options);
      if (ok(answer)) return answer;
      if (Date.now() > deadline) assert.fail(`waited 20 s for ${what}; last answer ${answer.status} ${JSON.stringify(answer.body).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function stateWhen(id: string, ok: (s: any) => boolean, what: string): Promise<any> {
    return (await eventually(`/applications/${id}`, { role: 'auditor' }, (a) => a.status === 200 && ok(a.body), what)).body;
  }

  before(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    signingKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'test-1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/certs`;

    const entries = Object.values(PROD).map(({ key, ...entry }) => ({ ...entry, sha256: createHash('sha256').update(key).digest('hex') }));
    writeFileSync(join(dataDir, 'api-keys.json'), JSON.stringify(entries, null, 2));

    engine = await startEngine(dataDir, undefined, {
      DEV_API_KEYS: 'true',
      API_KEY_HASHES_FILE: join(dataDir, 'api-keys.json'),
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_URL: jwksUrl,
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    });

    // Deadlines near a year end reach into next year: an admin supplies it when nobody has yet
    // (an illustrative calendar, test data only).
    const nextYear = new Date().getUTCFullYear() + 1;
    if ((await call('GET', `/calendar/years/${nextYear}`, { role: 'auditor' })).status === 422) {
      const supplied = await call('PUT', `/calendar/years/${nextYear}`, { role: 'admin', body: illustrativeCalendar(nextYear) });
      assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
    }

    // Filing is into an open round: the admin opens one for each program (the same label for both).
    const asAdmin = (method: string, path: string, role: Role, body: unknown) => call(method, path, { role, body });
    const emergency = await openRound(asAdmin, EMERGENCY);
    roundIds[EMERGENCY] = emergency.id;
    roundIds[ENERGY] = (await openRound(asAdmin, ENERGY, { label: emergency.label })).id;

    const filed = await call('POST', '/applications', { role: 'applicant-system', body: filingOf(EMERGENCY, creditCode(7100)) });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    appId = filed.body.id;
    round = filed.body.round;
    assert.equal(round, emergency.label);
    assert.equal(appId, `${EMERGENCY}.${round}.${creditCode(7100)}.${projectCodeOf(creditCode(7100))}`);
  });

  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
    jwks?.close();
  });

  // ---- The role × endpoint matrix, cell by cell -----------------------------------------------

  /** A concrete request for a route template; bodies are empty, so allowed writes stop at validation. */
  /** A valid question for each public calculator. */
  const CALCULATIONS: Record<string, { path: string; body?: unknown }> = {
    workingDays: { path: '/calendar/working-days?from=2026-10-08&count=5' },
    previewAward: { path: `/programs/${EMERGENCY}/award-preview`, body: { fixedInvestment: '1200000000.00' } },
    calculateClawback: {
      path: '/calculations/clawback',
      body: { tranches: [{ amount: '1000000.00', paidOn: '2024-01-01' }], decisionDate: '2024-11-15', rateMode: 'fixed-at-decision', dayCount: 'ACT/360', tenor: '1Y' },
    },
    calculateRoundDraw: {
      path: '/calculations/round-draw',
      body: { seed: 'seed', ratePercent: '5', threshold: '1000000.00', inclusive: true, applications: [{ applicationId: `${EMERGENCY}.2026.${creditCode(7001)}`, amountByFormula: '1.00' }] },
    },
  };

  function requestFor(route: RouteSpec): { path: string; body?: unknown } {
    const path = route.path
      .replace(':id', route.path.startsWith('/programs') ? EMERGENCY : appId)
      .replace(':n', '1')
      .replace(':year', '2026');
    return route.method === 'get' ? { path } : { path, body: {} };
  }

  describe('every cell of the role × endpoint matrix (development key of each role)', () => {
    for (const route of ROUTES.filter((r) => r.audience !== 'public')) {
      it(`${route.method.toUpperCase()} ${route.path}`, async () => {
        const { path, body } = requestFor(route);
        for (const role of ROLES) {
          const answer = await call(route.method.toUpperCase(), path, { role, ...(body === undefined ? {} : { body }) });
          const allowed = (route.audience as readonly Role[]).includes(role);
          if (allowed) {
            assert.ok(![401, 403].includes(answer.status), `${role} may call ${route.method.toUpperCase()} ${path} but got ${answer.status} ${JSON.stringify(answer.body)}`);
          } else {
            assertProblem(answer, 403, 'forbidden');
            assert.match(answer.body.detail, new RegExp(`is for the .*${(route.audience as readonly Role[])[0]}`));
          }
        }
      });
    }

    it('public routes answer without a credential, the calculators (政策计算器) too', async () => {
      for (const route of ROUTES.filter((r) => r.audience === 'public')) {
        // A public round that does not exist: 404 where the rounds are read, 503 where they are not.
        const { path, body } = route.calculator ? CALCULATIONS[route.operationId]! : { path: route.path.replace(':id', `${EMERGENCY}.1999`), body: undefined };
        const answer = await call(route.method.toUpperCase(), path, body === undefined ? {} : { body });
        const expected = route.calculator ? [200] : route.path.includes(':id') ? [404, 503] : [200, 503];
        assert.ok(expected.includes(answer.status), `${route.path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    });

    it('auditors change nothing: every write is 403 for the auditor key and for a production auditor key', async () => {
      const writes = ROUTES.filter((r) => r.method !== 'get' && r.audience !== 'public' && !r.readOnly);
      assert.ok(writes.length >= 20);
      for (const route of writes) {
        const { path, body } = requestFor(route);
        assertProblem(await call(route.method.toUpperCase(), path, { role: 'auditor', body }), 403, 'forbidden');
        assertProblem(await call(route.method.toUpperCase(), path, { ...asKey(PROD.auditor.key), body }), 403, 'forbidden');
      }
    });
  });

  describe('credentials: hashed production keys, several roles, applicant binding, bearer JWTs', () => {
    it('a key bound to two applicants files for them, and is refused for any other applicant', async () => {
      const own = await call('POST', '/applications', { ...asKey(PROD.bound.key), body: filingOf(EMERGENCY, creditCode(7001)) });
      assert.equal(own.status, 201, JSON.stringify(own.body));
      const other = await call('POST', '/applications', { ...asKey(PROD.bound.key), body: filingOf(EMERGENCY, creditCode(7003)) });
      assertProblem(other, 403, 'forbidden');
      assert.match(other.body.detail, new RegExp(creditCode(7003)));
      // Reading and acting on someone else's application: refused before Temporal is asked.
      assertProblem(await call('GET', `/applications/${appId}`, asKey(PROD.bound.key)), 403, 'forbidden');
      assertProblem(await call('POST', `/applications/${appId}/withdrawal`, { ...asKey(PROD.bound.key), body: { reason: '撤回' } }), 403, 'forbidden');
      assert.equal((await call('GET', `/applications/${own.body.id}`, asKey(PROD.bound.key))).status, 200);
    });

    it('the filer recorded is the credential, never the body: a body naming an actor is refused', async () => {
      const body = { ...filingOf(EMERGENCY, creditCode(7002)), actor: { id: 'someone-else', role: 'approver', name: 'x' } };
      assertProblem(await call('POST', '/applications', { ...asKey(PROD.bound.key), body }), 400, 'validation', 'actor');
      const filed = await call('POST', '/applications', { ...asKey(PROD.bound.key), body: filingOf(EMERGENCY, creditCode(7002)) });
      assert.equal(filed.status, 201, JSON.stringify(filed.body));
      const state = await stateWhen(filed.body.id, (s) => s.stage === 'preliminary-record', 'the filed application');
      assert.deepEqual(state.filedBy ?? state.audit[0].actor, { id: 'system-yuexin', role: 'applicant-system', name: 'Yuexin filing system' });
    });

    it('a bearer JWT acts with the id, name and role of its claims', async () => {
      const jwt = await token({ sub: 'intake-zhao', name: 'Zhao Lei', roles: ['intake-officer'] });
      const answer = await call('POST', `/applications/${appId}/preliminary-record`, {
        ...bearer(jwt, { 'Idempotency-Key': 'e2e-api-prelim' }),
        body: { decision: 'pass', reason: '资格符合' },
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const entry = answer.body.audit.find((a: any) => a.action === 'preliminary-record');
      assert.deepEqual(entry.actor, { id: 'intake-zhao', role: 'intake-officer', name: 'Zhao Lei' });
      assert.equal(answer.headers.get('idempotency-key'), 'e2e-api-prelim');
      assert.equal(answer.headers.get('idempotent-replayed'), null);

      // One key, one action: the same key from another caller (a development key of the same role) is 422.
      const otherCaller = await call('POST', `/applications/${appId}/preliminary-record`, {
        role: 'intake-officer', headers: { 'Idempotency-Key': 'e2e-api-prelim' }, body: { decision: 'pass', reason: '资格符合' },
      });
      assertProblem(otherCaller, 422, 'unprocessable', 'Idempotency-Key');
      // The same caller, key and body: the first answer again, applied once.
      const retried = await call('POST', `/applications/${appId}/preliminary-record`, {
        ...bearer(jwt, { 'Idempotency-Key': 'e2e-api-prelim' }),
        body: { reason: '资格符合', decision: 'pass' },
      });
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.headers.get('idempotent-replayed'), 'true');
      assert.equal(retried.body.audit.filter((a: any) => a.action === 'preliminary-record').length, 1);
    });

    it('a refused token says why: expired, another issuer, another audience, another signing key, no known role', async () => {
      const other = (await generateKeyPair('ES256')).privateKey;
      const cases: Array<[string, Promise<string>, RegExp]> = [
        ['expired', token({ sub: 'a', roles: ['auditor'] }, { expiresIn: '-1m' }), /expired/],
        ['issuer', token({ sub: 'a', roles: ['auditor'] }, { issuer: 'https://evil.example' }), /issuer|iss/],
        ['audience', token({ sub: 'a', roles: ['auditor'] }, { audience: 'another-engine' }), /audience|aud/],
        ['signature', token({ sub: 'a', roles: ['auditor'] }, { key: other }), /signature/],
        ['roles', token({ sub: 'a', roles: ['mayor'] }), /role/],
      ];
      for (const [what, pending, reason] of cases) {
        const answer = await call('GET', '/programs', bearer(await pending));
        assertProblem(answer, 401, 'unauthorized');
        assert.match(answer.body.detail, reason, what);
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/);
      }
    });

    it('a key holding two roles acts in the role the route needs; X-Act-As picks or is refused', async () => {
      const inbox = await call('GET', '/inbox', asKey(PROD.twoRoles.key));
      assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
      assert.deepEqual(inbox.body.roles, ['reviewer', 'approver']);
      assertProblem(await call('GET', '/inbox', { ...asKey(PROD.twoRoles.key), headers: { 'X-Act-As': 'auditor' } }), 403, 'forbidden');
      const asReviewer = await call('GET', '/inbox', { ...asKey(PROD.twoRoles.key), headers: { 'X-Act-As': 'reviewer' } });
      assert.deepEqual(asReviewer.body.roles, ['reviewer']);
      // sign-off needs the approver role: asking to act as reviewer there is refused.
      assertProblem(
        await call('POST', `/applications/${appId}/sign-off`, { ...asKey(PROD.twoRoles.key), headers: { 'X-Act-As': 'reviewer' }, body: { decision: 'approve', amount: '1.00', reason: 'x' } }),
        403,
        'forbidden',
      );
    });
  });

  // ---- A lifecycle to its end, and its audit trail --------------------------------------------

  describe('a lifecycle to its end, its audit trail and its raw history', () => {
    let id = '';

    it('filed → preliminary record (JWT) → materials → inspection → recommendation (two-role key) → sign-off refused to the recommender → rejected by another approver', async () => {
      const filed = await call('POST', '/applications', { role: 'applicant-system', body: filingOf(EMERGENCY, creditCode(7200)) });
      assert.equal(filed.status, 201, JSON.stringify(filed.body));
      id = filed.body.id;
      const path = (rest: string) => `/applications/${id}/${rest}`;
      await stateWhen(id, (s) => s.pending.some((p: any) => p.action === 'preliminary-record'), 'the preliminary record to be pending');

      const intake = await token({ sub: 'intake-zhao', name: 'Zhao Lei', roles: ['intake-officer'] });
      assert.equal((await call('POST', path('preliminary-record'), { ...bearer(intake), body: { decision: 'pass', reason: '资格符合' } })).status, 200);
      const materials = await call('POST', path('materials'), { role: 'applicant-system', body: { documents: MATERIALS } });
      assert.equal(materials.status, 200, JSON.stringify(materials.body));
      const inspecting = await stateWhen(id, (s) => s.stage === 'inspection', 'inspection (the award is above 1000000.00)');
      assert.equal(inspecting.inspection.why, 'threshold');
      const inspection = await call('POST', path('inspection'), { role: 'inspector', body: { result: 'pass', findings: '现场核查属实' } });
      assert.equal(inspection.status, 200, JSON.stringify(inspection.body));
      const review = await stateWhen(id, (s) => s.stage === 'review', 'review');
      const amount = review.award.amountByFormula;
      const recommended = await call('POST', path('recommendation'), { ...asKey(PROD.twoRoles.key), body: { decision: 'approve', amount, reason: '符合条件' } });
      assert.equal(recommended.status, 200, JSON.stringify(recommended.body));
      await stateWhen(id, (s) => s.stage === 'sign-off', 'sign-off');

      // The same person may not sign off what they recommended: the workflow refuses it.
      const own = await call('POST', path('sign-off'), { ...asKey(PROD.twoRoles.key), body: { decision: 'approve', amount, reason: '同意' } });
      assertProblem(own, 403, 'separation-of-duties');
      const rejected = await call('POST', path('sign-off'), { role: 'approver', body: { decision: 'reject', reason: '年度资金已用完' } });
      assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
      assert.equal(rejected.body.stage, 'rejected');
    });

    it('the audit trail names every actor in order, with the action, the stage change and the amounts', async () => {
      const answer = await call('GET', `/applications/${id}/history`, asKey(PROD.auditor.key));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const trail = answer.body;
      assert.equal(trail.runs.length, 1);
      assert.match(trail.runs[0].links.temporalUi, new RegExp(`^${engine.uiUrl}/namespaces/default/workflows/`));
      const people = trail.entries
        .filter((e: any) => e.actor && e.actor.role !== 'engine' && ['filed', 'action'].includes(e.kind))
        .map((e: any) => `${e.actor.role}:${e.actor.id}`);
      assert.deepEqual(people, [
        'applicant-system:dev-applicant-system',
        'intake-officer:intake-zhao',
        'applicant-system:dev-applicant-system',
        'inspector:dev-inspector',
        'reviewer:staff-li',
        'approver:dev-approver',
      ]);
      const recommendation = trail.entries.find((e: any) => e.kind === 'action' && e.actor?.id === 'staff-li');
      assert.match(Object.values(recommendation.amounts).join(' '), /^\d+\.\d{2}$/, JSON.stringify(recommendation));
      assert.match(recommendation.summary, /Li Ming/);
      const stages = trail.entries.filter((e: any) => e.kind === 'stage').map((e: any) => e.summary);
      assert.ok(stages.some((s: string) => /rejected/.test(s)), JSON.stringify(stages));
      // Times are in order.
      const times = trail.entries.map((e: any) => e.at);
      assert.deepEqual(times, [...times].sort());
      // Refused updates (the recommender's sign-off) left no event: the trail has one sign-off.
      assert.equal(trail.entries.filter((e: any) => e.kind === 'action' && /sign-?off/i.test(e.action)).length, 1);
    });

    it('?format=raw is one run\'s history JSON that replays against the workflow code', async () => {
      const raw = await call('GET', `/applications/${id}/history?format=raw`, { role: 'auditor' });
      assert.equal(raw.status, 200, JSON.stringify(raw.body).slice(0, 500));
      assert.ok(Array.isArray(raw.body.events) && raw.body.events.length > 10);
      const history = historyFromJson(raw.body);
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, id);
    });

    it('history is for the government side and auditors: an applicant system is refused', async () => {
      assertProblem(await call('GET', `/applications/${id}/history`, { role: 'applicant-system' }), 403, 'forbidden');
      assertProblem(await call('GET', `/applications/${id}/history?format=xml`, { role: 'auditor' }), 400, 'validation', 'format');
    });
  });

  // ---- Finding work ---------------------------------------------------------------------------

  describe('listing: each filter, sorting, pagination, and no injection', () => {
    const codes = [7301, 7302, 7303, 7304].map(creditCode);
    const ids: string[] = [];

    before(async () => {
      // Two programs; the third moves on to formal-submission (pending: the applicant system).
      for (const [i, code] of codes.entries()) {
        const filed = await call('POST', '/applications', { role: 'applicant-system', body: filingOf(i === 3 ? ENERGY : EMERGENCY, code, '1500000000.00') });
        assert.equal(filed.status, 201, JSON.stringify(filed.body));
        ids.push(filed.body.id);
      }
      await stateWhen(ids[2]!, (s) => s.pending.some((p: any) => p.action === 'preliminary-record'), 'the preliminary record');
      const passed = await call('POST', `/applications/${ids[2]}/preliminary-record`, { role: 'intake-officer', body: { decision: 'pass', reason: '资格符合' } });
      assert.equal(passed.status, 200, JSON.stringify(passed.body));
    });

    const mine = (answer: HttpAnswer) => answer.body.items.map((i: any) => i.id).filter((x: string) => ids.includes(x)).sort();
    const list = (query: string, ok: (found: string[]) => boolean, what: string) =>
      eventually(`/applications?${query}`, { role: 'auditor' }, (a) => a.status === 200 && ok(mine(a)), what);

    it('by stage, program, round, applicant and pending role', async () => {
      await list('stage=formal-submission&pageSize=100', (f) => f.length === 1 && f[0] === ids[2], 'stage');
      await list('stage=preliminary-record,formal-submission&pageSize=100', (f) => f.length === 4, 'two stages');
      await list(`programId=${ENERGY}&pageSize=100`, (f) => f.length === 1 && f[0] === ids[3], 'program');
      await list(`round=${round}&programId=${EMERGENCY}&pageSize=100`, (f) => f.length === 3, 'round');
      await list('round=1999&pageSize=100', (f) => f.length === 0, 'another round');
      await list(`applicant=${codes[1]}`, (f) => f.length === 1 && f[0] === ids[1], 'applicant');
      await list('pendingRole=applicant-system&pageSize=100', (f) => f.length === 1 && f[0] === ids[2], 'pending role');
      await list('pendingRole=intake-officer&pageSize=100', (f) => f.length === 3 && !f.includes(ids[2]!), 'pending intake');
      await list('open=true&pageSize=100', (f) => f.length === 4, 'open');
      await list('open=false&pageSize=100', (f) => f.length === 0, 'closed');
    });

    it('by due date: the formal-submission deadline falls in its window, and not before today', async () => {
      const state = await stateWhen(ids[2]!, (s) => s.pending.some((p: any) => p.dueAt), 'a deadline');
      const due = state.pending.find((p: any) => p.dueAt).dueAt as string;
      const dueDay = new Date(Date.parse(due) + 8 * 3_600_000).toISOString().slice(0, 10);
      await list(`dueFrom=${dueDay}&dueTo=${dueDay}&pageSize=100`, (f) => f.includes(ids[2]!), 'due on its day');
      await list(`dueTo=2000-01-01&pageSize=100`, (f) => f.length === 0, 'nothing due in 2000');
      const listed = await list(`applicant=${codes[2]}`, (f) => f.length === 1, 'the item');
      assert.equal(listed.body.items[0].nextDueAt, new Date(due).toISOString());
    });

    it('sorted, and paginated with an opaque token that visits each application once', async () => {
      const all = await list(`programId=${EMERGENCY}&sort=filedAt&pageSize=100`, (f) => f.length >= 3, 'all');
      const filedAt = all.body.items.map((i: any) => i.filedAt);
      assert.deepEqual(filedAt, [...filedAt].sort());
      const newest = await call('GET', `/applications?programId=${EMERGENCY}&sort=-filedAt&pageSize=100`, { role: 'auditor' });
      assert.deepEqual(newest.body.items.map((i: any) => i.id), [...all.body.items.map((i: any) => i.id)].reverse());

      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const query: string = `programId=${EMERGENCY}&sort=filedAt&pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
        const page = await call('GET', `/applications?${query}`, { role: 'auditor' });
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((i: any) => i.id));
        token = page.body.nextPageToken;
        pages++;
      } while (token && pages < 50);
      assert.deepEqual(seen, all.body.items.map((i: any) => i.id));
      assert.ok(pages >= 2);

      const first = await call('GET', `/applications?programId=${EMERGENCY}&pageSize=1`, { role: 'auditor' });
      assertProblem(await call('GET', `/applications?programId=${ENERGY}&pageSize=1&pageToken=${first.body.nextPageToken}`, { role: 'auditor' }), 400, 'validation', 'pageToken');
      assertProblem(await call('GET', '/applications?pageToken=bm90LWEtdG9rZW4', { role: 'auditor' }), 400, 'validation', 'pageToken');
    });

    it('an applicant system sees only its own applicants', async () => {
      const bound = await eventually('/applications?pageSize=100', asKey(PROD.bound.key), (a) => a.status === 200 && a.body.items.length >= 2, 'the bound listing');
      for (const item of bound.body.items) assert.ok(PROD.bound.applicants.includes(item.applicant), item.applicant);
      assertProblem(await call('GET', `/applications?applicant=${codes[0]}`, asKey(PROD.bound.key)), 403, 'forbidden');
    });

    it('an injection attempt in every filter is refused with 400 naming the filter', async () => {
      const attack = encodeURIComponent("x' OR SubsidyStage != 'y");
      for (const field of ['stage', 'programId', 'round', 'applicant', 'pendingRole', 'dueFrom', 'dueTo', 'open', 'sort', 'pageSize', 'pageToken']) {
        assertProblem(await call('GET', `/applications?${field}=${attack}`, { role: 'auditor' }), 400, 'validation', field);
      }
      assertProblem(await call('GET', `/applications?stage=review&stage=${attack}`, { role: 'auditor' }), 400, 'validation', 'stage');
      assertProblem(await call('GET', `/applications?where=${attack}`, { role: 'auditor' }), 400, 'validation', 'where');
    });

    it('the inbox: what is pending for the caller, oldest due first, with the pending items', async () => {
      const inbox = await eventually('/inbox?pageSize=100', { role: 'intake-officer' }, (a) => a.status === 200 && a.body.items.some((i: any) => i.id === ids[0]), 'the inbox');
      assert.ok(!inbox.body.items.some((i: any) => i.id === ids[2]));
      for (const item of inbox.body.items) {
        assert.ok(item.pendingRoles.includes('intake-officer'));
        assert.ok(item.pending.every((p: any) => p.role === 'intake-officer'), JSON.stringify(item.pending));
      }
      const due = inbox.body.items.map((i: any) => i.nextDueAt ?? '9999');
      assert.deepEqual(due, [...due].sort());
      const applicantInbox = await eventually('/inbox', { role: 'applicant-system' }, (a) => a.status === 200 && a.body.items.some((i: any) => i.id === ids[2]), 'the applicant inbox');
      assert.deepEqual(applicantInbox.body.items.find((i: any) => i.id === ids[2]).pending.map((p: any) => p.action), ['materials']);
    });

    it("the inbox's pending is the application's own, written with its listing row, and follows an action", async () => {
      const id = ids[1]!;
      /** The inbox item of `id` for a role, once the listing shows what the application shows for the role. */
      const inboxItem = async (role: Role, state: any) => {
        const same = (i: any) => i.id === id && i.stage === state.stage && JSON.stringify(i.pending) === JSON.stringify(state.pending.filter((p: any) => p.role === role));
        return (await eventually('/inbox?pageSize=100', { role }, (a) => a.status === 200 && a.body.items.some(same), `${id} in the ${role} inbox as the application shows it`)).body.items.find(same);
      };
      /** Each stage: the inbox shows for the role exactly what the application shows. */
      const sameAsApplication = async (role: Role, state: any) => {
        const item = await inboxItem(role, state);
        assert.deepEqual(Object.keys(item), ['id', 'stage', 'programId', 'round', 'applicant', 'pendingRoles', 'nextDueAt', 'filedAt', 'status', 'runId', 'pending', 'links']);
      };
      await sameAsApplication('intake-officer', await stateWhen(id, (s) => s.pending.length > 0, 'pending'));
      const passed = await call('POST', `/applications/${id}/preliminary-record`, { role: 'intake-officer', body: { decision: 'pass', reason: '资格符合' } });
      assert.equal(passed.status, 200, JSON.stringify(passed.body));
      await sameAsApplication('applicant-system', passed.body);
      assert.ok((await inboxItem('applicant-system', passed.body)).pending[0].dueAt, 'the materials deadline is listed');
      await eventually('/inbox?pageSize=100', { role: 'intake-officer' }, (a) => a.status === 200 && !a.body.items.some((i: any) => i.id === id), 'gone from the intake inbox');
      // The listing shows no pending items: its items are as before.
      const listed = await eventually(`/applications?applicant=${codes[1]}`, { role: 'auditor' }, (a) => a.body.items?.[0]?.stage === passed.body.stage, 'the listing');
      assert.equal(listed.body.items.length, 1);
      assert.equal('pending' in listed.body.items[0], false);
    });
  });

  // ---- Operator repair --------------------------------------------------------------------------

  describe('operator repair (issue 19): an admin terminates an application, audited', () => {
    it('names the admin and the reason in the audit trail, lists it TERMINATED at once, and refuses a second time', async () => {
      const filed = await call('POST', '/applications', { role: 'applicant-system', body: filingOf(EMERGENCY, creditCode(7009)) });
      assert.equal(filed.status, 201, JSON.stringify(filed.body));
      const id = filed.body.id as string;
      await stateWhen(id, (s) => s.stage === 'preliminary-record' && s.pending.length > 0, 'the filed application');
      assertProblem(await call('POST', `/applications/${id}/termination`, { role: 'admin', body: { reason: '' } }), 400, 'validation', 'reason');
      const ended = await call('POST', `/applications/${id}/termination`, { role: 'admin', body: { reason: '重复申报，经局务会研究终止' } });
      assert.equal(ended.status, 200, JSON.stringify(ended.body));
      assert.equal(ended.body.status, 'TERMINATED');
      assert.equal(ended.body.workflowId, id);
      assert.equal(ended.body.terminatedBy.role, 'admin');
      const listed = await call('GET', `/applications?applicant=${creditCode(7009)}&open=false`, { role: 'auditor' });
      assert.deepEqual(listed.body.items.map((i: any) => [i.id, i.status, i.pendingRoles]), [[id, 'TERMINATED', []]]);
      const trail = await call('GET', `/applications/${id}/history`, { role: 'auditor' });
      const terminated = trail.body.entries.find((e: any) => e.kind === 'terminated');
      assert.ok(terminated, JSON.stringify(trail.body.entries.map((e: any) => e.kind)));
      assert.match(terminated.summary, new RegExp(`terminated by admin ${ended.body.terminatedBy.id}: 重复申报，经局务会研究终止`));
      assertProblem(await call('POST', `/applications/${id}/termination`, { role: 'admin', body: { reason: '再次' } }), 409, 'conflict');
      assertProblem(await call('POST', `/applications/${EMERGENCY}.2026.${creditCode(7999)}/termination`, { role: 'admin', body: { reason: '无' } }), 404, 'not-found');
    });
  });

  // ---- Idempotent filing ----------------------------------------------------------------------

  describe('POST /applications with an Idempotency-Key', () => {
    it('same key and body → the same answer; same key, another body → 422; without a key a second filing is a conflict', async () => {
      const body = filingOf(EMERGENCY, creditCode(7400));
      const headers = { 'Idempotency-Key': 'filing-7400-a' };
      const first = await call('POST', '/applications', { role: 'applicant-system', body, headers });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const again = await call('POST', '/applications', { role: 'applicant-system', body, headers });
      assert.equal(again.status, 201);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      // Key order does not make another body.
      const reordered = { facts: body.facts, project: body.project, applicant: body.applicant, roundId: body.roundId, programId: body.programId };
      assert.deepEqual((await call('POST', '/applications', { role: 'applicant-system', body: reordered, headers })).body, first.body);

      const sameApplicantOtherFacts = await call('POST', '/applications', { role: 'applicant-system', body: filingOf(EMERGENCY, creditCode(7400), '2000000000.00'), headers });
      assertProblem(sameApplicantOtherFacts, 422, 'unprocessable', 'Idempotency-Key');
      // Another applicant under the same key: found through visibility, also 422, and nothing started.
      const otherApplicant = filingOf(EMERGENCY, creditCode(7401));
      await eventually('/applications?applicant=' + creditCode(7400), { role: 'auditor' }, (a) => a.body.items?.length === 1, 'the first filing in visibility');
      assertProblem(await call('POST', '/applications', { role: 'applicant-system', body: otherApplicant, headers }), 422, 'unprocessable');
      assertProblem(await call('GET', `/applications/${EMERGENCY}.${round}.${creditCode(7401)}.${projectCodeOf(creditCode(7401))}`, { role: 'auditor' }), 404, 'not-found');

      assertProblem(await call('POST', '/applications', { role: 'applicant-system', body }), 409, 'conflict');
      assertProblem(await call('POST', '/applications', { role: 'applicant-system', body, headers: { 'Idempotency-Key': 'a b' } }), 400, 'validation', 'Idempotency-Key');
    });
  });

  // ---- Errors, contract and operations --------------------------------------------------------

  describe('problem+json for every error class', () => {
    it('validation 400, unauthorized 401, forbidden 403, not found 404, wrong stage 409, conflict 409, too large 413', async () => {
      assertProblem(await call('POST', `/applications/${appId}/materials`, { role: 'applicant-system', body: { documents: 'none' } }), 400, 'validation', 'documents');
      assertProblem(await call('POST', '/applications', { role: 'applicant-system', rawBody: '{"programId": ' }), 400, 'validation', '(body)');
      assertProblem(await call('GET', '/programs'), 401, 'unauthorized');
      assertProblem(await call('GET', '/programs', asKey('not-a-key-of-this-engine')), 401, 'unauthorized');
      assertProblem(await call('GET', '/programs', { key: PROD.auditor.key, headers: { Authorization: 'Bearer x' } }), 401, 'unauthorized');
      assertProblem(await call('PUT', '/calendar/years/2030', { role: 'reviewer', body: { holidays: [], workdays: [] } }), 403, 'forbidden');
      assertProblem(await call('GET', `/applications/${EMERGENCY}.${round}.${creditCode(7999)}.${projectCodeOf(creditCode(7999))}`, { role: 'auditor' }), 404, 'not-found');
      assertProblem(await call('GET', '/no-such-route', { role: 'auditor' }), 404, 'not-found');
      assertProblem(await call('POST', `/applications/${appId}/sign-off`, { role: 'approver', body: { decision: 'reject', reason: '不符合' } }), 409, 'wrong-stage');
      assertProblem(await call('POST', '/applications', { role: 'applicant-system', body: filingOf(EMERGENCY, creditCode(7100)) }), 409, 'conflict');
      assertProblem(await call('POST', '/applications', { role: 'applicant-system', rawBody: JSON.stringify({ pad: 'x'.repeat(300_000) }) }), 413, 'too-large', '(body)');
    });

    it('rate limited 429 with Retry-After, per credential: another credential is not affected', async () => {
      let limited: HttpAnswer | undefined;
      for (let i = 0; i < RATE_LIMIT + 5 && !limited; i++) {
        const answer = await call('GET', '/lpr-fixings', asKey(PROD.limited.key));
        if (answer.status === 429) limited = answer;
      }
      assert.ok(limited, `no 429 after ${RATE_LIMIT + 5} requests`);
      assertProblem(limited, 429, 'rate-limited');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.equal((await call('GET', '/lpr-fixings', { role: 'auditor' })).status, 200);
    });

    it('a server error is 500 with the request id, and neither a stack trace nor the internal message', async () => {
      // A fixing broken by hand in the engine's database (the API reads it there at every request).
      const database = await openDatabase({ kind: 'sqlite', file: join(dataDir, 'engine.db') });
      await database.insertInto('lpr_fixings').values({ effective_date: 'bad', lpr1y: '3.00', lpr5y: '3.50', added_at: '', added_by: null }).execute();
      try {
        const answer = await call('GET', '/lpr-fixings', { role: 'auditor', headers: { 'X-Request-Id': 'e2e-internal-1' } });
        assertProblem(answer, 500, 'internal');
        assert.equal(answer.body.requestId, 'e2e-internal-1');
        assert.doesNotMatch(JSON.stringify(answer.body), /lpr_fixings|effectiveDate|fixings\[/);
      } finally {
        await database.deleteFrom('lpr_fixings').where('effective_date', '=', 'bad').execute();
        await database.destroy();
      }
      // The log line carries the request id and the cause, for whoever operates the engine
      // (it reaches this test through npm start's pipe, a moment after the answer).
      const logged = () => engine.output().split('\n').find((l) => l.includes('e2e-internal-1') && l.includes('unhandled error'));
      for (let i = 0; i < 40 && !logged(); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(logged(), 'the 500 is logged with its request id');
      assert.match(logged()!, /LprDataError/);
    });
  });

  describe('contract and operations', () => {
    it('/openapi.json is OpenAPI 3.1 and lists every route; /docs is the interactive page', async () => {
      const doc = await call('GET', '/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.1.0');
      for (const route of ROUTES) {
        const path = route.path.replace(/:(\w+)/g, '{$1}');
        assert.ok(doc.body.paths[path]?.[route.method], `${route.method} ${path} missing`);
      }
      const docs = await fetch(`${engine.apiUrl}/docs`);
      assert.equal(docs.status, 200);
      assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    });

    it('every answer has a request id and security headers; each application links to its Web UI page', async () => {
      const answer = await call('GET', `/applications/${appId}`, { role: 'auditor' });
      assert.match(answer.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      assert.match(answer.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
      assert.match(answer.headers.get('strict-transport-security') ?? '', /max-age=/);
      assert.equal(answer.body.links.temporalUi, `${engine.uiUrl}/namespaces/default/workflows/${encodeURIComponent(appId)}`);
      const ui = await fetch(answer.body.links.temporalUi);
      assert.equal(ui.status, 200);
    });

    it('/metrics counts requests by route template and workflow actions by outcome', async () => {
      const text = await (await fetch(`${engine.apiUrl}/metrics`)).text();
      assert.match(text, /http_requests_total\{method="GET",route="\/applications\/:id",status="200"\} \d+/);
      assert.match(text, /workflow_actions_total\{action="preliminary-record",outcome="ok"\} \d+/);
      assert.match(text, /workflow_actions_total\{action="sign-off",outcome="refused"\} \d+/);
      assert.match(text, /workflow_action_duration_seconds_bucket\{le="[\d.]+",action="file",outcome="ok"\}/);
      assert.match(text, /temporal_up 1/);
    });

    it('logs are JSON lines with request ids, and carry no secret and no applicant name', async () => {
      const lines = engine.output().split('\n').filter((l) => l.includes('"message":"request"'));
      assert.ok(lines.length > 100);
      for (const line of lines.slice(0, 50)) {
        const entry = JSON.parse(line.replace(/^\[api\]\s*/, ''));
        assert.equal(typeof entry.requestId, 'string');
        assert.equal(typeof entry.route, 'string');
      }
      const output = engine.output();
      for (const { key } of Object.values(PROD)) assert.ok(!output.includes(key), 'a production key reached the logs');
      assert.ok(!output.includes('肇庆示例装备有限公司'), 'an applicant name reached the logs');
      assert.ok(!output.includes('eyJ'), 'a token reached the logs');
    });

    it('readiness reflects Temporal; with no worker an action answers 503 + Retry-After instead of hanging', async () => {
      assert.equal((await call('GET', '/ready')).status, 200);
      // Pause the worker only (npm start stops everything when a child exits): Temporal still
      // answers, nobody handles the update.
      const worker = workerPid(dataDir);
      assert.ok(worker, 'the worker process');
      process.kill(worker, 'SIGSTOP');
      let key: string | null = null;
      try {
        // Answered by the API's deadline on Temporal calls, not left hanging (a hang fails on the test's timeout).
        // Sent without a key: the 503 names the key the server made up, so the retry is safe.
        const answer = await call('POST', `/applications/${appId}/withdrawal`, { role: 'applicant-system', body: { reason: '不再申请' } });
        assertProblem(answer, 503, 'unavailable');
        assert.equal(answer.headers.get('retry-after'), '5');
        key = answer.headers.get('idempotency-key');
        assert.ok(key, 'the 503 names the Idempotency-Key the server used');
        assert.equal(answer.body.idempotencyKey, key);
        assert.ok(answer.body.detail.includes(`Idempotency-Key: ${key}`), answer.body.detail);
        assert.equal((await call('GET', '/ready')).status, 200, 'Temporal itself is still up');
      } finally {
        process.kill(worker, 'SIGCONT');
      }
      // Retrying with that key once the worker is back applies the withdrawal once (it may have
      // been applied already, when the worker came back: then the retry is the first answer again).
      const retried = await call('POST', `/applications/${appId}/withdrawal`, { role: 'applicant-system', body: { reason: '不再申请' }, headers: { 'Idempotency-Key': key! } });
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.stage, 'withdrawn');
      const again = await call('POST', `/applications/${appId}/withdrawal`, { role: 'applicant-system', body: { reason: '不再申请' }, headers: { 'Idempotency-Key': key! } });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.body.audit.filter((a: any) => a.action === 'withdrawal').length, 1);
    });
  });
});

/** The worker of this engine (its environment names the data folder). */
function workerPid(dataDir: string): number | undefined {
  for (const pid of readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmdline.includes('worker/main.ts') && environ.includes(`DATA_DIR=${dataDir}`)) return Number(pid);
    } catch {
      // gone, or not ours
    }
  }
  return undefined;
}
