/**
 * The engine's shared admin data over HTTP: the serious-dishonesty list 严重失信主体名单 that
 * admins maintain (lib/dishonesty-store.ts; filings are checked against it when no list service
 * is configured) and the local outbox of external effects, for people to read
 * (lib/outbox-store.ts). Both live in the engine's database, the same for every host.
 */
import { Router, type Response } from 'express';
import { DishonestyInputError, type DishonestyStore, NotListedError } from '../lib/dishonesty-store';
import type { OutboxStore } from '../lib/outbox-store';
import { type AccessLocals, guardedActor } from './access';
import { CreditCodeParam, DishonestyEntryBody, DishonestyListQuery, DishonestyRemovalBody, OutboxQuery } from './admin-data-schemas';
import { Problem, validationProblem } from './problem';

export interface AdminDataDeps {
  dishonesty: DishonestyStore;
  outbox: Pick<OutboxStore, 'read'>;
}

const DEFAULT_PAGE = 100;

function creditCodeOf(raw: string | undefined): string {
  const code = CreditCodeParam.safeParse(raw ?? '');
  if (!code.success) throw validationProblem(code.error, 'creditCode');
  return code.data;
}

function inputProblem(err: unknown): unknown {
  if (err instanceof DishonestyInputError) return new Problem('validation', err.message, { errors: [{ field: err.field, reason: err.reason }] });
  if (err instanceof NotListedError) return new Problem('not-found', err.message, { creditCode: err.creditCode });
  return err;
}

export function adminDataRoutes(deps: AdminDataDeps): Router {
  const router = Router();

  // ---- The serious-dishonesty list ------------------------------------------------------------

  router.get('/dishonesty-list', async (req, res) => {
    const query = DishonestyListQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error);
    const limit = query.data.limit ?? DEFAULT_PAGE;
    const rows = await deps.dishonesty.list({
      includeRemoved: query.data.includeRemoved === 'true',
      ...(query.data.after ? { after: query.data.after } : {}),
      limit: limit + 1,
    });
    const entries = rows.slice(0, limit);
    res.json({ entries, next: rows.length > limit ? entries.at(-1)!.creditCode : null });
  });

  router.get('/dishonesty-list/:creditCode', async (req, res) => {
    const code = creditCodeOf(req.params.creditCode);
    const found = await deps.dishonesty.get(code);
    if (!found) throw new Problem('not-found', `${code} was never on the serious-dishonesty list`, { creditCode: code });
    res.json({ ...found.entry, listed: found.entry.removedAt === undefined, history: found.history });
  });

  router.put('/dishonesty-list/:creditCode', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const code = creditCodeOf(req.params.creditCode);
    const body = DishonestyEntryBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    try {
      const { entry, change } = await deps.dishonesty.put(code, body.data, actor);
      res.status(change === 'listed' ? 201 : 200).json(entry);
    } catch (err) {
      throw inputProblem(err);
    }
  });

  router.post('/dishonesty-list/:creditCode/removal', async (req, res: Response<unknown, AccessLocals>) => {
    const actor = guardedActor(res);
    const code = creditCodeOf(req.params.creditCode);
    const body = DishonestyRemovalBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    try {
      res.json(await deps.dishonesty.remove(code, body.data.reason, actor));
    } catch (err) {
      throw inputProblem(err);
    }
  });

  // ---- The local outbox -----------------------------------------------------------------------

  router.get('/outbox-messages', async (req, res) => {
    const query = OutboxQuery.safeParse(req.query);
    if (!query.success) throw validationProblem(query.error);
    const { limit = DEFAULT_PAGE, ...filter } = query.data;
    const rows = await deps.outbox.read({ ...filter, limit: limit + 1 });
    const messages = rows.slice(0, limit);
    res.json({ messages, next: rows.length > limit ? messages.at(-1)!.seq : null });
  });

  return router;
}
