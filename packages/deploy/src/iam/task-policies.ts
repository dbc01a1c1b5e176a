import type { Config } from '@stevedore/core/config';
import type { Arns } from './arns';
import { type PolicyDocument, type PolicyStatement, policy, unique } from './policy';

/** The ECR repository deploys push built task images to. */
export function imageRepository(prefix: string): string {
  return `${prefix}-images`;
}

/**
 * The task role: what the container's code may do. A pipeline's task may read the objects of its
 * pipelines (bucket and prefix, any version); a worker's task may consume its queue and protect
 * itself from scale-in; anything else is what the config's `permissions` grant.
 */
export function taskRolePolicy(config: Config, task: string, arn: Arns, cluster: string): PolicyDocument {
  const pipelines = Object.values(config.pipelines).filter((p) => p.task === task);
  const readObjects: PolicyStatement = {
    Sid: 'ReadPipelineObjects',
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:GetObjectVersion'],
    Resource: unique(pipelines.map((p) => arn.objects(p.bucket, p.prefix))),
  };
  const queues = Object.values(config.workers)
    .filter((w) => w.task === task)
    .map((w) => w.queue);
  const consumeQueue: PolicyStatement = {
    Sid: 'ConsumeWorkerQueue',
    Effect: 'Allow',
    Action: [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    ],
    Resource: unique(queues.map((q) => arn.queue(q))),
  };
  // A worker protects itself from scale-in through the ECS agent, which calls these with the task role.
  const protectItself: PolicyStatement | undefined =
    queues.length > 0
      ? {
          Sid: 'TaskScaleInProtection',
          Effect: 'Allow',
          Action: ['ecs:GetTaskProtection', 'ecs:UpdateTaskProtection'],
          Resource: [arn.clusterTasks(cluster)],
          Condition: { ArnEquals: { 'ecs:cluster': arn.cluster(cluster) } },
        }
      : undefined;
  const granted = (config.tasks[task]?.permissions ?? []).map(
    (permission, i): PolicyStatement => ({
      Sid: `Config${i}`,
      Effect: 'Allow',
      Action: [...permission.actions],
      Resource: [...permission.resources],
    }),
  );
  return policy([readObjects, consumeQueue, protectItself, ...granted]);
}

/**
 * The execution role: what ECS needs to start the container: write its logs to its own log group,
 * pull an image Stevedore built into the app's ECR repository, and read the secrets its task
 * definition names (see readSecretsStatements).
 */
export function executionRolePolicy(
  logGroup: string,
  arn: Arns,
  imageRepositoryArn?: string,
  readSecrets: readonly PolicyStatement[] = [],
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
    ...readSecrets,
  ]);
}
