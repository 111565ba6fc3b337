/**
 * The HTTP API, built by a factory from its dependencies (no module-level client), so the same
 * app runs under `npm start`, `npm run api` and the tests.
 *
 * Order matters: request id and security headers for everything; operations endpoints and the
 * contract without a credential; then the credential, the per-credential rate limit, the body,
 * and the role × endpoint guard of api/routes.ts in front of every other route.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import { authenticate, guard } from './access';
import { actionRoutes, signalCalendarUpdated } from './action-routes';
import { applicationRoutes } from './application-routes';
import type { Authenticator } from './credentials';
import { docsRoutes } from './docs';
import { createLogger, type Logger } from './log';
import { methodNotAllowed } from './method-not-allowed';
import { createMetrics, ipKeyGenerator, type Metrics, rateLimiter, readiness, requestMiddleware, routeTemplate, securityHeaders } from './observability';
import { openApiDocument } from './openapi';
import { anyProgramFacts, filingBodyFor } from './program-schemas';
import { Problem, sendProblem } from './problem';
import { referenceRoutes, type ReferenceDeps } from './reference-routes';
import { ROUTES } from './routes';

/** Larger bodies are refused with 413 before they are parsed. */
const BODY_LIMIT = '256kb';

export interface AppDeps extends ReferenceDeps {
  client: Client;
  taskQueue: string;
  authenticator: Authenticator;
  /** Resolves while the Temporal service answers; rejects (or resolves false) when it does not. */
  temporalHealthy: () => Promise<boolean>;
  /** Link target for an application in the Temporal Web UI, when one is known. */
  webUiUrl?: string;
  clock?: () => Date;
  logger?: Logger;
  metrics?: Metrics;
  /** Requests per credential per minute (per API process). */
  rateLimitPerMinute?: number;
}

export function createApp(deps: AppDeps): express.Express {
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger ?? createLogger();
  const metrics = deps.metrics ?? createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use(requestMiddleware({ metrics, logger, routeOf: (req, res) => res.locals.route?.path ?? routeTemplate(req) }));
  app.use(securityHeaders());

  // ---- Without a credential: operations and the contract ----
  app.get('/health', async (_req, res) => {
    const temporal = await deps.temporalHealthy().catch(() => false);
    res.status(temporal ? 200 : 503).json({ status: temporal ? 'ok' : 'unavailable', temporal });
  });
  app.get(
    '/ready',
    readiness({
      metrics,
      check: async () => {
        if (!(await deps.temporalHealthy())) throw new Error('Temporal did not answer');
      },
    }),
  );
  app.get('/metrics', metrics.handler);
  // Filing and award-preview schemas generated from the catalog: the server validates with the
  // same schemas the document publishes.
  const programs = Object.values(deps.catalog.catalog);
  const filingBody = filingBodyFor(programs);
  const document = openApiDocument({ bodies: { fileApplication: filingBody, previewAward: anyProgramFacts(programs) } });
  app.get('/openapi.json', (_req, res) => void res.json(document));
  app.use(docsRoutes());

  // ---- Who is calling, how often ----
  const clientKey = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
  const limited = (what: string) => (_req: Request, _res: Response, next: NextFunction, retryAfter: number) =>
    next(new Problem('rate-limited', `Too many ${what}; retry after ${retryAfter} s`, { headers: { 'Retry-After': String(retryAfter) } }));
  // Guessing credentials: refused ones count per client address, before the credential is read.
  app.use(
    rateLimiter({
      perMinute: 60,
      keyOf: clientKey,
      counts: (_req, res) => res.statusCode === 401,
      onLimited: limited('refused credentials from this address'),
      logger,
    }),
  );
  app.use(authenticate(deps.authenticator));
  app.use(
    rateLimiter({
      perMinute: deps.rateLimitPerMinute ?? 600,
      keyOf: (req, res) => (res.locals.principal ? `principal:${res.locals.principal.id}` : clientKey(req)),
      onLimited: limited('requests from this credential'),
      logger,
    }),
  );
  app.use(express.json({ limit: BODY_LIMIT }));

  // ---- What each may do: the matrix, in front of every route ----
  for (const route of ROUTES) {
    if (route.audience !== 'public') app[route.method](route.path, guard(route, deps.authenticator));
  }

  const namespace = deps.client.options.namespace;
  const ui = deps.webUiUrl;
  const runLink = (id: string, runId: string) =>
    ui ? `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(id)}/${encodeURIComponent(runId)}/history` : undefined;
  const linksFor = (id: string) => ({
    self: `/applications/${encodeURIComponent(id)}`,
    history: `/applications/${encodeURIComponent(id)}/history`,
    ...(ui ? { temporalUi: `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(id)}` } : {}),
  });

  app.use(applicationRoutes({ client: deps.client, taskQueue: deps.taskQueue, catalog: deps.catalog, filingBody, metrics, clock, linksFor, runLink }));
  app.use(actionRoutes({ client: deps.client, metrics, linksFor }));
  // Applications waiting for a calendar year resume as soon as an admin supplies it.
  app.use(
    referenceRoutes({
      ...deps,
      calendarYearSupplied: deps.calendarYearSupplied ?? (async (year) => void (await signalCalendarUpdated(deps.client, year))),
    }),
  );

  // A known path with a method it does not take: 405 with Allow; any other path: 404.
  app.use(methodNotAllowed(app));
  app.use((req, _res, next) => next(new Problem('not-found', `No route for ${req.method} ${req.path}`)));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof Problem) return sendProblem(res, err);
    const status = (err as { status?: number }).status;
    // Body-parser errors: malformed JSON, too large.
    if (status === 400) return sendProblem(res, new Problem('validation', 'The body is not valid JSON', { errors: [{ field: '(body)', reason: 'is not valid JSON' }] }));
    if (status === 413) return sendProblem(res, new Problem('too-large', `The body is larger than ${BODY_LIMIT}`, { errors: [{ field: '(body)', reason: `is larger than ${BODY_LIMIT}` }] }));
    if (status === 415) return sendProblem(res, new Problem('validation', 'The body must be JSON', { errors: [{ field: 'Content-Type', reason: 'must be application/json' }] }));
    // Logged with the request id; the caller gets the id, never the internals.
    ((res.locals.log as Logger | undefined) ?? logger).error('unhandled error', { error: err });
    sendProblem(res, new Problem('internal', 'The engine failed to handle this request; it has been logged under the request id'));
  });

  return app;
}
