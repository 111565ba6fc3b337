/**
 * API keys over HTTP (api/api-key-routes.ts): an admin issues a key, the key authenticates, the
 * admin revokes it and it is refused at once; bad input names the field; only admins may. The
 * real Express app on a loopback port; Temporal is never dialled.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from '../helpers/app';

describe('POST /api-keys, GET /api-keys, POST /api-keys/:id/revocation', () => {
  let running: RunningApp;

  before(async () => {
    running = await startApp();
  });
  after(async () => running.close());

  const call = async (method: string, path: string, key: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${running.base}${path}`, {
      method,
      headers: { ...(key ? { 'X-Api-Key': key } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };

  it('when an admin issues a key, it authenticates; when the admin revokes it, it is refused with 401 saying so', async () => {
    const admin = running.keys.admin;
    const issued = await call('POST', '/api-keys', admin, { principalId: 'auditor-qian', name: 'Qian (audit office)', roles: ['auditor'] });
    assert.equal(issued.status, 201);
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    const { id, secret } = issued.body as { id: string; secret: string };
    assert.match(id, /^key-/);
    assert.equal(typeof secret, 'string');
    assert.deepEqual(issued.body.createdBy, { id: 'dev-admin', role: 'admin', name: 'admin (development key)' });

    // The key works, in the role it was issued with.
    const asAuditor = await call('GET', '/calendar/years/2026', secret);
    assert.equal(asAuditor.status, 200);

    // Listed without its secret.
    const listed = await call('GET', '/api-keys', admin);
    assert.equal(listed.status, 200);
    const entry = (listed.body.keys as any[]).find((k) => k.id === id);
    assert.equal(entry.status, 'active');
    assert.deepEqual(entry.principal, { id: 'auditor-qian', name: 'Qian (audit office)' });
    assert.ok(!JSON.stringify(listed.body).includes(secret));

    const revoked = await call('POST', `/api-keys/${id}/revocation`, admin, { reason: 'audit finished' });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.revocationReason, 'audit finished');
    assert.equal(revoked.body.revokedBy.id, 'dev-admin');

    const refused = await call('GET', '/calendar/years/2026', secret);
    assert.equal(refused.status, 401);
    assert.match(refused.body.detail, new RegExp(`the key ${id} was revoked at`));
    assert.ok(!JSON.stringify(refused.body).includes(secret));

    assert.equal((await call('GET', '/api-keys', admin)).body.keys.find((k: any) => k.id === id).status, 'revoked');
    // Revoked once: a second revocation is a 409 naming who revoked it.
    const again = await call('POST', `/api-keys/${id}/revocation`, admin, { reason: 'again' });
    assert.equal(again.status, 409);
    assert.equal(again.body.revocationReason, 'audit finished');
  });

  it('when an issued admin key issues another key, the new key stands for the principal it names, bound to its applicants', async () => {
    const first = await call('POST', '/api-keys', running.keys.admin, { principalId: 'ops-admin', name: 'Ops', roles: ['admin'] });
    const second = await call('POST', '/api-keys', first.body.secret, {
      principalId: 'system-c', name: 'Filing system C', roles: ['applicant-system'], applicants: ['91350100M000100Y43'],
    });
    assert.equal(second.status, 201);
    assert.equal(second.body.createdBy.id, 'ops-admin');
    assert.deepEqual(second.body.applicants, ['91350100M000100Y43']);
    // An applicant system may not list keys.
    assert.equal((await call('GET', '/api-keys', second.body.secret)).status, 403);
  });

  it('when the same Idempotency-Key is sent again, the key is not issued twice and its secret is not shown again', async () => {
    const body = { principalId: 'inspector-zhou', name: 'Zhou', roles: ['inspector'] };
    const headers = { 'Idempotency-Key': 'issue-zhou-1' };
    const first = await call('POST', '/api-keys', running.keys.admin, body, headers);
    assert.equal(first.status, 201);
    const retry = await call('POST', '/api-keys', running.keys.admin, body, headers);
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(retry.body.id, first.body.id);
    assert.equal(retry.body.secret, null);
    assert.match(retry.body.note, /shown once/);
    const reused = await call('POST', '/api-keys', running.keys.admin, { ...body, roles: ['reviewer'] }, headers);
    assert.equal(reused.status, 422);
    assert.equal(reused.body.errors[0].field, 'Idempotency-Key');
  });

  it('when the input is bad, 400 names the field and the reason', async () => {
    const admin = running.keys.admin;
    const cases: Array<[body: unknown, field: string, reason: RegExp]> = [
      [{ principalId: 'dev-x', name: 'X', roles: ['auditor'] }, 'principalId', /reserved for development keys/],
      [{ principalId: 'x', name: ' ', roles: ['auditor'] }, 'name', /must not be empty/],
      [{ principalId: 'x', name: 'X', roles: ['boss'] }, 'roles.0', /"boss" is not a role/],
      [{ principalId: 'x', name: 'X', roles: ['applicant-system'] }, 'applicants', /is required for the applicant-system role/],
      [{ principalId: 'x', name: 'X', roles: ['auditor'], applicants: ['91350100M000100Y43'] }, 'applicants', /only allowed with the applicant-system role/],
      [{ principalId: 'x', name: 'X', roles: ['auditor'], expiresAt: 'tomorrow' }, 'expiresAt', /ISO 8601/],
      [{ principalId: 'x', name: 'X', roles: ['auditor'], expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt', /must be in the future/],
      [{ principalId: 'x', name: 'X', roles: ['auditor'], secret: 'mine' }, 'secret', /is not a known field/],
    ];
    for (const [body, field, reason] of cases) {
      const res = await call('POST', '/api-keys', admin, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const error = (res.body.errors as Array<{ field: string; reason: string }>).find((e) => e.field === field);
      assert.ok(error, `${JSON.stringify(body)}: ${JSON.stringify(res.body.errors)}`);
      assert.match(error.reason, reason);
    }
    const noReason = await call('POST', '/api-keys/key-000000000000000000/revocation', admin, {});
    assert.equal(noReason.status, 400);
    assert.equal(noReason.body.errors[0].field, 'reason');
    const badId = await call('POST', '/api-keys/nonsense/revocation', admin, { reason: 'x' });
    assert.equal(badId.status, 400);
    assert.equal(badId.body.errors[0].field, 'id');
    assert.equal((await call('POST', '/api-keys/key-000000000000000000/revocation', admin, { reason: 'x' })).status, 404);
  });

  it('when the caller is not an admin, 403; without a credential, 401', async () => {
    const body = { principalId: 'x', name: 'X', roles: ['admin'] };
    for (const role of ['reviewer', 'auditor', 'applicant-system'] as const) {
      assert.equal((await call('POST', '/api-keys', running.keys[role], body)).status, 403, role);
      assert.equal((await call('GET', '/api-keys', running.keys[role])).status, 403, role);
      assert.equal((await call('POST', '/api-keys/key-000000000000000000/revocation', running.keys[role], { reason: 'x' })).status, 403, role);
    }
    assert.equal((await call('GET', '/api-keys', undefined)).status, 401);
  });
});
