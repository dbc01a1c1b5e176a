import type { Config } from '@stevedore/core';
import type { Arns } from './arns';
import { type PolicyDocument, type PolicyStatement, policy, unique } from './policy';

/** The ECR repository deploys push built task images to. */
export function imageRepository(prefix: string): string {
  return `${prefix}-images`;
}

/**
 * The task role: what the container's code may do. A pipeline's task may read the objects of its
 * pipelines (bucket and prefix, any version); anything else is what the config's `permissions` grant.
 */
export function taskRolePolicy(config: Config, task: string, arn: Arns): PolicyDocument {
  const pipelines = Object.values(config.pipelines).filter((p) => p.task === task);
  const readObjects: PolicyStatement = {
    Sid: 'ReadPipelineObjects',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:GetObjectVersion'],
    Resource: unique(pipelines.map((p) => arn.objects(p.bucket, p.prefix))),
  };
  const granted = (config.tasks[task]?.permissions ?? []).map(
    (permission, i): PolicyStatement => ({
      Sid: `Config${i}`,
      Effect: 'Allow',
      Action: [...permission.actions],
      Resource: [...permission.resources],
    }),
  );
  return policy([readObjects, ...granted]);
}

/**
 * The execution role: what ECS needs to start the container: write its logs to its own log group,
 * and pull an image Stevedore built into the app's ECR repository.
 */
export function executionRolePolicy(
  logGroup: string,
  arn: Arns,
  imageRepositoryArn?: string,
): PolicyDocument {
  return policy([
    {
      Sid: 'WriteTaskLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [arn.logGroup(logGroup), arn.logStreams(logGroup)],
    },
    ...(imageRepositoryArn
      ? [
          {
            Sid: 'PullBuiltImage',
            Effect: 'Allow' as const,
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
            Resource: [imageRepositoryArn],
          },
          // ECR's token is account-wide: AWS allows no narrower resource for this one action.
          {
            Sid: 'EcrToken',
            Effect: 'Allow' as const,
            Action: ['ecr:GetAuthorizationToken'],
            Resource: ['*'],
          },
        ]
      : []),
  ]);
}
