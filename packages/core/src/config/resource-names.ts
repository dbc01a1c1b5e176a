import { createHash } from 'node:crypto';

/*
 * Names of the AWS resources of one app and stage. Infra creates them with these names, the functions
 * and the local runtime find them by the same names, so the three never disagree.
 */

export interface ResourceNames {
  /** `<app>-<stage>`, the prefix of everything. */
  prefix: string;
  table: string;
  cluster: string;
  taskFamily(task: string): string;
  service(worker: string): string;
  queue(queueName: string): string;
  /** The dead-letter queue of a worker queue (see deadLetterQueueName). */
  deadLetterQueue(queueName: string): string;
  depthAlarm(worker: string): string;
  /** The alarm on a worker's dead-letter queue holding any message. */
  deadLetterAlarm(worker: string): string;
  functionName(handler: string): string;
  /** CloudWatch Logs group of a task's containers. */
  logGroup(task: string): string;
  /** The awslogs stream of one container of one task: `<prefix>/<container>/<task id>`. */
  logStream(container: string, taskId: string): string;
}

/** The awslogs-stream-prefix every task definition uses. */
export const LOG_STREAM_PREFIX = 'task';

const STAGE = /^[a-z][a-z0-9-]{0,19}$/;

/** Resource names for an app in a stage (`local` for `stevedore dev`). */
export function resourceNames(app: string, stage: string): ResourceNames {
  if (!STAGE.test(stage)) {
    throw new Error(
      `stage must be lowercase letters, digits and '-', starting with a letter (at most 20), got ${JSON.stringify(stage)}`,
    );
  }
  const prefix = `${app}-${stage}`;
  return {
    prefix,
    table: `${prefix}-ledger`,
    cluster: prefix,
    taskFamily: (task) => `${prefix}-${task}`,
    service: (worker) => `${prefix}-${worker}`,
    queue: (queueName) => fitName(`${prefix}-${queueName}`, MAX_QUEUE_NAME),
    deadLetterQueue: deadLetterQueueName,
    depthAlarm: (worker) => `${prefix}-${worker}-depth`,
    deadLetterAlarm: (worker) => `${prefix}-${worker}-dead-letters`,
    functionName: (handler) => fitName(`${prefix}-${handler}`, MAX_FUNCTION_NAME),
    logGroup: (task) => `/stevedore/${prefix}/${task}`,
    logStream: (container, taskId) => `${LOG_STREAM_PREFIX}/${container}/${taskId}`,
  };
}

/** SQS queue names: at most 80 characters. */
const MAX_QUEUE_NAME = 80;
/** Lambda function names: at most 64 characters (a long app name and stage reach it). */
const MAX_FUNCTION_NAME = 64;

/**
 * `name` as it is when it fits in `max` characters; otherwise its start and a hash of the whole name,
 * so two long names that share a start never share a resource.
 */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - hash.length - 1)}-${hash}`;
}
const DEAD_LETTER_SUFFIX = '-dlq';

/**
 * The dead-letter queue of a worker queue: `<queue>-dlq`, next to it in any listing. A queue name too
 * long for the suffix keeps its start and gains a hash of the whole name, so two long names that share
 * a start never share a dead-letter queue.
 */
export function deadLetterQueueName(queue: string): string {
  const name = `${queue}${DEAD_LETTER_SUFFIX}`;
  if (name.length <= MAX_QUEUE_NAME) return name;
  return `${fitName(queue, MAX_QUEUE_NAME - DEAD_LETTER_SUFFIX.length)}${DEAD_LETTER_SUFFIX}`;
}

/** The stage name `stevedore dev` uses. */
export const LOCAL_STAGE = 'local';

/**
 * `summarize-csv` -> `SummarizeCsv`: the id a configured name gets in infra's resource names (Pulumi
 * URNs). Names that differ only in `-`, `_` or the case of a first letter share one id, so the config
 * check refuses them at load instead of at deploy.
 */
export function resourceId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}
