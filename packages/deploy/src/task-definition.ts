import { LOG_STREAM_PREFIX } from '@stevedore/core';
import type { TaskSpec } from './plan';

/**
 * The container definitions of a task definition: one essential container, its environment as the
 * config gives it (sorted, so the JSON is stable), its logs to the task's log group.
 */
export function containerDefinitions(
  task: TaskSpec,
  image: string,
  region: string,
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
