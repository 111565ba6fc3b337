/**
 * A known path asked with a method it does not take answers 405 problem+json with `Allow` naming
 * the methods it takes (read from the app's router); a path no route knows stays 404. The real
 * Express app on a loopback port, over HTTP; Temporal is never dialled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startApp, type RunningApp } from '../helpers/app';
import { knownPaths } from '../../api/method-not-allowed';
import { ROUTES } from '../../api/routes';

describe('405 for a known path with another method, 404 for an unknown path', () => {
  let running: RunningApp;
  let base = '';

  before(async () => {
    // Temporal is never dialled: the test app's connection is lazy.
    running = await startApp();
    base = running.base;
  });
  after(async () => running.close());

  /** node:http rather than fetch, which refuses to send TRACE. */
  const call = (method: string, path: string) =>
    new Promise<{ status: number; allow: string | undefined; type: string | undefined; body: any }>((resolve, reject) => {
      const req = request(`${base}${path}`, { method }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode!, allow: res.headers.allow, type: res.headers['content-type'], body: text ? JSON.parse(text) : undefined }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  it('reads every path and method of the route table from the router, HEAD wherever GET is', () => {
    const read = new Map(knownPaths(running.app).map((k) => [k.path, k.methods]));
    for (const route of ROUTES) {
      assert.ok(read.get(route.path)?.includes(route.method.toUpperCase()), `${route.method.toUpperCase()} ${route.path} is read from the router`);
      if (route.method === 'get') assert.ok(read.get(route.path)!.includes('HEAD'), `HEAD ${route.path}`);
    }
  });

  const cases: [method: string, path: string, allow: string][] = [
    ['DELETE', '/applications', 'GET, HEAD, POST'],
    ['TRACE', '/health', 'GET, HEAD'],
    ['POST', '/openapi.json', 'GET, HEAD'],
    ['PUT', '/applications/dinghu-emergency-major-project.2026.91350100M000100Y43/sign-off', 'POST'],
    ['PATCH', '/applications/dinghu-emergency-major-project.2026.91350100M000100Y43/objections/2/resolution', 'POST'],
    ['DELETE', '/calendar/years/2027', 'GET, HEAD, PUT'],
  ];

  for (const [method, path, allow] of cases) {
    it(`when ${method} ${path}, then 405 problem+json with Allow: ${allow}`, async () => {
      const answer = await call(method, path);
      assert.equal(answer.status, 405, JSON.stringify(answer.body));
      assert.equal(answer.allow, allow);
      assert.match(answer.type ?? '', /^application\/problem\+json/);
      assert.equal(answer.body.type, '/problems/method-not-allowed');
      assert.match(answer.body.detail, new RegExp(`${method} is not a method of`));
    });
  }

  it('when the path differs only by case or a trailing slash, then it is still the known path (405)', async () => {
    assert.equal((await call('DELETE', '/Programs/')).status, 405);
  });

  for (const [method, path] of [['GET', '/no-such-path'], ['DELETE', '/no-such-path'], ['PATCH', '/applications/x/no-such-action'], ['DELETE', '/programs/a/b/c']]) {
    it(`when ${method} ${path} (no route has that path), then 404`, async () => {
      const answer = await call(method!, path!);
      assert.equal(answer.status, 404, JSON.stringify(answer.body));
      assert.equal(answer.allow, undefined);
      assert.equal(answer.body.type, '/problems/not-found');
    });
  }
});
