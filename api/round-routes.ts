/**
 * The round endpoints (issue 16): an admin opens a round (`POST /rounds`), everyone reads them
 * (`GET /rounds`, `GET /rounds/:id`: budget, totals, scaling, notices), and an approver records
 * the executive meeting's decision on a list in one act (`POST /rounds/:id/sign-off`). The rules
 * are the round workflow's (workflows/round.ts); these handlers parse and call it.
 */
import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import { actionBinding, keyedUpdateId } from '../domain/idempotency';
import { parseRoundId, roundTotals, roundWorkflowId, type RoundState } from '../domain/rounds';
import { batchSignOffUpdate } from '../workflows/messages';
import type { AccessLocals } from './access';
import { Problem, validationProblem } from './problem';
import { BatchSignOffBody, OpenRoundBody } from './round-schemas';
import type { RoundService } from './rounds';
import { callTemporal, idempotencyKeyOf, updateProblem } from './temporal-calls';

export interface RoundRouteDeps {
  client: Client;
  rounds: RoundService;
}

/** A round as GET /rounds/:id shows it: its state with its totals and links. The seed shows only once drawn. */
function roundView(state: RoundState) {
  const { program: _pinned, ...rest } = state;
  return {
    ...rest,
    program: { id: state.program.id, name: state.program.name, policyId: state.program.policy.id },
    totals: roundTotals(state),
    links: { self: `/rounds/${encodeURIComponent(state.definition.id)}`, public: `/public/rounds/${encodeURIComponent(state.definition.id)}` },
  };
}

/** One line of GET /rounds. */
function roundSummary(state: RoundState) {
  const last = state.notices.at(-1);
  return {
    id: state.definition.id,
    programId: state.definition.programId,
    label: state.definition.label,
    year: state.definition.year,
    window: state.definition.window,
    budget: state.definition.budget,
    signOff: state.definition.signOff,
    status: state.status,
    applications: state.entries.length,
    totals: roundTotals(state),
    seedSha256: state.definition.spotCheck.seedSha256,
    drawn: state.draw !== null,
    notices: state.notices.length,
    latestNotice: last ? { publication: last.publication, publishedOn: last.publishedOn, lastDay: last.lastDay, sha256: last.sha256 } : null,
    links: { self: `/rounds/${encodeURIComponent(state.definition.id)}` },
  };
}

function roundIdParam(req: Request): string {
  const id = String(req.params.id);
  if (!parseRoundId(id)) throw new Problem('not-found', `No round ${id}`);
  return id;
}

export function roundRoutes(deps: RoundRouteDeps): Router {
  const router = Router();

  router.post('/rounds', async (req, res: Response<unknown, AccessLocals>) => {
    const body = OpenRoundBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const key = idempotencyKeyOf(req);
    const { state, replayed } = await deps.rounds.open(body.data, res.locals.actor!, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    if (key !== undefined) res.setHeader('Idempotency-Key', key);
    res.status(201).location(`/rounds/${encodeURIComponent(state.definition.id)}`).json(roundView(state));
  });

  router.get('/rounds', async (_req, res) => {
    const rounds = await deps.rounds.list();
    res.json({ items: rounds.map(roundSummary) });
  });

  router.get('/rounds/:id', async (req, res) => {
    const id = roundIdParam(req);
    const state = await deps.rounds.state(id);
    if (!state) throw new Problem('not-found', `No round ${id}`);
    res.json(roundView(state));
  });

  router.post('/rounds/:id/sign-off', async (req, res: Response<unknown, AccessLocals>) => {
    const id = roundIdParam(req);
    const body = BatchSignOffBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const key = idempotencyKeyOf(req);
    if (key === undefined) {
      throw new Problem('idempotency-key-required', 'A meeting decision moves money: send an Idempotency-Key (a new one for each decision, the same one on every retry of it)', {
        errors: [{ field: 'Idempotency-Key', reason: 'is required for an action that moves money' }],
      });
    }
    const request = {
      actor: res.locals.actor!,
      key,
      meeting: body.data.meeting,
      decisions: body.data.decisions.map((d) => ({ ...d, reason: d.reason ?? `executive meeting ${body.data.meeting.reference}` })),
    };
    const handle = deps.client.workflow.getHandle(roundWorkflowId(id));
    let batch;
    try {
      batch = await callTemporal(deps.client, () =>
        handle.executeUpdate(batchSignOffUpdate, { args: [request], updateId: keyedUpdateId(key, actionBinding('batch-sign-off', request)) }),
      );
    } catch (err) {
      throw (await updateProblem(deps.client, roundWorkflowId(id), err)) ?? err;
    }
    const state = (await deps.rounds.state(id))!;
    res.setHeader('Idempotency-Key', key);
    res.json({ batch, totals: roundTotals(state), notice: state.notices.at(-1) ?? null, links: { round: `/rounds/${encodeURIComponent(id)}` } });
  });

  return router;
}
