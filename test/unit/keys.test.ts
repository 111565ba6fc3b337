import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devKeyRing, loadOrCreateDevKeys } from '../../api/keys';
import { ROLES } from '../../domain/roles';
import { tempDir } from '../helpers/temporal';

describe('development API keys', () => {
  it('when the file is missing, then one distinct key per role is created with mode 0600', () => {
    const path = join(tempDir('keys'), 'nested', 'dev-keys.json');
    const { keys, created } = loadOrCreateDevKeys(path);
    assert.equal(created, true);
    assert.deepEqual(Object.keys(keys).sort(), [...ROLES].sort());
    assert.equal(new Set(Object.values(keys)).size, ROLES.length);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('when the file exists, then it is read, never replaced', () => {
    const path = join(tempDir('keys'), 'dev-keys.json');
    const first = loadOrCreateDevKeys(path);
    const second = loadOrCreateDevKeys(path);
    assert.equal(second.created, false);
    assert.deepEqual(second.keys, first.keys);
  });

  it('when the file is malformed, then the error names the file and the place', () => {
    const path = join(tempDir('keys'), 'dev-keys.json');
    const { keys } = loadOrCreateDevKeys(path);
    writeFileSync(path, JSON.stringify({ ...keys, reviewer: 'short' }));
    assert.throws(() => loadOrCreateDevKeys(path), new RegExp(`${path}.*reviewer.*16 characters`));
    writeFileSync(path, '{');
    assert.throws(() => loadOrCreateDevKeys(path), /not valid JSON/);
  });

  it('when a key is presented, then the actor is the role it belongs to; an unknown key is no one', () => {
    const path = join(tempDir('keys'), 'dev-keys.json');
    const { keys } = loadOrCreateDevKeys(path);
    const ring = devKeyRing(keys);
    assert.deepEqual(ring.actorFor(keys.approver), { id: 'dev-approver', role: 'approver', name: 'approver (development key)' });
    assert.equal(ring.actorFor('nope'), undefined);
    assert.equal(ring.actorFor(`${keys.approver}x`), undefined);
    assert.ok(readFileSync(path, 'utf8').includes(keys.approver));
  });
});
