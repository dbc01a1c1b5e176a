import type { Task } from '@aws-sdk/client-ecs';
import type { TaskSnapshot } from '@stevedore/core/job';

/**
 * A DescribeTasks task as a TaskSnapshot: the same view a Task State Change event gives, so the
 * reconciler drives the state machine exactly as events do (DescribeTasks has Dates where events
 * have ISO strings).
 */
export function snapshotOfTask(task: Task): TaskSnapshot | undefined {
  if (!task.taskArn || task.version === undefined || !task.lastStatus) return undefined;
  const overrideEnv: Record<string, string> = {};
  for (const container of task.overrides?.containerOverrides ?? []) {
    for (const pair of container.environment ?? []) {
      if (pair.name !== undefined && pair.value !== undefined) overrideEnv[pair.name] = pair.value;
    }
  }
  const snapshot: TaskSnapshot = {
    taskArn: task.taskArn,
    version: task.version,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus ?? 'RUNNING',
    overrideEnv,
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? '',
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
    })),
  };
  const text = {
    clusterArn: task.clusterArn,
    taskDefinitionArn: task.taskDefinitionArn,
    startedBy: task.startedBy,
    group: task.group,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    capacityProviderName: task.capacityProviderName,
    launchType: task.launchType,
    platformVersion: task.platformVersion,
  };
  for (const [key, value] of Object.entries(text)) {
    if (value !== undefined) snapshot[key as keyof typeof text] = value;
  }
  const times = {
    createdAt: task.createdAt,
    pullStartedAt: task.pullStartedAt,
    pullStoppedAt: task.pullStoppedAt,
    startedAt: task.startedAt,
    stoppingAt: task.stoppingAt,
    stoppedAt: task.stoppedAt,
  };
  for (const [key, value] of Object.entries(times)) {
    if (value !== undefined) snapshot[key as keyof typeof times] = value.toISOString();
  }
  if (task.cpu !== undefined && Number.isFinite(Number(task.cpu))) snapshot.cpu = Number(task.cpu);
  if (task.memory !== undefined && Number.isFinite(Number(task.memory)))
    snapshot.memory = Number(task.memory);
  return snapshot;
}
