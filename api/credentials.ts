/**
 * Who is calling (issue 7): turns a credential into a `Principal`.
 *
 * Four kinds, in `X-Api-Key` or `Authorization: Bearer`: API keys admins issue in the engine's
 * database (lib/api-key-store.ts), hashed production API keys from API_KEY_HASHES_FILE, development
 * keys (one per role) and JWTs from an identity provider. Reasons given in `CredentialError` are
 * meant for the caller, so they never contain the secret.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { apiKeyStatus } from '../domain/api-keys';
import { creditCodeProblem } from '../domain/credit-code';
import { isRole, type Role } from '../domain/roles';
import { type ApiKeyRecord, hashSecret } from '../lib/api-key-store';
import type { JwtSettings } from '../lib/settings';
import { KeyApplicants, keyBindingIssues, KeyRoles, PrincipalId } from './api-key-schemas';
import { devKeyRing } from './keys';
import type { Principal } from './principal';

export type Credential = { kind: 'api-key'; key: string } | { kind: 'bearer'; token: string };

/** The credential proves no one (401); `reason` is safe to show the caller. */
export class CredentialError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CredentialError';
  }
}

/** The credential could not be checked right now, e.g. the JWKS endpoint is down (503, not 401). */
export class CredentialServiceUnavailable extends Error {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = 'CredentialServiceUnavailable';
  }
}

export interface Authenticator {
  authenticate(credential: Credential): Promise<Principal>;
  /** Kinds accepted, for the 401 message. */
  accepts: { apiKey: boolean; bearer: boolean };
}

// ---------------------------------------------------------------------------------------------
// Headers

/** The credential a request carries, or undefined when it carries none. */
export function credentialOf(headers: {
  authorization?: string | string[];
  'x-api-key'?: string | string[];
}): Credential | undefined {
  const key = headers['x-api-key'];
  const authorization = headers.authorization;
  if (key !== undefined && authorization !== undefined) {
    throw new CredentialError('send either X-Api-Key or Authorization: Bearer, not both');
  }
  if (key !== undefined) {
    if (typeof key !== 'string') throw new CredentialError('send one X-Api-Key header, not several');
    if (key === '') throw new CredentialError('the X-Api-Key header is empty');
    return { kind: 'api-key', key };
  }
  if (authorization !== undefined) {
    if (typeof authorization !== 'string') throw new CredentialError('send one Authorization header, not several');
    // RFC 7235: the scheme is case-insensitive; RFC 6750: the token is token68.
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
    if (!match) {
      throw new CredentialError(
        /^bearer\b/i.test(authorization)
          ? 'the Authorization header must be "Bearer <token>"'
          : 'the Authorization header must use the Bearer scheme ("Bearer <token>")',
      );
    }
    return { kind: 'bearer', token: match[1]! };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Hashed production API keys

export interface KeyHashEntry {
  id: string;
  name: string;
  roles: Role[];
  applicants?: string[];
  /** Lowercase hex SHA-256 of the key. */
  sha256: string;
}

/** One entry of the keys file. Messages never quote `sha256`: a hash of a real key stays out of logs. */
export const KeyHashEntrySchema = z
  .object({
    id: PrincipalId,
    name: z.string().trim().min(1, 'must not be empty'),
    roles: KeyRoles,
    applicants: KeyApplicants.optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the key as 64 lowercase hex digits'),
  })
  .strict()
  .superRefine(keyBindingIssues);

const KeyHashesFileSchema = z.array(KeyHashEntrySchema, { error: 'must be a JSON array of key entries' }).superRefine((entries, ctx) => {
  const ids = new Map<string, number>();
  const hashes = new Map<string, number>();
  entries.forEach((entry, i) => {
    const sameId = ids.get(entry.id);
    if (sameId !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicates the id of entry [${sameId}]` });
    else ids.set(entry.id, i);
    const sameHash = hashes.get(entry.sha256);
    if (sameHash !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'sha256'], message: `is the same key as entry [${sameHash}]` });
    else hashes.set(entry.sha256, i);
  });
});

function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}

/** Reads and validates the production keys file (`API_KEY_HASHES_FILE`); throws naming the file and place. */
export function loadKeyHashes(path: string): KeyHashEntry[] {
  const what = `The API key hashes file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`${what} cannot be read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text around the error, which may be a hash: give the position only.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new Error(`${what} is not valid JSON${position ? ` (at character ${position})` : ''}`);
  }
  const parsed = KeyHashesFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `at ${jsonPath(issue.path)}: ${issue.message}`);
    throw new Error(`${what} is not valid${problems.length === 1 ? ` ${problems[0]}` : `:\n  - ${problems.join('\n  - ')}`}`);
  }
  return parsed.data;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

type KeyLookup = (presented: string) => Principal | undefined;

function keyHashLookup(entries: readonly KeyHashEntry[]): KeyLookup {
  const ring = entries.map((entry) => ({ entry, digest: Buffer.from(entry.sha256, 'hex') }));
  return (presented) => {
    const digest = sha256(presented);
    // Compare against every entry, so the time taken does not depend on where (or whether) it matches.
    let match: KeyHashEntry | undefined;
    for (const { entry, digest: known } of ring) {
      if (timingSafeEqual(known, digest) && !match) match = entry;
    }
    if (!match) return undefined;
    return {
      id: match.id,
      name: match.name,
      roles: [...match.roles],
      ...(match.applicants ? { applicants: [...match.applicants] } : {}),
      via: 'api-key',
    };
  };
}

function devKeyLookup(keys: Record<Role, string>): KeyLookup {
  const ring = devKeyRing(keys);
  return (presented) => {
    const actor = ring.actorFor(presented);
    if (!actor) return undefined;
    return {
      id: actor.id,
      name: actor.name,
      roles: [actor.role],
      ...(actor.role === 'applicant-system' ? { applicants: 'any' as const } : {}),
      via: 'dev-key',
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Bearer JWTs

/** Asymmetric only: with a shared-secret algorithm anyone holding the public JWKS could sign. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * A claim by name; a dotted name (`realm_access.roles`) walks nested objects. A claim whose own
 * name contains dots (namespaced claims such as `https://example.gov.cn/roles`) wins.
 */
function claimAt(payload: JWTPayload, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function principalOfClaims(payload: JWTPayload, jwt: JwtSettings): Principal {
  const id = claimAt(payload, jwt.idClaim);
  if (typeof id !== 'string' || id.trim() === '') throw new CredentialError(`the token has no id claim (${jwt.idClaim})`);

  const rawRoles = claimAt(payload, jwt.rolesClaim);
  let names: string[];
  if (typeof rawRoles === 'string') names = rawRoles.split(/\s+/);
  else if (Array.isArray(rawRoles) && rawRoles.every((r) => typeof r === 'string')) names = rawRoles;
  else if (rawRoles === undefined) names = [];
  else throw new CredentialError(`the token's roles claim (${jwt.rolesClaim}) must be a list of role names`);
  // Identity providers put unrelated roles in the same claim; only ours count.
  const roles = [...new Set(names.filter(isRole))];
  if (roles.length === 0) throw new CredentialError(`the token grants no role of this engine (claim ${jwt.rolesClaim})`);

  const name = claimAt(payload, jwt.nameClaim);
  const principal: Principal = { id, name: typeof name === 'string' && name.trim() !== '' ? name : id, roles, via: 'jwt' };

  const applicants = claimAt(payload, jwt.applicantsClaim);
  if (applicants !== undefined) {
    if (!Array.isArray(applicants) || !applicants.every((c) => typeof c === 'string')) {
      throw new CredentialError(`the token's applicants claim (${jwt.applicantsClaim}) must be a list of credit codes`);
    }
    for (const code of applicants) {
      const problem = creditCodeProblem(code);
      if (problem) throw new CredentialError(`the token's applicants claim holds ${JSON.stringify(code)}, which is not a credit code: ${problem}`);
    }
    // Only an applicant system acts for applicants; on a staff token the claim binds nothing.
    if (roles.includes('applicant-system')) principal.applicants = [...new Set(applicants)];
  }
  return principal;
}

/** Key lookup failures that are the token's fault; anything else means the keys could not be had. */
function guardKeySource(getKey: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await getKey(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      throw new CredentialServiceUnavailable("the token issuer's signing keys could not be fetched; try again later", { cause: err });
    }
  };
}

function claimReason(claim: string): string {
  switch (claim) {
    case 'iss':
      return "the token's issuer is not trusted by this engine";
    case 'aud':
      return "the token's audience is not this engine";
    case 'exp':
      return 'the token has no valid expiry (exp)';
    case 'nbf':
      return 'the token is not valid yet (nbf)';
    case 'iat':
      return "the token's issue time (iat) is invalid";
    default:
      return `the token's ${claim} claim is invalid`;
  }
}

/** jose's errors as reasons a caller can act on. */
function reasonOf(err: unknown): string | undefined {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return claimReason(err.claim);
  if (err instanceof errors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  if (err instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a key of the trusted issuer';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'the token does not say which of the issuer\'s keys signed it (kid)';
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return `the token's signing algorithm is not accepted (use one of ${JWT_ALGORITHMS.join(', ')})`;
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'the token is not a well-formed signed JWT';
  return undefined;
}

type TokenCheck = (token: string) => Promise<Principal>;

function jwtCheck(jwt: JwtSettings, jwks: JWTVerifyGetKey | undefined): TokenCheck {
  // One remote set per authenticator: jose caches the keys and refetches on an unknown kid.
  const getKey = guardKeySource(jwks ?? createRemoteJWKSet(new URL(jwt.jwksUrl)));
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: JWT_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof CredentialServiceUnavailable) throw err;
      const reason = reasonOf(err);
      if (reason) throw new CredentialError(reason);
      throw err;
    }
    return principalOfClaims(payload, jwt);
  };
}

// ---------------------------------------------------------------------------------------------

/** The keys in the engine's database, as the authenticator reads them (lib/api-key-store.ts). */
export interface StoredKeys {
  find(sha256: string): Promise<ApiKeyRecord | undefined>;
}

/**
 * A presented key looked up in the database, on every request (no cache: a revocation through any
 * API process is effective at once everywhere). Revoked or expired: refused, saying so. An imported
 * file entry (`source: file`) is not answered here: this process's own file says whom it stands for
 * and whether it still accepts it.
 */
function storedKeyCheck(keys: StoredKeys, clock: () => Date) {
  return async (presented: string): Promise<Principal | undefined> => {
    let record: ApiKeyRecord | undefined;
    try {
      record = await keys.find(hashSecret(presented));
    } catch (err) {
      throw new CredentialServiceUnavailable("API keys cannot be checked right now: the engine's database did not answer", { cause: err });
    }
    if (!record) return undefined;
    const status = apiKeyStatus(record, clock());
    if (status === 'revoked') throw new CredentialError(`the key ${record.id} was revoked at ${record.revokedAt}`);
    if (status === 'expired') throw new CredentialError(`the key ${record.id} expired at ${record.expiresAt}`);
    if (record.source === 'file') return undefined;
    return {
      id: record.principal.id,
      name: record.principal.name,
      roles: [...record.roles],
      ...(record.applicants ? { applicants: [...record.applicants] } : {}),
      via: 'api-key',
    };
  };
}

export function createAuthenticator(options: {
  devKeys?: Record<Role, string>;
  keyHashes?: KeyHashEntry[];
  /** API keys admins issue and revoke (POST /api-keys), looked up on every request. */
  keyStore?: StoredKeys;
  jwt?: JwtSettings;
  /** Test injection: where verification keys come from, instead of `jwt.jwksUrl`. */
  jwks?: JWTVerifyGetKey;
  /** Now, for key expiry; tests pass a fixed one. */
  clock?: () => Date;
}): Authenticator {
  // Production keys first: they are the ones meant to be there once development keys are off.
  const checkStored = options.keyStore ? storedKeyCheck(options.keyStore, options.clock ?? (() => new Date())) : undefined;
  const lookups: KeyLookup[] = [];
  if (options.keyHashes && options.keyHashes.length > 0) lookups.push(keyHashLookup(options.keyHashes));
  if (options.devKeys) lookups.push(devKeyLookup(options.devKeys));
  const checkToken = options.jwt ? jwtCheck(options.jwt, options.jwks) : undefined;
  const accepts = { apiKey: checkStored !== undefined || lookups.length > 0, bearer: checkToken !== undefined };

  return {
    accepts,
    async authenticate(credential) {
      if (credential.kind === 'bearer') {
        if (!checkToken) throw new CredentialError('bearer tokens are not accepted by this engine');
        return checkToken(credential.token);
      }
      if (!accepts.apiKey) throw new CredentialError('API keys are not accepted by this engine');
      const stored = await checkStored?.(credential.key);
      if (stored) return stored;
      for (const lookup of lookups) {
        const principal = lookup(credential.key);
        if (principal) return principal;
      }
      throw new CredentialError('the key is not known');
    },
  };
}
