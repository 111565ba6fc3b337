import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import {
  createAuthenticator,
  credentialOf,
  CredentialError,
  CredentialServiceUnavailable,
  loadKeyHashes,
  type Credential,
  type KeyHashEntry,
} from '../../api/credentials';
import type { Principal } from '../../api/principal';
import { creditCodeCheckCharacter } from '../../domain/credit-code';
import { ROLES, type Role } from '../../domain/roles';
import type { JwtSettings } from '../../lib/settings';
import { makeKeyEntry, parseHashKeyArgs } from '../../scripts/hash-api-key';

const CODE_A = '91350100M000100Y43';
const CODE_B = `91110000MA0000000${creditCodeCheckCharacter('91110000MA0000000')}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function writeKeysFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'subsidy-credentials-')), 'api-key-hashes.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const REVIEW_KEY = 'rk-0123456789abcdefghijklmnopqrstuv';
const PORTAL_KEY = 'pk-0123456789abcdefghijklmnopqrstuv';

const reviewEntry: KeyHashEntry = { id: 'svc-review', name: 'Review desk', roles: ['reviewer', 'approver'], sha256: sha256(REVIEW_KEY) };
const portalEntry: KeyHashEntry = {
  id: 'portal',
  name: 'Enterprise portal',
  roles: ['applicant-system'],
  applicants: [CODE_A, CODE_B],
  sha256: sha256(PORTAL_KEY),
};

const devKeys = Object.fromEntries(ROLES.map((role) => [role, `dev-key-of-${role}-0123456789`])) as Record<Role, string>;

/** The reason a promise was refused with, asserting it is a CredentialError. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CredentialError, `expected a CredentialError, got ${String(err)}`);
    return err.reason;
  }
  assert.fail('expected the credential to be refused');
}

function refusalOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CredentialError, `expected a CredentialError, got ${String(err)}`);
    return err.reason;
  }
  assert.fail('expected a CredentialError');
}

describe('credentialOf', () => {
  test('an X-Api-Key header is an API key; a Bearer Authorization header is a token', () => {
    assert.deepEqual(credentialOf({ 'x-api-key': 'abc' }), { kind: 'api-key', key: 'abc' });
    assert.deepEqual(credentialOf({ authorization: 'Bearer aa.bb.cc' }), { kind: 'bearer', token: 'aa.bb.cc' });
    assert.deepEqual(credentialOf({ authorization: 'bearer aa.bb.cc' }), { kind: 'bearer', token: 'aa.bb.cc' });
    assert.equal(credentialOf({}), undefined);
  });

  test('both headers, another scheme, a malformed or repeated header are refused with a reason', () => {
    assert.equal(
      refusalOf(() => credentialOf({ 'x-api-key': 'abc', authorization: 'Bearer aa.bb.cc' })),
      'send either X-Api-Key or Authorization: Bearer, not both',
    );
    assert.match(refusalOf(() => credentialOf({ authorization: 'Basic dXNlcjpwYXNz' })), /Bearer scheme/);
    assert.match(refusalOf(() => credentialOf({ authorization: 'Bearer' })), /"Bearer <token>"/);
    assert.match(refusalOf(() => credentialOf({ authorization: 'Bearer a b' })), /"Bearer <token>"/);
    assert.match(refusalOf(() => credentialOf({ 'x-api-key': '' })), /empty/);
    assert.match(refusalOf(() => credentialOf({ 'x-api-key': ['a', 'b'] })), /one X-Api-Key/);
  });

  test('a refusal never repeats the secret it was given', () => {
    const reason = refusalOf(() => credentialOf({ authorization: 'Token super-secret-value' }));
    assert.doesNotMatch(reason, /super-secret-value/);
  });
});

describe('loadKeyHashes', () => {
  test('a valid file gives its entries, a key may hold several roles', () => {
    const entries = loadKeyHashes(writeKeysFile([reviewEntry, portalEntry]));
    assert.deepEqual(entries, [reviewEntry, portalEntry]);
    assert.deepEqual(loadKeyHashes(writeKeysFile([])), []);
  });

  const cases: Array<[string, unknown, RegExp]> = [
    ['not an array', { keys: [] }, /at \(top\): must be a JSON array/],
    ['a missing sha256', [{ ...reviewEntry, sha256: undefined }], /at \[0\]\.sha256: /],
    ['an uppercase sha256', [{ ...reviewEntry, sha256: sha256(REVIEW_KEY).toUpperCase() }], /at \[0\]\.sha256: must be the SHA-256 of the key as 64 lowercase hex digits/],
    ['an unknown role', [reviewEntry, { ...portalEntry, roles: ['applicant-system', 'mayor'] }], /at \[1\]\.roles\[1\]: "mayor" is not a role/],
    ['no roles', [{ ...reviewEntry, roles: [] }], /at \[0\]\.roles: must name at least one role/],
    ['a role named twice', [{ ...reviewEntry, roles: ['reviewer', 'reviewer'] }], /at \[0\]\.roles: names a role twice/],
    ['an applicant system without applicants', [{ ...portalEntry, applicants: undefined }], /at \[0\]\.applicants: is required for the applicant-system role/],
    ['an applicant system with no applicants', [{ ...portalEntry, applicants: [] }], /at \[0\]\.applicants: must name at least one credit code/],
    ['applicants on a staff key', [{ ...reviewEntry, applicants: [CODE_A] }], /at \[0\]\.applicants: is only allowed with the applicant-system role/],
    ['an invalid credit code', [{ ...portalEntry, applicants: [CODE_A, '91350100M000100Y44'] }], /at \[0\]\.applicants\[1\]: "91350100M000100Y44" is not a unified social credit code: check character/],
    ['an unknown field', [{ ...reviewEntry, key: 'plain' }], /at \[0\]: Unrecognized key: "key"/],
    ['an empty name', [{ ...reviewEntry, name: ' ' }], /at \[0\]\.name: must not be empty/],
    ['an id reserved for development keys', [{ ...reviewEntry, id: 'dev-approver' }], /at \[0\]\.id: must not start with "dev-"/],
    ['a duplicate id', [reviewEntry, { ...portalEntry, id: reviewEntry.id }], /at \[1\]\.id: duplicates the id of entry \[0\]/],
    ['a duplicate key', [reviewEntry, { ...portalEntry, sha256: reviewEntry.sha256 }], /at \[1\]\.sha256: is the same key as entry \[0\]/],
  ];
  for (const [what, content, expected] of cases) {
    test(`a file with ${what} is refused, naming the file and the place`, () => {
      const path = writeKeysFile(content);
      assert.throws(
        () => loadKeyHashes(path),
        (err: Error) => {
          assert.ok(err.message.startsWith(`The API key hashes file ${path} is not valid`), err.message);
          assert.match(err.message, expected);
          assert.ok(!err.message.includes(sha256(REVIEW_KEY)) && !err.message.toLowerCase().includes(sha256(PORTAL_KEY)), 'no hash in the message');
          return true;
        },
      );
    });
  }

  test('invalid JSON is refused without quoting the text (which may hold a hash)', () => {
    const path = writeKeysFile(`[{"sha256": "${sha256(REVIEW_KEY)}" oops}]`);
    assert.throws(() => loadKeyHashes(path), (err: Error) => {
      assert.match(err.message, new RegExp(`${path} is not valid JSON`));
      assert.ok(!err.message.includes(sha256(REVIEW_KEY).slice(0, 10)), err.message);
      return true;
    });
  });

  test('a missing file is refused naming it', () => {
    assert.throws(() => loadKeyHashes('/nonexistent/api-key-hashes.json'), /\/nonexistent\/api-key-hashes\.json cannot be read/);
  });
});

describe('API keys', () => {
  const auth = createAuthenticator({ keyHashes: [reviewEntry, portalEntry], devKeys });
  const key = (k: string): Credential => ({ kind: 'api-key', key: k });

  test('a production key with several roles proves a principal holding them all', async () => {
    assert.deepEqual(await auth.authenticate(key(REVIEW_KEY)), {
      id: 'svc-review',
      name: 'Review desk',
      roles: ['reviewer', 'approver'],
      via: 'api-key',
    } satisfies Principal);
  });

  test("an applicant system's key is bound to its credit codes", async () => {
    const principal = await auth.authenticate(key(PORTAL_KEY));
    assert.deepEqual(principal.applicants, [CODE_A, CODE_B]);
    assert.deepEqual(principal.roles, ['applicant-system']);
    assert.equal(principal.via, 'api-key');
  });

  test('a principal is a copy: changing it does not change the key ring', async () => {
    const first = await auth.authenticate(key(REVIEW_KEY));
    first.roles.push('admin');
    assert.deepEqual((await auth.authenticate(key(REVIEW_KEY))).roles, ['reviewer', 'approver']);
  });

  test('unknown keys, near misses and hashes presented as keys are not known', async () => {
    for (const wrong of ['nope', `${REVIEW_KEY}x`, REVIEW_KEY.slice(0, -1), sha256(REVIEW_KEY), REVIEW_KEY.toUpperCase()]) {
      assert.equal(await refusal(auth.authenticate(key(wrong))), 'the key is not known');
    }
  });

  test('development keys prove the role they belong to; the applicant-system one acts for any applicant', async () => {
    assert.deepEqual(await auth.authenticate(key(devKeys.approver)), {
      id: 'dev-approver',
      name: 'approver (development key)',
      roles: ['approver'],
      via: 'dev-key',
    } satisfies Principal);
    assert.deepEqual(await auth.authenticate(key(devKeys['applicant-system'])), {
      id: 'dev-applicant-system',
      name: 'applicant-system (development key)',
      roles: ['applicant-system'],
      applicants: 'any',
      via: 'dev-key',
    } satisfies Principal);
  });

  test('a production key is looked up before the development keys', async () => {
    const shadowing: KeyHashEntry = { id: 'ops', name: 'Operations', roles: ['auditor'], sha256: sha256(devKeys.admin) };
    const both = createAuthenticator({ keyHashes: [shadowing], devKeys });
    assert.equal((await both.authenticate(key(devKeys.admin))).id, 'ops');
    assert.equal((await both.authenticate(key(devKeys.reviewer))).id, 'dev-reviewer');
  });

  test('without development keys, a development key is not known', async () => {
    const production = createAuthenticator({ keyHashes: [reviewEntry] });
    assert.equal(await refusal(production.authenticate(key(devKeys.approver))), 'the key is not known');
    assert.deepEqual(production.accepts, { apiKey: true, bearer: false });
  });

  test('with no keys configured, API keys are not accepted; bearer tokens without JWT settings neither', async () => {
    const none = createAuthenticator({ keyHashes: [] });
    assert.deepEqual(none.accepts, { apiKey: false, bearer: false });
    assert.equal(await refusal(none.authenticate(key(REVIEW_KEY))), 'API keys are not accepted by this engine');
    assert.equal(await refusal(auth.authenticate({ kind: 'bearer', token: 'a.b.c' })), 'bearer tokens are not accepted by this engine');
  });
});

describe('hash-api-key script', () => {
  test('a generated key and its entry round-trip through the keys file and the authenticator', async () => {
    const { entry } = parseHashKeyArgs(['--id', 'portal-2', '--name', 'Portal', '--roles', 'applicant-system, auditor', '--applicants', `${CODE_A},${CODE_B}`]);
    const made = makeKeyEntry(entry);
    assert.ok(made.key.length >= 32);
    assert.ok(made.text.includes(made.key));
    assert.equal(made.entry.sha256, sha256(made.key));
    const loaded = loadKeyHashes(writeKeysFile([made.entry]));
    const principal = await createAuthenticator({ keyHashes: loaded }).authenticate({ kind: 'api-key', key: made.key });
    assert.deepEqual(principal, { id: 'portal-2', name: 'Portal', roles: ['applicant-system', 'auditor'], applicants: [CODE_A, CODE_B], via: 'api-key' });
  });

  test('a key given on stdin is hashed, not printed, and must be long enough', () => {
    const { entry } = parseHashKeyArgs(['--id', 'desk', '--name', 'Desk', '--roles', 'reviewer', '--stdin']);
    const made = makeKeyEntry(entry, REVIEW_KEY);
    assert.equal(made.entry.sha256, sha256(REVIEW_KEY));
    assert.ok(!made.text.includes(REVIEW_KEY));
    assert.throws(() => makeKeyEntry(entry, 'short'), /at least 32/);
  });

  test('bad arguments are refused, each named', () => {
    assert.throws(() => parseHashKeyArgs(['--name', 'x', '--roles', 'reviewer']), /--id is required/);
    assert.throws(() => parseHashKeyArgs(['--id', 'x', '--name', 'x', '--roles', 'reviewer,mayor']), /--roles \(item 2\) "mayor" is not a role/);
    assert.throws(() => parseHashKeyArgs(['--id', 'x', '--name', 'x', '--roles', 'applicant-system']), /--applicants is required for the applicant-system role/);
    assert.throws(() => parseHashKeyArgs(['--id', 'x', '--name', 'x', '--roles', 'reviewer', '--applicants', CODE_A]), /--applicants is only allowed/);
    assert.throws(() => parseHashKeyArgs(['--id', 'x', '--name', 'x', '--roles', 'reviewer', '--colour', 'red']), /Unknown option '--colour'/);
  });
});

// ---------------------------------------------------------------------------------------------
// Bearer JWTs

const ISSUER = 'https://idp.example.gov.cn/realms/subsidy';
const AUDIENCE = 'subsidy-engine';
const KID = 'signing-1';

function jwtSettings(jwksUrl: string, overrides: Partial<JwtSettings> = {}): JwtSettings {
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUrl,
    rolesClaim: 'roles',
    idClaim: 'sub',
    nameClaim: 'name',
    applicantsClaim: 'applicants',
    ...overrides,
  };
}

interface TokenOptions {
  key?: CryptoKey;
  kid?: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now; null for no exp. */
  expiresIn?: number | null;
  notBeforeIn?: number;
}

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicJwk: JWK;

before(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  otherKey = (await generateKeyPair('ES256')).privateKey;
});

async function token(claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? KID })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt();
  if (options.expiresIn !== null) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
  if (options.notBeforeIn !== undefined) jwt.setNotBefore(now + options.notBeforeIn);
  return jwt.sign(options.key ?? signingKey);
}

const bearer = (t: string): Credential => ({ kind: 'bearer', token: t });

interface JwksServer {
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}

/** A real JWKS endpoint on 127.0.0.1, as an identity provider would serve it. */
async function startJwksServer(respond: () => { status: number; body: string }): Promise<JwksServer> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    const { status, body } = respond();
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/protocol/openid-connect/certs`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const staff = { sub: 'u-1001', name: '李审核', roles: ['reviewer', 'offline_access'] };

describe('bearer JWTs verified against a JWKS endpoint', () => {
  let jwks: JwksServer;
  let auth: ReturnType<typeof createAuthenticator>;

  before(async () => {
    jwks = await startJwksServer(() => ({ status: 200, body: JSON.stringify({ keys: [publicJwk] }) }));
    auth = createAuthenticator({ jwt: jwtSettings(jwks.url) });
  });
  after(() => jwks.close());

  test('a valid token proves its subject with the roles of this engine it names; unknown roles are ignored', async () => {
    assert.deepEqual(auth.accepts, { apiKey: false, bearer: true });
    assert.deepEqual(await auth.authenticate(bearer(await token(staff))), {
      id: 'u-1001',
      name: '李审核',
      roles: ['reviewer'],
      via: 'jwt',
    } satisfies Principal);
  });

  test('the keys are fetched once and then cached', async () => {
    const before = jwks.hits();
    await auth.authenticate(bearer(await token(staff)));
    await auth.authenticate(bearer(await token(staff)));
    assert.equal(jwks.hits(), before);
    assert.ok(before >= 1);
  });

  test('the name falls back to the id', async () => {
    const principal = await auth.authenticate(bearer(await token({ sub: 'u-7', roles: ['auditor'] })));
    assert.equal(principal.name, 'u-7');
  });

  test('an expired token is refused; one expired within the clock tolerance is not', async () => {
    assert.equal(await refusal(auth.authenticate(bearer(await token(staff, { expiresIn: -120 })))), 'the token has expired');
    assert.equal((await auth.authenticate(bearer(await token(staff, { expiresIn: -5 })))).id, 'u-1001');
  });

  test('a token without exp is refused', async () => {
    assert.equal(await refusal(auth.authenticate(bearer(await token(staff, { expiresIn: null })))), 'the token has no valid expiry (exp)');
  });

  test('a token not valid yet is refused', async () => {
    assert.equal(await refusal(auth.authenticate(bearer(await token(staff, { notBeforeIn: 600 })))), 'the token is not valid yet (nbf)');
  });

  test('a token from another issuer or for another audience is refused', async () => {
    assert.equal(
      await refusal(auth.authenticate(bearer(await token(staff, { issuer: 'https://idp.example.com/realms/other' })))),
      "the token's issuer is not trusted by this engine",
    );
    assert.equal(await refusal(auth.authenticate(bearer(await token(staff, { audience: 'another-service' })))), "the token's audience is not this engine");
  });

  test('a token signed by another key is refused: under a known kid as a bad signature, under an unknown kid as no key', async () => {
    assert.equal(await refusal(auth.authenticate(bearer(await token(staff, { key: otherKey })))), "the token's signature is not valid");
    assert.equal(
      await refusal(auth.authenticate(bearer(await token(staff, { key: otherKey, kid: 'forged' })))),
      'the token was not signed by a key of the trusted issuer',
    );
  });

  test('alg none and HS256 tokens are refused', async () => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...staff, iss: ISSUER, aud: AUDIENCE, exp: now + 300 };
    const unsigned = `${b64({ alg: 'none', kid: KID })}.${b64(claims)}.`;
    assert.match(await refusal(auth.authenticate(bearer(unsigned))), /signing algorithm is not accepted/);
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: KID }).sign(new TextEncoder().encode('a'.repeat(32)));
    assert.match(await refusal(auth.authenticate(bearer(hs256))), /signing algorithm is not accepted \(use one of RS256/);
  });

  test('garbage is refused as not a JWT', async () => {
    assert.equal(await refusal(auth.authenticate(bearer('not-a-jwt'))), 'the token is not a well-formed signed JWT');
  });

  test('a token without the id claim, or with no role of this engine, is refused', async () => {
    assert.equal(await refusal(auth.authenticate(bearer(await token({ name: 'x', roles: ['reviewer'] })))), 'the token has no id claim (sub)');
    assert.equal(await refusal(auth.authenticate(bearer(await token({ sub: '' , roles: ['reviewer'] })))), 'the token has no id claim (sub)');
    assert.equal(
      await refusal(auth.authenticate(bearer(await token({ sub: 'u-1', roles: ['offline_access', 'uma_authorization'] })))),
      'the token grants no role of this engine (claim roles)',
    );
    assert.equal(await refusal(auth.authenticate(bearer(await token({ sub: 'u-1' })))), 'the token grants no role of this engine (claim roles)');
    assert.match(await refusal(auth.authenticate(bearer(await token({ sub: 'u-1', roles: { reviewer: true } })))), /must be a list of role names/);
  });

  test('roles may be a space-separated string', async () => {
    const principal = await auth.authenticate(bearer(await token({ sub: 'u-2', roles: 'reviewer  approver openid' })));
    assert.deepEqual(principal.roles, ['reviewer', 'approver']);
  });

  test('an applicant system token carries its credit codes; an invalid code is refused', async () => {
    const principal = await auth.authenticate(bearer(await token({ sub: 'portal', roles: ['applicant-system'], applicants: [CODE_A, CODE_B] })));
    assert.deepEqual(principal, { id: 'portal', name: 'portal', roles: ['applicant-system'], applicants: [CODE_A, CODE_B], via: 'jwt' } satisfies Principal);
    assert.match(
      await refusal(auth.authenticate(bearer(await token({ sub: 'portal', roles: ['applicant-system'], applicants: [CODE_A, '91350100M000100Y44'] })))),
      /applicants claim holds "91350100M000100Y44", which is not a credit code/,
    );
    assert.match(
      await refusal(auth.authenticate(bearer(await token({ sub: 'portal', roles: ['applicant-system'], applicants: CODE_A })))),
      /must be a list of credit codes/,
    );
    const noCodes = await auth.authenticate(bearer(await token({ sub: 'portal', roles: ['applicant-system'] })));
    assert.equal(noCodes.applicants, undefined);
  });

  test('claims may be dotted paths (Keycloak realm_access.roles); a literal dotted claim name wins', async () => {
    const keycloak = createAuthenticator({
      jwt: jwtSettings(jwks.url, { rolesClaim: 'realm_access.roles', idClaim: 'preferred_username', applicantsClaim: 'subsidy.applicants' }),
    });
    const principal = await keycloak.authenticate(
      bearer(await token({ sub: 'f3c1', preferred_username: 'wang.approver', realm_access: { roles: ['approver', 'default-roles-subsidy'] } })),
    );
    assert.deepEqual(principal, { id: 'wang.approver', name: 'wang.approver', roles: ['approver'], via: 'jwt' } satisfies Principal);
    const portal = await keycloak.authenticate(
      bearer(await token({ preferred_username: 'portal', realm_access: { roles: ['applicant-system'] }, subsidy: { applicants: [CODE_B] } })),
    );
    assert.deepEqual(portal.applicants, [CODE_B]);

    const namespaced = createAuthenticator({ jwt: jwtSettings(jwks.url, { rolesClaim: 'https://subsidy.example.gov.cn/roles' }) });
    const p = await namespaced.authenticate(bearer(await token({ sub: 'u-3', 'https://subsidy.example.gov.cn/roles': ['inspector'] })));
    assert.deepEqual(p.roles, ['inspector']);
    assert.equal(await refusal(keycloak.authenticate(bearer(await token({ preferred_username: 'x', realm_access: 'approver' })))), 'the token grants no role of this engine (claim realm_access.roles)');
  });
});

describe('bearer JWTs with injected keys', () => {
  test('the jwks option replaces the JWKS URL', async () => {
    const auth = createAuthenticator({ jwt: jwtSettings('http://127.0.0.1:1/never-fetched'), jwks: createLocalJWKSet({ keys: [publicJwk] }) });
    assert.deepEqual((await auth.authenticate(bearer(await token(staff)))).roles, ['reviewer']);
    assert.equal(await refusal(auth.authenticate(bearer(await token(staff, { key: otherKey })))), "the token's signature is not valid");
  });

  test('an asymmetric algorithm outside the allow-list (ES512) is refused even when the key set has its key', async () => {
    const pair = await generateKeyPair('ES512', { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'p521', alg: 'ES512' };
    const auth = createAuthenticator({ jwt: jwtSettings('http://127.0.0.1:1/never-fetched'), jwks: createLocalJWKSet({ keys: [jwk] }) });
    const es512 = await new SignJWT(staff)
      .setProtectedHeader({ alg: 'ES512', kid: 'p521' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(pair.privateKey);
    assert.match(await refusal(auth.authenticate(bearer(es512))), /signing algorithm is not accepted/);
  });
});

describe('bearer JWTs when the JWKS endpoint is unavailable', () => {
  async function unavailable(promise: Promise<unknown>): Promise<CredentialServiceUnavailable> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof CredentialServiceUnavailable, `expected CredentialServiceUnavailable, got ${String(err)}`);
      assert.ok(!(err instanceof CredentialError));
      return err;
    }
    assert.fail('expected CredentialServiceUnavailable');
  }

  test('an unreachable endpoint is unavailable (503), not a bad credential (401)', async () => {
    const closed = await startJwksServer(() => ({ status: 200, body: '{}' }));
    await closed.close();
    const auth = createAuthenticator({ jwt: jwtSettings(closed.url) });
    const err = await unavailable(auth.authenticate(bearer(await token(staff))));
    assert.match(err.reason, /signing keys could not be fetched/);
    assert.ok(err.cause, 'keeps the cause for the logs');
  });

  test('an endpoint answering 500 or not a key set is unavailable', async () => {
    const failing = await startJwksServer(() => ({ status: 500, body: '{"error":"down"}' }));
    const broken = await startJwksServer(() => ({ status: 200, body: '{"keys": "none"}' }));
    try {
      await unavailable(createAuthenticator({ jwt: jwtSettings(failing.url) }).authenticate(bearer(await token(staff))));
      await unavailable(createAuthenticator({ jwt: jwtSettings(broken.url) }).authenticate(bearer(await token(staff))));
    } finally {
      await failing.close();
      await broken.close();
    }
  });
});
