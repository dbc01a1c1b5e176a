import { resolve } from 'node:path';
import { resourceId } from '@stevedore/core/config';
import { containerDefinitions, type DeployPlan, imageRepository, trustPolicy } from '@stevedore/deploy';

/**
 * One task definition per configured task, with its task role, execution role and log group, and one
 * more per source that overrides the task's secrets (same container, log group and task role; its own
 * secrets and an execution role that may read exactly those). A task whose image is
 * `{ context, dockerfile }` is built and pushed to the app's ECR repository. Returns every definition
 * with its family, the task's first.
 */
export function tasks(plan: DeployPlan) {
  const builds = plan.tasks.filter((task) => typeof task.image !== 'string');
  const repository =
    builds.length > 0
      ? new aws.ecr.Repository('Images', { name: imageRepository(plan.names.prefix), forceDelete: true })
      : undefined;
  const token = repository
    ? aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId })
    : undefined;

  return plan.tasks.flatMap((task) => {
    const id = resourceId(task.name);
    const logGroup = new aws.cloudwatch.LogGroup(`${id}Logs`, {
      name: task.logGroup,
      retentionInDays: task.logRetentionDays,
    });
    const taskRole = new aws.iam.Role(`${id}TaskRole`, {
      name: task.taskRoleName,
      assumeRolePolicy: JSON.stringify(trustPolicy('ecs-tasks.amazonaws.com')),
    });
    if (task.taskRolePolicy.Statement.length > 0) {
      new aws.iam.RolePolicy(`${id}TaskRolePolicy`, {
        role: taskRole.name,
        policy: JSON.stringify(task.taskRolePolicy),
      });
    }
    const executionRoleOf = (
      roleId: string,
      spec: { executionRoleName: string; executionRolePolicy: object },
    ) => {
      const role = new aws.iam.Role(`${roleId}ExecutionRole`, {
        name: spec.executionRoleName,
        assumeRolePolicy: JSON.stringify(trustPolicy('ecs-tasks.amazonaws.com')),
      });
      new aws.iam.RolePolicy(`${roleId}ExecutionRolePolicy`, {
        role: role.name,
        policy: JSON.stringify(spec.executionRolePolicy),
      });
      return role;
    };

    let image: $util.Input<string>;
    if (typeof task.image === 'string') {
      image = task.image;
    } else {
      if (!repository || !token) throw new Error('image repository missing');
      const build = new dockerbuild.Image(`${id}Image`, {
        context: { location: resolve(task.image.context) },
        ...(task.image.dockerfile ? { dockerfile: { location: resolve(task.image.dockerfile) } } : {}),
        platforms: [task.architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64'],
        push: true,
        tags: [$interpolate`${repository.repositoryUrl}:${task.name}`],
        registries: [
          {
            address: repository.repositoryUrl,
            username: token.userName,
            password: $util.secret(token.password),
          },
        ],
      });
      image = $interpolate`${repository.repositoryUrl}@${build.digest}`;
    }

    const definitionOf = (
      definitionId: string,
      spec: { family: string; executionRoleName: string; executionRolePolicy: object },
      secrets: typeof task.secrets,
    ) => {
      const executionRole = executionRoleOf(definitionId, spec);
      const definition = new aws.ecs.TaskDefinition(`${definitionId}Definition`, {
        family: spec.family,
        cpu: String(task.cpu),
        memory: String(task.memory),
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        runtimePlatform: {
          operatingSystemFamily: 'LINUX',
          cpuArchitecture: task.architecture === 'arm64' ? 'ARM64' : 'X86_64',
        },
        taskRoleArn: taskRole.arn,
        executionRoleArn: executionRole.arn,
        ...(task.ephemeralStorageGiB ? { ephemeralStorage: { sizeInGib: task.ephemeralStorageGiB } } : {}),
        containerDefinitions: $resolve([image]).apply(([uri]) =>
          JSON.stringify(containerDefinitions(task, uri, plan.scope.region, secrets)),
        ),
      });
      return { task, family: spec.family, definition, taskRole, executionRole, logGroup };
    };
    return [
      definitionOf(id, task, task.secrets),
      ...task.variants.map((variant) => definitionOf(resourceId(variant.name), variant, variant.secrets)),
    ];
  });
}
