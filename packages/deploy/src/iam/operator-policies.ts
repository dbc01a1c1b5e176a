import type { Arns } from './arns';
import { type PolicyDocument, policy, unique } from './policy';

/**
 * What an operator's own identity needs for `stevedore workers`, `workers dead-letters` and
 * `workers redrive`: the CLI runs with the operator's credentials, not with a role the deploy creates,
 * so this is printed (by `stevedore iam`) to be attached by hand. Listing receives from the
 * dead-letter queues (with a visibility timeout of 0, as the SQS console does); a redrive is a message
 * move task, which reads and deletes on the dead-letter queue and sends to the worker queue.
 */
export function deadLetterOperatorPolicy(
  workers: readonly { queue: string; deadLetterQueue: string }[],
  arn: Arns,
): PolicyDocument {
  const queues = unique(workers.map((w) => arn.queue(w.queue)));
  const deadLetterQueues = unique(workers.map((w) => arn.queue(w.deadLetterQueue)));
  return policy([
    {
      Sid: 'ReadWorkerQueues',
      Effect: 'Allow',
      Action: ['sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
      Resource: unique([...queues, ...deadLetterQueues]),
    },
    {
      Sid: 'ListDeadLetters',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage'],
      Resource: deadLetterQueues,
    },
    {
      Sid: 'RedriveDeadLetters',
      Effect: 'Allow',
      Action: [
        'sqs:StartMessageMoveTask',
        'sqs:ListMessageMoveTasks',
        'sqs:CancelMessageMoveTask',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      Resource: deadLetterQueues,
    },
    { Sid: 'RedriveToWorkerQueues', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: queues },
  ]);
}

export interface JobOperatorScope {
  table: string;
  cluster: string;
  /** The pipelines' buckets: what `jobs submit --pipeline` reads an object's version from. */
  buckets: readonly string[];
}

/**
 * What an operator's own identity needs for `stevedore jobs cancel|retry|submit` on a stage (printed
 * by `stevedore iam`): the ledger's jobs (read, create, guarded updates, listings by index) and the
 * concurrency slots in the same table; StopTask on the cluster's tasks (cancel); HeadObject on the
 * pipelines' buckets (submit). On a stage the sweeper launches what these commands create, so no
 * RunTask and no PassRole.
 */
export function jobOperatorPolicy(scope: JobOperatorScope, arn: Arns): PolicyDocument {
  return policy([
    {
      Sid: 'OperateJobs',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
      Resource: [arn.table(scope.table), arn.tableIndexes(scope.table)],
    },
    {
      Sid: 'StopCancelledTasks',
      Effect: 'Allow',
      Action: ['ecs:StopTask'],
      Resource: [arn.clusterTasks(scope.cluster)],
      Condition: { ArnEquals: { 'ecs:cluster': arn.cluster(scope.cluster) } },
    },
    {
      Sid: 'ReadSubmittedObjects',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: unique(scope.buckets.map((bucket) => arn.objects(bucket, ''))),
    },
  ]);
}
