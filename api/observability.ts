/**
 * Hardening building blocks for the API: request ids and one JSON log line per request, Prometheus
 * metrics, security headers, per-credential rate limits and a readiness probe for Temporal.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from './log';

export type WorkflowOutcome = 'ok' | 'refused' | 'unavailable' | 'error';

const UNMATCHED_ROUTE = '(unmatched)';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface Metrics {
  registry: Registry;
  observeHttp(method: string, route: string, status: number | string, seconds: number): void;
  observeWorkflowAction(action: string, outcome: WorkflowOutcome, seconds: number): void;
  /** Runs `fn`, records its duration as `ok` or as the error's outcome, and rethrows. */
  timeWorkflowAction<T>(action: string, fn: () => Promise<T>, outcomeOf?: (err: unknown) => WorkflowOutcome): Promise<T>;
  setTemporalUp(up: boolean): void;
  /** Serves the registry in the Prometheus text format. */
  handler: RequestHandler;
}

/** 503 → unavailable, other 4xx → refused (the caller's request or the workflow's rules), else error. */
function defaultOutcomeOf(err: unknown): WorkflowOutcome {
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status !== 'number') return 'error';
  if (status === 503) return 'unavailable';
  if (status >= 400 && status < 500) return 'refused';
  return 'error';
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(): Metrics {
  // Own registry, not the global one: tests (and several apps in one process) each get theirs.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpLabels = ['method', 'route', 'status'] as const;
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: httpLabels,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by method, route template and status',
    labelNames: httpLabels,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const actionLabels = ['action', 'outcome'] as const;
  const workflowActions = new Counter({
    name: 'workflow_actions_total',
    help: 'Calls into Temporal on behalf of an API action, by action and outcome',
    labelNames: actionLabels,
    registers: [registry],
  });
  const workflowDuration = new Histogram({
    name: 'workflow_action_duration_seconds',
    help: 'Latency of calls into Temporal, by action and outcome',
    labelNames: actionLabels,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const temporalUp = new Gauge({
    name: 'temporal_up',
    help: '1 when the last readiness check reached Temporal, else 0',
    registers: [registry],
  });

  const observeWorkflowAction = (action: string, outcome: WorkflowOutcome, seconds: number) => {
    workflowActions.inc({ action, outcome });
    workflowDuration.observe({ action, outcome }, seconds);
  };

  return {
    registry,
    observeHttp(method, route, status, seconds) {
      // Bounded labels: unusual methods collapse to OTHER, routes are templates.
      const labels = { method: KNOWN_METHODS.has(method) ? method : 'OTHER', route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    observeWorkflowAction,
    async timeWorkflowAction(action, fn, outcomeOf = defaultOutcomeOf) {
      const started = process.hrtime.bigint();
      try {
        const result = await fn();
        observeWorkflowAction(action, 'ok', secondsSince(started));
        return result;
      } catch (err) {
        observeWorkflowAction(action, outcomeOf(err), secondsSince(started));
        throw err;
      }
    },
    setTemporalUp(up) {
      temporalUp.set(up ? 1 : 0);
    },
    async handler(_req, res) {
      const body = await registry.metrics();
      res.setHeader('Content-Type', registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.end(body);
    },
  };
}

function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The matched route's template (`/applications/:id/sign-off`), or undefined when none matched. */
export function routeTemplate(req: Request): string | undefined {
  const path: unknown = (req as { route?: { path?: unknown } }).route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export interface RequestMiddlewareOptions {
  metrics: Metrics;
  logger: Logger;
  routeOf: (req: Request, res: Response) => string | undefined;
}

/**
 * Mount first. Gives every request an id (the caller's, when well-formed, so traces join up across
 * systems), a child logger in `res.locals.log`, and on completion one `request` log line and the
 * HTTP metrics. Query strings and bodies are never logged: they may carry personal data.
 */
export function requestMiddleware(options: RequestMiddlewareOptions): RequestHandler {
  const { metrics, logger, routeOf } = options;
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('X-Request-Id', requestId);
    const log = logger.child({ requestId });
    res.locals.log = log;

    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const seconds = secondsSince(started);
      let route = UNMATCHED_ROUTE;
      try {
        route = routeOf(req, res) ?? UNMATCHED_ROUTE;
      } catch {
        // Keep the default; a faulty routeOf must not lose the log line.
      }
      // 499 (client closed the request) as nginx records it, so aborted calls stay countable.
      const status = aborted ? 499 : res.statusCode;
      metrics.observeHttp(req.method, route, status, seconds);
      const principal = (res.locals.principal as { id?: unknown } | undefined)?.id;
      const fields = {
        method: req.method,
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        ...(typeof principal === 'string' ? { principal } : {}),
      };
      if (aborted) log.warn('request aborted', fields);
      else if (status >= 500) log.error('request', fields);
      else log.info('request', fields);
    };
    res.once('finish', () => finish(false));
    res.once('close', () => finish(!res.writableFinished));
    next();
  };
}

/**
 * One CSP for the JSON API and the docs page (same-origin swagger-ui assets and init script; inline
 * styles only, as swagger-ui sets them). Nothing may frame the API.
 */
export function securityHeaders(): RequestHandler {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'base-uri': ["'none'"],
        'form-action': ["'none'"],
        'frame-ancestors': ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    xContentTypeOptions: true,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
  });
  return (req, res, next) => middleware(req, res, next);
}

export interface RateLimiterOptions {
  perMinute: number;
  /** The credential's principal id, or the client IP before authentication (prefix them apart). */
  keyOf: (req: Request, res: Response) => string;
  /** Answers the 429; `Retry-After` is already set. */
  onLimited: (req: Request, res: Response, next: NextFunction, retryAfterSeconds: number) => void;
  /** Where express-rate-limit reports misconfiguration; default its console output. */
  logger?: Logger;
  /** Count only the requests this says count, by their answer. */
  counts?: (req: Request, res: Response) => boolean;
  /** Where the counts live (api/rate-limits.ts); default express-rate-limit's memory store. */
  store?: Store;
}

/**
 * A fixed 60 s window per key. The memory store counts per API process, so N processes allow up to
 * N × perMinute; a shared store is the `store` option (api/rate-limits.ts).
 */
export function rateLimiter(options: RateLimiterOptions): RequestHandler {
  if (!Number.isInteger(options.perMinute) || options.perMinute < 1) {
    throw new Error(`rateLimiter: perMinute must be a positive integer, not ${options.perMinute}`);
  }
  const windowMs = 60_000;
  const log = options.logger;
  return rateLimit({
    windowMs,
    limit: options.perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req, res) => options.keyOf(req, res),
    ...(options.store ? { store: options.store } : {}),
    ...(options.counts
      ? { skipSuccessfulRequests: true, requestWasSuccessful: (req: Request, res: Response) => !options.counts!(req, res) }
      : {}),
    handler: (req, res, next) => {
      const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
      const resetMs = info?.resetTime ? info.resetTime.getTime() - Date.now() : windowMs;
      options.onLimited(req, res, next, Math.max(1, Math.ceil(resetMs / 1000)));
    },
    // The key is not always an IP (keyOf decides, and should pass IPs through ipKeyGenerator).
    validate: { keyGeneratorIpFallback: false },
    ...(log
      ? {
          logger: {
            warn: (error: unknown, message?: string) => log.warn(message ?? 'rate limiter warning', { error }),
            error: (error: unknown, message?: string) => log.error(message ?? 'rate limiter error', { error }),
          },
        }
      : {}),
  });
}

export interface ReadinessOptions {
  /** Resolves when Temporal answers; rejects otherwise. */
  check: () => Promise<void>;
  metrics: Metrics;
  timeoutMs?: number;
}

class CheckTimeout extends Error {
  override name = 'CheckTimeout';
}

/** Ready means Temporal answered within the timeout; the answer carries no internals. */
export function readiness(options: ReadinessOptions): RequestHandler {
  const timeoutMs = options.timeoutMs ?? 3_000;
  return async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(options.check),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
          timer.unref();
        }),
      ]);
      options.metrics.setTemporalUp(true);
      res.status(200).json({ status: 'ready', temporal: 'up' });
    } catch (err) {
      options.metrics.setTemporalUp(false);
      (res.locals.log as Logger | undefined)?.warn('readiness check failed', { error: err });
      const reason =
        err instanceof CheckTimeout ? 'The Temporal service did not answer in time' : 'The Temporal service is not reachable';
      res.setHeader('Retry-After', '5');
      res.status(503).json({ status: 'not-ready', temporal: 'down', reason });
    } finally {
      clearTimeout(timer);
    }
  };
}
