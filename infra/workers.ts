import { resourceId } from '@stevedore/core/config';
import type { DeployPlan } from '@stevedore/deploy';
import type { FunctionNetwork } from './functions';

/**
 * Per worker: its queue and the queue's dead-letter queue, an ECS service whose desired count
 * Stevedore owns (so deploys leave it alone), the depth alarm whose state changes are the scaling fast
 * path, and an alarm on the dead-letter queue holding anything.
 *
 * `notifications` is the seam for issue 12 (job events' notifications, not built yet): when it exists,
 * the dead-letter alarm's ALARM and OK actions go to its topic. Until then the alarm only changes state.
 */
export function workers(
  plan: DeployPlan,
  { cluster, capacity }: { cluster: aws.ecs.Cluster; capacity: aws.ecs.ClusterCapacityProviders },
  definitions: { family: string; definition: aws.ecs.TaskDefinition }[],
  network: FunctionNetwork,
  notifications?: { topicArn: $util.Input<string> },
) {
  return plan.workers.map((worker) => {
    const id = resourceId(worker.name);
    // The worker's own definition when it overrides its task's secrets, else its task's.
    const definition = definitions.find((d) => d.family === worker.family)?.definition;
    if (!definition) throw new Error(`no task definition for worker ${worker.name}`);
    // Created first: the queue's RedrivePolicy names it, and it allows only that queue as its source.
    const deadLetterQueue = new aws.sqs.Queue(`${id}DeadLetterQueue`, {
      name: worker.deadLetter.queue,
      messageRetentionSeconds: worker.deadLetter.retentionSeconds,
      sqsManagedSseEnabled: true,
      redriveAllowPolicy: worker.deadLetter.redriveAllowPolicy,
    });
    const queue = new aws.sqs.Queue(
      `${id}Queue`,
      {
        name: worker.queue,
        visibilityTimeoutSeconds: worker.visibilityTimeout,
        sqsManagedSseEnabled: true,
        redrivePolicy: worker.redrivePolicy,
      },
      { dependsOn: [deadLetterQueue] },
    );
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
    // A poison message sits here for 14 days unless someone looks: ALARM from the first one.
    const notify = notifications ? [notifications.topicArn] : [];
    const deadLetterAlarm = new aws.cloudwatch.MetricAlarm(`${id}DeadLetterAlarm`, {
      name: worker.deadLetter.alarmName,
      alarmDescription: `Messages in ${worker.deadLetter.queue}, the dead-letter queue of worker ${worker.name}: \`stevedore workers dead-letters ${worker.name}\``,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: deadLetterQueue.name },
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      alarmActions: notify,
      okActions: notify,
    });
    return { worker, queue, deadLetterQueue, service, alarm, deadLetterAlarm };
  });
}
