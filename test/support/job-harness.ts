import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createDeps, EcsLauncher } from '@stevedore/aws';
import { type Handler, type HandlerDeps, launchRequest, type SourcePolicy } from '@stevedore/control';
import { type Config, parseConfig, resourceNames } from '@stevedore/core/config';
import { type Job, newJob, s3JobId } from '@stevedore/core/job';
import type { LaunchRequest } from '@stevedore/core/ports';
import {
  isAlive,
  LOCAL_NETWORK,
  type LocalEcs,
  type LocalEcsOptions,
  type LocalTaskDefinition,
  type LocalTaskView,
  startLocalEcs,
} from '@stevedore/local';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { taskStateChange } from '../../functions/task-state-change';
import { freshLedgerTable, LOCAL_CREDENTIALS, localDynamoClient } from './dynamodb';

/*
 * The job handlers' world on real local endpoints: DynamoDB Local (a fresh ledger table per
 * harness) and the local ECS endpoint running small node programs as containers. Every Task State
 * Change event is collected and reaches a handler only through `deliver`, so a test decides which
 * events are lost. The clock is real time plus an offset a test moves past the sweeper's thresholds.
 */

export type TaskEvent = Record<string, unknown> & { detail: Record<string, unknown> };

export const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
export const NAMES = resourceNames('sweeptest', 'local');
const node = (code: string) => [process.execPath, '-e', code];
/** The containers: each task of the config runs one of these programs. */
const PROGRAMS = {
  succeed: node('process.exit(0)'),
  fail: node('process.exit(1)'),
  sleep: node('setInterval(() => {}, 1000)'),
};
const TASK = { image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sweeptest:1`, cpu: 256, memory: 512 };

/** Pipelines: `quick` succeeds, `flaky` fails (2 attempts), `slow` never ends (30 s timeout), `capped` allows 1 at once. */
export const JOBS_CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { succeed: TASK, fail: TASK, sleep: TASK },
  pipelines: {
    quick: { bucket: 'uploads', task: 'succeed' },
    flaky: { bucket: 'uploads', task: 'fail', retry: { attempts: 2, backoff: { initialSeconds: 10 } } },
    slow: { bucket: 'uploads', task: 'sleep', timeout: 30 },
    capped: { bucket: 'uploads', task: 'succeed', concurrency: 1 },
  },
});

const DEFINITIONS: LocalTaskDefinition[] = Object.entries(PROGRAMS).map(([task, command]) => ({
  family: NAMES.taskFamily(task),
  containerName: 'main',
  image: TASK.image,
  cpu: TASK.cpu,
  memory: TASK.memory,
  architecture: 'x86_64',
  env: {},
  stopTimeout: 2,
  command,
}));

/** Real time plus an offset that only moves forward. */
export interface OffsetClock {
  now(): Date;
  advance(ms: number): void;
}

export interface Harness {
  deps: HandlerDeps;
  clock: OffsetClock;
  /** The Task State Change handler on these deps. */
  handler: Handler;
  /** The ledger table's name (for a process of its own on the same ledger). */
  table: string;
}

export interface JobWorld {
  ecs: LocalEcs;
  /** Handler deps on a fresh ledger table, with their own clock (and JOBS_CONFIG unless given one). */
  harness(config?: Config): Promise<Harness>;
  /** A launcher whose ECS answers every RunTask with "no Fargate capacity". */
  refusingLauncher(): EcsLauncher;
  /** Tasks ECS started for a job: the ground truth of what ran. */
  tasksOf(jobId: string): LocalTaskView[];
  /** Waits for the task's event with this lastStatus. */
  eventWith(taskArn: string, lastStatus: string): Promise<TaskEvent>;
  /** Hands the task's events emitted so far, and not delivered yet, to the handler in order. */
  deliver(handler: Handler, taskArn: string): Promise<void>;
  /** What the handlers logged as errors (they log and drop malformed events); emptied on read. */
  takeErrors(): unknown[];
  /** Closes everything; returns the pids of task processes still alive afterwards. */
  close(): Promise<number[]>;
}

/**
 * The JobWorld of one test file: started before its tests, closed after them with no task process
 * left alive, and after each test no handler may have logged an error (they log and drop what they
 * cannot parse: that must not pass unnoticed).
 */
export function jobWorldForFile(faults: EcsFaults = {}): JobWorld {
  let started: JobWorld | undefined;
  const world = () => {
    if (!started) throw new Error('the job world starts in beforeAll: use it inside a test or hook');
    return started;
  };
  beforeAll(async () => {
    started = await startJobWorld(faults);
  });
  afterEach(() => {
    expect(world().takeErrors()).toEqual([]);
  });
  afterAll(async () => {
    expect(await world().close()).toEqual([]);
  });
  return {
    get ecs() {
      return world().ecs;
    },
    harness: (config) => world().harness(config),
    refusingLauncher: () => world().refusingLauncher(),
    tasksOf: (jobId) => world().tasksOf(jobId),
    eventWith: (taskArn, lastStatus) => world().eventWith(taskArn, lastStatus),
    deliver: (handler, taskArn) => world().deliver(handler, taskArn),
    takeErrors: () => world().takeErrors(),
    close: () => world().close(),
  };
}

/** The local ECS endpoint's Spot faults a world's endpoints run with. */
export type EcsFaults = Pick<
  LocalEcsOptions,
  'spotCapacityFailureRate' | 'spotInterruptionRate' | 'spotWarningMs'
>;

/** Starts DynamoDB clients and two local ECS endpoints (one that runs tasks, one that refuses them). */
export async function startJobWorld(faults: EcsFaults = {}): Promise<JobWorld> {
  const dynamo = localDynamoClient();
  const logDir = mkdtempSync(join(tmpdir(), 'stevedore-jobs-'));
  const events: TaskEvent[] = [];
  const delivered = new Set<TaskEvent>();
  const errors: unknown[] = [];
  const start = async (capacityFailureRate: number) => {
    const ecs = await startLocalEcs({
      region: REGION,
      accountId: ACCOUNT,
      cluster: NAMES.cluster,
      taskDefinitions: DEFINITIONS,
      logDir,
      baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      onTaskStateChange: (event) => events.push(event as TaskEvent),
      stepDelayMs: 10,
      throttling: false,
      capacityFailureRate,
      ...faults,
    });
    const client = new ECSClient({ endpoint: ecs.endpoint, region: REGION, credentials: LOCAL_CREDENTIALS });
    return { ecs, client };
  };
  const running = await start(0);
  const refusing = await start(1);
  const eventsOf = (taskArn: string) => events.filter((e) => e.detail.taskArn === taskArn);

  return {
    ecs: running.ecs,
    async harness(config = JOBS_CONFIG) {
      let offsetMs = 0;
      const clock: OffsetClock = {
        now: () => new Date(Date.now() + offsetMs),
        advance: (ms) => {
          offsetMs += ms;
        },
      };
      // These jobs tests have no workers: nothing may touch a queue or a service.
      const table = await freshLedgerTable(dynamo);
      const deps = createDeps({
        config,
        names: NAMES,
        table,
        clients: { dynamodb: dynamo, ecs: running.client },
        network: LOCAL_NETWORK,
        clock,
        logger: {
          debug() {},
          info() {},
          warn() {},
          error: (message, fields) => errors.push({ message, fields }),
        },
      });
      return { deps, clock, handler: taskStateChange(deps), table };
    },
    refusingLauncher: () =>
      new EcsLauncher({ cluster: NAMES.cluster, client: refusing.client, network: LOCAL_NETWORK }),
    tasksOf: (jobId) => running.ecs.tasks().filter((t) => t.startedBy === jobId),
    async eventWith(taskArn, lastStatus) {
      const deadline = Date.now() + 8000;
      for (;;) {
        const found = eventsOf(taskArn).find((e) => e.detail.lastStatus === lastStatus);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${lastStatus} of ${taskArn}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async deliver(handler, taskArn) {
      for (const event of eventsOf(taskArn).filter((e) => !delivered.has(e))) {
        delivered.add(event);
        await handler(event);
      }
    },
    takeErrors: () => errors.splice(0),
    async close() {
      const pids = [running, refusing].flatMap(({ ecs }) => ecs.tasks().flatMap((t) => t.pid ?? []));
      for (const { client } of [running, refusing]) client.destroy();
      await Promise.all([running.ecs.close(), refusing.ecs.close()]);
      dynamo.destroy();
      rmSync(logDir, { recursive: true, force: true });
      return pids.filter(isAlive);
    },
  };
}

/** The pipeline's source and policy, as the handlers find them. */
export function policyOf(deps: HandlerDeps, pipeline: string): SourcePolicy {
  const found = deps.app.source(pipeline);
  if (!found) throw new Error(`no pipeline ${pipeline} in the test config`);
  return found;
}

/** Records the job of a newly uploaded object, as the S3 handler does, without launching it. */
export async function submit(deps: HandlerDeps, pipeline: string, notBefore?: Date): Promise<Job> {
  const { source } = policyOf(deps, pipeline);
  const key = `incoming/${randomUUID()}.jpg`;
  const candidate = newJob(
    {
      jobId: s3JobId(pipeline, 'uploads', key, randomUUID().slice(0, 16)),
      kind: 'pipeline',
      source: pipeline,
      task: source.taskName,
      maxAttempts: source.retry.attempts,
      timeoutSeconds: source.timeoutSeconds,
      input: { S3_BUCKET: 'uploads', S3_KEY: key },
      ...(notBefore ? { notBefore } : {}),
    },
    deps.clock.now(),
  );
  return (await deps.jobs.createJob(candidate)).job;
}

/** The RunTask request launchJob sends for the job's current attempt. */
export function requestOf(deps: HandlerDeps, job: Job): LaunchRequest {
  return launchRequest(deps, job, policyOf(deps, job.source).source);
}

export async function jobOf(deps: HandlerDeps, jobId: string): Promise<Job> {
  const job = await deps.jobs.getJob(jobId);
  if (!job) throw new Error(`job ${jobId} is not in the ledger`);
  return job;
}

/** The job's current task; throws when it has none. */
export async function taskOf(deps: HandlerDeps, jobId: string): Promise<string> {
  const { taskArn, state } = await jobOf(deps, jobId);
  if (!taskArn) throw new Error(`job ${jobId} has no task (${state})`);
  return taskArn;
}

/** A well-formed task ARN of the cluster that ECS never had. */
export function unknownTaskArn(): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${NAMES.cluster}/${randomUUID().replaceAll('-', '')}`;
}
