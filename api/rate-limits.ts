/**
 * Rate limits that cannot lock anyone out (issue 14). Two limiters with separate counts:
 *
 * - **requests**, per caller: an authenticated request counts against its principal's id, so a
 *   valid credential keeps its own budget (`RATE_LIMIT_PER_MINUTE`) whoever shares its address;
 *   a request without a credential counts against its client address;
 * - **refused credentials**, per client address: only requests that end in `401` (a wrong key, a
 *   bad token, no credential on a guarded route) count, and past the limit only those are
 *   answered `429` instead. A valid credential never reaches this limiter, so 61 wrong keys from
 *   an office's shared address throttle the wrong keys, not the colleagues.
 *
 * The client address is `req.ip`, which honours X-Forwarded-For only as `TRUST_PROXY` allows
 * (lib/settings.ts, README). The counts live in a `Store` (express-rate-limit's interface): the
 * in-memory store by default, counting per API process; a shared store for a cluster of API
 * processes plugs in through `RateLimitStores` (docs/known-limits.md).
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MemoryStore, type Store } from 'express-rate-limit';
import type { Logger } from './log';
import { rateLimiter } from './observability';
import { Problem } from './problem';

/** The two limiters' names, for a store that keeps several apart (e.g. as a key prefix). */
export type RateLimiterName = 'requests' | 'refused-credentials' | 'anonymous-calculations';

/** A new store for each limiter (express-rate-limit refuses one store for two limiters). */
export type RateLimitStores = (limiter: RateLimiterName) => Store;

/** The one-machine default: counts in this process's memory, for a fixed minute. */
const memoryStores: RateLimitStores = () => new MemoryStore();

/** Refused credentials per client address per minute; the next ones are answered 429. */
export const REFUSED_CREDENTIALS_PER_MINUTE = 60;

/**
 * The public calculators (政策计算器: award preview, clawback, working days, a round's draw) and
 * the public records of the rounds (/public) answer citizens and firms without a credential: per
 * client address per minute, together, the next ones are answered 429. A caller with a credential
 * counts against its own budget instead.
 */
export const ANONYMOUS_CALCULATIONS_PER_MINUTE = 30;

/** The client address as a key: an IPv4 address as is, an IPv6 address as its /56 (one host cannot rotate through its range). */
function addressKey(req: Request): string {
  return `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}

const limited = (what: string) => (_req: Request, _res: Response, next: NextFunction, retryAfter: number) =>
  next(new Problem('rate-limited', `Too many ${what}; retry after ${retryAfter} s`, { headers: { 'Retry-After': String(retryAfter) } }));

export interface RateLimitOptions {
  /** Requests per principal (or per address without a credential) per minute. */
  perMinute: number;
  stores?: RateLimitStores;
  logger?: Logger;
}

export interface RateLimits {
  /** Mount after authentication: counts every request against its principal, or its address. */
  requests: RequestHandler;
  /** Mount as an error handler after the routes: counts each 401 against its address, and past the limit answers 429 instead. */
  refusedCredentials: ErrorRequestHandler;
  /** Mount on the public calculators and records: counts each request without a credential against its address. */
  anonymousCalculations: RequestHandler;
}

export function rateLimits(options: RateLimitOptions): RateLimits {
  const stores = options.stores ?? memoryStores;
  const requests = rateLimiter({
    perMinute: options.perMinute,
    keyOf: (req, res) => {
      const principal = (res.locals.principal as { id?: string } | undefined)?.id;
      return principal ? `principal:${principal}` : addressKey(req);
    },
    onLimited: limited('requests from this credential'),
    store: stores('requests'),
    logger: options.logger,
  });
  const refused = rateLimiter({
    perMinute: REFUSED_CREDENTIALS_PER_MINUTE,
    keyOf: (req) => `refused:${addressKey(req)}`,
    onLimited: limited('refused credentials from this address'),
    store: stores('refused-credentials'),
    logger: options.logger,
  });
  const anonymous = rateLimiter({
    perMinute: ANONYMOUS_CALCULATIONS_PER_MINUTE,
    keyOf: (req) => `anonymous:${addressKey(req)}`,
    onLimited: limited('public requests without a credential from this address'),
    store: stores('anonymous-calculations'),
    logger: options.logger,
  });
  return {
    requests,
    anonymousCalculations: (req, res, next) => (res.locals.principal ? next() : anonymous(req, res, next)),
    refusedCredentials: (err: unknown, req, res, next) => {
      if (!(err instanceof Problem) || err.type !== 'unauthorized') return next(err);
      // Counted; within the limit the 401 goes on, past it the limiter's 429 replaces it.
      refused(req, res, (tooMany?: unknown) => next(tooMany ?? err));
    },
  };
}
