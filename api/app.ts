/**
 * The HTTP API, built by a factory from its dependencies (no module-level client), so the same
 * app runs under `npm start`, `npm run api` and the tests. Handlers parse, make one Temporal call
 * and map the result.
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { type ApplicationInput, applicationId } from '../domain/application';
import type { Actor } from '../domain/roles';
import { stateQuery } from '../workflows/messages';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { KeyRing } from './keys';
import { referenceRoutes, type ReferenceDeps } from './reference-routes';
import { Problem, sendProblem, validationProblem } from './problem';
import { checkFiling } from './filing';
import { FilingBody } from './schemas';
import { callTemporal } from './temporal-calls';
import { actionRoutes, applicationIdParam, signalCalendarUpdated } from './action-routes';

export interface AppDeps extends ReferenceDeps {
  client: Client;
  taskQueue: string;
  keys: KeyRing;
  /** Is the Temporal service reachable right now? */
  temporalHealthy: () => Promise<boolean>;
  /** Link target for an application in the Temporal Web UI, when one is known. */
  webUiUrl?: string;
  clock?: () => Date;
}

type Locals = { actor: Actor; requestId: string };

export function createApp(deps: AppDeps): express.Express {
  const clock = deps.clock ?? (() => new Date());
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const requestId = req.get('x-request-id')?.slice(0, 100) || randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    next();
  });

  app.get('/health', async (_req, res) => {
    const temporal = await deps.temporalHealthy().catch(() => false);
    res.status(temporal ? 200 : 503).json({ status: temporal ? 'ok' : 'unavailable', temporal });
  });

  app.use(express.json({ limit: '256kb' }));

  // Every other endpoint needs a key; the actor comes from it.
  app.use((req, res, next) => {
    const presented = req.get('x-api-key');
    const actor = presented ? deps.keys.actorFor(presented) : undefined;
    if (!actor) {
      throw new Problem('unauthorized', presented ? 'The X-Api-Key header does not hold a valid key' : 'Send your API key in the X-Api-Key header');
    }
    res.locals.actor = actor;
    next();
  });

  const linksFor = (id: string) => ({
    self: `/applications/${encodeURIComponent(id)}`,
    ...(deps.webUiUrl
      ? { temporalUi: `${deps.webUiUrl}/namespaces/${encodeURIComponent(deps.client.options.namespace)}/workflows/${encodeURIComponent(id)}` }
      : {}),
  });

  app.post('/applications', async (req, res: Response<unknown, Locals>) => {
    const actor = res.locals.actor;
    if (actor.role !== 'applicant-system') {
      throw new Problem('forbidden', `Filing is for the applicant-system role; ${actor.name} acts as ${actor.role}`);
    }
    const body = FilingBody.safeParse(req.body);
    if (!body.success) throw validationProblem(body.error);
    const filing = body.data;
    const now = clock();
    const accepted = checkFiling(deps.catalog, filing, now);

    const round = accepted.round;
    const id = applicationId(filing.programId, round, filing.applicant.creditCode);
    const input: ApplicationInput = {
      id,
      programId: filing.programId,
      round,
      catalogVersion: accepted.catalogVersion,
      programHash: accepted.programHash,
      program: accepted.program,
      applicant: filing.applicant,
      facts: filing.facts,
      filedBy: actor,
      filingChecks: accepted.checks,
      // Unpredictable to the applicant, recorded in the workflow's input for the auditor.
      spotCheckSeed: randomUUID(),
    };
    try {
      await callTemporal(deps.client, () =>
        deps.client.workflow.start('applicationWorkflow', {
          workflowId: id,
          taskQueue: deps.taskQueue,
          args: [input],
          // One application per program, round and applicant, even after the first one ended.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.stage, value: 'preliminary-record' },
            { key: SEARCH_ATTRIBUTES.programId, value: filing.programId },
            { key: SEARCH_ATTRIBUTES.round, value: round },
            { key: SEARCH_ATTRIBUTES.applicantCreditCode, value: filing.applicant.creditCode },
            { key: SEARCH_ATTRIBUTES.pendingRoles, value: ['intake-officer'] },
          ],
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new Problem(
          'conflict',
          `${filing.applicant.creditCode} has already filed for ${filing.programId} in round ${round}: application ${id}`,
          { existingId: id, links: linksFor(id) },
        );
      }
      throw err;
    }
    res
      .status(201)
      .location(linksFor(id).self)
      .json({ id, stage: 'preliminary-record', programId: filing.programId, round, catalogVersion: input.catalogVersion, links: linksFor(id) });
  });

  app.get('/applications/:id', async (req, res) => {
    const id = applicationIdParam(req);
    const state = await callTemporal(deps.client, () => deps.client.workflow.getHandle(id).query(stateQuery), notFound(id));
    res.json({ ...state, links: linksFor(id) });
  });

  app.use(actionRoutes({ client: deps.client, linksFor }));

  // Applications waiting for a calendar year resume as soon as an admin supplies it.
  app.use(
    referenceRoutes({
      ...deps,
      calendarYearSupplied: deps.calendarYearSupplied ?? (async (year) => void (await signalCalendarUpdated(deps.client, year))),
    }),
  );

  app.use((req, _res, next) => next(new Problem('not-found', `No route for ${req.method} ${req.path}`)));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof Problem) return sendProblem(res, err);
    const status = (err as { status?: number; type?: string }).status;
    // Body-parser errors: malformed JSON, too large.
    if (status === 400) return sendProblem(res, new Problem('validation', 'The body is not valid JSON', { errors: [{ field: '(body)', reason: 'is not valid JSON' }] }));
    if (status === 413) return sendProblem(res, new Problem('validation', 'The body is too large', { errors: [{ field: '(body)', reason: 'is larger than 256 kB' }] }));
    console.error(JSON.stringify({ level: 'error', requestId: res.locals.requestId, message: (err as Error)?.message }));
    sendProblem(res, new Problem('internal', 'The engine failed to handle this request; it has been logged'));
  });

  return app;
}

function notFound(id: string) {
  return (err: unknown) => (err instanceof WorkflowNotFoundError ? new Problem('not-found', `No application ${id}`) : undefined);
}
