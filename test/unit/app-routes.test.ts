/**
 * The route table (api/routes.ts) is the whole API: every route the Express app answers is in it
 * (so in the OpenAPI document and the role matrix), and every route in it is answered.
 */
import { listingStore } from '../../lib/listing-store';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { createAuthenticator } from '../../api/credentials';
import { createLogger } from '../../api/log';
import { renderRoleMatrix } from '../../api/openapi';
import { ROUTES } from '../../api/routes';
import { shippedCatalogs } from '../helpers/catalogs';
import { createApiKeyStore } from '../../lib/api-key-store';
import { createOperatorRequests } from '../../lib/operator-requests';
import { createLprStore } from '../../lib/lpr-store';
import { createDishonestyStore } from '../../lib/dishonesty-store';
import { outboxStore } from '../../lib/outbox-store';
import { tempDir, testDataConverter } from '../helpers/temporal';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `METHOD path` of every route the app (and the routers mounted in it) answers. */
function exposed(stack: Layer[]): Set<string> {
  const found = new Set<string>();
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.add(`${method.toUpperCase()} ${layer.route.path}`);
    } else if (layer.handle?.stack) {
      for (const r of exposed(layer.handle.stack)) found.add(r);
    }
  }
  return found;
}

test('every route the app exposes is in the route table, and every route in the table is exposed', async () => {
  const dir = tempDir('app-routes');
  // Nothing is called: the lazy connection never dials.
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const { catalogs, database, calendar } = await shippedCatalogs(dir);
  const app = createApp({
    client: new Client({ connection, dataConverter: testDataConverter() }),
    taskQueue: 'unused',
    authenticator: createAuthenticator({}),
    temporalHealthy: async () => false,
    catalogs,
    listing: listingStore(database),
    apiKeys: createApiKeyStore(database),
    operatorRequests: createOperatorRequests(database),
    calendar,
    lpr: createLprStore(database),
    dishonesty: createDishonestyStore(database),
    outbox: outboxStore(database),
    logger: createLogger({ write: () => undefined }),
  });
  const answered = exposed((app as unknown as { router: { stack: Layer[] } }).router.stack);
  // The docs page's own script is part of GET /docs, like the static files beside it.
  for (const r of answered) if (r.startsWith('GET /docs/assets/')) answered.delete(r);
  const table = new Set(ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`));
  assert.deepEqual([...answered].filter((r) => !table.has(r)).sort(), [], 'answered but not in api/routes.ts');
  assert.deepEqual([...table].filter((r) => !answered.has(r)).sort(), [], 'in api/routes.ts but not answered');
  await connection.close().catch(() => undefined);
  await database.destroy();
});

test('docs/api.md carries the role × endpoint matrix as the route table renders it', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
  const block = /<!-- role-matrix:begin -->\n([\s\S]*?)\n<!-- role-matrix:end -->/.exec(doc);
  assert.ok(block, 'docs/api.md has the role-matrix markers');
  assert.equal(block[1], renderRoleMatrix().trimEnd(), 'docs/api.md matrix is out of date: paste renderRoleMatrix() from api/openapi.ts');
});
