import type { ContainerOutcome } from './job';
import { isJobId } from './job-id';

/**
 * One ECS task as Stevedore needs to see it, whether it came from a "Task State Change" event or
 * from DescribeTasks (the reconciler): both carry the same fields and the same `version`.
 */
export interface TaskSnapshot {
  taskArn: string;
  clusterArn?: string;
  taskDefinitionArn?: string;
  /** ECS `detail.version`: orders a task's events; duplicates share it. */
  version: number;
  lastStatus: string;
  desiredStatus: string;
  startedBy?: string;
  group?: string;
  /** Environment overrides of the task's containers (STEVEDORE_ATTEMPT is read from here). */
  overrideEnv: Record<string, string>;
  stopCode?: string;
  stoppedReason?: string;
  containers: ContainerOutcome[];
  cpu?: number;
  memory?: number;
  capacityProviderName?: string;
  launchType?: string;
  platformVersion?: string;
  createdAt?: string;
  pullStartedAt?: string;
  pullStoppedAt?: string;
  startedAt?: string;
  stoppingAt?: string;
  stoppedAt?: string;
}

/** ECS task lifecycle, in order (Fargate). */
export const TASK_STATUSES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * The statuses of a job's task that invoke the task-state-change handler: the ones that move the job
 * (RUNNING: started; STOPPED: the attempt ended). STARTING is written by the launch itself, and the
 * steps between are read back from the timestamps these two events carry (see `jobHistory`), so the
 * other six statuses cost no invocation and no write. The reconciler still catches up from
 * DescribeTasks when a routed event is lost.
 */
export const ROUTED_TASK_STATUSES = ['RUNNING', 'STOPPED'] as const satisfies readonly TaskStatus[];

/** The attempt number a task was launched for, from its STEVEDORE_ATTEMPT override. */
export function attemptOf(task: Pick<TaskSnapshot, 'overrideEnv'>): number | undefined {
  const raw = task.overrideEnv.STEVEDORE_ATTEMPT;
  if (raw === undefined || !/^[1-9]\d{0,2}$/.test(raw)) return undefined;
  return Number(raw);
}

/** Short id of a task from its ARN (the last path segment). */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}

/** Whose task it is: a job's (started by Stevedore with the job's id), a worker service's, or someone else's. */
export type TaskOwner =
  | { kind: 'job'; jobId: string }
  | { kind: 'service'; service: string }
  | { kind: 'foreign' };

/** The group ECS gives a service's tasks: `service:<name>`. */
export const SERVICE_GROUP_PREFIX = 'service:';

/** Reads who owns a task from what ECS says of it: its group (`service:<name>`) or its startedBy. */
export function taskOwner(task: Pick<TaskSnapshot, 'group' | 'startedBy'>): TaskOwner {
  if (task.group?.startsWith(SERVICE_GROUP_PREFIX))
    return { kind: 'service', service: task.group.slice(SERVICE_GROUP_PREFIX.length) };
  if (task.startedBy && isJobId(task.startedBy)) return { kind: 'job', jobId: task.startedBy };
  return { kind: 'foreign' };
}
