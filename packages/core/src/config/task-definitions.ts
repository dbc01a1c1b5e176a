import type { Config } from './schema';
import type { SecretInput } from './secrets';

/*
 * The task definitions a config needs. Each task has one; a pipeline, schedule or worker that
 * overrides the task's secrets gets one of its own, because ECS reads secrets from the task
 * definition only (RunTask's container overrides take `environment`, never `secrets`). So a source's
 * secret references are never sent with RunTask, and each definition's execution role may read
 * exactly the secrets its definition names.
 */

export type SecretSourceKind = 'pipeline' | 'schedule' | 'worker';

export interface TaskDefinitionOf {
  /** `<task>` for a task's own definition, `<task>--<source>` for a source's; families are `<prefix>-<name>`. */
  name: string;
  task: string;
  /** The pipeline, schedule or worker whose secrets this definition carries; absent for the task's own. */
  source?: { kind: SecretSourceKind; name: string };
  /** Environment variable name -> reference: the task's secrets with the source's over them. */
  secrets: Record<string, SecretInput>;
}

/** The name of the definition a source's tasks run from. */
export function definitionName(task: string, source?: string): string {
  return source === undefined ? task : `${task}--${source}`;
}

/** Every task definition of the config: each task's own, then each source's that overrides secrets. */
export function taskDefinitionsOf(config: Config): TaskDefinitionOf[] {
  const own = Object.entries(config.tasks).map(
    ([name, task]): TaskDefinitionOf => ({ name, task: name, secrets: { ...task.secrets } }),
  );
  const sources: [
    SecretSourceKind,
    Record<string, { task: string; secrets?: Record<string, SecretInput> | undefined }>,
  ][] = [
    ['pipeline', config.pipelines],
    ['schedule', config.schedules],
    ['worker', config.workers],
  ];
  const overrides = sources.flatMap(([kind, entries]) =>
    Object.entries(entries).flatMap(([name, source]): TaskDefinitionOf[] => {
      const task = config.tasks[source.task];
      if (!task || source.secrets === undefined) return [];
      return [
        {
          name: definitionName(source.task, name),
          task: source.task,
          source: { kind, name },
          secrets: { ...task.secrets, ...source.secrets },
        },
      ];
    }),
  );
  return [...own, ...overrides];
}

/** The definition a pipeline, schedule or worker runs its tasks from. */
export function sourceDefinition(config: Config, kind: SecretSourceKind, name: string): string | undefined {
  const section =
    kind === 'pipeline' ? config.pipelines : kind === 'schedule' ? config.schedules : config.workers;
  const source = section[name];
  if (!source) return undefined;
  return definitionName(source.task, source.secrets === undefined ? undefined : name);
}
