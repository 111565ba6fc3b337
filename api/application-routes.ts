/**
 * Applications as a whole: filing (`POST /applications`, idempotent by `Idempotency-Key`), reading
 * one, finding many (`GET /applications`, `GET /inbox`) and its audit trail
 * (`GET /applications/:id/history`). Who may call each is decided by the guard (api/access.ts);
 * these handlers only parse, make bounded Temporal calls and map the answers.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { type ApplicationInput, type ApplicationState, type PendingItem, applicationId } from '../domain/application';
import type { Role } from '../domain/roles';
import { SEARCH_ATTRIBUTES, startingAttributes } from '../workflows/messages';
import { fetchRunHistoryOfApplication, fetchRunsOfApplication, readApplication } from './recovery';
import type { AccessLocals } from './access';
import { applicationIdParam } from './action-routes';
import type { CatalogInForce } from './catalog-routes';
import { checkFiling } from './filing';
import type { RoundService } from './rounds';
import { historyReport, rawHistoryJson } from './history';
import { HistoryQuery } from './history-query';
import { InboxQuery, ListQuery, type ListedItem, listingFilterOf, listingPage, publicItem, type Sort } from './listing';
import type { ListingFilter, ListingStore } from '../lib/listing-store';
import type { Metrics } from './observability';
import { Problem, validationProblem } from './problem';
import { callTemporal, idempotencyKeyOf, literal, updateProblem } from './temporal-calls';
import { canonicalJson, sha256Hex } from '../domain/idempotency';

type Locals = AccessLocals & { requestId: string };

export interface ApplicationRouteDeps {
  client: Client;
  taskQueue: string;
  /** The catalog version in force, and the filing body generated from it (api/program-schemas.ts), as the OpenAPI document publishes it. */
  catalog: () => Promise<Pick<CatalogInForce, 'store' | 'filingBody'>>;
  /** Rounds: the one a filing goes into, and the claims it makes there (api/rounds.ts). */
  rounds: RoundService;
  metrics: Metrics;
  clock: () => Date;
  linksFor: (id: string) => Record<string, string>;
  /** The Web UI page of one run, when a Web UI is known. */
  runLink: (id: string, runId: string) => string | undefined;
  /** How long the inbox waits for one application's pending items before answering it without them. */
  inboxDetailTimeoutMs: number;
  /** The listing table (lib/listing-store.ts) that `GET /applications` and `GET /inbox` page. */
  listing: ListingStore;
}

/** What the memo of an application remembers about the request that filed it. */
interface FilingMemo {
  /** SHA-256 of the caller's id and Idempotency-Key: the key itself is not stored. */
  keyHash: string;
  /** SHA-256 of the validated body, canonical JSON. */
  bodyHash: string;
  /** The first answer, given again to a retry with the same key and body. */
  answer: Record<string, unknown>;
}

const MEMO_KEY = 'filing';

export function applicationRoutes(deps: ApplicationRouteDeps): Router {
  const router = Router();
  const { client } = deps;
  const timed = <T>(action: string, fn: () => Promise<T>) => deps.metrics.timeWorkflowAction(action, fn);

  router.post('/applications', async (req, res: Response<unknown, Locals>) => {
    const actor = res.locals.actor!;
    // Validated against the programs in force: one no longer in the catalog takes no filing.
    const inForce = await deps.catalog();
    const body = inForce.filingBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const filing = body.data;
    const key = idempotencyKeyOf(req);
    const keyHash = key === undefined ? undefined : sha256Hex(`${actor.id}\n${key}`);
    const bodyHash = sha256Hex(canonicalJson(filing));

    // The same key seen before, perhaps for an application of another round or applicant.
    if (keyHash) {
      const earlier = await timed('file', () => filedWithKey(client, keyHash));
      if (earlier) return replay(res, earlier, bodyHash);
    }

    if (!inForce.store.getProgram(filing.programId)) {
      throw new Problem('validation', `There is no program ${filing.programId}`, {
        errors: [{ field: 'programId', reason: `is not a program in the catalog (GET /programs lists them)` }],
      });
    }
    // The round the filing goes into, and the program as that round pinned it.
    const roundOf = await timed('file', () => deps.rounds.forFiling(filing.programId, filing.roundId));
    const accepted = checkFiling(roundOf, filing, deps.clock());
    const round = accepted.round;
    const support = accepted.program.support;
    const project = filing.project;
    const id = applicationId(filing.programId, round, filing.applicant.creditCode, support.per === 'applicant' ? undefined : project!.code);
    const answer = {
      id,
      stage: 'preliminary-record',
      programId: filing.programId,
      round,
      roundId: roundOf.definition.id,
      catalogVersion: accepted.catalogVersion,
      links: deps.linksFor(id),
    };
    const terms = deps.rounds.termsOf(roundOf, filing.applicant.creditCode, project);
    const filedAt = deps.clock();

    // 002 第三十六条 and one application per project and round: the project's entity judges the claim.
    const projectCheck = await timed('file', () =>
      deps.rounds.claimProject(terms, {
        applicationId: id,
        applicant: filing.applicant,
        programId: filing.programId,
        policyId: accepted.program.policy.id,
        roundId: terms.id,
        nature: support.nature,
        per: support.per,
        doubleDipping: support.doubleDipping,
        claimedAt: filedAt.toISOString(),
        released: null,
      }),
    );
    if (projectCheck.verdict === 'refused') {
      throw new Problem('conflict', `Not filed: ${projectCheck.reason}`, {
        rule: projectCheck.rule,
        errors: [{ field: project ? 'project.code' : 'applicant.creditCode', reason: projectCheck.reason }],
        others: projectCheck.others.map((o) => ({ applicationId: o.applicationId, programId: o.programId, policyId: o.policyId, roundId: o.roundId, links: deps.linksFor(o.applicationId) })),
      });
    }
    // The round takes it, or refuses it once its window closed.
    try {
      await timed('file', () =>
        deps.rounds.register(roundOf, {
          applicationId: id,
          applicant: filing.applicant,
          project: project ?? null,
          amountByFormula: accepted.amountByFormula,
          filedAt: filedAt.toISOString(),
        }),
      );
    } catch (err) {
      await deps.rounds.releaseClaim(terms, id, 'the round refused the filing');
      throw (await updateProblem(client, roundOf.definition.id, err)) ?? err;
    }
    const input: ApplicationInput = {
      id,
      programId: filing.programId,
      round,
      catalogVersion: accepted.catalogVersion,
      programHash: accepted.programHash,
      program: accepted.program,
      applicant: filing.applicant,
      facts: filing.facts,
      ...(project ? { project } : {}),
      filedBy: actor,
      filingChecks: { ...accepted.checks, project: projectCheck },
      // Unpredictable to the applicant, recorded in the workflow's input for the auditor.
      spotCheckSeed: randomUUID(),
      roundTerms: terms,
      projectCheck,
    };
    try {
      await timed('file', () =>
        callTemporal(client, () =>
          client.workflow.start('applicationWorkflow', {
            workflowId: id,
            taskQueue: deps.taskQueue,
            args: [input],
            // One application per program, round and applicant, even after the first one ended.
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            ...(keyHash ? { memo: { [MEMO_KEY]: { keyHash, bodyHash, answer } satisfies FilingMemo } } : {}),
            typedSearchAttributes: startingAttributes({
              stage: 'preliminary-record',
              programId: filing.programId,
              round,
              creditCode: filing.applicant.creditCode,
              pendingRoles: ['intake-officer'],
              filedAt,
              ...(keyHash ? { filingKey: keyHash } : {}),
            }),
          }),
        ),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // A retry that raced the first request lands here: same key and body → the same answer.
      const memo = keyHash ? await filingMemo(client, id) : undefined;
      if (memo && memo.keyHash === keyHash) return replay(res, memo, bodyHash);
      throw new Problem(
        'conflict',
        `${filing.applicant.creditCode} has already filed for ${filing.programId} in round ${round}: application ${id}`,
        { existingId: id, links: deps.linksFor(id) },
      );
    }
    res.status(201).location(answer.links.self!).json(answer);
  });

  router.get('/applications', async (req, res: Response<unknown, Locals>) => {
    const parsed = ListQuery.safeParse(req.query);
    if (!parsed.success) throw validationProblem(parsed.error);
    const filters = parsed.data;
    const applicants = res.locals.applicants;
    if (applicants && filters.applicant && !applicants.includes(filters.applicant)) {
      throw new Problem('forbidden', `This credential may see only the applicants it is bound to; ${filters.applicant} is not one of them`);
    }
    const sort: Sort = filters.sort ?? '-filedAt';
    const filter = listingFilterOf(filters, applicants ? { applicants } : {});
    const page = await listPage(filter, sort, filters.pageSize, filters.pageToken);
    res.json({ ...page, sort, items: page.items.map((item) => ({ ...publicItem(item), links: deps.linksFor(item.id) })) });
  });

  router.get('/inbox', async (req, res: Response<unknown, Locals>) => {
    const parsed = InboxQuery.safeParse(req.query);
    if (!parsed.success) throw validationProblem(parsed.error);
    const principal = res.locals.principal!;
    // X-Act-As narrows the inbox to one role; otherwise every role the credential holds.
    const roles: Role[] = req.get('x-act-as') ? [res.locals.actor!.role] : principal.roles;
    const applicants = res.locals.applicants;
    const filter = listingFilterOf({}, { pendingRoles: roles, ...(applicants ? { applicants } : {}) });
    const page = await listPage(filter, 'dueAt', parsed.data.pageSize, parsed.data.pageToken);
    // What exactly is pending for these roles: listed with each application, else asked.
    const items = await Promise.all(
      page.items.map(async (item) => ({ ...publicItem(item), pending: await pendingFor(item, roles), links: deps.linksFor(item.id) })),
    );
    res.json({ ...page, roles, sort: 'dueAt', items });
  });

  router.get('/applications/:id', async (req, res) => {
    const id = applicationIdParam(req);
    const state = await timed('query-state', () =>
      callTemporal(client, () => readApplication(client, id, deps.clock()), notFound(id)),
    );
    res.json({ ...state, links: deps.linksFor(id) });
  });

  router.get('/applications/:id/history', async (req, res) => {
    const id = applicationIdParam(req);
    const parsed = HistoryQuery.safeParse(req.query);
    if (!parsed.success) throw validationProblem(parsed.error);
    const { format, run: runId, detail } = parsed.data;
    if (format === 'raw') {
      const missing = (err: unknown) => (err instanceof WorkflowNotFoundError ? new Problem('not-found', runId ? `Application ${id} has no run ${runId}` : `No application ${id}`) : undefined);
      // A run of the recovery case is a run of the application too (api/recovery.ts).
      const run = await timed('history', () => callTemporal(client, () => fetchRunHistoryOfApplication(client, id, runId), missing));
      res.setHeader('Content-Disposition', `inline; filename="${id}.${run.runId}.history.json"`);
      res.json(rawHistoryJson(run.history));
      return;
    }
    // The application's runs, then its recovery case's, if one was opened: one trail.
    const runs = await timed('history', () => callTemporal(client, () => fetchRunsOfApplication(client, id), notFound(id)));
    // What the workflow recorded itself (who moved each stage, and why): its state now. A closed
    // application's last run carries it as its result; a running one answers the query.
    const current = runs.at(-1)?.history.events?.some((e) => e.workflowExecutionCompletedEventAttributes)
      ? undefined
      : await timed('state', () => callTemporal(client, () => readApplication(client, id, deps.clock()), notFound(id)));
    // Brief: without the reads (working days, LPR table) and the timers that never fired.
    const report = historyReport(runs, { ...(detail === 'brief' ? { reads: false, timers: 'fired' as const } : {}), ...(current ? { current } : {}) });
    res.json({
      id,
      detail: detail ?? 'full',
      runs: report.runs.map((run) => ({
        ...run,
        links: {
          raw: `/applications/${encodeURIComponent(id)}/history?format=raw&run=${run.runId}`,
          ...(deps.runLink(id, run.runId) ? { temporalUi: deps.runLink(id, run.runId) } : {}),
        },
      })),
      entries: report.entries,
      links: deps.linksFor(id),
    });
  });

  /** One page of the listing table and how many match in all. */
  async function listPage(filter: ListingFilter, sort: Sort, pageSize = 20, token?: string) {
    return timed('list', () => listingPage(deps.listing, filter, sort, pageSize, token));
  }

  /**
   * What is pending for these roles. An application writes its pending items with its listing row
   * (patch `2026-12-listing-table`): the same items its state shows, no query. A row without them
   * (caught up from a run older than the patches) is asked with the state query, or shown with `null` when it
   * cannot answer within INBOX_DETAIL_TIMEOUT_MS (no worker, a workflow being replayed): visibility
   * already says it waits for these roles, so the item is listed all the same, and a slow or stuck
   * application never holds up the whole inbox.
   */
  async function pendingFor(item: ListedItem, roles: readonly Role[]): Promise<PendingItem[] | null> {
    const forRoles = (pending: readonly PendingItem[]) => pending.filter((p) => roles.includes(p.role));
    if (item.pending) return forRoles(item.pending);
    try {
      const state: ApplicationState = await client.withDeadline(Date.now() + deps.inboxDetailTimeoutMs, () =>
        readApplication(client, item.id, deps.clock()),
      );
      return forRoles(state.pending);
    } catch {
      return null;
    }
  }

  return router;
}

function replay(res: Response, memo: FilingMemo, bodyHash: string): void {
  if (memo.bodyHash !== bodyHash) {
    throw new Problem('unprocessable', 'This Idempotency-Key was used before with another body; use a new key for a new filing', {
      errors: [{ field: 'Idempotency-Key', reason: 'was used before with another body' }],
    });
  }
  const self = (memo.answer.links as { self?: string } | undefined)?.self;
  res.setHeader('Idempotent-Replayed', 'true');
  if (self) res.location(self);
  res.status(201).json(memo.answer);
}

/** The filing memo of an application, if it was filed with a key. */
async function filingMemo(client: Client, id: string): Promise<FilingMemo | undefined> {
  const description = await callTemporal(client, () => client.workflow.getHandle(id).describe());
  return description.memo?.[MEMO_KEY] as FilingMemo | undefined;
}

/** An application filed earlier by this caller with this key, found through visibility. */
async function filedWithKey(client: Client, keyHash: string): Promise<FilingMemo | undefined> {
  const query = `${SEARCH_ATTRIBUTES.filingKey.name} = ${literal(keyHash)}`;
  // The listing carries the memo the application was started with: no describe after it.
  return callTemporal(client, async () => {
    for await (const info of client.workflow.list({ query, pageSize: 1 })) return info.memo?.[MEMO_KEY] as FilingMemo | undefined;
    return undefined;
  });
}

function notFound(id: string) {
  return (err: unknown) => (err instanceof WorkflowNotFoundError ? new Problem('not-found', `No application ${id}`) : undefined);
}

