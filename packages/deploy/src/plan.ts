import {
  type Config,
  DEAD_LETTER_RETENTION_SECONDS,
  deadLetterQueueName,
  fitName,
  type ImageConfig,
  jobSources,
  type ResourceNames,
  redriveAllowPolicy,
  redrivePolicy,
  resourceNames,
  sourceDefinition,
} from '@stevedore/core/config';
import {
  eventRoutes,
  type HandlerName,
  handlersOf,
  periodicRoutes,
  scheduleTargetInput,
} from '@stevedore/core/events';
import { jobEventPattern } from '@stevedore/core/job';
import { type Arns, type AwsScope, arns, ecrRepositoryArn } from './iam/arns';
import { functionPolicy } from './iam/function-policies';
import { backfillRedrivePolicy, deadLetterOperatorPolicy, jobOperatorPolicy } from './iam/operator-policies';
import type { PolicyDocument } from './iam/policy';
import { type ContainerSecret, containerSecrets, readSecretsStatements } from './iam/secret-policies';
import { executionRolePolicy, imageRepository, taskRolePolicy } from './iam/task-policies';
import { definitionRoles, type TaskVariantSpec, taskVariants } from './task-variants';

/*
 * Everything a deploy creates, derived from the config, the stage and the account: plain data that
 * infra/ turns into resources and `stevedore iam` prints. Names are deterministic, so ARNs (and with
 * them every policy) are known before anything exists.
 */

export interface TaskSpec {
  name: string;
  family: string;
  containerName: string;
  image: ImageConfig;
  cpu: number;
  memory: number;
  architecture: 'x86_64' | 'arm64';
  command?: string[];
  environment: Record<string, string>;
  /** References ECS resolves with the execution role at start; the values never pass through Stevedore. */
  secrets: ContainerSecret[];
  /** The definitions of the sources that override this task's secrets. */
  variants: TaskVariantSpec[];
  stopTimeout: number;
  ephemeralStorageGiB?: number;
  logGroup: string;
  logRetentionDays: number;
  taskRoleName: string;
  executionRoleName: string;
  taskRolePolicy: PolicyDocument;
  executionRolePolicy: PolicyDocument;
}

export interface FunctionSpec {
  handler: HandlerName;
  name: string;
  roleName: string;
  policy: PolicyDocument;
  logGroup: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Lambda's retries of a failed asynchronous invocation, before the on-failure destination. */
  asyncRetries: number;
  /** Older events are dropped (to the on-failure destination). */
  maxEventAgeSeconds: number;
  environment: Record<string, string>;
}

export interface RuleSpec {
  name: string;
  handler: HandlerName;
  /** An event pattern (JSON), or a schedule expression. */
  pattern?: string;
  schedule?: string;
}

export interface WorkerSpec {
  name: string;
  service: string;
  task: string;
  family: string;
  queue: string;
  alarmName: string;
  /** The count the service is created with; Stevedore owns it afterwards. */
  initialCount: number;
  capacityProviderStrategy: { capacityProvider: 'FARGATE' | 'FARGATE_SPOT'; weight: number }[];
  minimumHealthyPercent: number;
  maximumPercent: number;
  visibilityTimeout: number;
  /** The queue's RedrivePolicy, as JSON: its messages move to `deadLetter.queue` after maxReceiveCount receives. */
  redrivePolicy: string;
  deadLetter: DeadLetterSpec;
}

/** A worker queue's dead-letter queue, encrypted like the queue (SSE-SQS). */
export interface DeadLetterSpec {
  queue: string;
  maxReceiveCount: number;
  /** SQS's maximum, 14 days: time to look at a poison message and redrive it. */
  retentionSeconds: number;
  /** Its RedriveAllowPolicy, as JSON: only the worker's queue may use it as a dead-letter queue. */
  redriveAllowPolicy: string;
  /** ALARM while it holds any message (issue 12 will send its state changes to the job notifications). */
  alarmName: string;
}

/**
 * The ledger table's stream feeding the job-events function: batches of item changes, retried and
 * bisected on failure, then sent to the dead-letter queue (metadata only: the records stay in the
 * stream for 24 hours).
 */
export interface JobEventsSpec {
  handler: 'job-events';
  /** The bus job events are put on: the account's default bus, where rules usually live. */
  eventBus: string;
  streamViewType: 'NEW_AND_OLD_IMAGES';
  /** From the oldest record kept, so a function deployed after the table misses nothing. */
  startingPosition: 'TRIM_HORIZON';
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: true;
}

/** The bus job events go to. */
export const JOB_EVENT_BUS = 'default';

/** `notifications`: a rule on the job events, targeting a topic (created with an email subscription, or given). */
export interface NotificationsSpec {
  ruleName: string;
  /** The rule's event pattern, as JSON. */
  pattern: string;
  /** The topic a deploy creates, when the config gives an email. */
  topicName?: string;
  email?: string;
  /** The topic the config gives. */
  topicArn?: string;
}

export interface ScheduleSpec {
  name: string;
  /** The EventBridge Scheduler schedule's name. */
  scheduleName: string;
  expression: string;
  timezone: string;
  enabled: boolean;
  /** The target input: Scheduler fills in the scheduled time, execution id and attempt. */
  input: string;
}

/** The cluster's capacity: both Fargate providers, and on-demand for a launch that names none. */
export interface ClusterCapacitySpec {
  capacityProviders: ('FARGATE' | 'FARGATE_SPOT')[];
  defaultStrategy: { capacityProvider: 'FARGATE' | 'FARGATE_SPOT'; base: number; weight: number }[];
}

/**
 * Jobs ask for FARGATE or FARGATE_SPOT per attempt and workers weigh the two, so the cluster has
 * both; a launch without a strategy (a task run by hand) runs on demand.
 */
export const CLUSTER_CAPACITY: ClusterCapacitySpec = {
  capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
  defaultStrategy: [{ capacityProvider: 'FARGATE', base: 0, weight: 1 }],
};

export interface DeployPlan {
  app: string;
  stage: string;
  scope: AwsScope;
  names: ResourceNames;
  arns: Arns;
  clusterArn: string;
  clusterCapacity: ClusterCapacitySpec;
  buckets: string[];
  deadLetterQueue: string;
  tasks: TaskSpec[];
  workers: WorkerSpec[];
  schedules: ScheduleSpec[];
  /** The role EventBridge Scheduler assumes, when there are schedules. */
  schedulerRoleName: string;
  functions: FunctionSpec[];
  rules: RuleSpec[];
  /** The ledger stream's mapping to the job-events function, when the config has jobs. */
  jobEvents?: JobEventsSpec;
  notifications?: NotificationsSpec;
  /** What an operator's identity needs for the CLI's dead-letter commands (no role: printed by `stevedore iam`). */
  operatorPolicy: PolicyDocument;
  /** What an operator's identity needs for `pipelines backfill` and `dead-letters list|redrive` (printed by `stevedore iam`). */
  backfillRedrivePolicy: PolicyDocument;
  /** What an operator's identity needs for `jobs cancel|retry|submit` (printed by `stevedore iam`). */
  jobOperatorPolicy: PolicyDocument;
}

/** The Lambda settings of each handler. */
const FUNCTION_SETTINGS: Record<
  HandlerName,
  Pick<FunctionSpec, 'timeoutSeconds' | 'memoryMb' | 'asyncRetries' | 'maxEventAgeSeconds'>
> = {
  'object-created': { timeoutSeconds: 60, memoryMb: 512, asyncRetries: 2, maxEventAgeSeconds: 6 * 3600 },
  'task-state-change': { timeoutSeconds: 60, memoryMb: 512, asyncRetries: 2, maxEventAgeSeconds: 6 * 3600 },
  // A missed tick is made up by the next one: no retries, and old ticks are dropped.
  sweeper: { timeoutSeconds: 90, memoryMb: 512, asyncRetries: 0, maxEventAgeSeconds: 60 },
  // An alarm is only a hint that the queue changed: a late one is useless, the tick catches up.
  'queue-alarm': { timeoutSeconds: 30, memoryMb: 512, asyncRetries: 1, maxEventAgeSeconds: 120 },
  // Six observations ten seconds apart per one-minute invocation: it waits most of the minute, so it
  // gets little memory (it needs little), which halves what workers cost when idle.
  'scale-tick': { timeoutSeconds: 75, memoryMb: 256, asyncRetries: 0, maxEventAgeSeconds: 60 },
  'schedule-fired': { timeoutSeconds: 60, memoryMb: 512, asyncRetries: 2, maxEventAgeSeconds: 3600 },
  // Invoked synchronously by the stream's event source mapping, which does the retrying.
  'job-events': { timeoutSeconds: 60, memoryMb: 256, asyncRetries: 0, maxEventAgeSeconds: 60 },
};

/** Scheduler retries a failed invocation this long before the dead-letter queue (see MISSED_GRACE_MS). */
export const SCHEDULER_RETRY = { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 300 } as const;

/**
 * The scale-tick polls each queue this often within its one-minute invocation on AWS, so a burst is
 * decided on within a second or two (the invocation's cost is its duration, the same at any poll
 * rate); a worker whose queue did not move is observed in full (service, ledger) every 10 s only.
 * Each poll is one GetQueueAttributes call per worker: 60 a minute, about 2.6 million a month, $1.04
 * a month per worker at $0.40 per million requests (README, Workers).
 */
export const TICK = { observations: 60, intervalSeconds: 1, fullEvery: 10 } as const;

/**
 * IAM roles, EventBridge rules and Scheduler schedules take names of at most 64 characters: longer
 * ones keep a readable start and a hash, so two long names never collide by truncation.
 */
export function roleName(prefix: string, purpose: string): string {
  return fitName(`${prefix}-${purpose}`, 64);
}

/** The whole deploy plan of a config in a stage and account. */
export function deployPlan(config: Config, stage: string, scope: AwsScope): DeployPlan {
  const names = resourceNames(config.app, stage);
  const arn = arns(scope);
  const clusterArn = arn.cluster(names.cluster);
  const deadLetterQueue = `${names.prefix}-dead-letters`;

  const deadLetterOf = (worker: string, queue: string, maxReceiveCount: number) => {
    const deadLetterQueue = deadLetterQueueName(queue);
    return {
      redrivePolicy: redrivePolicy(arn.queue(deadLetterQueue), maxReceiveCount),
      deadLetter: {
        queue: deadLetterQueue,
        maxReceiveCount,
        retentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
        redriveAllowPolicy: redriveAllowPolicy(arn.queue(queue)),
        alarmName: names.deadLetterAlarm(worker),
      },
    };
  };
  const queueUrl = (queue: string) => `https://sqs.${scope.region}.amazonaws.com/${scope.account}/${queue}`;
  // A worker's task finds its queue in its environment (a task serves one worker: see parseConfig).
  const queueOfTask = new Map(Object.values(config.workers).map((w) => [w.task, w.queue]));
  const tasks: TaskSpec[] = Object.entries(config.tasks).map(([name, task]) => {
    const queue = queueOfTask.get(name);
    const spec: Omit<TaskSpec, 'taskRolePolicy' | 'executionRolePolicy' | 'secrets' | 'variants'> = {
      name,
      family: names.taskFamily(name),
      containerName: task.containerName,
      image: task.image,
      cpu: task.cpu,
      memory: task.memory,
      architecture: task.architecture,
      ...(task.command ? { command: task.command } : {}),
      environment: queue ? { ...task.env, STEVEDORE_QUEUE_URL: queueUrl(queue) } : task.env,
      stopTimeout: task.stopTimeout,
      ...(task.ephemeralStorageGiB !== undefined ? { ephemeralStorageGiB: task.ephemeralStorageGiB } : {}),
      logGroup: names.logGroup(name),
      logRetentionDays: task.logRetentionDays,
      taskRoleName: roleName(names.prefix, `${name}-task`),
      executionRoleName: roleName(names.prefix, `${name}-exec`),
    };
    const imageRepositoryArn =
      typeof task.image === 'string'
        ? ecrRepositoryArn(task.image, scope.partition)
        : arn.repository(imageRepository(names.prefix));
    return {
      ...spec,
      secrets: containerSecrets(task.secrets, scope),
      variants: taskVariants(config, name, {
        scope,
        arn,
        family: names.taskFamily,
        roleName: (purpose) => roleName(names.prefix, purpose),
        logGroup: spec.logGroup,
        imageRepositoryArn,
      }),
      taskRolePolicy: taskRolePolicy(config, name, arn, names.cluster),
      executionRolePolicy: executionRolePolicy(
        spec.logGroup,
        arn,
        imageRepositoryArn,
        readSecretsStatements(task.secrets, scope),
      ),
    };
  });

  // The definitions jobs run from: a task's own, or a source's that overrides its secrets.
  const launchable = jobSources(config).flatMap((s) => definitionRoles(tasks, s.definition) ?? []);
  const workers: WorkerSpec[] = Object.entries(config.workers).map(([name, worker]) => ({
    name,
    service: names.service(name),
    task: worker.task,
    family: names.taskFamily(sourceDefinition(config, 'worker', name) ?? worker.task),
    queue: worker.queue,
    alarmName: names.depthAlarm(name),
    initialCount: worker.min,
    capacityProviderStrategy: [
      ...(worker.spotPercent < 100
        ? [{ capacityProvider: 'FARGATE' as const, weight: 100 - worker.spotPercent }]
        : []),
      ...(worker.spotPercent > 0
        ? [{ capacityProvider: 'FARGATE_SPOT' as const, weight: worker.spotPercent }]
        : []),
    ],
    minimumHealthyPercent: worker.deployment.minimumHealthyPercent,
    maximumPercent: worker.deployment.maximumPercent,
    visibilityTimeout: worker.visibilityTimeout,
    ...deadLetterOf(name, worker.queue, worker.deadLetter.maxReceiveCount),
  }));
  const functions: FunctionSpec[] = handlersOf(config).map((handler) => {
    const name = names.functionName(handler);
    const logGroup = `/aws/lambda/${name}`;
    return {
      handler,
      name,
      roleName: roleName(names.prefix, `fn-${handler}`),
      logGroup,
      ...FUNCTION_SETTINGS[handler],
      environment: {
        STEVEDORE_STAGE: stage,
        STEVEDORE_TABLE: names.table,
        STEVEDORE_CLUSTER: names.cluster,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...(handler === 'scale-tick'
          ? {
              STEVEDORE_TICK_OBSERVATIONS: String(TICK.observations),
              STEVEDORE_TICK_INTERVAL_SECONDS: String(TICK.intervalSeconds),
              STEVEDORE_TICK_FULL_EVERY: String(TICK.fullEvery),
            }
          : {}),
        ...(handler === 'job-events' ? { STEVEDORE_EVENT_BUS: JOB_EVENT_BUS } : {}),
      },
      policy: functionPolicy(handler, {
        arns: arn,
        table: names.table,
        cluster: names.cluster,
        logGroup,
        deadLetterQueue,
        launchable,
        workers: workers.map((w) => ({ service: w.service, queue: w.queue })),
        eventBus: JOB_EVENT_BUS,
      }),
    };
  });

  const ruleName = (id: string) => roleName(names.prefix, id);
  const periodic = new Map(periodicRoutes(config).map((route) => [route.id, route]));
  const rules: RuleSpec[] =
    functions.length === 0
      ? []
      : eventRoutes(config, { clusterArn, stage, ruleArn: (id) => arn.rule(ruleName(id)) }).map((route) => {
          const every = periodic.get(route.id)?.everySeconds;
          return every === undefined
            ? { name: ruleName(route.id), handler: route.handler, pattern: JSON.stringify(route.pattern) }
            : { name: ruleName(route.id), handler: route.handler, schedule: rateExpression(every) };
        });

  return {
    app: config.app,
    stage,
    scope,
    names,
    arns: arn,
    clusterArn,
    clusterCapacity: CLUSTER_CAPACITY,
    buckets: [
      ...new Set([...Object.values(config.pipelines).map((p) => p.bucket), ...config.buckets]),
    ].sort(),
    deadLetterQueue,
    tasks,
    workers,
    schedules: Object.entries(config.schedules).map(([name, schedule]) => ({
      name,
      scheduleName: roleName(names.prefix, name),
      expression: schedule.expression,
      timezone: schedule.timezone,
      enabled: schedule.enabled,
      input: scheduleTargetInput(name),
    })),
    schedulerRoleName: roleName(names.prefix, 'scheduler'),
    functions,
    rules,
    ...(functions.some((f) => f.handler === 'job-events')
      ? {
          jobEvents: {
            handler: 'job-events' as const,
            eventBus: JOB_EVENT_BUS,
            streamViewType: 'NEW_AND_OLD_IMAGES' as const,
            startingPosition: 'TRIM_HORIZON' as const,
            batchSize: 100,
            maximumBatchingWindowSeconds: 1,
            maximumRetryAttempts: 10,
            maximumRecordAgeSeconds: 6 * 3600,
            bisectBatchOnFunctionError: true as const,
          },
        }
      : {}),
    ...(config.notifications
      ? {
          notifications: {
            ruleName: ruleName('job-notifications'),
            pattern: JSON.stringify(
              jobEventPattern({
                states: config.notifications.states,
                sources: config.notifications.pipelines,
              }),
            ),
            ...(config.notifications.email
              ? { topicName: roleName(names.prefix, 'job-notifications'), email: config.notifications.email }
              : {}),
            ...(config.notifications.topicArn ? { topicArn: config.notifications.topicArn } : {}),
          },
        }
      : {}),
    operatorPolicy: deadLetterOperatorPolicy(
      workers.map((w) => ({ queue: w.queue, deadLetterQueue: w.deadLetter.queue })),
      arn,
    ),
    jobOperatorPolicy: jobOperatorPolicy(
      {
        table: names.table,
        cluster: names.cluster,
        buckets: Object.values(config.pipelines).map((p) => p.bucket),
      },
      arn,
    ),
    backfillRedrivePolicy: backfillRedrivePolicy(
      {
        pipelines: Object.entries(config.pipelines).map(([name, p]) => ({
          name,
          bucket: p.bucket,
          prefix: p.prefix,
        })),
        table: names.table,
        deadLetterQueue,
        functions: functions.map((f) => f.name),
      },
      arn,
    ),
  };
}

/** EventBridge rate expression: `rate(1 minute)`, `rate(5 minutes)`. */
export function rateExpression(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  return `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;
}
