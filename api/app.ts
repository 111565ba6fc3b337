/**
 * The HTTP API, built by a factory from its dependencies (no module-level client), so the same
 * app runs under `npm start`, `npm run api` and the tests.
 *
 * Order matters: request id and security headers for everything; operations endpoints and the
 * contract without a credential; then the credential, the per-credential rate limit, the query
 * string and body (api/strict-input.ts), and the role × endpoint guard of api/routes.ts in front
 * of every other route; after the routes, the refused-credential limit on every 401.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { CatalogVersions } from '../lib/catalog-versions';
import type { TrustProxy } from '../lib/settings';
import type { ApiKeyStore } from '../lib/api-key-store';
import { authenticate, guard } from './access';
import { apiKeyRoutes } from './api-key-routes';
import { actionRoutes, signalCalendarUpdated } from './action-routes';
import { roundRoutes } from './round-routes';
import { roundService } from './rounds';
import { applicationRoutes } from './application-routes';
import { catalogInForce, catalogRoutes } from './catalog-routes';
import { codecCors, codecRoutes, originsOf } from './codec-routes';
import type { Authenticator } from './credentials';
import { docsRoutes } from './docs';
import { createLogger, type Logger } from './log';
import { methodNotAllowed } from './method-not-allowed';
import { createMetrics, type Metrics, readiness, requestMiddleware, routeTemplate, securityHeaders } from './observability';
import { Problem, sendProblem } from './problem';
import { publicRoutes, type RoundDirectory } from './public-routes';
import { rateLimits, type RateLimitStores } from './rate-limits';
import { referenceRoutes, type ReferenceDeps } from './reference-routes';
import { limitedPerAddress, ROUTES } from './routes';
import { jsonBody, parserProblem, strictQuery } from './strict-input';
import type { ListingStore } from '../lib/listing-store';
import { operatorRoutes } from './operator-routes';
import type { OperatorRequests } from '../lib/operator-requests';
import { adminDataRoutes, type AdminDataDeps } from './admin-data-routes';

export interface AppDeps extends Omit<ReferenceDeps, 'clock'>, AdminDataDeps {
  /** The catalog versions, kept in the engine's database (lib/catalog-versions.ts). */
  catalogs: CatalogVersions;
  /** The listing table in the same database (lib/listing-store.ts), which the workflows keep. */
  listing: ListingStore;
  /** The API keys admins issue and revoke, in the same database (lib/api-key-store.ts). */
  apiKeys: ApiKeyStore;
  /** Operator repairs sent with an Idempotency-Key, in the same database (lib/operator-requests.ts). */
  operatorRequests: OperatorRequests;
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
  /** Where rate-limit counts live; default this process's memory (api/rate-limits.ts). */
  rateLimitStores?: RateLimitStores;
  /** Which proxies' X-Forwarded-For to believe for the client address (`TRUST_PROXY`); default none. */
  trustProxy?: TrustProxy;
  /** Web origins that may call /codec; default: the Web UI's (webUiUrl). */
  codecCorsOrigins?: readonly string[];
  /** The funding rounds for the public pages (api/public-routes.ts); by default the round workflows. */
  rounds?: RoundDirectory;
  /** How long the inbox waits for one application's pending items (`INBOX_DETAIL_TIMEOUT_MS`); default 2 s. */
  inboxDetailTimeoutMs?: number;
}

export function createApp(deps: AppDeps): express.Express {
  const clock = deps.clock ?? (() => new Date());
  const logger = deps.logger ?? createLogger();
  const metrics = deps.metrics ?? createMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // The client address rate limits count by: the socket's, unless a trusted proxy says otherwise.
  app.set('trust proxy', deps.trustProxy ?? false);

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
  // Filing and award-preview schemas generated from the catalog version in force: the server
  // validates with the same schemas the document publishes.
  const inForce = catalogInForce(deps.catalogs);
  app.get('/openapi.json', async (_req, res) => void res.json((await inForce()).document));
  app.use(docsRoutes());
  // The Web UI's browser asks before it calls /codec: answered before any credential is read.
  app.use('/codec', codecCors(deps.codecCorsOrigins ?? (deps.webUiUrl ? originsOf(deps.webUiUrl) : [])));

  // ---- Who is calling, how often (api/rate-limits.ts): a refused credential never blocks a valid one ----
  const limits = rateLimits({ perMinute: deps.rateLimitPerMinute ?? 600, stores: deps.rateLimitStores, logger });
  app.use(authenticate(deps.authenticator));
  app.use(limits.requests);
  // Hostile input refused once, for every route (api/strict-input.ts).
  app.use(strictQuery());
  app.use(jsonBody());

  // ---- What each may do: the matrix, in front of every route ----
  for (const route of ROUTES) {
    if (route.audience !== 'public') app[route.method](route.path, guard(route, deps.authenticator));
    if (limitedPerAddress(route)) app[route.method](route.path, limits.anonymousCalculations);
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

  const rounds = roundService({ client: deps.client, taskQueue: deps.taskQueue, catalog: () => deps.catalogs.current(), calendar: async () => (await deps.calendar.current()).data(), clock });
  app.use(applicationRoutes({ client: deps.client, taskQueue: deps.taskQueue, catalog: inForce, rounds, metrics, clock, linksFor, runLink, inboxDetailTimeoutMs: deps.inboxDetailTimeoutMs ?? 2000, listing: deps.listing }));
  app.use(roundRoutes({ client: deps.client, rounds }));
  app.use(operatorRoutes({ client: deps.client, listing: deps.listing, clock, linksFor, repairs: deps.operatorRequests }));
  app.use(actionRoutes({ client: deps.client, taskQueue: deps.taskQueue, metrics, linksFor, clock }));
  app.use(codecRoutes({ codecs: deps.client.options.loadedDataConverter.payloadCodecs, namespace }));
  // Applications waiting for a calendar year resume as soon as an admin supplies it.
  app.use(
    referenceRoutes({
      ...deps,
      clock,
      calendarYearSupplied: deps.calendarYearSupplied ?? (async (year) => void (await signalCalendarUpdated(deps.client, year))),
    }),
  );
  app.use(catalogRoutes({ catalogs: deps.catalogs, calendar: deps.calendar }));
  app.use(apiKeyRoutes({ apiKeys: deps.apiKeys, clock }));
  // The dishonesty list admins keep and the local outbox, in the engine's database.
  app.use(adminDataRoutes({ dishonesty: deps.dishonesty, outbox: deps.outbox }));

  // Transparency: the rounds as the public sees them (002 第三十四条).
  app.use(publicRoutes({ rounds: deps.rounds ?? { list: rounds.list, get: rounds.state } }));

  // A known path with a method it does not take: 405 with Allow; any other path: 404.
  app.use(methodNotAllowed(app));
  app.use((req, _res, next) => next(new Problem('not-found', `No route for ${req.method} ${req.path}`)));

  // Every 401 counts against its client address; past the limit it is a 429 instead.
  app.use(limits.refusedCredentials);

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof Problem) return sendProblem(res, err);
    // Reading the request failed: malformed JSON or UTF-8, too large, a path that does not decode.
    const unreadable = parserProblem(err);
    if (unreadable) return sendProblem(res, unreadable);
    // Logged with the request id; the caller gets the id, never the internals.
    ((res.locals.log as Logger | undefined) ?? logger).error('unhandled error', { error: err });
    sendProblem(res, new Problem('internal', 'The engine failed to handle this request; it has been logged under the request id'));
  });

  return app;
}
