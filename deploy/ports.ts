/**
 * Loopback ports for the cluster: a preferred one when it is free, else one the system hands out.
 */
import { createServer } from 'node:net';

/** Whether nothing listens on `port` of 127.0.0.1 (a listen there succeeds). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port of 127.0.0.1 nothing listens on now (free until someone else takes it). */
function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Ports for `count` listeners: `preferred`, `preferred + 1`, … when all are free (stable addresses
 * from one run to the next), else as many free ports the system hands out; `required` (the caller
 * named them) turns a busy port into an error instead.
 */
export async function portBlock(preferred: number, count: number, options: { required: boolean; what: string }): Promise<number[]> {
  const wanted = Array.from({ length: count }, (_, i) => preferred + i);
  const busy: number[] = [];
  for (const port of wanted) if (!(await isPortFree(port))) busy.push(port);
  if (busy.length === 0) return wanted;
  if (options.required) throw new Error(`${options.what}: port ${busy.join(', ')} of 127.0.0.1 is in use; choose another.`);
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await anyFreePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}
