import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createDeps } from '@stevedore/aws';
import type { HandlerDeps } from '@stevedore/control';
import { type Config, parseConfig, resourceNames } from '@stevedore/core/config';
import type { Logger, QueueDepth, QueueGauge, ServiceScaler, ServiceState } from '@stevedore/core/ports';
import { LOCAL_CREDENTIALS } from './dynamodb';
import { loadEvent } from './fixtures';

/*
 * The worker-scaling use cases on a real ledger table (DynamoDB Local, built by createDeps) with
 * SQS and ECS services played by small in-memory ports: a test sets each queue's depth and each
 * service's tasks, and reads back every desired count the control plane set.
 */

export const NAMES = resourceNames('scaletest', 'local');
const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/scaletest:1', cpu: 256, memory: 512 };

/**
 * `mailer` leaves zero after two observations with a backlog (the default activation rule), 10
 * messages per task; `resizer` leaves zero at the first, 5 per task. Scale-in waits 60 s (default).
 */
export const SCALING_CONFIG: Config = parseConfig({
  app: 'scaletest',
  tasks: { mail: TASK, resize: TASK },
  workers: {
    mailer: { queue: 'outgoing-mail', task: 'mail', max: 5, messagesPerTask: 10 },
    resizer: {
      queue: 'resize-requests',
      task: 'resize',
      max: 4,
      messagesPerTask: 5,
      activation: { observations: 1 },
    },
  },
});

export const MAILER = { name: 'mailer', queue: 'outgoing-mail', service: NAMES.service('mailer') };
export const RESIZER = { name: 'resizer', queue: 'resize-requests', service: NAMES.service('resizer') };

/** SQS as the gauge reads it: each queue's depth, as the test last set it (empty otherwise). */
export class TestQueues implements QueueGauge {
  private readonly depths = new Map<string, QueueDepth>();

  set(queue: string, depth: Partial<QueueDepth>): void {
    this.depths.set(queue, { visible: 0, inFlight: 0, delayed: 0, ...depth });
  }

  async depth(queue: string): Promise<QueueDepth> {
    return { ...(this.depths.get(queue) ?? { visible: 0, inFlight: 0, delayed: 0 }) };
  }
}

interface TestService extends ServiceState {
  tasks: string[];
  protected: Set<string>;
}

/**
 * ECS services as the scaler sees them. Setting a desired count changes it, as UpdateService does
 * (the tasks themselves are the test's to start or stop); every set and every ListTasks is recorded.
 */
export class TestServices implements ServiceScaler {
  readonly sets: Array<{ service: string; desired: number }> = [];
  /** Services whose tasks were listed (ListTasks), in order. */
  readonly listed: string[] = [];
  private readonly services = new Map<string, TestService>();
  private readonly failures = new Map<string, Error>();

  /** A service with `tasks` running (desired = running) and `protectedTasks` of them protected. */
  add(service: string, tasks: readonly string[] = [], protectedTasks: readonly string[] = []): void {
    this.services.set(service, {
      desired: tasks.length,
      running: tasks.length,
      pending: 0,
      tasks: [...tasks],
      protected: new Set(protectedTasks),
    });
  }

  /** Workers take or drop scale-in protection. */
  protect(service: string, protectedTasks: readonly string[]): void {
    this.get(service).protected = new Set(protectedTasks);
  }

  /** Every call about `service` fails with `error` (ECS throttling, say). */
  fail(service: string, error: Error): void {
    this.failures.set(service, error);
  }

  desiredOf(service: string): number {
    return this.get(service).desired;
  }

  async describeService(service: string): Promise<ServiceState | undefined> {
    this.check(service);
    const found = this.services.get(service);
    return found ? { desired: found.desired, running: found.running, pending: found.pending } : undefined;
  }

  async serviceTasks(service: string): Promise<string[]> {
    this.check(service);
    this.listed.push(service);
    return [...this.get(service).tasks];
  }

  async protectedTasks(taskArns: readonly string[]): Promise<number> {
    const protectedArns = new Set([...this.services.values()].flatMap((s) => [...s.protected]));
    return taskArns.filter((arn) => protectedArns.has(arn)).length;
  }

  async setDesiredCount(service: string, desired: number): Promise<void> {
    this.check(service);
    this.get(service).desired = desired;
    this.sets.push({ service, desired });
  }

  async setOnDemandBase(service: string): Promise<void> {
    throw new Error(`the test services have no Spot share (${service})`);
  }

  private check(service: string): void {
    const error = this.failures.get(service);
    if (error) throw error;
  }

  private get(service: string): TestService {
    const found = this.services.get(service);
    if (!found) throw new Error(`no service ${service} in the test`);
    return found;
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that keeps every line. */
export function recordingLogger(): Logger & { lines: LogLine[]; at(level: LogLine['level']): LogLine[] } {
  const lines: LogLine[] = [];
  const log = (level: LogLine['level']) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return {
    lines,
    at: (level) => lines.filter((line) => line.level === level),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
}

/** Real time plus an offset the test moves forward (past a cooldown, say). */
export interface TestClock {
  now(): Date;
  advance(seconds: number): void;
}

export function testClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (seconds) => {
      offsetMs += seconds * 1000;
    },
  };
}

export interface ScalingDepsOptions {
  dynamo: DynamoDBClient;
  table: string;
  gauge: QueueGauge;
  scaler: ServiceScaler;
  clock: TestClock;
  logger: Logger;
}

/**
 * Handler deps from the composition root, as the scale-tick and queue-alarm functions get them.
 * Scaling never launches a task: the ECS client points nowhere, so a stray RunTask fails loudly.
 */
export function scalingDeps(options: ScalingDepsOptions): { deps: HandlerDeps; close(): void } {
  const ecs = new ECSClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deps = createDeps({
    config: SCALING_CONFIG,
    names: NAMES,
    table: options.table,
    clients: { dynamodb: options.dynamo, ecs },
    clock: options.clock,
    logger: options.logger,
    workers: { gauge: options.gauge, scaler: options.scaler },
  });
  return { deps, close: () => ecs.destroy() };
}

let serviceTaskCounter = 0;

/** A fresh task ARN in the test cluster. */
export function newServiceTaskArn(): string {
  serviceTaskCounter += 1;
  return `arn:aws:ecs:us-east-1:111122223333:task/${NAMES.cluster}/${serviceTaskCounter.toString(16).padStart(32, 'a')}`;
}

/**
 * A Task State Change event of a service's task, from the real AWS sample (a RUNNING Fargate task)
 * with what differs changed: the task, its service group and startedBy as ECS sets them for a
 * service, the status and the event's version.
 */
export function serviceTaskEvent(
  service: string,
  taskArn: string,
  lastStatus: string,
  version: number,
): Record<string, unknown> {
  const event = loadEvent('ecs', 'task-state-change-running');
  const detail = event.detail as Record<string, unknown>;
  const stopped = lastStatus === 'STOPPED';
  event.resources = [taskArn];
  Object.assign(detail, {
    taskArn,
    group: `service:${service}`,
    startedBy: 'ecs-svc/1234567890123456789',
    lastStatus,
    desiredStatus: stopped ? 'STOPPED' : 'RUNNING',
    version,
    ...(stopped
      ? { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity initiated by (deployment)' }
      : {}),
  });
  return event;
}
