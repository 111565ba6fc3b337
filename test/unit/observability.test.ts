import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { createLogger, type Logger } from '../../api/log';
import {
  createMetrics,
  type Metrics,
  rateLimiter,
  readiness,
  requestMiddleware,
  routeTemplate,
  securityHeaders,
} from '../../api/observability';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Harness {
  base: string;
  lines: Record<string, unknown>[];
  metrics: Metrics;
  close: () => Promise<void>;
}

/** An app with the request middleware first, as the API mounts it; `extend` adds routes. */
async function start(extend: (app: Express, ctx: { metrics: Metrics; logger: Logger }) => void = () => {}): Promise<Harness> {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const metrics = createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.use(requestMiddleware({ metrics, logger, routeOf: (req) => routeTemplate(req) }));
  app.use((req, res, next) => {
    const id = req.get('x-test-principal');
    if (id) res.locals.principal = { id, name: 'Zhang San', via: 'api-key' };
    next();
  });
  app.get('/metrics', metrics.handler);
  app.get('/applications/:id/sign-off', (req, res) => {
    (res.locals.log as Logger).info('handler ran', { applicationId: req.params.id });
    res.json({ id: req.params.id });
  });
  const nested = express.Router();
  nested.get('/:year/days', (_req, res) => {
    res.status(204).end();
  });
  app.use('/calendar', nested);
  extend(app, { metrics, logger });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    lines,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ res: Response; body: string }> {
  const res = await fetch(url, { headers });
  return { res, body: await res.text() };
}

/** The response may reach the client a tick before the server's `finish` handler runs. */
async function waitFor<T>(probe: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function requestLines(lines: Record<string, unknown>[]): Record<string, unknown>[] {
  return lines.filter((l) => l.message === 'request' || l.message === 'request aborted');
}

async function metricsText(base: string): Promise<string> {
  return (await get(`${base}/metrics`)).body;
}

test('a well-formed incoming X-Request-Id is kept; a malformed or missing one is replaced by a UUID', async () => {
  const h = await start();
  try {
    const kept = await get(`${h.base}/applications/A1/sign-off`, { 'X-Request-Id': 'gw-42.abc:7_x-y' });
    assert.equal(kept.res.headers.get('x-request-id'), 'gw-42.abc:7_x-y');

    for (const bad of ['has space', 'a'.repeat(101), 'semi;colon', 'a/b']) {
      const replaced = await get(`${h.base}/applications/A1/sign-off`, { 'X-Request-Id': bad });
      const id = replaced.res.headers.get('x-request-id') ?? '';
      assert.match(id, UUID, `incoming ${JSON.stringify(bad)}`);
    }
    const first = (await get(`${h.base}/applications/A1/sign-off`)).res.headers.get('x-request-id') ?? '';
    const second = (await get(`${h.base}/applications/A1/sign-off`)).res.headers.get('x-request-id') ?? '';
    assert.match(first, UUID);
    assert.match(second, UUID);
    assert.notEqual(first, second);

    // The handler's own line, through res.locals.log, carries the same id.
    await waitFor(() => (requestLines(h.lines).length === 7 ? true : undefined), 'seven request lines');
    const handlerLine = h.lines.find((l) => l.message === 'handler ran' && l.requestId === 'gw-42.abc:7_x-y');
    assert.ok(handlerLine, 'handler line with the incoming id');
    assert.equal(handlerLine.applicationId, 'A1');
  } finally {
    await h.close();
  }
});

test('each request logs exactly one JSON line with the route template, never the URL or query string', async () => {
  const h = await start();
  try {
    const { res } = await get(`${h.base}/applications/APP-2025-0001/sign-off?contactPhone=13800000000&q=secret`, {
      'X-Request-Id': 'req-1',
      'X-Test-Principal': 'staff-007',
      'X-Api-Key': 'sk-live-should-never-appear',
    });
    assert.equal(res.status, 200);
    const [line] = await waitFor(() => {
      const found = requestLines(h.lines);
      return found.length ? found : undefined;
    }, 'request line');
    assert.equal(requestLines(h.lines).length, 1);
    assert.ok(line);
    assert.deepEqual(Object.keys(line), ['time', 'level', 'message', 'requestId', 'method', 'route', 'status', 'durationMs', 'principal']);
    assert.equal(line.level, 'info');
    assert.equal(line.requestId, 'req-1');
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/applications/:id/sign-off');
    assert.equal(line.status, 200);
    assert.equal(line.principal, 'staff-007');
    assert.equal(typeof line.durationMs, 'number');
    assert.ok((line.durationMs as number) >= 0);
    assert.ok(!Number.isNaN(Date.parse(line.time as string)));

    const everything = h.lines.map((l) => JSON.stringify(l)).join('\n');
    for (const leak of ['APP-2025-0001/sign-off', '13800000000', 'q=secret', 'sk-live', 'Zhang San']) {
      assert.ok(!everything.includes(leak), `log contains ${leak}`);
    }

    await get(`${h.base}/calendar/2025/days`);
    await get(`${h.base}/no/such/path?id=1`);
    const [, nested, unmatched] = await waitFor(() => {
      const found = requestLines(h.lines);
      return found.length === 3 ? found : undefined;
    }, 'three request lines');
    assert.equal(nested?.route, '/calendar/:year/days');
    assert.equal(nested?.status, 204);
    assert.equal(unmatched?.route, '(unmatched)');
    assert.equal(unmatched?.status, 404);
    assert.equal(unmatched?.principal, undefined);
  } finally {
    await h.close();
  }
});

test('a request the client abandons is logged once as aborted with status 499', async () => {
  const h = await start((app) => {
    app.get('/slow', () => {
      // never answers
    });
  });
  try {
    const controller = new AbortController();
    const pending = fetch(`${h.base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending);
    const line = await waitFor(() => requestLines(h.lines)[0], 'aborted line');
    assert.equal(line.message, 'request aborted');
    assert.equal(line.level, 'warn');
    assert.equal(line.status, 499);
    assert.equal(line.route, '/slow');
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(requestLines(h.lines).length, 1);
  } finally {
    await h.close();
  }
});

test('the logger redacts every secret and personal-data key at any depth, renders errors without stacks', () => {
  const out: string[] = [];
  const log = createLogger({ write: (line) => out.push(line), base: { service: 'api' } }).child({ requestId: 'r-9' });
  const sensitive = [
    'authorization',
    'Authorization',
    'x-api-key',
    'X-Api-Key',
    'api-key',
    'apikey',
    'apiKey',
    'token',
    'accessToken',
    'password',
    'secret',
    'clientSecret',
    'cookie',
    'Set-Cookie',
    'sha256',
    'keySha256',
    'name',
    'phone',
    'mobile',
    'email',
    'idNumber',
    'idCard',
    'contact',
    'address',
    'legalRepresentative',
    'legal_representative',
    'contactPhone',
  ];
  const secretValue = (key: string) => `VALUE-OF-${key}`;
  const flat = Object.fromEntries(sensitive.map((k) => [k, secretValue(k)]));
  const err = new Error('boom');
  log.info('redaction', {
    ...flat,
    nested: { deeper: { ...flat, creditCode: '91110000600037341L' } },
    list: [{ name: 'Li Si', id: 'staff-1' }],
    contact: { phone: '13900000000' },
    creditCode: '91310000MA1FL8XQ30',
    id: 'staff-2',
    namespace: 'default',
    error: err,
  });
  assert.equal(out.length, 1);
  const line = JSON.parse(out[0] ?? '{}') as Record<string, any>;
  for (const key of sensitive) {
    assert.equal(line[key], '[redacted]', key);
    assert.equal(line.nested.deeper[key], '[redacted]', `nested ${key}`);
  }
  assert.equal(line.list[0].name, '[redacted]');
  assert.equal(line.list[0].id, 'staff-1');
  assert.equal(line.contact, '[redacted]');
  assert.equal(line.creditCode, '91310000MA1FL8XQ30');
  assert.equal(line.nested.deeper.creditCode, '91110000600037341L');
  assert.equal(line.id, 'staff-2');
  assert.equal(line.namespace, 'default');
  assert.equal(line.service, 'api');
  assert.equal(line.requestId, 'r-9');
  assert.deepEqual(line.error, { name: 'Error', message: 'boom' });
  for (const key of sensitive) assert.ok(!out[0]?.includes(secretValue(key)), `value of ${key} leaked`);
  assert.ok(!out[0]?.includes('13900000000'));
  assert.ok(!out[0]?.includes('at '), 'no stack frames');
});

test('the logger keeps its own keys, honours the level and survives cycles and a failing sink', () => {
  const out: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'warn', write: (line) => out.push(JSON.parse(line) as Record<string, unknown>) });
  log.debug('hidden');
  log.info('hidden');
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  log.warn('shown', { message: 'override', level: 'debug', cyclic, big: 10n });
  log.error('also shown');
  assert.deepEqual(
    out.map((l) => [l.level, l.message]),
    [
      ['warn', 'shown'],
      ['error', 'also shown'],
    ],
  );
  assert.deepEqual(out[0]?.cyclic, { a: 1, self: '[circular]' });
  assert.equal(out[0]?.big, '10');
  const broken = createLogger({
    write: () => {
      throw new Error('EPIPE');
    },
  });
  assert.doesNotThrow(() => broken.info('x'));
});

test('metrics: request counters by route template, workflow actions by outcome, on an own registry', async () => {
  const boom = new Error('no status');
  const h = await start((app, { metrics }) => {
    app.post('/applications/:id/sign-off', async (_req, res) => {
      const value = await metrics.timeWorkflowAction('sign-off', async () => 'signed');
      res.json({ value });
    });
    app.post('/applications/:id/file', async (_req, res) => {
      try {
        await metrics.timeWorkflowAction('file', async () => {
          throw Object.assign(new Error('wrong stage'), { status: 409 });
        });
      } catch (err) {
        res.status((err as { status: number }).status).json({ refused: true });
      }
    });
  });
  try {
    await get(`${h.base}/applications/APP-1/sign-off`);
    await get(`${h.base}/applications/APP-2/sign-off`);
    assert.equal((await fetch(`${h.base}/applications/APP-3/sign-off`, { method: 'POST' })).status, 200);
    assert.equal((await fetch(`${h.base}/applications/APP-3/file`, { method: 'POST' })).status, 409);
    await assert.rejects(
      h.metrics.timeWorkflowAction('history', async () => {
        throw Object.assign(new Error('down'), { status: 503 });
      }),
      /down/,
    );
    await assert.rejects(
      h.metrics.timeWorkflowAction('list', async () => {
        throw boom;
      }),
      (err) => err === boom,
    );
    await assert.rejects(
      h.metrics.timeWorkflowAction(
        'query-state',
        async () => {
          throw boom;
        },
        () => 'refused',
      ),
    );
    h.metrics.observeWorkflowAction('list', 'ok', 0.2);

    await waitFor(() => (requestLines(h.lines).length === 4 ? true : undefined), 'four request lines');
    const res = await fetch(`${h.base}/metrics`);
    assert.equal(res.headers.get('content-type'), h.metrics.registry.contentType);
    const text = await res.text();
    assert.match(text, /^http_requests_total\{method="GET",route="\/applications\/:id\/sign-off",status="200"\} 2$/m);
    assert.match(text, /^http_requests_total\{method="POST",route="\/applications\/:id\/sign-off",status="200"\} 1$/m);
    assert.match(text, /^http_requests_total\{method="POST",route="\/applications\/:id\/file",status="409"\} 1$/m);
    assert.match(text, /^http_request_duration_seconds_count\{method="GET",route="\/applications\/:id\/sign-off",status="200"\} 2$/m);
    assert.ok(!text.includes('APP-1'), 'no raw ids as labels');
    assert.match(text, /^workflow_actions_total\{action="sign-off",outcome="ok"\} 1$/m);
    assert.match(text, /^workflow_actions_total\{action="file",outcome="refused"\} 1$/m);
    assert.match(text, /^workflow_actions_total\{action="history",outcome="unavailable"\} 1$/m);
    assert.match(text, /^workflow_actions_total\{action="list",outcome="error"\} 1$/m);
    assert.match(text, /^workflow_actions_total\{action="list",outcome="ok"\} 1$/m);
    assert.match(text, /^workflow_actions_total\{action="query-state",outcome="refused"\} 1$/m);
    assert.match(text, /^workflow_action_duration_seconds_count\{action="sign-off",outcome="ok"\} 1$/m);
    assert.match(text, /^workflow_action_duration_seconds_sum\{action="list",outcome="ok"\} 0\.2\d*$/m);
    assert.match(text, /^process_cpu_user_seconds_total \d/m, 'default process metrics');

    // A second registry starts from zero and does not clash with the first.
    const other = createMetrics();
    const otherText = await other.registry.metrics();
    assert.ok(!/^workflow_actions_total\{/m.test(otherText));
    assert.ok(!/^http_requests_total\{/m.test(otherText));
  } finally {
    await h.close();
  }
});

test('rate limiter: onLimited after N requests for one key, other keys unaffected, standard headers only', async () => {
  const limited: { key: string; retryAfter: number }[] = [];
  const h = await start((app) => {
    app.use(
      rateLimiter({
        perMinute: 3,
        keyOf: (req) => `principal:${req.get('x-test-principal') ?? 'none'}`,
        onLimited: (req, res, _next, retryAfter) => {
          limited.push({ key: req.get('x-test-principal') ?? 'none', retryAfter });
          res.status(429).type('application/problem+json').json({ type: '/problems/rate-limited', retryAfter });
        },
      }),
    );
    app.get('/limited', (_req, res) => {
      res.json({ ok: true });
    });
  });
  try {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const { res } = await get(`${h.base}/limited`, { 'X-Test-Principal': 'alice' });
      statuses.push(res.status);
      last = res;
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(limited.length, 1);
    assert.equal(limited[0]?.key, 'alice');
    const retryAfter = limited[0]?.retryAfter ?? 0;
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `retryAfter ${retryAfter}`);
    assert.equal(last?.headers.get('retry-after'), String(retryAfter));
    assert.equal(last?.headers.get('content-type'), 'application/problem+json; charset=utf-8');

    const bob = await get(`${h.base}/limited`, { 'X-Test-Principal': 'bob' });
    assert.equal(bob.res.status, 200);
    assert.equal(limited.length, 1);
    assert.equal(bob.res.headers.get('ratelimit-policy'), '3;w=60');
    assert.match(bob.res.headers.get('ratelimit') ?? '', /^limit=3, remaining=2, reset=\d+$/);
    assert.equal(bob.res.headers.get('x-ratelimit-limit'), null);
    assert.equal(bob.res.headers.get('x-ratelimit-remaining'), null);

    assert.throws(() => rateLimiter({ perMinute: 0, keyOf: () => 'k', onLimited: () => {} }), /positive integer/);
  } finally {
    await h.close();
  }
});

test('security headers: CSP for the API and the docs page, HSTS, nosniff, no referrer, same-origin resources', async () => {
  const h = await start((app) => {
    app.use(securityHeaders());
    app.get('/secure', (_req, res) => {
      res.json({ ok: true });
    });
  });
  try {
    const { res } = await get(`${h.base}/secure`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')] as const;
      }),
    );
    assert.equal(directives.get('default-src'), "'none'");
    assert.equal(directives.get('script-src'), "'self'");
    assert.equal(directives.get('style-src'), "'self' 'unsafe-inline'");
    assert.equal(directives.get('img-src'), "'self' data:");
    assert.equal(directives.get('connect-src'), "'self'");
    assert.equal(directives.get('frame-ancestors'), "'none'");
    assert.ok(!csp.includes('unsafe-eval'));
    assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'same-origin');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
  } finally {
    await h.close();
  }
});

test('readiness: 200 when Temporal answers, 503 with Retry-After and a safe reason when not, and the gauge follows', { timeout: 30_000 }, async () => {
  let mode: 'up' | 'down' | 'hang' | 'throw' = 'up';
  const h = await start((app, { metrics }) => {
    app.get(
      '/ready',
      readiness({
        metrics,
        timeoutMs: 100,
        check: () => {
          if (mode === 'throw') throw new Error('sync failure at 10.0.0.5:7233');
          if (mode === 'down') return Promise.reject(new Error('14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.5:7233'));
          if (mode === 'hang') return new Promise<void>(() => {});
          return Promise.resolve();
        },
      }),
    );
  });
  const gauge = async () => /^temporal_up (\d)$/m.exec(await metricsText(h.base))?.[1];
  try {
    let r = await get(`${h.base}/ready`);
    assert.equal(r.res.status, 200);
    assert.deepEqual(JSON.parse(r.body), { status: 'ready', temporal: 'up' });
    assert.equal(r.res.headers.get('retry-after'), null);
    assert.equal(await gauge(), '1');

    mode = 'down';
    r = await get(`${h.base}/ready`);
    assert.equal(r.res.status, 503);
    assert.equal(r.res.headers.get('retry-after'), '5');
    assert.deepEqual(JSON.parse(r.body), { status: 'not-ready', temporal: 'down', reason: 'The Temporal service is not reachable' });
    assert.ok(!r.body.includes('10.0.0.5'));
    assert.equal(await gauge(), '0');

    // A hanging Temporal: answered 503 by the readiness timeout (a hang here fails the test on the runner's timeout).
    mode = 'hang';
    r = await get(`${h.base}/ready`);
    assert.equal(r.res.status, 503);
    assert.equal(r.res.headers.get('retry-after'), '5');
    assert.equal((JSON.parse(r.body) as { reason: string }).reason, 'The Temporal service did not answer in time');

    mode = 'throw';
    r = await get(`${h.base}/ready`);
    assert.equal(r.res.status, 503);

    mode = 'up';
    assert.equal((await get(`${h.base}/ready`)).res.status, 200);
    assert.equal(await gauge(), '1');

    const failure = await waitFor(() => h.lines.find((l) => l.message === 'readiness check failed'), 'failure log');
    assert.equal(failure.level, 'warn');
    assert.deepEqual(failure.error, { name: 'Error', message: '14 UNAVAILABLE: connect ECONNREFUSED 10.0.0.5:7233' });
  } finally {
    await h.close();
  }
});
