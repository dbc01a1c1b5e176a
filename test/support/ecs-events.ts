import { TASK_STATUSES } from '@stevedore/core/job';
import { loadEvent } from './fixtures';

/*
 * Task State Change events for tests, derived from a real captured Fargate event
 * (fixtures/events/ecs/task-state-change-deprovisioning.json): only the fields that differ from one
 * lifecycle step to the next are changed, the rest stays as AWS wrote it.
 */

export interface TaskScript {
  jobId: string;
  attempt: number;
  taskArn?: string;
  /** Exit code of the container (omitted: the task never ran a container). */
  exitCode?: number;
  stopCode?: string;
  stoppedReason?: string;
  /** The task stops before it runs (TaskFailedToStart). */
  failedToStart?: boolean;
  capacityProviderName?: string;
  /** More environment overrides, as the launch sent them (STEVEDORE_CAPACITY, say). */
  env?: Record<string, string>;
  /** Seconds the image pull takes (default 0: pulled the moment it started). */
  pullSeconds?: number;
  /** Time of the first event; each step is 5 s later. */
  start?: Date;
  containerName?: string;
}

let taskCounter = 0;

/** A fresh task ARN in the fixture's cluster. */
export function newTaskArn(): string {
  taskCounter += 1;
  return `arn:aws:ecs:us-east-2:667471847564:task/primary-cluster/${taskCounter.toString(16).padStart(32, '0')}`;
}

/** Every event of one task, in order, versions 1..n. */
export function taskLifecycle(script: TaskScript): Record<string, unknown>[] {
  const taskArn = script.taskArn ?? newTaskArn();
  const start = script.start ?? new Date('2026-01-01T00:00:00.000Z');
  const at = (step: number) => new Date(start.getTime() + step * 5000).toISOString();
  const steps = script.failedToStart ? (['PROVISIONING', 'PENDING', 'STOPPED'] as const) : TASK_STATUSES;
  return steps.map((status, index) => {
    const event = loadEvent('ecs', 'task-state-change-deprovisioning');
    const detail = event.detail as Record<string, unknown>;
    const container = (detail.containers as Record<string, unknown>[])[0] as Record<string, unknown>;
    const stepOf = (s: string) => TASK_STATUSES.indexOf(s as (typeof TASK_STATUSES)[number]);
    const reached = (s: string) => (script.failedToStart ? false : stepOf(status) >= stepOf(s));
    const stopped = status === 'STOPPED';
    const stopping = reached('DEACTIVATING') || stopped;

    event.id = `${taskArn.slice(-8)}-${index + 1}`;
    event.time = at(index);
    event.resources = [taskArn];
    for (const key of [
      'stoppingAt',
      'executionStoppedAt',
      'pullStartedAt',
      'pullStoppedAt',
      'startedAt',
      'stopCode',
      'stoppedReason',
      'connectivityAt',
    ]) {
      delete detail[key];
    }
    Object.assign(detail, {
      taskArn,
      version: index + 1,
      lastStatus: status,
      desiredStatus: stopping ? 'STOPPED' : 'RUNNING',
      createdAt: at(0),
      updatedAt: at(index),
      startedBy: script.jobId,
      cpu: '256',
      memory: '512',
      overrides: {
        containerOverrides: [
          {
            name: script.containerName ?? 'main',
            environment: [
              { name: 'STEVEDORE_JOB_ID', value: script.jobId },
              { name: 'STEVEDORE_ATTEMPT', value: String(script.attempt) },
              ...Object.entries(script.env ?? {}).map(([name, value]) => ({ name, value })),
            ],
          },
        ],
      },
    });
    if (script.capacityProviderName) detail.capacityProviderName = script.capacityProviderName;
    if (reached('PENDING')) detail.connectivityAt = at(1);
    if (reached('ACTIVATING')) {
      const pulled = new Date(Date.parse(at(2)) + (script.pullSeconds ?? 0) * 1000).toISOString();
      Object.assign(detail, { pullStartedAt: at(2), pullStoppedAt: pulled });
    }
    if (reached('RUNNING')) detail.startedAt = at(3);
    if (stopping) {
      detail.stopCode =
        script.stopCode ?? (script.failedToStart ? 'TaskFailedToStart' : 'EssentialContainerExited');
      detail.stoppedReason =
        script.stoppedReason ??
        (script.failedToStart
          ? 'CannotPullContainerError: pull image manifest has been retried 5 time(s)'
          : 'Essential container in task exited');
      if (!script.failedToStart) Object.assign(detail, { stoppingAt: at(4), executionStoppedAt: at(4) });
    }
    if (stopped) detail.stoppedAt = at(index);

    Object.assign(container, {
      taskArn,
      name: script.containerName ?? 'main',
      lastStatus: stopping ? 'STOPPED' : status === 'RUNNING' ? 'RUNNING' : 'PENDING',
    });
    delete container.exitCode;
    if (stopping && script.exitCode !== undefined) container.exitCode = script.exitCode;
    if (script.failedToStart) detail.containers = [];
    return event;
  });
}
