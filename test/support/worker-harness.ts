import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ECSClient, GetTaskProtectionCommand } from '@aws-sdk/client-ecs';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  type LocalEcs,
  type LocalS3Sqs,
  type LocalServiceDefinition,
  type LocalTaskDefinition,
  type LocalTaskView,
  startLocalEcs,
  startLocalS3Sqs,
} from '@stevedore/local';
import { runWorker, type WorkerEvent, type WorkerOptions, type WorkerSummary } from '@stevedore/worker';

/*
 * Real local endpoints for worker tests: the S3/SQS stand-in, and the local ECS endpoint running
 * services whose tasks' agent endpoints (ECS_AGENT_URI) a worker in the test process talks to.
 */

export const REPO = resolve(import.meta.dirname, '..', '..');
export const REGION = 'us-east-1';
export const ACCOUNT = '111122223333';
export const CLUSTER = 'stevedore-local';
export const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const RESULTS_BUCKET = 'worker-results';

export interface WorkerHarness {
  storage: LocalS3Sqs;
  ecs: LocalEcs;
  ecsClient: ECSClient;
  sqs: SQSClient;
  s3: S3Client;
  /** Every "ECS Task State Change" event, in order. */
  taskEvents: Array<{ detail: Record<string, unknown> & { containers: Array<Record<string, unknown>> } }>;
  queueUrl(name: string): string;
  /** Tasks of a service that are RUNNING and meant to stay so. */
  runningTasks(service: string): LocalTaskView[];
  /** ECS_AGENT_URI of a task, as the local ECS endpoint sets it in the container. */
  agentUriOf(task: LocalTaskView): string;
  /** GetTaskProtection through the ECS API. */
  protectionOf(taskArn: string): Promise<{ enabled: boolean; expiresAt: Date | undefined }>;
  send(queue: string, bodies: readonly string[]): Promise<void>;
  readResult(key: string): Promise<Record<string, unknown> | undefined>;
  logOf(taskArn: string): string;
  close(): Promise<void>;
}

/** A one-container task definition whose container is `command`, run from the repo root. */
export function taskDefinition(
  family: string,
  command: readonly string[],
  env: Record<string, string> = {},
): LocalTaskDefinition {
  return {
    family,
    containerName: 'main',
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${family}:latest`,
    cpu: 256,
    memory: 512,
    architecture: 'x86_64',
    env,
    // Long enough for the example worker to finish a job in hand after SIGTERM.
    stopTimeout: 10,
    command,
    cwd: REPO,
  };
}

export interface HarnessOptions {
  queues: ReadonlyArray<{ name: string; attributes?: Record<string, string> }>;
  /** Task definitions; given the storage endpoint, so containers can be pointed at it. */
  taskDefinitions: (storage: LocalS3Sqs) => LocalTaskDefinition[];
  services: readonly LocalServiceDefinition[];
}

export async function startWorkerHarness(options: HarnessOptions): Promise<WorkerHarness> {
  const storage = await startLocalS3Sqs({
    region: REGION,
    accountId: ACCOUNT,
    buckets: [RESULTS_BUCKET],
    queues: options.queues,
    onObjectCreated: () => {},
  });
  const logDir = mkdtempSync(join(tmpdir(), 'stevedore-worker-'));
  const taskEvents: WorkerHarness['taskEvents'] = [];
  const ecs = await startLocalEcs({
    region: REGION,
    accountId: ACCOUNT,
    cluster: CLUSTER,
    taskDefinitions: options.taskDefinitions(storage),
    services: options.services,
    logDir,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    onTaskStateChange: (event) => taskEvents.push(event as WorkerHarness['taskEvents'][number]),
    stepDelayMs: 10,
  });
  const endpoint = { region: REGION, credentials: CREDENTIALS };
  const ecsClient = new ECSClient({ ...endpoint, endpoint: ecs.endpoint, maxAttempts: 1 });
  const sqs = new SQSClient({ ...endpoint, endpoint: storage.endpoint });
  const s3 = new S3Client({ ...endpoint, endpoint: storage.endpoint, forcePathStyle: true });
  const queueUrl = (name: string) => {
    const url = storage.queueUrls[name];
    if (!url) throw new Error(`no queue ${name} in the harness`);
    return url;
  };
  const view = (taskArn: string) => ecs.tasks().find((task) => task.taskArn === taskArn);

  return {
    storage,
    ecs,
    ecsClient,
    sqs,
    s3,
    taskEvents,
    queueUrl,
    runningTasks: (service) =>
      ecs
        .tasks()
        .filter(
          (t) =>
            t.group === `service:${service}` && t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING',
        ),
    agentUriOf: (task) => `${ecs.endpoint}/api/${task.taskId}`,
    async protectionOf(taskArn) {
      const output = await ecsClient.send(
        new GetTaskProtectionCommand({ cluster: CLUSTER, tasks: [taskArn] }),
      );
      const [entry] = output.protectedTasks ?? [];
      if (!entry) throw new Error(`GetTaskProtection failed: ${JSON.stringify(output.failures)}`);
      return { enabled: entry.protectionEnabled === true, expiresAt: entry.expirationDate };
    },
    async send(queue, bodies) {
      for (let start = 0; start < bodies.length; start += 10) {
        const entries = bodies
          .slice(start, start + 10)
          .map((body, index) => ({ Id: `m${index}`, MessageBody: body }));
        const output = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl(queue), Entries: entries }),
        );
        if (output.Failed?.length)
          throw new Error(`SendMessageBatch failed: ${JSON.stringify(output.Failed)}`);
      }
    },
    async readResult(key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: RESULTS_BUCKET, Key: key }));
        return JSON.parse((await object.Body?.transformToString()) ?? '{}') as Record<string, unknown>;
      } catch (error) {
        if ((error as Error).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    logOf(taskArn) {
      const task = view(taskArn);
      try {
        return task ? readFileSync(task.logFile, 'utf8') : '';
      } catch {
        return '';
      }
    },
    async close() {
      ecsClient.destroy();
      sqs.destroy();
      s3.destroy();
      await Promise.all([ecs.close(), storage.close()]);
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` returns a value (not undefined/false). */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  label: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface TestWorker {
  events: WorkerEvent[];
  logs: Array<{ level: string; message: string; fields: Record<string, unknown> | undefined }>;
  /** Resolves with runWorker's result (or rejects with its error). */
  done: Promise<WorkerSummary>;
  /** Aborts the worker's signal, as SIGTERM would, and waits for it. */
  stop(): Promise<WorkerSummary>;
  ofType<K extends WorkerEvent['type']>(type: K): Array<Extract<WorkerEvent, { type: K }>>;
}

/** runWorker in this process, stopped through its `signal`, with its events and logs recorded. */
export function startTestWorker(
  options: Omit<WorkerOptions, 'signal' | 'handleSignals' | 'logger' | 'onEvent'>,
): TestWorker {
  const controller = new AbortController();
  const events: WorkerEvent[] = [];
  const logs: TestWorker['logs'] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    logs.push({ level, message, fields });
  const done = runWorker({
    ...options,
    signal: controller.signal,
    handleSignals: false,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    onEvent: (event) => events.push(event),
  });
  return {
    events,
    logs,
    done,
    stop() {
      controller.abort('test stop');
      return done;
    },
    ofType: <K extends WorkerEvent['type']>(type: K) =>
      events.filter((event): event is Extract<WorkerEvent, { type: K }> => event.type === type),
  };
}

/** The example worker program, run the way its Dockerfile would: node with tsx, from the repo root. */
export const EXAMPLE_WORKER = [
  process.execPath,
  '--import',
  'tsx',
  join(REPO, 'examples', 'worker', 'main.ts'),
];

/** What the example worker reads, pointed at the stand-in; nothing else is inherited. */
export function exampleWorkerEnv(storage: LocalS3Sqs, queueUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: storage.endpoint,
    AWS_ENDPOINT_URL_S3: storage.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    STEVEDORE_QUEUE_URL: queueUrl,
    RESULTS_BUCKET,
  };
}

export interface ChildWorker {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts the example worker as a child process of the test. */
export function spawnExampleWorker(env: Record<string, string>): ChildWorker {
  const [command = process.execPath, ...args] = EXAMPLE_WORKER;
  const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
