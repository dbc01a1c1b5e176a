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
  depthAlarm(worker: string): string;
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
    queue: (queueName) => `${prefix}-${queueName}`,
    depthAlarm: (worker) => `${prefix}-${worker}-depth`,
    functionName: (handler) => `${prefix}-${handler}`,
    logGroup: (task) => `/stevedore/${prefix}/${task}`,
    logStream: (container, taskId) => `${LOG_STREAM_PREFIX}/${container}/${taskId}`,
  };
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
