import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalRuntimeError, PortInUseError } from './errors';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Rejects with PortInUseError when something listens on 127.0.0.1:`port`. For servers that do not
 * report a taken port themselves: DynamoDB Local binds all interfaces, so another program on the
 * loopback port would answer our readiness check in its place.
 */
export async function assertPortFree(port: number, what: string): Promise<void> {
  // Both: on macOS a loopback bind succeeds beside a program that holds the port on every interface.
  for (const host of ['127.0.0.1', '0.0.0.0']) {
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new PortInUseError(what, port, { cause: error }) : error),
      );
      server.listen(port, host, () => server.close(() => resolve()));
    });
  }
}

/** Resolves once `url` answers HTTP at all (any status). */
export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new LocalRuntimeError(`${url} did not answer within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
