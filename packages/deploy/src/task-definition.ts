import { LOG_STREAM_PREFIX } from '@stevedore/core/config';
import type { ContainerSecret } from './iam/secret-policies';
import type { TaskSpec } from './plan';

/**
 * The container definitions of a task definition: one essential container, its environment as the
 * config gives it (sorted, so the JSON is stable), its secrets as references (the task's own, or a
 * variant's: see TaskSpec.variants), its logs to the task's log group.
 */
export function containerDefinitions(
  task: TaskSpec,
  image: string,
  region: string,
  secrets: readonly ContainerSecret[] = task.secrets,
): Record<string, unknown>[] {
  return [
    {
      name: task.containerName,
      image,
      essential: true,
      ...(task.command ? { command: task.command } : {}),
      environment: Object.entries(task.environment)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => ({ name, value })),
      ...(secrets.length > 0 ? { secrets: secrets.map(({ name, valueFrom }) => ({ name, valueFrom })) } : {}),
      stopTimeout: task.stopTimeout,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': task.logGroup,
          'awslogs-region': region,
          'awslogs-stream-prefix': LOG_STREAM_PREFIX,
        },
      },
    },
  ];
}
