import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDeps, createWorkerAdapters, ensureLedgerTable } from '@stevedore/aws';
import type { HandlerDeps, HandlerFactory } from '@stevedore/control';
import {
  type Config,
  eventRoutes,
  type HandlerName,
  LOCAL_STAGE,
  type Logger,
  periodicRoutes,
  resourceNames,
} from '@stevedore/core';
import { startAlarmEvaluator } from './alarm-evaluator';
import { type BusTarget, EventBus } from './bus/event-bus';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { type LocalEcs, type LocalTaskDefinition, startLocalEcs } from './ecs';
import type { Faults } from './faults';
import { NO_FAULTS } from './faults';
import { type ScheduleClock, startLocalScheduler } from './local-scheduler';
import { type LocalS3Sqs, startLocalS3Sqs } from './storage';

/*
 * `stevedore dev`: the whole control plane on one machine. DynamoDB Local, an S3/SQS stand-in and the
 * local ECS endpoint speak the real AWS protocols; the same handlers Lambda runs are invoked by a local
 * bus on the same EventBridge patterns, with the same SDK clients pointed at the local endpoints.
 */

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
// DynamoDB Local accepts access key ids of letters and digits only.
export const LOCAL_CREDENTIALS = { accessKeyId: 'stevedorelocal', secretAccessKey: 'stevedorelocal' };

export interface DevRuntimeOptions {
  config: Config;
  /** Directory of the config file: local commands run from there. */
  configDir: string;
  stateDir: string;
  handlers: Record<HandlerName, HandlerFactory>;
  logger: Logger;
  faults?: Faults;
  /** First port: S3/SQS on it, ECS on +1, DynamoDB on +2. 0 picks free ports. */
  basePort?: number;
  /** How often the periodic handlers run locally (AWS: every minute). */
  tickMs?: number;
  /** Pause between task lifecycle steps. */
  stepDelayMs?: number;
  /** How much faster than real time schedules run (a demo of a nightly job in seconds). */
  timeScale?: number;
}

/** What `<state-dir>/endpoints.json` holds: everything a client needs to reach the local runtime. */
export interface EndpointsFile {
  region: string;
  accountId: string;
  s3: string;
  sqs: string;
  dynamodb: string;
  ecs: string;
  table: string;
  cluster: string;
  clusterArn: string;
  buckets: string[];
  queues: Record<string, string>;
  pipelines: { name: string; bucket: string; prefix: string; suffix: string }[];
  stateDir: string;
  logDir: string;
  pid: number;
  /** The clock schedules fire by (sped up with --time-scale), so the CLI shows their next times on it. */
  scheduleClock: ScheduleClock;
}

export interface DevRuntime {
  endpoints: EndpointsFile;
  deps: HandlerDeps;
  ecs: LocalEcs;
  storage: LocalS3Sqs;
  bus: EventBus;
  /** Stops timers, the bus, every task, and the local AWS; removes endpoints.json. */
  stop(): Promise<void>;
}

/** Starts everything and writes endpoints.json once it is ready. */
export async function startDevRuntime(options: DevRuntimeOptions): Promise<DevRuntime> {
  const { config, logger } = options;
  const faults = options.faults ?? NO_FAULTS;
  const stateDir = resolve(options.stateDir);
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const names = resourceNames(config.app, LOCAL_STAGE);
  const port = (offset: number) => (options.basePort ? options.basePort + offset : undefined);
  const cleanup: (() => Promise<void>)[] = [];
  let bus: EventBus | undefined;
  const publish = (event: unknown) => bus?.put(event);

  try {
    const dynamo: RunningDynamoDbLocal = await startDynamoDbLocal({
      dataDir: join(stateDir, 'dynamodb'),
      ...optionalPort(port(2)),
    });
    cleanup.push(() => dynamo.stop());

    const storage = await startLocalS3Sqs({
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      dataDir: join(stateDir, 's3'),
      buckets: appBuckets(config),
      queues: [...new Set(Object.values(config.workers).map((w) => w.queue))].map((name) => ({ name })),
      onObjectCreated: publish,
      ...optionalPort(port(0)),
    });
    cleanup.push(() => storage.close());

    const baseEnv = containerEnv({ s3: storage.endpoint, sqs: storage.endpoint, dynamodb: dynamo.endpoint });
    const ecs = await startLocalEcs({
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      cluster: names.cluster,
      taskDefinitions: taskDefinitions(config, names.taskFamily, options.configDir, storage.queueUrls),
      // Worker services start at their minimum; the scaling handlers own the count from then on.
      services: Object.entries(config.workers).map(([name, worker]) => ({
        name: names.service(name),
        taskDefinition: names.taskFamily(worker.task),
        desiredCount: worker.min,
        capacityProvider: worker.spotPercent >= 50 ? ('FARGATE_SPOT' as const) : ('FARGATE' as const),
      })),
      logDir,
      baseEnv,
      onTaskStateChange: publish,
      throttling: faults.throttle,
      capacityFailureRate: faults.capacity,
      ...(options.stepDelayMs !== undefined ? { stepDelayMs: options.stepDelayMs } : {}),
      ...optionalPort(port(1)),
    });
    cleanup.push(() => ecs.close());

    const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint });
    // The launcher paces RunTask at ECS's quota; the SDK's standard retries absorb what throttling is left.
    const ecsClient = new ECSClient({ ...clientConfig, endpoint: ecs.endpoint, maxAttempts: 5 });
    const sqsClient = new SQSClient({ ...clientConfig, endpoint: storage.endpoint });
    cleanup.push(async () => {
      dynamoClient.destroy();
      ecsClient.destroy();
      sqsClient.destroy();
    });
    await ensureLedgerTable(dynamoClient, names.table);

    const deps = createDeps({
      config,
      names,
      clients: { dynamodb: dynamoClient, ecs: ecsClient },
      workers: createWorkerAdapters({
        cluster: names.cluster,
        clients: { sqs: sqsClient, ecs: ecsClient },
        queueUrls: storage.queueUrls,
      }),
      logger,
    });

    const ruleArn = (id: string) =>
      `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${names.prefix}-${id}`;
    const targets: BusTarget[] = eventRoutes(config, {
      clusterArn: ecs.clusterArn,
      ruleArn,
      stage: LOCAL_STAGE,
    }).map((route) => ({
      name: route.id,
      pattern: route.pattern,
      handler: options.handlers[route.handler](deps),
    }));
    bus = new EventBus({
      targets,
      deadLetterFile: join(stateDir, 'dead-letters.jsonl'),
      faults: { duplicate: faults.duplicate, reorder: faults.reorder },
      onFailure: ({ target, attempt, error, final }) =>
        logger.warn(final ? 'event dead-lettered' : 'handler failed, retrying', {
          handler: target,
          attempt,
          error: error instanceof Error ? error.message : String(error),
        }),
    });
    const runningBus = bus;
    cleanup.push(() => runningBus.close());

    // EventBridge rate rules, faster: the periodic handlers run every tickMs.
    const timers = periodicRoutes(config).map((route) =>
      setInterval(() => runningBus.put(scheduledEvent(ruleArn(route.id))), options.tickMs ?? 5000),
    );
    // CloudWatch depth alarms: evaluated every second over the local queues.
    const stopAlarms = startAlarmEvaluator({
      alarms: Object.entries(config.workers).map(([name, worker]) => ({
        name: names.depthAlarm(name),
        queue: worker.queue,
      })),
      visible: (queue) => storage.queueDepth(queue).visible,
      publish: (event) => runningBus.put(event),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
    });
    // EventBridge Scheduler: each schedule invokes the schedule-fired handler directly.
    const scheduleTarget: BusTarget = {
      name: 'schedule-fired',
      pattern: {},
      handler: options.handlers['schedule-fired'](deps),
    };
    const scheduler = startLocalScheduler({
      schedules: Object.entries(config.schedules).map(([name, s]) => ({
        name,
        expression: s.expression,
        timezone: s.timezone,
        enabled: s.enabled,
      })),
      fire: (input) => runningBus.invoke(scheduleTarget, input),
      ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    });
    cleanup.push(async () => {
      for (const timer of timers) clearInterval(timer);
      stopAlarms();
      scheduler.stop();
    });

    const endpoints: EndpointsFile = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      s3: storage.endpoint,
      sqs: storage.endpoint,
      dynamodb: dynamo.endpoint,
      ecs: ecs.endpoint,
      table: names.table,
      cluster: names.cluster,
      clusterArn: ecs.clusterArn,
      buckets: appBuckets(config),
      queues: storage.queueUrls,
      pipelines: Object.entries(config.pipelines).map(([name, p]) => ({
        name,
        bucket: p.bucket,
        prefix: p.prefix,
        suffix: p.suffix,
      })),
      stateDir,
      logDir,
      pid: process.pid,
      scheduleClock: scheduler.clock,
    };
    const endpointsPath = join(stateDir, 'endpoints.json');
    writeFileSync(endpointsPath, `${JSON.stringify(endpoints, null, 2)}\n`);

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        rmSync(endpointsPath, { force: true });
        await runCleanup(cleanup);
      })();
      return stopping;
    };
    return { endpoints, deps, ecs, storage, bus: runningBus, stop };
  } catch (error) {
    // The start failed: that error is the one to report; the cleanup's own failures are logged.
    await runCleanup(cleanup).catch((cleanupError: unknown) =>
      logger.warn('cleanup after a failed start failed too', { error: String(cleanupError) }),
    );
    throw error;
  }
}

/**
 * Runs cleanups newest first. One failing does not keep the others from running (leaving a process
 * behind is worse than a noisy shutdown); the failures are thrown together at the end.
 */
async function runCleanup(cleanup: (() => Promise<void>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of [...cleanup].reverse()) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  cleanup.length = 0;
  if (failures.length > 0) {
    const what = failures.map((f) => (f instanceof Error ? f.message : String(f))).join('; ');
    throw new AggregateError(failures, `stopping the local runtime: ${what}`);
  }
}

function optionalPort(port: number | undefined): { port?: number } {
  return port === undefined ? {} : { port };
}

/** The task definitions of the config, each container a local process run from the config's directory. */
function taskDefinitions(
  config: Config,
  family: (task: string) => string,
  configDir: string,
  queueUrls: Record<string, string>,
): LocalTaskDefinition[] {
  // A worker's task finds its queue in its environment, as infra sets it on AWS.
  const queueOfTask = new Map(Object.values(config.workers).map((w) => [w.task, w.queue]));
  return Object.entries(config.tasks).map(([name, task]) => {
    const queue = queueOfTask.get(name);
    const queueUrl = queue ? queueUrls[queue] : undefined;
    const cwd = task.local?.cwd
      ? isAbsolute(task.local.cwd)
        ? task.local.cwd
        : join(configDir, task.local.cwd)
      : configDir;
    return {
      family: family(name),
      containerName: task.containerName,
      image: typeof task.image === 'string' ? task.image : `built from ${task.image.context}`,
      cpu: task.cpu,
      memory: task.memory,
      architecture: task.architecture,
      env: { ...task.env, ...(queueUrl ? { STEVEDORE_QUEUE_URL: queueUrl } : {}), ...task.local?.env },
      stopTimeout: task.stopTimeout,
      cwd,
      ...(task.local ? { command: task.local.command } : {}),
    };
  });
}

/**
 * What every local container gets, in place of what a Fargate task would have: a PATH to run
 * programs, and the SDK's own endpoint variables so the task's AWS clients reach the local stand-ins.
 * Nothing else of this process's environment leaks in.
 */
function containerEnv(endpoints: { s3: string; sqs: string; dynamodb: string }): Record<string, string> {
  const pick = (name: string) => (process.env[name] ? { [name]: process.env[name] as string } : {});
  return {
    ...pick('PATH'),
    ...pick('HOME'),
    ...pick('LANG'),
    ...pick('TMPDIR'),
    ...pick('SYSTEMROOT'),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** An EventBridge "Scheduled Event" as a rate rule emits it. */
function scheduledEvent(ruleArn: string): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [ruleArn],
    detail: {},
  };
}

/** Every bucket of the app: the pipelines' and the config's own. */
function appBuckets(config: Config): string[] {
  return [...new Set([...Object.values(config.pipelines).map((p) => p.bucket), ...config.buckets])].sort();
}
