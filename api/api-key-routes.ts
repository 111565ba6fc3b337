/**
 * API keys over HTTP, for admins (lib/api-key-store.ts):
 * - `POST /api-keys` issues a key: the answer shows its secret once; the database keeps its hash.
 *   With an `Idempotency-Key`, a retry with the same body answers `200` with the key (its id, whom
 *   it stands for) but not the secret, which is never stored to be shown again: a caller that lost
 *   the first answer revokes that key and issues another. The same key with another body is `422`;
 * - `GET /api-keys` lists every key, without secrets: whom it stands for, who issued it, whether
 *   and why it was revoked;
 * - `POST /api-keys/:id/revocation` revokes a key, with a reason, at once for every API process.
 */
import { Router, type Response } from 'express';
import { sha256Hex } from '../domain/idempotency';
import { AlreadyRevokedError, type ApiKeyRecord, type ApiKeyStore, IssueKeyReusedError, UnknownApiKeyError } from '../lib/api-key-store';
import { type AccessLocals, guardedActor } from './access';
import { ApiKeyIdParam, IssueApiKeyBody, RevokeApiKeyBody } from './api-key-schemas';
import type { Logger } from './log';
import { Problem, validationProblem } from './problem';
import { idempotencyKeyOf } from './temporal-calls';

export interface ApiKeyRouteDeps {
  apiKeys: ApiKeyStore;
  clock: () => Date;
}

const SHOWN_ONCE = 'The secret was shown once, in the first answer to this Idempotency-Key, and is not kept: if it was lost, revoke this key and issue another with a new Idempotency-Key';

function keyJson(record: ApiKeyRecord) {
  return { ...record, links: { self: '/api-keys', revocation: `/api-keys/${encodeURIComponent(record.id)}/revocation` } };
}

/** Who did it, for the logs: the audit of keys is the table itself (created_by, revoked_by). */
function audit(res: Response, message: string, fields: Record<string, unknown>): void {
  (res.locals.log as Logger | undefined)?.info(message, fields);
}

export function apiKeyRoutes(deps: ApiKeyRouteDeps): Router {
  const router = Router();

  router.post('/api-keys', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const body = IssueApiKeyBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const { expiresAt } = body.data;
    if (expiresAt !== undefined && Date.parse(expiresAt) <= deps.clock().getTime()) {
      throw new Problem('validation', `expiresAt: must be in the future (it is ${deps.clock().toISOString()} now)`, {
        errors: [{ field: 'expiresAt', reason: 'must be in the future' }],
      });
    }
    const key = idempotencyKeyOf(req);
    try {
      const result = await deps.apiKeys.issue({
        ...body.data,
        by: actor,
        ...(key !== undefined ? { keyHash: sha256Hex(`${actor.id}\n${key}`) } : {}),
      });
      if (result.replayed || result.secret === undefined) {
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(200).json({ ...keyJson(result.record), secret: null, note: SHOWN_ONCE });
        return;
      }
      audit(res, 'API key issued', { keyId: result.record.id, principal: result.record.principal.id, roles: result.record.roles, by: actor.id });
      res.setHeader('Cache-Control', 'no-store');
      res.status(201).json({ ...keyJson(result.record), secret: result.secret, note: 'Send the secret as X-Api-Key. It is shown this once and kept nowhere: hand it over on a secure channel' });
    } catch (err) {
      if (err instanceof IssueKeyReusedError) {
        throw new Problem('unprocessable', 'This Idempotency-Key was used before to issue another API key; use a new key to issue another', {
          errors: [{ field: 'Idempotency-Key', reason: `issued API key ${err.record.id} before, with another body` }],
        });
      }
      throw err;
    }
  });

  router.get('/api-keys', async (_req, res) => {
    res.json({ keys: (await deps.apiKeys.list()).map(keyJson) });
  });

  router.post('/api-keys/:id/revocation', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const id = ApiKeyIdParam.safeParse(req.params.id);
    if (!id.success) throw validationProblem(id.error, 'id');
    const body = RevokeApiKeyBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    try {
      const record = await deps.apiKeys.revoke(id.data, actor, body.data.reason);
      audit(res, 'API key revoked', { keyId: record.id, principal: record.principal.id, by: actor.id });
      res.json(keyJson(record));
    } catch (err) {
      if (err instanceof UnknownApiKeyError) throw new Problem('not-found', `There is no API key ${id.data} (GET /api-keys lists them)`);
      if (err instanceof AlreadyRevokedError) {
        throw new Problem('conflict', `The API key ${id.data} was revoked before, at ${err.record.revokedAt} by ${err.record.revokedBy?.name ?? 'an admin'}`, {
          revokedAt: err.record.revokedAt,
          revokedBy: err.record.revokedBy,
          revocationReason: err.record.revocationReason,
        });
      }
      throw err;
    }
  });

  return router;
}
