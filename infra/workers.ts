import { resourceId } from '@stevedore/core';
import type { DeployPlan } from '@stevedore/deploy';
import type { FunctionNetwork } from './functions';

/**
 * Per worker: its queue, an ECS service whose desired count Stevedore owns (so deploys leave it
 * alone), and the depth alarm whose state changes are the scaling fast path.
 */
export function workers(
  plan: DeployPlan,
  { cluster, capacity }: { cluster: aws.ecs.Cluster; capacity: aws.ecs.ClusterCapacityProviders },
  definitions: { task: { name: string }; definition: aws.ecs.TaskDefinition }[],
  network: FunctionNetwork,
) {
  return plan.workers.map((worker) => {
    const id = resourceId(worker.name);
    const definition = definitions.find((d) => d.task.name === worker.task)?.definition;
    if (!definition) throw new Error(`no task definition for worker ${worker.name}`);
    const queue = new aws.sqs.Queue(`${id}Queue`, {
      name: worker.queue,
      visibilityTimeoutSeconds: worker.visibilityTimeout,
      sqsManagedSseEnabled: true,
    });
    const service = new aws.ecs.Service(
      `${id}Service`,
      {
        name: worker.service,
        cluster: cluster.arn,
        taskDefinition: definition.arn,
        desiredCount: worker.initialCount,
        capacityProviderStrategies: worker.capacityProviderStrategy,
        networkConfiguration: {
          subnets: network.subnets,
          securityGroups: network.securityGroups,
          assignPublicIp: network.assignPublicIp,
        },
        deploymentMinimumHealthyPercent: worker.minimumHealthyPercent,
        deploymentMaximumPercent: worker.maximumPercent,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        propagateTags: 'SERVICE',
        enableEcsManagedTags: true,
      },
      // Stevedore sets the count from the queue; a deploy must not reset it.
      { ignoreChanges: ['desiredCount'], dependsOn: [capacity] },
    );
    // ALARM as soon as one message is visible; its transitions wake the queue-alarm function.
    const alarm = new aws.cloudwatch.MetricAlarm(`${id}DepthAlarm`, {
      name: worker.alarmName,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queue.name },
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
    });
    return { worker, queue, service, alarm };
  });
}
