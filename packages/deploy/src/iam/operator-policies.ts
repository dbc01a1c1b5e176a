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
