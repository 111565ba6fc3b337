/**
 * The binding of an Idempotency-Key (domain/idempotency.ts): the same action, caller and body
 * bind the same way whatever the key order or the caller's display name; anything else differs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionBinding, canonicalJson, keyedUpdateId, keyOfUpdateId } from '../../domain/idempotency';
import { actor } from '../helpers/fixtures';

const officer = actor('intake-officer');
const request = { actor: officer, decision: 'pass', reason: '资格符合' };

test('canonical JSON sorts keys at every level and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: undefined } }), '{"a":{"d":[2,{"x":2,"y":1}]},"b":1}');
});

test('the binding ignores key order and the display name, and nothing else', () => {
  const binding = actionBinding('preliminary-record', request);
  assert.match(binding, /^[0-9a-f]{64}$/);
  assert.equal(actionBinding('preliminary-record', { reason: '资格符合', decision: 'pass', actor: { ...officer, name: 'renamed' } }), binding);
  const different = [
    actionBinding('materials', request),
    actionBinding('preliminary-record', { ...request, reason: '另一个理由' }),
    actionBinding('preliminary-record', { ...request, actor: { ...officer, id: 'someone-else' } }),
    actionBinding('preliminary-record', { ...request, actor: { ...officer, role: 'reviewer' as const } }),
    actionBinding('preliminary-record', { ...request, n: 1 }),
  ];
  assert.equal(new Set([binding, ...different]).size, different.length + 1);
});

test('an update id carries its key and binding; other ids carry none', () => {
  const binding = actionBinding('preliminary-record', request);
  assert.deepEqual(keyOfUpdateId(keyedUpdateId('pr-1:a.b_c', binding)), { key: 'pr-1:a.b_c', binding });
  assert.equal(keyOfUpdateId('3f6c1a52-8a4e-4c1e-9a53-0c1f5b7f5a10'), undefined);
  assert.equal(keyOfUpdateId(undefined), undefined);
  assert.equal(keyOfUpdateId(`pr-1#${binding.slice(1)}`), undefined);
});
