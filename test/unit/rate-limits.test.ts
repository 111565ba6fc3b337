/**
 * Lockout-proof rate limits (issue 14, defect 3): wrong keys from an address are throttled
 * without blocking the valid keys sent from the same address; each valid credential keeps its own
 * budget; X-Forwarded-For names the client only when TRUST_PROXY says a proxy sets it. Over real
 * HTTP against the API's app, and once against `npm run api` itself (the setting, end to end).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from 'express-rate-limit';
import { ANONYMOUS_CALCULATIONS_PER_MINUTE, REFUSED_CREDENTIALS_PER_MINUTE } from '../../api/rate-limits';
import { databaseRateLimitStores } from '../../api/rate-limit-database';
import { openDatabase } from '../../lib/database';
import { freePort } from '../../lib/dev-server';
import { PROJECT_ROOT } from '../../lib/settings';
import { startApp } from '../helpers/app';
import { tempDir } from '../helpers/temporal';

/** GET a route that needs a credential but no workflow: the policy catalog. */
async function programs(base: string, headers: Record<string, string>): Promise<Response> {
  const res = await fetch(`${base}/programs`, { headers });
  await res.arrayBuffer();
  return res;
}

/** Sends wrong keys until one is answered 429; returns the statuses (one per request). */
async function wrongKeysUntilThrottled(base: string, headers: Record<string, string> = {}): Promise<{ statuses: number[]; last: Response }> {
  const statuses: number[] = [];
  for (let i = 0; i < REFUSED_CREDENTIALS_PER_MINUTE + 5; i++) {
    const res = await programs(base, { 'X-Api-Key': `wrong-key-${i}`, ...headers });
    statuses.push(res.status);
    if (res.status === 429) return { statuses, last: res };
  }
  assert.fail(`never throttled: ${statuses.join(' ')}`);
}

function assertThrottledAfterTheLimit(statuses: number[], last: Response): void {
  assert.deepEqual(statuses, [...Array(REFUSED_CREDENTIALS_PER_MINUTE).fill(401), 429]);
  const retryAfter = Number(last.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${last.headers.get('retry-after')}`);
}

describe('refused credentials are throttled per address, valid ones from the same address are not', () => {
  it('61 wrong keys: the 61st is a 429 with Retry-After; a valid key from the same address still gets its answer; wrong keys stay throttled', async () => {
    const api = await startApp();
    try {
      const { statuses, last } = await wrongKeysUntilThrottled(api.base);
      assertThrottledAfterTheLimit(statuses, last);
      assert.equal(last.headers.get('content-type'), 'application/problem+json; charset=utf-8');

      for (const role of ['reviewer', 'auditor', 'applicant-system'] as const) {
        assert.equal((await programs(api.base, { 'X-Api-Key': api.keys[role] })).status, 200, role);
      }
      assert.equal((await programs(api.base, { 'X-Api-Key': 'still-wrong' })).status, 429);
      // No credential at all on a guarded route counts as refused too.
      assert.equal((await programs(api.base, {})).status, 429);
      // A malformed bearer token is a refused credential like a wrong key.
      assert.equal((await programs(api.base, { Authorization: 'Basic abc' })).status, 429);
    } finally {
      await api.close();
    }
  });

  it('each valid credential keeps its own per-principal budget: one spent does not throttle another from the same address', async () => {
    const api = await startApp({ rateLimitPerMinute: 5 });
    try {
      const reviewer = { 'X-Api-Key': api.keys.reviewer };
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await programs(api.base, reviewer)).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      assert.equal((await programs(api.base, { 'X-Api-Key': api.keys.auditor })).status, 200);
      // And wrong keys are not counted against the valid callers' budgets: the auditor still has 4.
      for (let i = 0; i < 3; i++) assert.equal((await programs(api.base, { 'X-Api-Key': `wrong-${i}` })).status, 401);
      const more: number[] = [];
      for (let i = 0; i < 5; i++) more.push((await programs(api.base, { 'X-Api-Key': api.keys.auditor })).status);
      assert.deepEqual(more, [200, 200, 200, 200, 429]);
    } finally {
      await api.close();
    }
  });

  it('the counts live in the stores the app is given (the seam a shared cluster store plugs into)', async () => {
    const made: Array<{ name: string; store: MemoryStore }> = [];
    const api = await startApp({
      rateLimitStores: (name) => {
        const store = new MemoryStore();
        made.push({ name, store });
        return store;
      },
    });
    try {
      assert.deepEqual(made.map((m) => m.name).sort(), ['anonymous-calculations', 'refused-credentials', 'requests']);
      await programs(api.base, { 'X-Api-Key': 'wrong' });
      await programs(api.base, { 'X-Api-Key': api.keys.auditor });
      const refused = made.find((m) => m.name === 'refused-credentials')!.store;
      const requests = made.find((m) => m.name === 'requests')!.store;
      assert.equal((await refused.get('refused:ip:127.0.0.1'))?.totalHits, 1);
      assert.equal((await requests.get('principal:dev-auditor'))?.totalHits, 1);
    } finally {
      await api.close();
    }
  });
});

describe('the public calculators (issue 15): no credential needed, rate-limited per address', () => {
  it('working days, the award preview and the clawback calculator answer without a credential; past the limit 429, while a credential keeps its own budget', async () => {
    const api = await startApp();
    try {
      const days = () => fetch(`${api.base}/calendar/working-days?from=2026-10-08&count=5`);
      const first = await days();
      assert.equal(first.status, 200, await first.text());
      const preview = await fetch(`${api.base}/programs/dinghu-emergency-major-project/award-preview`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ fixedInvestment: '1200000000.00' }),
      });
      assert.equal(preview.status, 200, await preview.text());
      const clawback = await fetch(`${api.base}/calculations/clawback`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          tranches: [{ amount: '1000000.00', paidOn: '2024-01-01' }], decisionDate: '2024-11-15', repaidOn: '2025-01-01',
          rateMode: 'fixed-at-decision', dayCount: 'ACT/360', tenor: '1Y',
          costs: [{ amount: '2000.00', incurredOn: '2024-12-01' }], repayments: [{ amount: '3000.00', paidOn: '2024-12-10' }],
        }),
      });
      const statement = (await clawback.json()) as { repayments: unknown[] };
      assert.equal(clawback.status, 200, JSON.stringify(statement));
      assert.deepEqual(statement.repayments[0], { amount: '3000.00', paidOn: '2024-12-10', toCosts: '2000.00', toInterest: '1000.00', toPrincipal: '0.00' });
      // Without a date: as of today.
      const { repaidOn: _r, ...undated } = { tranches: [{ amount: '1000.00', paidOn: '2024-01-01' }], decisionDate: '2024-11-15', repaidOn: '', rateMode: 'floating', dayCount: 'ACT/360', tenor: '1Y' };
      const today = (await (await fetch(`${api.base}/calculations/clawback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(undated) })).json()) as { asOf: string };
      assert.equal(today.asOf, new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()));

      const statuses: number[] = [];
      // Four calculations so far from this address; the rest of the minute's budget, then 429.
      for (let i = 5; i <= ANONYMOUS_CALCULATIONS_PER_MINUTE; i++) statuses.push((await days()).status);
      assert.ok(statuses.every((s) => s === 200), statuses.join(' '));
      const limited = await days();
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      // A staff credential from the same address is not throttled by the anonymous limit.
      const staff = await fetch(`${api.base}/calendar/working-days?from=2026-10-08&count=5`, { headers: { 'X-Api-Key': api.keys.reviewer } });
      assert.equal(staff.status, 200);
    } finally {
      await api.close();
    }
  });
});

describe('X-Forwarded-For and TRUST_PROXY', () => {
  it('behind a trusted proxy, two clients are throttled separately', async () => {
    const api = await startApp({ trustProxy: 1 });
    try {
      const { statuses, last } = await wrongKeysUntilThrottled(api.base, { 'X-Forwarded-For': '203.0.113.7' });
      assertThrottledAfterTheLimit(statuses, last);
      assert.equal((await programs(api.base, { 'X-Api-Key': 'wrong', 'X-Forwarded-For': '203.0.113.8' })).status, 401);
      assert.equal((await programs(api.base, { 'X-Api-Key': 'wrong', 'X-Forwarded-For': '203.0.113.7' })).status, 429);
    } finally {
      await api.close();
    }
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: a client cannot escape its throttle by making one up', async () => {
    const api = await startApp();
    try {
      const { statuses, last } = await wrongKeysUntilThrottled(api.base, { 'X-Forwarded-For': '203.0.113.7' });
      assertThrottledAfterTheLimit(statuses, last);
      assert.equal((await programs(api.base, { 'X-Api-Key': 'wrong', 'X-Forwarded-For': '203.0.113.8' })).status, 429);
    } finally {
      await api.close();
    }
  });

  it('npm run api reads TRUST_PROXY: a process started with TRUST_PROXY=1 tells clients behind its proxy apart', { timeout: 60_000 }, async () => {
    const dataDir = tempDir('trust-proxy');
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, TEMPORAL_ADDRESS: '127.0.0.1:1', TRUST_PROXY: '1' };
    for (const name of Object.keys(env)) if (/^(JWT_|API_KEY_HASHES_FILE$|DEV_API_KEYS$|RATE_LIMIT_PER_MINUTE$|API_KEYS_FILE$)/.test(name)) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'api/main.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (output.includes('API listening')) {
            clearInterval(check);
            resolve();
          }
        }, 100);
        void exited.then(() => {
          clearInterval(check);
          reject(new Error(`npm run api exited:\n${output}`));
        });
      });
      const base = `http://127.0.0.1:${port}`;
      const keys = JSON.parse(readFileSync(join(dataDir, 'dev-keys.json'), 'utf8')) as Record<string, string>;
      const { statuses, last } = await wrongKeysUntilThrottled(base, { 'X-Forwarded-For': '198.51.100.1' });
      assertThrottledAfterTheLimit(statuses, last);
      assert.equal((await programs(base, { 'X-Api-Key': 'wrong', 'X-Forwarded-For': '198.51.100.2' })).status, 401);
      assert.equal((await programs(base, { 'X-Api-Key': keys.reviewer!, 'X-Forwarded-For': '198.51.100.1' })).status, 200);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});

describe('rate limits shared by several API processes (issue 19: RATE_LIMIT_STORE=database)', () => {
  it('two apps on one database count against one limit: the budget is the deployment’s, not each process’s', async () => {
    const file = join(tempDir('rate-limit-db'), 'engine.db');
    // Two connections to one file, as two API processes have.
    const dbs = [await openDatabase({ kind: 'sqlite', file }), await openDatabase({ kind: 'sqlite', file })];
    const apis = [
      await startApp({ rateLimitPerMinute: 3, rateLimitStores: databaseRateLimitStores(dbs[0]!) }),
      await startApp({ rateLimitPerMinute: 3, rateLimitStores: databaseRateLimitStores(dbs[1]!) }),
    ];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const api = apis[i % 2]!;
        statuses.push((await programs(api.base, { 'X-Api-Key': api.keys.auditor })).status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      // Another credential keeps its own budget.
      assert.equal((await programs(apis[1]!.base, { 'X-Api-Key': apis[1]!.keys.reviewer })).status, 200);
    } finally {
      for (const api of apis) await api.close();
      for (const db of dbs) await db.destroy();
    }
  });

  it('a window opens at the first hit and a new one after it; decrement and reset as express-rate-limit asks', async () => {
    const db = await openDatabase({ kind: 'sqlite', file: ':memory:' });
    try {
      let now = 1_000_000_000_000; // any instant: the store's own clock
      const store = databaseRateLimitStores(db, () => now)('requests');
      void store.init?.({ windowMs: 60_000 } as Parameters<NonNullable<typeof store.init>>[0]);
      assert.deepEqual(await store.increment('k'), { totalHits: 1, resetTime: new Date(now + 60_000) });
      now += 30_000;
      assert.equal((await store.increment('k')).totalHits, 2);
      await store.decrement('k');
      assert.equal((await store.get!('k'))?.totalHits, 1);
      now += 30_000;
      assert.equal(await store.get!('k'), undefined, 'the window is over');
      assert.deepEqual(await store.increment('k'), { totalHits: 1, resetTime: new Date(now + 60_000) });
      await store.resetKey('k');
      assert.equal(await store.get!('k'), undefined);
      // Another limiter's counts are apart.
      await databaseRateLimitStores(db, () => now)('refused-credentials').increment('k');
      assert.equal(await store.get!('k'), undefined);
    } finally {
      await db.destroy();
    }
  });
});
