/**
 * The API's graceful stop (api/shutdown.ts) on a real HTTP server and real kept-alive connections:
 * a request in flight is answered, a new request on a kept-alive connection gets 503 with
 * Retry-After and Connection: close, and a request that never finishes is answered 503 when the
 * grace period ends.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { createDraining } from '../../api/shutdown';

interface Got {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function get(port: number, path: string, agent: Agent): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An app whose `/slow` answers after `slowMs`, `/never` never, anything else at once. */
function app(slowMs: number) {
  const started: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    started.push(req.url!);
    if (req.url === '/never') return;
    const answer = () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`done ${req.url}`);
    if (req.url === '/slow') setTimeout(answer, slowMs);
    else answer();
  };
  return { handler, started };
}

describe('graceful stop of an API process', { timeout: 20_000 }, () => {
  it('when draining starts, then the request in flight is answered with Connection: close and idle kept-alive connections are closed', async () => {
    const inner = app(400);
    const draining = createDraining(inner.handler);
    const server = createServer(draining.handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const kept = new Agent({ keepAlive: true, maxSockets: 1 });
    const idle = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await get(port, '/warm', idle)).status, 200);
      const idleSocket = Object.values(idle.freeSockets)[0]![0]!;
      const idleClosed = new Promise<void>((r) => idleSocket.once('close', () => r()));
      const slow = get(port, '/slow', kept);
      await new Promise((r) => setTimeout(r, 100));
      const drained = draining.drain(server, 5_000);
      await idleClosed;
      const answered = await slow;
      assert.equal(answered.status, 200);
      assert.equal(answered.body, 'done /slow');
      assert.equal(answered.headers.connection, 'close');
      const summary = await drained;
      assert.deepEqual(summary, { answeredInFlight: 1, refused: 0, cutShort: 0 });
      await assert.rejects(get(port, '/after', new Agent()), /ECONNREFUSED/);
    } finally {
      kept.destroy();
      idle.destroy();
    }
  });

  it('when a kept-alive connection sends a new request during the drain, then it gets 503 problem+json, Retry-After and Connection: close', async () => {
    // `/stream` sends its headers at once and its body 400 ms later: the connection stays open past the drain's start.
    const started: string[] = [];
    const draining = createDraining((req, res) => {
      started.push(req.url!);
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '4' });
      res.flushHeaders();
      setTimeout(() => res.end('done'), 400);
    });
    const server = createServer(draining.handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (c: Buffer) => (raw += c.toString()));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!raw.includes('\r\n\r\n')) await new Promise((r) => setTimeout(r, 10));
    const drained = draining.drain(server, 5_000);
    while (!raw.endsWith('done')) await new Promise((r) => setTimeout(r, 10));
    socket.write('GET /late HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    const summary = await drained;
    const [first, second] = raw.split(/(?=HTTP\/1\.1 )/);
    assert.match(first!, /^HTTP\/1\.1 200/);
    assert.match(second ?? '', /^HTTP\/1\.1 503/, raw);
    assert.match(second!, /\r\nRetry-After: 2\r\n/i);
    assert.match(second!, /\r\nConnection: close\r\n/i);
    assert.match(second!, /application\/problem\+json/);
    assert.match(second!, /"type":"\/problems\/unavailable"/);
    assert.deepEqual(started, ['/stream'], 'a request after the drain reached the app');
    assert.equal(summary.refused, 1);
  });

  it('when a request is still unanswered at the end of the grace period, then it gets 503 with Retry-After and the drain ends', async () => {
    const inner = app(0);
    const draining = createDraining(inner.handler);
    const server = createServer(draining.handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true });
    try {
      const stuck = get(port, '/never', agent);
      await new Promise((r) => setTimeout(r, 100));
      const summary = await draining.drain(server, 300);
      const answer = await stuck;
      assert.equal(answer.status, 503);
      assert.equal(answer.headers['retry-after'], '2');
      assert.match(JSON.parse(answer.body).detail, /could not answer within 300 ms/);
      assert.equal(summary.cutShort, 1);
    } finally {
      agent.destroy();
    }
  });
});
