/**
 * `405 Method Not Allowed` for a known path asked with a method it does not take, with `Allow`
 * naming the methods it does take; a path no route knows stays a 404. The known paths and their
 * methods are read from the app's own router (every route registered on the app or on a router
 * mounted at `/`), so there is no second list of routes to keep in step.
 */
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { Problem } from './problem';

/** The parts of an Express 5 router layer read here. */
interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: { stack?: Layer[] };
}

export interface KnownPath {
  /** The Express path template, e.g. `/applications/:id/sign-off`. */
  path: string;
  /** The methods it answers, upper case, with HEAD wherever GET is (Express answers HEAD with GET). */
  methods: string[];
  matches: (path: string) => boolean;
}

/** `/applications/:id` → a test of a request path, as Express matches it: any case, an optional trailing slash. */
function matcher(template: string): (path: string) => boolean {
  if (/[*?{}()]/.test(template)) throw new Error(`method-not-allowed: the route ${template} uses a path syntax this module does not read`);
  const source = template
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.+^$|[\]\\]/g, '\\$&')))
    .join('/');
  const pattern = new RegExp(`^${source}/?$`, 'i');
  return (path) => pattern.test(path);
}

/** Every route path of the app with its methods, from the router itself. */
export function knownPaths(app: Express): KnownPath[] {
  const methods = new Map<string, Set<string>>();
  const walk = (stack: readonly Layer[]) => {
    for (const layer of stack) {
      if (layer.route && typeof layer.route.path === 'string') {
        const set = methods.get(layer.route.path) ?? new Set<string>();
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') set.add(method.toUpperCase());
        if (set.has('GET')) set.add('HEAD');
        methods.set(layer.route.path, set);
      } else if (layer.handle?.stack && (layer.rawPath === '/' || layer.rawPath === undefined)) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...methods].map(([path, set]) => ({ path, methods: [...set].sort(), matches: matcher(path) }));
}

/**
 * Put after every route, before the 404: a request that reached it matched no route. When its
 * path is a known one, the method is what was wrong. The routes are read on the first request,
 * when every route has been registered.
 */
export function methodNotAllowed(app: Express): RequestHandler {
  let known: KnownPath[] | undefined;
  return (req: Request, _res: Response, next: NextFunction) => {
    known ??= knownPaths(app);
    const allowed = new Set(known.filter((k) => k.matches(req.path)).flatMap((k) => k.methods));
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    const allow = [...allowed].sort().join(', ');
    next(new Problem('method-not-allowed', `${req.method} is not a method of ${req.path}; it takes ${allow}`, { headers: { Allow: allow } }));
  };
}
