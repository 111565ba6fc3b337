/**
 * One port in front of the cluster's API processes: http-proxy-3 forwards each request to the
 * next API in turn (round-robin) and adds X-Forwarded-For (the APIs trust it from loopback only).
 *
 * An API that is down is skipped: one whose connection fails is marked down at once, and a check
 * every second (`GET /health` answers at all, whatever its status) marks it up again. A request
 * whose API turned out to be down is sent to another when it has no body (GET, HEAD, OPTIONS, a
 * DELETE without body); otherwise it is answered 502, as nothing of it can be replayed.
 * `X-Served-By` names the API that answered, so a caller can see the rotation.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

export interface LoadBalancer {
  url: string;
  /** Which APIs are taken as up now. */
  up(): boolean[];
  close(): Promise<void>;
}

const REPLAYABLE = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function startLoadBalancer(options: { port: number; targets: string[]; log: (line: string) => void }): Promise<LoadBalancer> {
  const targets = options.targets;
  const up = targets.map(() => true);
  let next = 0;
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 120_000 });

  const pick = (exclude: Set<number>): number | undefined => {
    for (let i = 0; i < targets.length; i++) {
      const candidate = (next + i) % targets.length;
      if (up[candidate] && !exclude.has(candidate)) {
        next = (candidate + 1) % targets.length;
        return candidate;
      }
    }
    return undefined;
  };
  const markDown = (i: number, why: string) => {
    if (up[i]) options.log(`API ${targets[i]} is down (${why}); sending requests to the others.`);
    up[i] = false;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, tried: Set<number>) => {
    const i = pick(tried);
    if (i === undefined) {
      if (!res.headersSent) {
        res.writeHead(502, { 'Content-Type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'No API process is up.' }));
      }
      return;
    }
    tried.add(i);
    res.setHeader('X-Served-By', targets[i]!);
    proxy.web(req, res, { target: targets[i] }, (err: Error & { code?: string }) => {
      const refused = err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'EHOSTUNREACH';
      if (refused) markDown(i, err.code!);
      const bodyless = REPLAYABLE.has(req.method ?? '') || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined);
      if (refused && bodyless && !res.headersSent) {
        forward(req, res, tried);
        return;
      }
      if (!res.headersSent) {
        res.removeHeader('X-Served-By');
        res.writeHead(502, { 'Content-Type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: `The API process did not answer (${err.code ?? err.message}).` }));
      } else {
        res.destroy();
      }
    });
  };

  const server: Server = createServer((req, res) => forward(req, res, new Set()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });

  const check = setInterval(() => {
    targets.forEach((target, i) => {
      fetch(`${target}/health`, { signal: AbortSignal.timeout(2_000) }).then(
        () => {
          if (!up[i]) options.log(`API ${target} is up again.`);
          up[i] = true;
        },
        (err: Error) => markDown(i, (err.cause as { code?: string } | undefined)?.code ?? err.message),
      );
    });
  }, 1_000);
  check.unref();

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    up: () => [...up],
    close: async () => {
      clearInterval(check);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      proxy.close();
    },
  };
}
