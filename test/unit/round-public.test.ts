/**
 * Transparency (issue 16, 002 第三十四条): what the public sees of a funding round
 * (domain/round-public.ts) and the endpoints that serve it (api/public-routes.ts, the draw
 * calculator of api/reference-routes.ts), over real HTTP against the API's own Express app.
 *
 * The rounds are fixtures built with the domain's own functions (roundDraw, proRata, sealNotice),
 * so they are consistent as a round would record them; the RoundDirectory the app reads them from
 * is a plain list of those fixtures, not a stand-in for Temporal's behaviour. Hashes are checked
 * with node:crypto, independently of the domain's SHA-256.
 */
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RoundDirectory } from '../../api/public-routes';
import { sumYuan } from '../../domain/money';
import { proRata } from '../../domain/pro-rata';
import { publicRound, publicRoundSummary, ROUND_ID_PATTERN } from '../../domain/round-public';
import { parseRoundId, roundDraw, sealNotice, type Allocation, type RoundEntry, type RoundState } from '../../domain/rounds';
import { INSPECTION_CITATION } from '../../domain/spot-check';
import { loadCatalog } from '../../lib/catalog-store';
import { startApp } from '../helpers/app';
import { actor, creditCode } from '../helpers/fixtures';
import { testDataConverter } from '../helpers/temporal';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Canonical JSON written here again, independently of domain/idempotency.ts: keys sorted, no whitespace. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const PROGRAM = 'dinghu-emergency-major-project';
const SEED = 'round-2025-seed-7f3a9c';
const HOSTILE = '<script>alert("x")</script>恶意&公司';
const NOT_APPROVED_BELOW = '未获批准甲有限公司';
const NOT_APPROVED_ABOVE = '未获批准乙有限公司';
const SPOT_CHECK = { ratePercent: '25', threshold: '1000000.00', inclusive: true };

function entry(n: number, name: string, amountByFormula: string, label: string): RoundEntry {
  const code = creditCode(n);
  return {
    applicationId: `${PROGRAM}.${label}.${code}`,
    applicant: { creditCode: code, name },
    project: { code: `P-${n}`, name: `项目 ${n}` },
    amountByFormula,
    filedAt: '2025-09-03T02:00:00.000Z',
  };
}

/** A round as it stands before its draw (open) or after its draw, batch sign-off and notices (closed). */
function round(label: string, stage: 'open' | 'decided'): RoundState {
  const id = `${PROGRAM}.${label}`;
  const entries = [
    entry(1, '甲科技有限公司', '800000.00', label),
    entry(2, HOSTILE, '600000.00', label),
    entry(3, '丙制造有限公司', '900000.00', label),
    entry(4, '丁材料有限公司', '2000000.00', label),
    entry(5, NOT_APPROVED_BELOW, '500000.00', label),
    entry(6, NOT_APPROVED_ABOVE, '3000000.00', label),
  ];
  const state: RoundState = {
    program: loadCatalog().getProgram(PROGRAM)!,
    definition: {
      id, programId: PROGRAM, policyId: 'dinghu', label, year: Number(label),
      window: { opens: `${label}-09-01`, closes: `${label}-09-30`, closesAt: `${label}-09-30T16:00:00.000Z`, source: `鼎湖区工信局 ${label} 年申报通知` },
      budget: '3000000.00', catalogVersion: 'test', programHash: 'test', caps: [], signOff: 'batch',
      spotCheck: { ...SPOT_CHECK, seedSha256: sha256(SEED) },
      noticeWorkingDays: 5, openedBy: actor('admin', 'admin-zhang-secret-id'), openedAt: `${label}-08-28T02:00:00.000Z`,
    },
    status: 'open', entries, draw: null, batches: [], allocations: [], notices: [],
    trail: [{ at: '2025-08-28T02:00:00.000Z', actor: 'admin-zhang-secret-id', action: 'opened' }],
  };
  if (stage === 'open') return state;

  const draw = roundDraw(SEED, entries, SPOT_CHECK, INSPECTION_CITATION);
  // The meeting approved the first four: 4.3 million against a budget of 3 million, so pro rata.
  const approved = entries.slice(0, 4).map((e, i) => ({ e, amount: ['800000.00', '600000.00', '900000.00', '2000000.00'][i]! }));
  const scaling = proRata(approved.map((a) => ({ id: a.e.applicationId, amount: a.amount })), state.definition.budget);
  const allocations: Allocation[] = approved.map(({ e }) => {
    const award = scaling.awards.find((a) => a.id === e.applicationId)!;
    return {
      applicationId: e.applicationId, applicant: e.applicant, programId: PROGRAM, decidedBy: 'batch 1',
      approved: award.approved, allocated: award.scaled,
      proRata: { ...award, factor: scaling.factor, budget: scaling.budget, total: scaling.total },
      changes: [], status: 'allocated',
    };
  });
  const first = sealNotice({
    roundId: id, publication: 1, kind: 'list', publishedOn: '2025-10-15', lastDay: '2025-10-22', closesAt: '2025-10-22T16:00:00.000Z',
    entries: allocations.map((a) => ({ applicationId: a.applicationId, applicant: a.applicant, programId: PROGRAM, amount: a.allocated })),
  });
  // An upheld objection reduces the third award, noticed again; no other award grows.
  const reduced = allocations[2]!;
  const why = '异议成立：部分投资不属于支持范围';
  Object.assign(reduced, { allocated: '500000.00', status: 'reduced', changes: [{ at: '2025-10-20T03:00:00.000Z', amount: '500000.00', why }] });
  const correction = sealNotice({
    roundId: id, publication: 2, kind: 'correction', publishedOn: '2025-10-21', lastDay: '2025-10-28', closesAt: '2025-10-28T16:00:00.000Z',
    entries: [{ applicationId: reduced.applicationId, applicant: reduced.applicant, programId: PROGRAM, amount: '500000.00', change: why }],
  });
  return {
    ...state, status: 'closed', draw, allocations, notices: [first, correction],
    batches: [{
      n: 1, meeting: { reference: '区政府常务会议 2025 年第 20 次', date: '2025-10-10' }, by: actor('approver', 'approver-li-secret-id'),
      at: '2025-10-10T08:00:00.000Z', budgetBefore: '3000000.00', scaling: { total: scaling.total, scaled: true, factor: scaling.factor },
      lines: approved.map(({ e, amount }) => ({ applicationId: e.applicationId, decision: 'approve' as const, amount, reason: '会议通过', outcome: 'approved' as const })),
    }],
    trail: [...state.trail, { at: '2025-10-10T08:00:00.000Z', actor: 'approver-li-secret-id', action: 'batch-sign-off' }],
  };
}

const OPEN = round('2026', 'open');
const DECIDED = round('2025', 'decided');

describe('the public view of a round (domain/round-public.ts)', () => {
  it('before the draw, only the seed\'s SHA-256 is public; after it, the seed is revealed and hashes to what was published', () => {
    const before = publicRound(OPEN);
    assert.equal(before.spotCheck.drawn, false);
    assert.equal(before.spotCheck.draw, null);
    assert.equal(before.spotCheck.seedSha256, sha256(SEED));
    assert.ok(!JSON.stringify(before).includes(SEED), 'the seed is not in the public JSON before the draw');

    const afterDraw = publicRound(DECIDED);
    assert.equal(afterDraw.spotCheck.drawn, true);
    assert.equal(afterDraw.spotCheck.draw!.seed, SEED);
    assert.equal(sha256(afterDraw.spotCheck.draw!.seed), before.spotCheck.seedSha256);
    // Each ranked hash is SHA-256("<seed>:<application id>"), lowest first; the count is ceil(4 × 25 / 100) = 1.
    const ranking = afterDraw.spotCheck.draw!.ranking;
    for (const r of ranking) assert.equal(r.sha256, sha256(`${SEED}:${r.applicationId}`));
    assert.deepEqual(ranking.map((r) => r.sha256), ranking.map((r) => r.sha256).sort());
    assert.equal(ranking.length, 4, 'the four applications below 1000000.00');
    assert.equal(afterDraw.spotCheck.draw!.count, 1);
    assert.deepEqual(afterDraw.spotCheck.draw!.selected, [ranking[0]!.applicationId]);
  });

  it('each notice\'s canonical text is its published fields re-serialised, and its sha256 is the SHA-256 of that text', () => {
    const { notices } = publicRound(DECIDED);
    assert.equal(notices.length, 2);
    for (const n of notices) {
      const again = canonical({ roundId: n.roundId, publication: n.publication, kind: n.kind, publishedOn: n.publishedOn, lastDay: n.lastDay, entries: n.entries });
      assert.equal(again, n.canonical);
      assert.equal(sha256(n.canonical), n.sha256);
      assert.match(n.howToVerify, /SHA-256/);
      // One fen changed in the list gives another hash: the hash pins the list.
      const tampered = canonical(JSON.parse(n.canonical.replace(/"amount":"(\d+)\.(\d\d)"/, '"amount":"$1.99"')));
      assert.notEqual(sha256(tampered), n.sha256);
    }
    assert.deepEqual(notices.map((n) => [n.publication, n.kind, n.entries.length]), [[1, 'list', 4], [2, 'correction', 1]]);
  });

  it('the allocations carry their pro rata explanation and sum to the budget before the objection; the reduction is shown', () => {
    const { allocations, totals } = publicRound(DECIDED);
    assert.equal(allocations.length, 4);
    for (const a of allocations) {
      assert.ok(a.proRata?.scaled, a.applicationId);
      assert.equal(a.proRata!.factor, '0.6976744186');
      assert.match(a.proRata!.exactShare, /^\d+\.\d{12}$/);
      assert.match(a.proRata!.explanation, /largest-remainder/);
    }
    const scaledSum = sumYuan(DECIDED.allocations.map((a) => a.proRata!.scaled));
    assert.equal(scaledSum, '3000000.00', 'scaled awards sum to the budget to the fen');
    assert.ok(allocations.some((a) => a.proRata!.fenAdded === '0.01'), 'the remainder rule added a fen somewhere');
    const reduced = allocations.find((a) => a.status === 'reduced')!;
    assert.equal(reduced.allocated, '500000.00');
    assert.equal(reduced.changes.length, 1);
    assert.equal(totals.allocated, sumYuan(allocations.map((a) => a.allocated)));
  });

  it('leaves out the audit trail\'s actors, the batch\'s approver and the applications not approved (their count stays)', () => {
    const json = JSON.stringify(publicRound(DECIDED));
    for (const secret of ['admin-zhang-secret-id', 'approver-li-secret-id', NOT_APPROVED_BELOW, NOT_APPROVED_ABOVE, creditCode(6), 'P-5', '项目 1']) {
      assert.ok(!json.includes(secret), `${secret} is not public`);
    }
    assert.equal(publicRound(DECIDED).applicationsFiled, 6);
    // An application below the threshold is in the draw's ranking by id (without it nobody could
    // recompute the draw), never by name.
    assert.ok(publicRound(DECIDED).spotCheck.draw!.ranking.some((r) => r.applicationId.endsWith(creditCode(5))));
  });

  it('the summary names the latest notice and its hash', () => {
    const summary = publicRoundSummary(DECIDED);
    assert.deepEqual(summary.latestNotice, { publication: 2, kind: 'correction', publishedOn: '2025-10-21', sha256: DECIDED.notices[1]!.sha256 });
    assert.equal(publicRoundSummary(OPEN).latestNotice, null);
  });

  it('ROUND_ID_PATTERN (published in OpenAPI) accepts exactly what parseRoundId accepts', () => {
    const samples = [
      DECIDED.definition.id, 'a.b', 'a-b.2026-09', 'A.2026', 'a..2026', '.2026', 'a.', 'a.-x', 'a-.x', 'a.x'.padEnd(34, 'y'), 'a.x'.padEnd(35, 'y'),
      'a b.x', 'a.x/y', 'a.x.y', 'a--b.x', 'ab.汉字',
    ];
    for (const id of samples) assert.equal(new RegExp(ROUND_ID_PATTERN).test(id), parseRoundId(id) !== null, id);
  });
});

describe('the transparency endpoints, over HTTP, without a credential', () => {
  let base = '';
  let close: () => Promise<void> = async () => undefined;

  before(async () => {
    // The rounds the app reads: the fixtures above, listed as they are (not a model of Temporal).
    const rounds: RoundDirectory = {
      list: async () => [OPEN, DECIDED],
      get: async (id) => [OPEN, DECIDED].find((r) => r.definition.id === id),
    };
    const api = await startApp({ rounds, dataConverter: testDataConverter() });
    base = api.base;
    close = api.close;
  });
  after(async () => close());

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined };
  };
  const draw = async (body: unknown) => {
    const res = await fetch(`${base}/calculations/round-draw`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('GET /public/rounds lists both rounds, newest window first, with the latest notice\'s hash', async () => {
    const answer = await get('/public/rounds');
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body.rounds.map((r: { id: string }) => r.id), [OPEN.definition.id, DECIDED.definition.id]);
    assert.equal(answer.body.rounds[1].latestNotice.sha256, DECIDED.notices[1]!.sha256);
    assert.equal(answer.body.rounds[1].links.self, `/public/rounds/${DECIDED.definition.id}`);
  });

  it('GET /public/rounds/:id: the round as the public sees it; the seed only after the draw', async () => {
    const decided = await get(`/public/rounds/${DECIDED.definition.id}`);
    assert.equal(decided.status, 200, decided.text);
    assert.deepEqual(decided.body, { ...JSON.parse(JSON.stringify(publicRound(DECIDED))), links: { self: `/public/rounds/${DECIDED.definition.id}`, list: '/public/rounds', page: '/public' } });
    assert.equal(decided.body.spotCheck.draw.seed, SEED);
    const open = await get(`/public/rounds/${OPEN.definition.id}`);
    assert.equal(open.status, 200);
    assert.ok(!open.text.includes(SEED));
    assert.equal(open.body.spotCheck.seedSha256, sha256(SEED));
  });

  it('an unknown round is 404, a malformed id 400 naming the field id', async () => {
    const unknown = await get(`/public/rounds/${PROGRAM}.1999`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.type, '/problems/not-found');
    const malformed = await get('/public/rounds/Not..A-Round');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.type, '/problems/validation');
    assert.deepEqual(malformed.body.errors.map((e: { field: string }) => e.field), ['id']);
  });

  it('GET /public: one plain zh-CN page, no script and no external asset, every text escaped', async () => {
    const page = await get('/public');
    assert.equal(page.status, 200);
    assert.equal(page.type, 'text/html; charset=utf-8');
    assert.match(page.text, /<html lang="zh-CN">/);
    assert.ok(!/<script/i.test(page.text), 'no script element, not even the applicant\'s');
    assert.ok(page.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;恶意&amp;公司'), 'the hostile name is shown, escaped');
    assert.ok(!/(src|href)="(https?:)?\/\//i.test(page.text), 'no external asset or link');
    for (const heading of ['轮次', '项目', '申报期', '预算', '已分配', '公示', '分配结果', '申请单位', '统一社会信用代码', '金额', '按比例调整说明']) {
      assert.ok(page.text.includes(heading), heading);
    }
    for (const n of DECIDED.notices) assert.ok(page.text.includes(n.sha256), `notice ${n.publication}'s hash`);
    assert.ok(page.text.includes('2025-10-22'), 'the first notice\'s last day');
    assert.ok(page.text.includes('系数 0.6976744186'), 'the pro rata factor');
    assert.ok(!page.text.includes(NOT_APPROVED_BELOW) && !page.text.includes('approver-li-secret-id'));
  });

  it('POST /calculations/round-draw recomputes the round\'s draw from the revealed seed and the public ranking', async () => {
    const published = (await get(`/public/rounds/${DECIDED.definition.id}`)).body;
    const { seed, ranking, count, selected } = published.spotCheck.draw;
    const { ratePercent, threshold, inclusive } = published.spotCheck;
    // From the public ranking alone: every ranked application is below the threshold, so any such amount gives the same draw.
    const fromPublic = await draw({ seed, ratePercent, threshold, inclusive, applications: ranking.map((r: { applicationId: string }) => ({ applicationId: r.applicationId, amountByFormula: '0.00' })) });
    assert.equal(fromPublic.status, 200, JSON.stringify(fromPublic.body));
    assert.deepEqual([fromPublic.body.ranking, fromPublic.body.count, fromPublic.body.selected, fromPublic.body.seedSha256], [ranking, count, selected, published.spotCheck.seedSha256]);
    // From every filed application with its amount (an auditor's list): the same draw as the round's.
    const fromAll = await draw({ seed, ...SPOT_CHECK, applications: DECIDED.entries.map((e) => ({ applicationId: e.applicationId, amountByFormula: e.amountByFormula })) });
    assert.equal(fromAll.status, 200);
    assert.deepEqual(fromAll.body, JSON.parse(JSON.stringify(DECIDED.draw)));
    // Another seed draws otherwise, or at least hashes otherwise.
    const other = await draw({ seed: `${seed}x`, ratePercent, threshold, inclusive, applications: fromPublic.body.ranking.map((r: { applicationId: string }) => ({ applicationId: r.applicationId, amountByFormula: '0.00' })) });
    assert.notDeepEqual(other.body.ranking, ranking);
  });

  it('POST /calculations/round-draw names each bad field', async () => {
    const id = DECIDED.entries[0]!.applicationId;
    const bad = await draw({ seed: '', ratePercent: '101', threshold: '1000000', inclusive: 'yes', applications: [{ applicationId: id, amountByFormula: '1.00' }, { applicationId: id, amountByFormula: '2.00' }] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { field: string }) => e.field).sort(), ['applications.1.applicationId', 'inclusive', 'ratePercent', 'seed', 'threshold']);
  });

  it('without a credential the public routes count per client address with the calculators: past the limit, 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(429); i++) statuses.push((await get('/public/rounds')).status);
    assert.equal(statuses.at(-1), 429, statuses.join(' '));
    assert.ok(statuses.slice(0, -1).every((s) => s === 200));
  });
});

describe('an API process whose Temporal does not answer', () => {
  it('answers the round routes 503 rather than an empty list, and still recomputes draws', async () => {
    const api = await startApp();
    try {
      for (const path of ['/public', '/public/rounds', `/public/rounds/${DECIDED.definition.id}`]) {
        const res = await fetch(`${api.base}${path}`);
        const body = (await res.json()) as { type: string };
        assert.equal(res.status, 503, path);
        assert.equal(body.type, '/problems/unavailable');
        assert.ok(res.headers.get('retry-after'));
      }
      const res = await fetch(`${api.base}/calculations/round-draw`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ seed: SEED, ...SPOT_CHECK, applications: [{ applicationId: DECIDED.entries[0]!.applicationId, amountByFormula: '1.00' }] }),
      });
      assert.equal(res.status, 200);
    } finally {
      await api.close();
    }
  });
});
