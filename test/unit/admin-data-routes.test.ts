/**
 * The dishonesty-list and outbox endpoints (api/admin-data-routes.ts) over real HTTP against the
 * API's app, with the engine database behind it and no Temporal: who may call them, the 400s
 * naming the field, and the audit an admin's changes leave.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startApp, type RunningApp } from '../helpers/app';

let api: RunningApp;
before(async () => {
  api = await startApp();
});
after(async () => {
  await api?.close();
});

const LISTED = '91350100M000100Y43';

async function call(method: string, path: string, role: keyof RunningApp['keys'], body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api.base}${path}`, {
    method,
    headers: { 'X-Api-Key': api.keys[role], ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const fields = (answer: { body: any }) => (answer.body.errors ?? []).map((e: { field: string }) => e.field);

describe('the dishonesty list over HTTP', () => {
  it('when a role other than admin writes, then 403; any government role reads', async () => {
    assert.equal((await call('PUT', `/dishonesty-list/${LISTED}`, 'reviewer', {})).status, 403);
    assert.equal((await call('POST', `/dishonesty-list/${LISTED}/removal`, 'auditor', { reason: 'x' })).status, 403);
    assert.equal((await call('GET', '/dishonesty-list', 'applicant-system')).status, 403);
    assert.equal((await call('GET', '/dishonesty-list', 'intake-officer')).status, 200);
  });

  it('when the code, a date or a field is bad, then 400 naming it', async () => {
    const badCode = await call('PUT', '/dishonesty-list/91350100M000100Y44', 'admin', {});
    assert.equal(badCode.status, 400);
    assert.deepEqual(fields(badCode), ['creditCode']);
    assert.match(badCode.body.detail, /creditCode: is not a valid unified social credit code/);
    const badDate = await call('PUT', `/dishonesty-list/${LISTED}`, 'admin', { listedOn: '2025-02-30', colour: 'red' });
    assert.equal(badDate.status, 400);
    assert.deepEqual(fields(badDate).sort(), ['colour', 'listedOn']);
    const noReason = await call('POST', `/dishonesty-list/${LISTED}/removal`, 'admin', {});
    assert.equal(noReason.status, 400);
    assert.deepEqual(fields(noReason), ['reason']);
    const badQuery = await call('GET', '/dishonesty-list?limit=0', 'auditor');
    assert.deepEqual(fields(badQuery), ['limit']);
  });

  it('when an admin lists, corrects and removes a code, then the list follows and the history names who did what', async () => {
    const listed = await call('PUT', `/dishonesty-list/${LISTED.toLowerCase()}`, 'admin', { name: '示例有限公司', listedOn: '2025-11-03', reason: '虚报冒领' });
    assert.equal(listed.status, 201, JSON.stringify(listed.body));
    assert.equal(listed.body.creditCode, LISTED);
    assert.equal(listed.body.addedBy.role, 'admin');
    assert.equal((await call('PUT', `/dishonesty-list/${LISTED}`, 'admin', { name: '示例有限公司', reason: '虚报冒领（更正）' })).status, 200);
    assert.deepEqual((await call('GET', '/dishonesty-list', 'auditor')).body.entries.map((e: any) => [e.creditCode, e.reason]), [[LISTED, '虚报冒领（更正）']]);

    const removed = await call('POST', `/dishonesty-list/${LISTED}/removal`, 'admin', { reason: '信用修复完成' });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.removalReason, '信用修复完成');
    assert.equal((await call('POST', `/dishonesty-list/${LISTED}/removal`, 'admin', { reason: 'again' })).status, 404);
    assert.deepEqual((await call('GET', '/dishonesty-list', 'auditor')).body, { entries: [], next: null });
    assert.equal((await call('GET', '/dishonesty-list?includeRemoved=true', 'auditor')).body.entries.length, 1);

    const shown = await call('GET', `/dishonesty-list/${LISTED}`, 'auditor');
    assert.equal(shown.body.listed, false);
    assert.deepEqual(shown.body.history.map((h: any) => [h.change, h.by?.role]), [['listed', 'admin'], ['updated', 'admin'], ['removed', 'admin']]);
    assert.equal((await call('GET', '/dishonesty-list/91110000600037341L', 'auditor')).status, 404);
  });
});

describe('the outbox over HTTP', () => {
  it('when an auditor or admin reads it, then 200 with a page; other roles 403; a bad filter 400 naming it', async () => {
    assert.deepEqual((await call('GET', '/outbox-messages?applicationId=x', 'auditor')).body, { messages: [], next: null });
    assert.equal((await call('GET', '/outbox-messages', 'admin')).status, 200);
    assert.equal((await call('GET', '/outbox-messages', 'finance-officer')).status, 403);
    assert.deepEqual(fields(await call('GET', '/outbox-messages?after=-1', 'auditor')), ['after']);
  });
});
