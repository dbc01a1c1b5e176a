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

export interface BackfillRedriveScope {
  /** Each pipeline's bucket and prefix: what backfill lists. */
  pipelines: readonly { name: string; bucket: string; prefix: string }[];
  table: string;
  /** The stage's dead-letter queue for events (rule targets, schedules, functions). */
  deadLetterQueue: string;
  /** The handler functions a redrive invokes. */
  functions: readonly string[];
}

/**
 * What an operator's own identity needs for `stevedore pipelines backfill` and `stevedore dead-letters
 * list|redrive` on a stage (printed by `stevedore iam`). Backfill lists each pipeline's bucket under
 * its prefix only, reads the ledger's jobs of an object (a Query of an index, then the items) and
 * records jobs with a conditional put; the sweeper launches them, so no ECS or PassRole. A redrive
 * receives from the stage's dead-letter queue, deletes what was delivered, sends back what failed
 * again with its error, and invokes the handler functions.
 */
export function backfillRedrivePolicy(scope: BackfillRedriveScope, arn: Arns): PolicyDocument {
  const byBucket = new Map<string, Set<string>>();
  for (const p of scope.pipelines)
    byBucket.set(p.bucket, (byBucket.get(p.bucket) ?? new Set()).add(p.prefix));
  const listings = [...byBucket.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bucket, prefixes], i) => ({
      Sid: `ListPipelineObjects${i + 1}`,
      Effect: 'Allow' as const,
      Action: ['s3:ListBucket'],
      Resource: [arn.bucket(bucket)],
      // A pipeline without a prefix lists the whole bucket.
      ...(prefixes.has('')
        ? {}
        : { Condition: { StringLike: { 's3:prefix': [...prefixes].sort().map((p) => `${p}*`) } } }),
    }));
  return policy([
    ...listings,
    {
      Sid: 'RecordBackfilledJobs',
      Effect: 'Allow',
      Action: ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: scope.pipelines.length > 0 ? [arn.table(scope.table), arn.tableIndexes(scope.table)] : [],
    },
    {
      Sid: 'RedriveEventDeadLetters',
      Effect: 'Allow',
      Action: [
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:SendMessage',
      ],
      Resource: [arn.queue(scope.deadLetterQueue)],
    },
    {
      Sid: 'RedriveToHandlers',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: unique(scope.functions.map((name) => arn.lambda(name))),
    },
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
