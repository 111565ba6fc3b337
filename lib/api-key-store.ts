/**
 * API keys in the engine's database (lib/database.ts, table `api_keys`): issued and revoked by an
 * admin (POST /api-keys, POST /api-keys/:id/revocation), shared by every API process on every
 * host. The table holds the SHA-256 of each secret, never the secret: `issue` hands the secret back
 * once and forgets it.
 *
 * Nothing is cached: the authenticator looks a presented key up on every request (`find`), so a
 * revocation written through one API process refuses the key on every other at once.
 *
 * The entries of `API_KEY_HASHES_FILE` (older deployments) are imported once (`importKeyFile`), so
 * that admins list and revoke them here too; the file still says, per process, which of them it
 * accepts (api/credentials.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { apiKeyStatus, type ApiKeyStatus } from '../domain/api-keys';
import { canonicalJson } from '../domain/idempotency';
import type { Actor, Role } from '../domain/roles';
import type { ApiKeyTable, EngineDatabase } from './database';

/** Who issued or revoked a key (an admin), or the engine for an imported entry. */
export interface KeyActor {
  id: string;
  role: Role | 'engine';
  name: string;
}

/** A key as listed: everything but its secret (and its hash, which stays in the database). */
export interface ApiKeyRecord {
  id: string;
  principal: { id: string; name: string };
  roles: Role[];
  /** The credit codes an applicant-system key may act for. */
  applicants?: string[];
  source: 'api' | 'file';
  createdAt: string;
  createdBy: KeyActor;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: KeyActor | null;
  revocationReason: string | null;
}

/** What an admin asks to issue (validated by the API: api/api-key-schemas.ts). */
export interface IssueRequest {
  principalId: string;
  name: string;
  roles: Role[];
  applicants?: string[];
  expiresAt?: string;
  by: Actor;
  /** The Idempotency-Key, hashed with the caller: one key, one issue. */
  keyHash?: string;
}

export interface IssueResult {
  record: ApiKeyRecord;
  /** The secret, on the first answer only; a retry with the same Idempotency-Key gets `undefined`. */
  secret: string | undefined;
  replayed: boolean;
}

/** An entry of API_KEY_HASHES_FILE, as imported. */
export interface KeyFileEntry {
  id: string;
  name: string;
  roles: Role[];
  applicants?: string[];
  sha256: string;
}

/** No key has this id. */
export class UnknownApiKeyError extends Error {
  constructor(readonly id: string) {
    super(`there is no API key ${id}`);
    this.name = 'UnknownApiKeyError';
  }
}

/** The key was revoked before; a revocation is never replaced. */
export class AlreadyRevokedError extends Error {
  constructor(readonly record: ApiKeyRecord) {
    super(`the API key ${record.id} was revoked at ${record.revokedAt} by ${record.revokedBy?.name ?? 'an admin'}`);
    this.name = 'AlreadyRevokedError';
  }
}

/** The Idempotency-Key issued another key before. */
export class IssueKeyReusedError extends Error {
  constructor(readonly record: ApiKeyRecord) {
    super(`this Idempotency-Key issued another API key (${record.id}) before`);
    this.name = 'IssueKeyReusedError';
  }
}

export interface ApiKeyStore {
  /** Stores a new key (its hash) and returns its secret, once. Throws `IssueKeyReusedError`. */
  issue(request: IssueRequest): Promise<IssueResult>;
  /** Every key, oldest first, with its status at `now`. */
  list(): Promise<Array<ApiKeyRecord & { status: ApiKeyStatus }>>;
  /** Revokes a key; throws `UnknownApiKeyError` or `AlreadyRevokedError`. */
  revoke(id: string, by: Actor, reason: string): Promise<ApiKeyRecord>;
  /** The key whose secret hashes to `sha256` (lowercase hex), as the database has it now. */
  find(sha256: string): Promise<ApiKeyRecord | undefined>;
}

/** Lowercase hex SHA-256 of a presented secret: what the table is looked up by. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * The key id an imported file entry gets: its id and the start of its hash (an entry given a new
 * key is another key). Generated ids never hold a colon, so it cannot collide with one.
 */
export function fileKeyId(entry: Pick<KeyFileEntry, 'id' | 'sha256'>): string {
  return `file:${entry.id}:${entry.sha256.slice(0, 8)}`;
}

function recordOf(row: Selectable<ApiKeyTable>): ApiKeyRecord {
  return {
    id: row.id,
    principal: { id: row.principal_id, name: row.principal_name },
    roles: JSON.parse(row.roles) as Role[],
    ...(row.applicants !== null ? { applicants: JSON.parse(row.applicants) as string[] } : {}),
    source: row.source === 'file' ? 'file' : 'api',
    createdAt: row.created_at,
    createdBy: JSON.parse(row.created_by) as KeyActor,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by !== null ? (JSON.parse(row.revoked_by) as KeyActor) : null,
    revocationReason: row.revocation_reason,
  };
}

const actorJson = (a: KeyActor) => JSON.stringify({ id: a.id, role: a.role, name: a.name });

export function createApiKeyStore(db: EngineDatabase, clock: () => Date = () => new Date()): ApiKeyStore {
  const byKeyHash = (keyHash: string) => db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();

  /** A retry with the same Idempotency-Key: the first key again (without its secret), or a refusal. */
  const replay = (earlier: Selectable<ApiKeyTable>, bodyHash: string): IssueResult => {
    if (earlier.body_hash !== bodyHash) throw new IssueKeyReusedError(recordOf(earlier));
    return { record: recordOf(earlier), secret: undefined, replayed: true };
  };

  return {
    async issue(request) {
      const bodyHash = hashSecret(
        canonicalJson({ principalId: request.principalId, name: request.name, roles: request.roles, applicants: request.applicants ?? null, expiresAt: request.expiresAt ?? null }),
      );
      if (request.keyHash) {
        const earlier = await byKeyHash(request.keyHash);
        if (earlier) return replay(earlier, bodyHash);
      }
      // 256 random bits: only a hash protects a stored key, so the key itself must not be guessable.
      const secret = randomBytes(32).toString('base64url');
      const row = {
        id: `key-${randomBytes(9).toString('hex')}`,
        sha256: hashSecret(secret),
        principal_id: request.principalId,
        principal_name: request.name,
        roles: JSON.stringify(request.roles),
        applicants: request.applicants ? JSON.stringify(request.applicants) : null,
        source: 'api',
        created_at: clock().toISOString(),
        created_by: actorJson(request.by),
        expires_at: request.expiresAt ? new Date(request.expiresAt).toISOString() : null,
        revoked_at: null,
        revoked_by: null,
        revocation_reason: null,
        key_hash: request.keyHash ?? null,
        body_hash: bodyHash,
      };
      try {
        await db.insertInto('api_keys').values(row).execute();
      } catch (err) {
        // Two retries at once with one Idempotency-Key: the key_hash is unique; the other one won.
        const earlier = request.keyHash ? await byKeyHash(request.keyHash) : undefined;
        if (earlier) return replay(earlier, bodyHash);
        throw err;
      }
      return { record: recordOf(row), secret, replayed: false };
    },

    async list() {
      const now = clock();
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map((row) => {
        const record = recordOf(row);
        return { ...record, status: apiKeyStatus(record, now) };
      });
    },

    async revoke(id, by, reason) {
      const at = clock().toISOString();
      // Only a key not revoked yet: two admins revoking at once, one wins and the other is told.
      const updated = await db
        .updateTable('api_keys')
        .set({ revoked_at: at, revoked_by: actorJson(by), revocation_reason: reason })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new UnknownApiKeyError(id);
      if (Number(updated.numUpdatedRows) === 0) throw new AlreadyRevokedError(recordOf(row));
      return recordOf(row);
    },

    async find(sha256) {
      const row = await db.selectFrom('api_keys').selectAll().where('sha256', '=', sha256).executeTakeFirst();
      return row ? recordOf(row) : undefined;
    },
  };
}

/**
 * The entries of API_KEY_HASHES_FILE the table does not hold yet (by hash), stored once as keys
 * of source `file`, issued by the engine. A key revoked here stays revoked even while the file
 * still lists it. Returns the ids imported.
 */
export async function importKeyFile(db: EngineDatabase, entries: readonly KeyFileEntry[], at: Date): Promise<string[]> {
  if (entries.length === 0) return [];
  const known = new Set((await db.selectFrom('api_keys').select('sha256').execute()).map((r) => r.sha256));
  const engine: KeyActor = { id: 'engine', role: 'engine', name: 'the engine, from API_KEY_HASHES_FILE at start-up' };
  const imported: string[] = [];
  for (const entry of entries) {
    if (known.has(entry.sha256)) continue;
    const result = await db
      .insertInto('api_keys')
      .values({
        id: fileKeyId(entry),
        sha256: entry.sha256,
        principal_id: entry.id,
        principal_name: entry.name,
        roles: JSON.stringify(entry.roles),
        applicants: entry.applicants ? JSON.stringify(entry.applicants) : null,
        source: 'file',
        created_at: at.toISOString(),
        created_by: actorJson(engine),
        expires_at: null,
        revoked_at: null,
        revoked_by: null,
        revocation_reason: null,
        key_hash: null,
        body_hash: null,
      })
      // Another API starting at the same time imported it first.
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) imported.push(fileKeyId(entry));
  }
  return imported;
}
