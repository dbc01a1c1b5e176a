import type { ConfigIssue } from '../errors';
import { resourceId } from './resource-names';
import type { Config } from './schema';
import { type TaskDefinitionOf, taskDefinitionsOf } from './task-definitions';

/*
 * The checks of secrets that span keys. A name is an environment variable or a secret, never both:
 * ECS would have to pick one, and a plain value left in `env` is exactly the leak secrets avoid.
 */

type Named = { path: string; names: Readonly<Record<string, unknown>> | undefined };

/** Every secret problem of a config: names shared with env, and definitions whose names collide. */
export function secretIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // A name in both is reported where the secret was given, naming the env that also has it.
  const clash = (secrets: Named[], envs: Named[]) => {
    for (const secret of secrets) {
      for (const name of Object.keys(secret.names ?? {})) {
        const env = envs.find((e) => e.names !== undefined && Object.hasOwn(e.names, name));
        if (env)
          issues.push({
            path: `${secret.path}.${name}`,
            message: `${name} is also in ${env.path}: a variable is either env or a secret, not both`,
          });
      }
    }
  };

  for (const [name, task] of Object.entries(config.tasks)) {
    clash(
      [{ path: `tasks.${name}.secrets`, names: task.secrets }],
      [
        { path: `tasks.${name}.env`, names: task.env },
        { path: `tasks.${name}.local.env`, names: task.local?.env },
      ],
    );
  }
  const sources = [
    ['pipelines', config.pipelines],
    ['schedules', config.schedules],
  ] as const;
  for (const [section, entries] of sources) {
    for (const [name, source] of Object.entries(entries)) {
      const task = config.tasks[source.task];
      if (!task) continue;
      const at = `${section}.${name}`;
      // The source's own secrets against every env its tasks get; the task's secrets against the source's env.
      clash(
        [{ path: `${at}.secrets`, names: source.secrets }],
        [
          { path: `${at}.env`, names: source.env },
          { path: `tasks.${source.task}.env`, names: task.env },
          { path: `tasks.${source.task}.local.env`, names: task.local?.env },
        ],
      );
      const inherited = Object.fromEntries(
        Object.entries(task.secrets).filter(([secret]) => !Object.hasOwn(source.secrets ?? {}, secret)),
      );
      clash(
        [{ path: `tasks.${source.task}.secrets`, names: inherited }],
        [{ path: `${at}.env`, names: source.env }],
      );
      if (section === 'pipelines') {
        for (const secret of Object.keys(source.secrets ?? {}).filter((s) => s.startsWith('S3_')))
          issues.push({ path: `${at}.secrets.${secret}`, message: 'names starting with S3_ are reserved' });
      }
    }
  }
  for (const [name, worker] of Object.entries(config.workers)) {
    const task = config.tasks[worker.task];
    if (!task) continue;
    clash(
      [{ path: `workers.${name}.secrets`, names: worker.secrets }],
      [
        { path: `tasks.${worker.task}.env`, names: task.env },
        { path: `tasks.${worker.task}.local.env`, names: task.local?.env },
      ],
    );
  }
  issues.push(...definitionCollisions(taskDefinitionsOf(config)));
  return issues;
}

/**
 * A source's own definition is named `<task>--<source>`, and infra names resources by resourceId:
 * it must not share them with another definition. Two tasks colliding are checkResourceIds' to report.
 */
function definitionCollisions(definitions: TaskDefinitionOf[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byId = new Map<string, TaskDefinitionOf>();
  const describe = (d: TaskDefinitionOf) =>
    d.source ? `the task definition of ${d.source.kind}s.${d.source.name}` : `tasks.${d.name}`;
  for (const definition of definitions) {
    const id = resourceId(definition.name);
    const other = byId.get(id);
    if (other === undefined) {
      byId.set(id, definition);
      continue;
    }
    const [variant, against] = definition.source ? [definition, other] : [other, definition];
    if (!variant.source) continue;
    issues.push({
      path: `${variant.source.kind}s.${variant.source.name}.secrets`,
      message: `its secrets give it a task definition of its own, ${variant.name}, which would share AWS resource names with ${describe(against)}; rename one`,
    });
  }
  return issues;
}
