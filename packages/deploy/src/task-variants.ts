import { type Config, type SecretSourceKind, taskDefinitionsOf } from '@stevedore/core/config';
import type { Arns, AwsScope } from './iam/arns';
import type { PolicyDocument } from './iam/policy';
import { type ContainerSecret, containerSecrets, readSecretsStatements } from './iam/secret-policies';
import { executionRolePolicy } from './iam/task-policies';

/*
 * The task definitions a source gets of its own because it overrides its task's secrets (see
 * taskDefinitionsOf): the same container, log group and task role as the task's, other secrets, and
 * an execution role that may read exactly those.
 */

export interface TaskVariantSpec {
  /** `<task>--<source>`. */
  name: string;
  source: { kind: SecretSourceKind; name: string };
  family: string;
  secrets: ContainerSecret[];
  executionRoleName: string;
  executionRolePolicy: PolicyDocument;
}

export interface VariantContext {
  scope: AwsScope;
  arn: Arns;
  family: (definition: string) => string;
  roleName: (purpose: string) => string;
  logGroup: string;
  imageRepositoryArn: string | undefined;
}

/** The definitions of a task's sources that override its secrets. */
export function taskVariants(config: Config, task: string, c: VariantContext): TaskVariantSpec[] {
  return taskDefinitionsOf(config)
    .filter((d) => d.task === task && d.source !== undefined)
    .map((d) => ({
      name: d.name,
      source: d.source as TaskVariantSpec['source'],
      family: c.family(d.name),
      secrets: containerSecrets(d.secrets, c.scope),
      executionRoleName: c.roleName(`${d.name}-exec`),
      executionRolePolicy: executionRolePolicy(
        c.logGroup,
        c.arn,
        c.imageRepositoryArn,
        readSecretsStatements(d.secrets, c.scope),
      ),
    }));
}

/** The family and roles a definition runs with: a task's own, or one of its variants. */
export function definitionRoles(
  tasks: readonly {
    name: string;
    family: string;
    taskRoleName: string;
    executionRoleName: string;
    variants: readonly TaskVariantSpec[];
  }[],
  definition: string,
): { family: string; taskRoleName: string; executionRoleName: string } | undefined {
  for (const task of tasks) {
    const { family, executionRoleName } =
      task.name === definition ? task : (task.variants.find((v) => v.name === definition) ?? {});
    if (family !== undefined && executionRoleName !== undefined)
      return { family, taskRoleName: task.taskRoleName, executionRoleName };
  }
  return undefined;
}
