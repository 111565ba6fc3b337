import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator, CredentialError, CredentialServiceUnavailable, type KeyHashEntry } from '../../api/credentials';
import { apiKeyStatus } from '../../domain/api-keys';
import type { Actor } from '../../domain/roles';
import {
  AlreadyRevokedError,
  type ApiKeyStore,
  createApiKeyStore,
  fileKeyId,
  hashSecret,
  importKeyFile,
  IssueKeyReusedError,
  UnknownApiKeyError,
} from '../../lib/api-key-store';
import { type EngineDatabase, openDatabase } from '../../lib/database';
import { databaseEngines } from '../helpers/database-engines';

// A test clock: every date derives from it, never from the day the test runs.
const T0 = new Date('2031-03-01T08:00:00Z');
let now = T0;
const clock = () => now;
const later = (ms: number) => new Date(T0.getTime() + ms);

const ADMIN: Actor = { id: 'admin-wang', role: 'admin', name: 'Wang (admin)' };
const OTHER_ADMIN: Actor = { id: 'admin-li', role: 'admin', name: 'Li (admin)' };
const CODE = '91350100M000100Y43';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL names a database of its own (its api_keys table is emptied). */
const engines = databaseEngines('api-key-store', async (db) => {
  await db.deleteFrom('api_keys').execute();
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CredentialError, `expected CredentialError, got ${String(err)}`);
    return err.reason;
  }
  return assert.fail('expected the key to be refused');
}

for (const [name, settingsOf] of engines) {
  /** Two connections to one database, as two API processes have. */
  let db: EngineDatabase;
  let otherDb: EngineDatabase;
  let store: ApiKeyStore;
  let other: ApiKeyStore;
  before(async () => {
    const settings = await settingsOf();
    db = await openDatabase(settings);
    otherDb = await openDatabase(settings);
    store = createApiKeyStore(db, clock);
    other = createApiKeyStore(otherDb, clock);
  });
  after(async () => {
    await db.destroy();
    await otherDb.destroy();
  });

  describe(`API key store on ${name}: issued and revoked in the engine database`, () => {
    it('issues a key through one process, stores only its hash, and another process authenticates with it', async () => {
      const issued = await store.issue({ principalId: 'system-a', name: 'Filing system A', roles: ['applicant-system'], applicants: [CODE], by: ADMIN });
      assert.equal(issued.replayed, false);
      assert.ok(issued.secret && issued.secret.length >= 43);
      assert.match(issued.record.id, /^key-[0-9a-f]{18}$/);
      assert.deepEqual(issued.record.createdBy, ADMIN);

      // The table holds the hash, never the secret.
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', issued.record.id).executeTakeFirstOrThrow();
      assert.equal(row.sha256, hashSecret(issued.secret));
      assert.ok(!Object.values(row).some((v) => typeof v === 'string' && v.includes(issued.secret!)));

      const otherProcess = createAuthenticator({ keyStore: other, clock });
      assert.equal(otherProcess.accepts.apiKey, true);
      const principal = await otherProcess.authenticate({ kind: 'api-key', key: issued.secret });
      assert.deepEqual(principal, { id: 'system-a', name: 'Filing system A', roles: ['applicant-system'], applicants: [CODE], via: 'api-key' });
    });

    it('a revocation through the other process is seen at once by the first (no cache)', async () => {
      const issued = await store.issue({ principalId: 'reviewer-zhao', name: 'Zhao', roles: ['reviewer', 'auditor'], by: ADMIN });
      const first = createAuthenticator({ keyStore: store, clock });
      assert.equal((await first.authenticate({ kind: 'api-key', key: issued.secret! })).id, 'reviewer-zhao');

      const revoked = await other.revoke(issued.record.id, OTHER_ADMIN, 'laptop lost');
      assert.equal(revoked.revokedAt, T0.toISOString());
      assert.deepEqual(revoked.revokedBy, OTHER_ADMIN);
      assert.equal(revoked.revocationReason, 'laptop lost');

      const reason = await refusal(first.authenticate({ kind: 'api-key', key: issued.secret! }));
      assert.equal(reason, `the key ${issued.record.id} was revoked at ${T0.toISOString()}`);
      assert.ok(!reason.includes(issued.secret!));

      // Listed by either process, without secrets, as revoked.
      const listed = (await store.list()).find((k) => k.id === issued.record.id)!;
      assert.equal(listed.status, 'revoked');
      assert.equal(listed.revocationReason, 'laptop lost');
      assert.ok(!JSON.stringify(await other.list()).includes(issued.secret!));
    });

    it('a revocation is never replaced, and an unknown key cannot be revoked', async () => {
      const issued = await store.issue({ principalId: 'finance-1', name: 'Finance one', roles: ['finance-officer'], by: ADMIN });
      await store.revoke(issued.record.id, ADMIN, 'left the office');
      await assert.rejects(other.revoke(issued.record.id, OTHER_ADMIN, 'again'), (e: unknown) => e instanceof AlreadyRevokedError && e.record.revocationReason === 'left the office');
      await assert.rejects(store.revoke('key-000000000000000000', ADMIN, 'typo'), UnknownApiKeyError);
    });

    it('an expired key is refused saying when it expired', async () => {
      const expiresAt = later(60_000).toISOString();
      const issued = await store.issue({ principalId: 'intake-temp', name: 'Temporary intake', roles: ['intake-officer'], expiresAt, by: ADMIN });
      const authenticator = createAuthenticator({ keyStore: other, clock });
      assert.equal((await authenticator.authenticate({ kind: 'api-key', key: issued.secret! })).id, 'intake-temp');
      now = later(60_000);
      try {
        assert.equal(await refusal(authenticator.authenticate({ kind: 'api-key', key: issued.secret! })), `the key ${issued.record.id} expired at ${expiresAt}`);
        assert.equal((await store.list()).find((k) => k.id === issued.record.id)?.status, 'expired');
      } finally {
        now = T0;
      }
    });

    it('one Idempotency-Key, one issue: a retry gets the key without its secret; another body is refused', async () => {
      const request = { principalId: 'approver-sun', name: 'Sun', roles: ['approver' as const], by: ADMIN, keyHash: 'a'.repeat(64) };
      const first = await store.issue(request);
      const retry = await other.issue(request);
      assert.equal(retry.replayed, true);
      assert.equal(retry.secret, undefined);
      assert.equal(retry.record.id, first.record.id);
      await assert.rejects(store.issue({ ...request, name: 'Sun Li' }), (e: unknown) => e instanceof IssueKeyReusedError && e.record.id === first.record.id);
      assert.equal((await store.list()).filter((k) => k.principal.id === 'approver-sun').length, 1);
    });
  });

  describe(`API key store on ${name}: the entries of API_KEY_HASHES_FILE`, () => {
    const secret = 'file-key-0123456789-0123456789-0123456789';
    const entry: KeyHashEntry = { id: 'system-b', name: 'Filing system B', roles: ['applicant-system'], applicants: [CODE], sha256: hashSecret(secret) };

    it('are imported once, listed, and revocable for every process, while the file still decides whom a key stands for', async () => {
      assert.deepEqual(await importKeyFile(db, [entry], T0), [fileKeyId(entry)]);
      assert.deepEqual(await importKeyFile(otherDb, [entry], T0), []);
      const listed = (await store.list()).find((k) => k.id === fileKeyId(entry))!;
      assert.equal(listed.source, 'file');
      assert.equal(listed.status, 'active');

      const withFile = createAuthenticator({ keyStore: store, keyHashes: [entry], clock });
      assert.equal((await withFile.authenticate({ kind: 'api-key', key: secret })).id, 'system-b');
      // A process whose file no longer lists it does not accept it.
      const withoutFile = createAuthenticator({ keyStore: store, clock });
      assert.equal(await refusal(withoutFile.authenticate({ kind: 'api-key', key: secret })), 'the key is not known');

      await other.revoke(fileKeyId(entry), ADMIN, 'system B retired');
      assert.match(await refusal(withFile.authenticate({ kind: 'api-key', key: secret })), /was revoked at/);
      // Still listed by the file: not imported again, so the revocation stands.
      assert.deepEqual(await importKeyFile(db, [entry], later(1000)), []);
    });
  });
}

describe('API key status (domain/api-keys.ts)', () => {
  it('revoked wins over expired; an expiry is exclusive', () => {
    const at = later(1000).toISOString();
    assert.equal(apiKeyStatus({ revokedAt: null, expiresAt: null }, T0), 'active');
    assert.equal(apiKeyStatus({ revokedAt: null, expiresAt: at }, T0), 'active');
    assert.equal(apiKeyStatus({ revokedAt: null, expiresAt: at }, later(1000)), 'expired');
    assert.equal(apiKeyStatus({ revokedAt: T0.toISOString(), expiresAt: at }, later(5000)), 'revoked');
  });
});

describe('API keys when the database does not answer', () => {
  it('a keyed request is unavailable (503), not refused (401)', async () => {
    const authenticator = createAuthenticator({ keyStore: { find: () => Promise.reject(new Error('connection refused')) }, clock });
    await assert.rejects(
      authenticator.authenticate({ kind: 'api-key', key: 'any-key-0123456789' }),
      (e: unknown) => e instanceof CredentialServiceUnavailable && /engine's database did not answer/.test(e.reason),
    );
  });
});
