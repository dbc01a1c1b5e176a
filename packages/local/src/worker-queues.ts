import {
  type Config,
  DEAD_LETTER_RETENTION_SECONDS,
  deadLetterQueueName,
  redriveAllowPolicy,
  redrivePolicy,
} from '@stevedore/core/config';

/** A queue the local SQS stand-in creates at start, with its attributes as CreateQueue takes them. */
export interface LocalQueue {
  name: string;
  attributes: Record<string, string>;
}

/**
 * The workers' queues as infra creates them on AWS: each dead-letter queue first (14 days' retention,
 * only its worker queue allowed as a source), then the queue, whose RedrivePolicy moves a message there
 * after the worker's maxReceiveCount receives.
 */
export function workerQueues(config: Config, scope: { region: string; accountId: string }): LocalQueue[] {
  const arn = (queue: string) => `arn:aws:sqs:${scope.region}:${scope.accountId}:${queue}`;
  const queues = new Map<string, LocalQueue>();
  for (const worker of Object.values(config.workers)) {
    const deadLetterQueue = deadLetterQueueName(worker.queue);
    queues.set(deadLetterQueue, {
      name: deadLetterQueue,
      attributes: {
        MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS),
        RedriveAllowPolicy: redriveAllowPolicy(arn(worker.queue)),
      },
    });
    queues.set(worker.queue, {
      name: worker.queue,
      attributes: {
        VisibilityTimeout: String(worker.visibilityTimeout),
        RedrivePolicy: redrivePolicy(arn(deadLetterQueue), worker.deadLetter.maxReceiveCount),
      },
    });
  }
  return [...queues.values()];
}
