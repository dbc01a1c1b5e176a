import type { CapacityPolicy } from '../job/capacity';
import { priceTable } from '../job/cost';
import type { JobKind } from '../job/job';
import type { JobPolicy } from '../job/job-transition';
import { capacityPolicy } from './capacity';
import type { Config, RetryConfig, TaskConfig } from './schema';
import { definitionName } from './task-definitions';

/** A pipeline or schedule: what starts jobs, with the settings every job of it shares. */
export interface JobSource {
  name: string;
  kind: Exclude<JobKind, 'manual'>;
  taskName: string;
  task: TaskConfig;
  /** The task definition its jobs run from (see taskDefinitionsOf): the task's, or its own when it overrides secrets. */
  definition: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  retry: RetryConfig;
  /** Most attempts running at once, or undefined for no cap. */
  concurrency?: number;
  /** Where its attempts run: its own capacity setting, else its task's. */
  capacity: CapacityPolicy;
}

/** The pipeline or schedule called `name`, or undefined. */
export function jobSource(config: Config, name: string): JobSource | undefined {
  const pipeline = config.pipelines[name];
  if (pipeline) {
    const task = config.tasks[pipeline.task];
    if (!task) return undefined;
    return {
      name,
      kind: 'pipeline',
      taskName: pipeline.task,
      task,
      definition: definitionName(pipeline.task, pipeline.secrets ? name : undefined),
      env: pipeline.env,
      timeoutSeconds: pipeline.timeout,
      retry: pipeline.retry,
      capacity: capacityPolicy(pipeline.capacity ?? task.capacity),
      ...(pipeline.concurrency !== undefined ? { concurrency: pipeline.concurrency } : {}),
    };
  }
  const schedule = config.schedules[name];
  if (schedule) {
    const task = config.tasks[schedule.task];
    if (!task) return undefined;
    return {
      name,
      kind: 'schedule',
      taskName: schedule.task,
      task,
      definition: definitionName(schedule.task, schedule.secrets ? name : undefined),
      env: schedule.env,
      timeoutSeconds: schedule.timeout,
      retry: schedule.retry,
      capacity: capacityPolicy(schedule.capacity ?? task.capacity),
    };
  }
  return undefined;
}

/** Every pipeline and schedule. */
export function jobSources(config: Config): JobSource[] {
  const names = [...Object.keys(config.pipelines), ...Object.keys(config.schedules)];
  return names.map((name) => jobSource(config, name)).filter((s): s is JobSource => s !== undefined);
}

/** The policy the state machine applies to jobs of a source. */
export function jobPolicy(config: Config, source: JobSource): JobPolicy {
  return {
    retry: source.retry,
    architecture: source.task.architecture,
    prices: priceTable(config),
    cpu: source.task.cpu,
    memory: source.task.memory,
    essentialContainers: [source.task.containerName],
    capacity: source.capacity,
  };
}
