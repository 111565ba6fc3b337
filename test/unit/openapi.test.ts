/**
 * The contract (issue 7): `/openapi.json` is valid OpenAPI 3.1, generated from the route table and
 * the zod schemas that validate requests, covers every route, and the docs page loads Swagger UI
 * same-origin without inline script.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { docsRoutes } from '../../api/docs';
import { openApiDocument, openApiPath, renderRoleMatrix, schemaFallbacks } from '../../api/openapi';
import { PROBLEM_TYPES } from '../../api/problem';
import { ROUTES } from '../../api/routes';
import { FilingBody } from '../../api/schemas';
import { ACTIONS } from '../../domain/actions';
import { CHARACTERS_PATTERN } from '../../domain/patterns';
import { ROLES } from '../../domain/roles';
import { creditCode } from '../helpers/fixtures';

type Json = Record<string, any>;

const doc = openApiDocument({}) as Json;
const operationOf = (method: string, path: string): Json => doc.paths[path]?.[method];

/** Follows a local `$ref` (`#/components/...`). */
function resolve(node: Json): Json {
  if (typeof node?.$ref !== 'string') return node;
  return node.$ref.slice(2).split('/').reduce((at: Json, key: string) => at[key], doc);
}

test('the document validates as OpenAPI 3.1', async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  assert.equal(validator.version, '3.1');
  assert.ok(result.valid, `invalid OpenAPI document:\n${JSON.stringify(result.errors, null, 2)}`);
  assert.equal(result.errors, undefined);
  assert.equal(doc.openapi, '3.1.0');
});

test('every route of the registry is in it, with its method, once, and its path parameters declared', () => {
  const ids = new Set<string>();
  for (const route of ROUTES) {
    const path = openApiPath(route.path);
    const op = operationOf(route.method, path);
    assert.ok(op, `${route.method.toUpperCase()} ${path} is missing`);
    assert.equal(op.operationId, route.operationId);
    assert.ok(!ids.has(route.operationId), `operationId ${route.operationId} is used twice`);
    ids.add(route.operationId);
    const declared = ((doc.paths[path].parameters ?? []) as Json[]).filter((p) => p.in === 'path').map((p) => p.name);
    const inTemplate = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    assert.deepEqual(declared, inTemplate, `path parameters of ${path}`);
  }
  const documented = Object.values(doc.paths as Json).reduce(
    (n: number, item: Json) => n + ['get', 'post', 'put', 'patch', 'delete'].filter((m) => item[m]).length,
    0,
  );
  assert.equal(documented, ROUTES.length, 'no operation that the registry does not have');
});

test('no schema fell back to {}: all of them were generated from zod', () => {
  assert.deepEqual(schemaFallbacks(), []);
});

test("the filing body is FilingBody's own JSON Schema: programId, applicant.creditCode, facts, nothing else", () => {
  const op = operationOf('post', '/applications');
  const schema = resolve(op.requestBody.content['application/json'].schema);
  assert.equal(op.requestBody.required, true);
  assert.deepEqual([...schema.required].sort(), ['applicant', 'facts', 'programId']);
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.applicant.additionalProperties, false);
  assert.ok(schema.properties.applicant.properties.creditCode, 'applicant.creditCode');
  // The superRefine check is written down as a pattern a valid code matches.
  assert.match(creditCode(1), new RegExp(schema.properties.applicant.properties.creditCode.pattern));

  // The same as zod's own output, apart from what the superRefine rules add.
  const fromZod = z.toJSONSchema(FilingBody, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  assert.deepEqual(schema.properties.programId, fromZod.properties.programId);
  // Without the catalog (the app passes one) facts are any names and values, under the character
  // rule every string of a request is held to (api/strict-input.ts), names included.
  assert.equal(fromZod.properties.facts.type, 'object');
  assert.equal(schema.properties.facts.type, 'object');
  assert.equal(schema.properties.facts.propertyNames.pattern, CHARACTERS_PATTERN);
  assert.deepEqual(
    schema.properties.facts.additionalProperties.anyOf.map((s: Json) => s.type),
    ['string', 'number', 'boolean'],
  );
  assert.equal(schema.properties.facts.additionalProperties.anyOf[0].pattern, CHARACTERS_PATTERN);
  assert.deepEqual(schema.required, fromZod.required);
  assert.deepEqual(
    Object.keys(schema.properties.applicant.properties),
    Object.keys(fromZod.properties.applicant.properties),
  );
});

test('query parameters come from the query schemas, one per property, required where zod requires them', () => {
  const working = operationOf('get', '/calendar/working-days').parameters.filter((p: Json) => p.in === 'query');
  assert.deepEqual(
    working.map((p: Json) => [p.name, p.required, p.schema.type]),
    [['from', true, 'string'], ['count', true, 'integer']],
  );
  const list = operationOf('get', '/applications').parameters.filter((p: Json) => p.in === 'query');
  const applicant = list.find((p: Json) => p.name === 'applicant');
  assert.equal(applicant.required, false);
  // Behind a "given once" check, the credit code rule still shows.
  assert.equal(applicant.schema.type, 'string');
  assert.ok(applicant.schema.pattern);
  assert.deepEqual(list.find((p: Json) => p.name === 'pendingRole').schema.enum, [...ROLES]);
});

test('401 and 403 on protected operations, not on public ones; security follows', () => {
  for (const route of ROUTES) {
    const op = operationOf(route.method, openApiPath(route.path));
    const what = `${route.method.toUpperCase()} ${route.path}`;
    if (route.audience === 'public') {
      assert.equal(op.responses['401'], undefined, what);
      assert.equal(op.responses['403'], undefined, what);
      assert.deepEqual(op.security, [], what);
    } else {
      assert.ok(op.responses['401'] && op.responses['403'], what);
      assert.deepEqual(op.security, [{ apiKey: [] }, { bearer: [] }], what);
      assert.deepEqual(op['x-roles'], [...route.audience], what);
      for (const role of route.audience) assert.ok(op.description.includes(role), `${what} names ${role}`);
      assert.ok(op.parameters.some((p: Json) => resolve(p).name === 'X-Act-As'), what);
    }
    if (route.idempotent) assert.ok(op.parameters.some((p: Json) => resolve(p).name === 'Idempotency-Key'), what);
    if (route.action) {
      // One key, one action: required (428 without) exactly on the actions that move money.
      const money = ACTIONS[route.action].movesMoney === true;
      assert.equal(op.parameters.map(resolve).find((p: Json) => p.name === 'Idempotency-Key').required, money, what);
      assert.equal('428' in op.responses, money, what);
      assert.ok('422' in op.responses, `${what}: a key used before is 422`);
    }
    if (route.applicantScope) assert.match(op.description, /limited to the credit codes/, what);
    // 431 comes from Node's HTTP parser before the app runs: no request id, no problem body.
    assert.ok(op.responses['431'] && !op.responses['431'].headers, `${what} documents 431`);
    for (const [status, response] of Object.entries(op.responses as Json)) {
      if (status === '431') continue;
      const r = resolve(response);
      assert.ok(r.headers?.['X-Request-Id'], `${what} ${status} documents X-Request-Id`);
      if (Number(status) >= 400 && response.$ref) {
        assert.deepEqual(r.content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' });
      }
    }
  }
  const signOff = operationOf('post', '/applications/{id}/sign-off');
  for (const status of ['400', '404', '409', '429', '500', '503']) assert.ok(signOff.responses[status], `sign-off ${status}`);
  assert.ok(resolve(signOff.responses['503']).headers['Retry-After']);
  assert.ok(resolve(signOff.responses['429']).headers['Retry-After']);
  assert.ok(operationOf('post', '/applications').responses['422'], 'filing 422');
  // A filter matching many applications is answered page by page, never refused (issue 18).
  assert.equal(operationOf('get', '/applications').responses['422'], undefined, 'listing: no 422');
});

test('the Problem schema lists every stable type', () => {
  const problem = doc.components.schemas.Problem;
  assert.deepEqual(problem.properties.type.enum, Object.keys(PROBLEM_TYPES).map((k) => `/problems/${k}`));
  assert.ok(problem.properties.errors.items.properties.field);
  assert.ok(problem.properties.requestId);
});

test('the role matrix comes from the registry', () => {
  const matrix = renderRoleMatrix();
  const lines = matrix.split('\n');
  const header = lines[0]!.split('|').map((c) => c.trim()).filter(Boolean);
  assert.deepEqual(header, ['Endpoint', ...ROLES]);
  const row = (endpoint: string) => {
    const line = lines.find((l) => l.startsWith(`| \`${endpoint}\` |`));
    assert.ok(line, `row ${endpoint}`);
    const cells = line.split('|').map((c) => c.trim()).filter(Boolean).slice(1);
    return Object.fromEntries(ROLES.map((role, i) => [role, cells[i]]));
  };
  const signOff = row('POST /applications/{id}/sign-off');
  for (const role of ROLES) assert.equal(signOff[role], role === 'approver' ? '✓' : '·', `sign-off for ${role}`);
  assert.equal(row('GET /applications/{id}/history')['applicant-system'], '·');
  assert.equal(row('GET /applications/{id}/history').auditor, '✓');
  assert.equal(row('POST /applications')['applicant-system'], '✓ own');
  assert.ok(!lines.some((l) => l.startsWith('| `GET /health`')), 'public routes have no row');
  assert.match(lines.at(-1)!, /^Public, without a credential: .*`GET \/health`/);
  assert.equal(lines.filter((l) => l.startsWith('| `')).length, ROUTES.filter((r) => r.audience !== 'public').length);
});

test('GET /docs loads Swagger UI same-origin, with no inline script', async (t) => {
  const app = express();
  app.use(docsRoutes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((ok) => server.once('listening', ok));
  t.after(() => new Promise((done) => server.close(done)));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const page = await fetch(`${base}/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const html = await page.text();
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0);
  for (const [, attributes, content] of scripts) {
    assert.match(attributes!, /src="\/docs\/assets\/[^"]+\.js"/);
    assert.equal(content!.trim(), '', 'no inline script');
  }

  const init = await fetch(`${base}/docs/assets/init.js`);
  assert.equal(init.status, 200);
  assert.match(init.headers.get('content-type') ?? '', /javascript/);
  assert.match(await init.text(), /\/openapi\.json/);

  for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
    const res = await fetch(`${base}/docs/assets/${asset}`);
    assert.equal(res.status, 200, asset);
    assert.ok((await res.arrayBuffer()).byteLength > 1000, asset);
  }
  // Not the dist's own demo page, which points at the petstore.
  assert.equal((await fetch(`${base}/docs/assets/swagger-initializer.js`)).status, 404);
});

test("a filing's 201 links to every operation on the new application, with the id it answers", () => {
  const links = operationOf('post', '/applications').responses['201'].links as Json;
  const onApplication = ROUTES.filter((r) => /^\/applications\/:id(\/[a-z-]+)?$/.test(r.path)).map((r) => r.operationId);
  assert.ok(onApplication.includes('getApplication') && onApplication.includes('withdrawal'));
  assert.deepEqual(Object.keys(links).sort(), [...onApplication].sort());
  for (const link of Object.values(links)) assert.deepEqual(link.parameters, { id: '$response.body#/id' });
});

test('a known path asked with another method is documented: Problem405 with Allow', () => {
  assert.ok(doc.components.responses.Problem405.headers.Allow);
});
