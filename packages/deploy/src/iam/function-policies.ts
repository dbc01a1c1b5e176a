import type { HandlerName } from '@stevedore/core/events';
import type { Arns } from './arns';
import { type PolicyDocument, type PolicyStatement, policy, unique } from './policy';

export interface FunctionPolicyContext {
  arns: Arns;
  table: string;
  cluster: string;
  logGroup: string;
  deadLetterQueue: string;
  /** The tasks jobs run (those of pipelines and schedules), with their role names. */
  launchable: readonly { family: string; taskRoleName: string; executionRoleName: string }[];
  /** The worker services and their queues. */
  workers: readonly { service: string; queue: string }[];
  /** The bus job events go to. */
  eventBus: string;
}

/**
 * The least privilege of each handler: the ledger table and its indexes, the job task definitions
 * (RunTask only in Stevedore's cluster), its tasks, exactly the roles those tasks run with (passed to
 * ECS only), its own log group and the dead-letter queue of its failed invocations.
 */
export function functionPolicy(handler: HandlerName, c: FunctionPolicyContext): PolicyDocument {
  const { arns: arn } = c;
  const clusterArn = arn.cluster(c.cluster);
  const inCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };

  const ledger: PolicyStatement = {
    Sid: 'Ledger',
    Effect: 'Allow',
    Action: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
    ],
    Resource: [arn.table(c.table), arn.tableIndexes(c.table)],
  };
  const runTask: PolicyStatement = {
    Sid: 'RunJobTasks',
    Effect: 'Allow',
    Action: ['ecs:RunTask'],
    Resource: unique(c.launchable.map((t) => arn.taskDefinition(t.family))),
    Condition: inCluster,
  };
  // RunTask with tags needs ecs:TagResource on the new task, for that call only.
  const tagOnLaunch: PolicyStatement = {
    Sid: 'TagTasksAtLaunch',
    Effect: 'Allow',
    Action: ['ecs:TagResource'],
    Resource: [arn.clusterTasks(c.cluster)],
    Condition: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
  };
  const passRoles: PolicyStatement = {
    Sid: 'PassTaskRoles',
    Effect: 'Allow',
    Action: ['iam:PassRole'],
    Resource: unique(c.launchable.flatMap((t) => [arn.role(t.taskRoleName), arn.role(t.executionRoleName)])),
    Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  };
  const stopTasks: PolicyStatement = {
    Sid: 'StopTasks',
    Effect: 'Allow',
    Action: ['ecs:StopTask'],
    Resource: [arn.clusterTasks(c.cluster)],
    Condition: inCluster,
  };
  const inspectTasks: PolicyStatement = {
    Sid: 'InspectTasks',
    Effect: 'Allow',
    Action: ['ecs:DescribeTasks'],
    Resource: [arn.clusterTasks(c.cluster)],
    Condition: inCluster,
  };
  // ListTasks authorizes against the cluster's container instances, narrowed by the cluster condition.
  const listTasks: PolicyStatement = {
    Sid: 'ListTasks',
    Effect: 'Allow',
    Action: ['ecs:ListTasks'],
    Resource: [arn.clusterContainerInstances(c.cluster)],
    Condition: inCluster,
  };
  const logs: PolicyStatement = {
    Sid: 'OwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [arn.logGroup(c.logGroup), arn.logStreams(c.logGroup)],
  };
  // Lambda sends a failed asynchronous invocation to its on-failure destination with this role.
  const deadLetters: PolicyStatement = {
    Sid: 'DeadLetters',
    Effect: 'Allow',
    Action: ['sqs:SendMessage'],
    Resource: [arn.queue(c.deadLetterQueue)],
  };

  // Scaling: read the worker queues, read and set the worker services, read their tasks' protection.
  const readQueues: PolicyStatement = {
    Sid: 'ReadWorkerQueues',
    Effect: 'Allow',
    Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
    Resource: unique(c.workers.map((w) => arn.queue(w.queue))),
  };
  const scaleServices: PolicyStatement = {
    Sid: 'ScaleWorkerServices',
    Effect: 'Allow',
    Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
    Resource: unique(c.workers.map((w) => arn.service(c.cluster, w.service))),
    Condition: inCluster,
  };
  const readProtection: PolicyStatement = {
    Sid: 'ReadTaskProtection',
    Effect: 'Allow',
    Action: ['ecs:GetTaskProtection'],
    Resource: [arn.clusterTasks(c.cluster)],
    Condition: inCluster,
  };

  // Job events: read the ledger's stream (the event source mapping polls with the function's role)
  // and put events on the one bus.
  const readLedgerStream: PolicyStatement = {
    Sid: 'ReadLedgerStream',
    Effect: 'Allow',
    Action: [
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ],
    Resource: [arn.tableStreams(c.table)],
  };
  const putJobEvents: PolicyStatement = {
    Sid: 'PutJobEvents',
    Effect: 'Allow',
    Action: ['events:PutEvents'],
    Resource: [arn.eventBus(c.eventBus)],
  };

  switch (handler) {
    case 'job-events':
      // No ledger access: everything it publishes comes in the stream records.
      return policy([readLedgerStream, putJobEvents, logs, deadLetters]);
    case 'object-created':
    case 'task-state-change':
    case 'schedule-fired':
      return policy([ledger, runTask, tagOnLaunch, passRoles, stopTasks, logs, deadLetters]);
    case 'sweeper':
      return policy([
        ledger,
        runTask,
        tagOnLaunch,
        passRoles,
        stopTasks,
        inspectTasks,
        listTasks,
        logs,
        deadLetters,
      ]);
    case 'queue-alarm':
    case 'scale-tick':
      return policy([ledger, readQueues, scaleServices, listTasks, readProtection, logs, deadLetters]);
  }
}

/**
 * The role EventBridge Scheduler assumes to run the schedules: invoke the schedule-fired function,
 * and put firings it could not deliver in the dead-letter queue.
 */
export function schedulerPolicy(functionArn: string, deadLetterQueueArn: string): PolicyDocument {
  return policy([
    {
      Sid: 'InvokeScheduleFired',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [functionArn],
    },
    { Sid: 'DeadLetters', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [deadLetterQueueArn] },
  ]);
}

/**
 * Who may assume the scheduler role: EventBridge Scheduler, and only for schedules of this account
 * (the confused-deputy guard AWS recommends for Scheduler execution roles).
 */
export function schedulerTrustPolicy(account: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': account } },
      },
    ],
  };
}
