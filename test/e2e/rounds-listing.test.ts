/**
 * End to end, issue 16: what reads rounds through Temporal visibility, on the dev server (`npm
 * start`, SQLite visibility; the time-skipping test server has no visibility list): `GET /rounds`,
 * a filing that leaves out `roundId` when its program has exactly one open round (and is refused,
 * naming `roundId`, when it has two), and the transparency pages without a credential.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addCalendarDays, shanghaiDate } from '../../domain/calendar';
import type { Role } from '../../domain/roles';
import { creditCode } from '../helpers/fixtures';
import { http, type HttpAnswer, type RunningEngine, startEngine } from '../helpers/engine';
import { tempDir } from '../helpers/temporal';

const PROGRAM = 'jianghai-rent-subsidy';

describe('rounds read through visibility, on the dev server', { timeout: 300_000 }, () => {
  let engine: RunningEngine;
  const dataDir = tempDir('e2e-rounds-listing');

  const call = (method: string, path: string, options: Parameters<typeof http>[3] = {}) => http(engine, method, path, options);
  async function eventually(what: string, read: () => Promise<HttpAnswer>, ok: (a: HttpAnswer) => boolean): Promise<HttpAnswer> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await read();
      if (ok(answer)) return answer;
      if (Date.now() > deadline) assert.fail(`waited 20 s for ${what}; last answer ${answer.status} ${JSON.stringify(answer.body).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const file = (n: number, role: Role = 'applicant-system') =>
    call('POST', '/applications', { role, body: { programId: PROGRAM, applicant: { creditCode: creditCode(n), name: `江海示例企业${n}` }, facts: { item: 'item-1', support: 'subsidy-5-yuan', rentedArea: '800', months: 12, rentPerSquareMetre: '18.00' } } });

  before(async () => {
    engine = await startEngine(dataDir, undefined, { DEV_API_KEYS: 'true' });
  });
  after(async () => {
    if (engine?.process.exitCode === null) await engine.interrupt();
  });

  it('GET /rounds lists an opened round; a filing without roundId goes into the only open round, and is refused naming roundId when there are two', async () => {
    const today = shanghaiDate(Date.now());
    for (const year of new Set([today, addCalendarDays(today, 40)].map((d) => Number(d.slice(0, 4))))) {
      if ((await call('GET', `/calendar/years/${year}`, { role: 'auditor' })).status === 200) continue;
      const put = await call('PUT', `/calendar/years/${year}`, { role: 'admin', body: { holidays: [`${year}-01-01`, `${year}-10-01`], workdays: [] } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
    }
    const window = { opens: today, closes: addCalendarDays(today, 30) };
    const opened = await call('POST', '/rounds', { role: 'admin', body: { programId: PROGRAM, label: 'listing-a', budget: '1000000.00', window } });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const id = opened.body.definition.id;
    assert.equal(opened.headers.get('location'), `/rounds/${id}`);

    const listed = await eventually('the round in GET /rounds', () => call('GET', '/rounds', { role: 'applicant-system' }), (a) => a.status === 200 && a.body.items.some((r: any) => r.id === id));
    const summary = listed.body.items.find((r: any) => r.id === id);
    assert.equal(summary.status, 'open');
    assert.equal(summary.budget, '1000000.00');
    assert.match(summary.seedSha256, /^[0-9a-f]{64}$/);
    // An applicant system sees the list, not a round's applications.
    assert.equal((await call('GET', `/rounds/${id}`, { role: 'applicant-system' })).status, 403);

    const filed = await eventually('a filing into the only open round', () => file(7601), (a) => a.status !== 422);
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    assert.equal(filed.body.roundId, id);
    assert.equal(filed.body.id, `${PROGRAM}.listing-a.${creditCode(7601)}`);

    const second = await call('POST', '/rounds', { role: 'admin', body: { programId: PROGRAM, label: 'listing-b', budget: '1000000.00', window } });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const refused = await eventually('two open rounds to choose from', () => file(7602), (a) => a.status === 422);
    assert.equal(refused.body.errors[0].field, 'roundId');
    assert.match(refused.body.errors[0].reason, /listing-a/);
    assert.match(refused.body.errors[0].reason, /listing-b/);
  });

  it('the transparency pages answer without a credential: the JSON list and the zh-CN page', async () => {
    const list = await call('GET', '/public/rounds');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok(JSON.stringify(list.body).includes(`${PROGRAM}.listing-a`));
    const page = await fetch(`${engine.apiUrl}/public`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /<html lang="zh-CN"/);
    assert.ok(html.includes(`${PROGRAM}.listing-a`));
  });
});
