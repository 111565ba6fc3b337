/**
 * A graceful stop for an API process (SIGINT, SIGTERM): no request that reached the process goes
 * unanswered. Dropping a request in flight leaves its caller not knowing whether the action was
 * applied (issue 14, defect 5).
 *
 * On `drain()`:
 * - the server stops accepting connections; idle kept-alive connections are closed;
 * - requests in flight are answered as usual, with `Connection: close`;
 * - a new request on a kept-alive connection gets 503 problem+json with `Retry-After` and
 *   `Connection: close` (another process, or this one restarted, will take the retry);
 * - after `graceMs`, a request still without an answer gets that 503 too, every connection is
 *   closed, and `drain()` resolves (the caller exits 0).
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { PROBLEM_TYPES } from './problem';

/** Seconds a caller waits before retrying a request refused while this process stops. */
const SHUTDOWN_RETRY_AFTER_SECONDS = 2;

export interface Draining {
  /** Wraps the app: refuses new requests once draining, and tracks those in flight. */
  handler: RequestListener;
  /** Stops `server` gracefully; resolves once every connection is closed or `graceMs` has passed. */
  drain(server: Server, graceMs: number): Promise<{ answeredInFlight: number; refused: number; cutShort: number }>;
}

function refuse(res: ServerResponse, detail: string): void {
  const { status, title } = PROBLEM_TYPES.unavailable;
  const body = JSON.stringify({ type: '/problems/unavailable', title, status, detail });
  res.writeHead(status, {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Retry-After': String(SHUTDOWN_RETRY_AFTER_SECONDS),
    Connection: 'close',
  });
  res.end(body);
}

export function createDraining(app: RequestListener): Draining {
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let refused = 0;

  const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      refused++;
      // Read what was sent, so the refusal is not taken for a reset connection.
      req.resume();
      refuse(res, 'This API process is stopping; retry the same request (with the same Idempotency-Key).');
      return;
    }
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    app(req, res);
  };

  const drain: Draining['drain'] = async (server, graceMs) => {
    draining = true;
    const answeredBefore = inFlight.size;
    for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let cutShort = 0;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const res of inFlight) {
          if (res.headersSent) continue;
          cutShort++;
          refuse(res, `This API process is stopping and could not answer within ${graceMs} ms; retry the same request (with the same Idempotency-Key).`);
        }
        // Give those answers a moment to leave, then close whatever is left.
        setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, 200).unref();
      }, graceMs);
      timer.unref();
    });
    await Promise.race([closed, timedOut]);
    clearTimeout(timer);
    return { answeredInFlight: answeredBefore - cutShort, refused, cutShort };
  };

  return { handler, drain };
}
