import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { StevedoreAwsError } from '../errors';

/*
 * A worker queue's dead-letter queue, for operators: what is in it, and moving it back.
 *
 * Looking is a receive, as in the SQS console's "poll for messages": ReceiveMessage with a visibility
 * timeout of 0, so each message is visible again at once and nothing is deleted. Each look adds one to
 * the messages' receive counts, which is harmless in a dead-letter queue (it has no RedrivePolicy of
 * its own). Redrive is SQS's message move task (StartMessageMoveTask); the local SQS stand-in answers
 * the same actions, so this file is the one path for AWS and `stevedore dev`.
 */

/** A dead-letter queue could not be read or redriven. */
export class DeadLetterQueueError extends StevedoreAwsError {
  override name = 'DeadLetterQueueError';
  readonly queue: string;

  constructor(operation: string, queue: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`${operation} on dead-letter queue ${queue} failed${cause}`, options);
    this.queue = queue;
  }
}

/** One message of a dead-letter queue, as listed. */
export interface DeadLetter {
  id: string;
  /** The body's first characters (BODY_PREVIEW_CHARS), with the length of the whole. */
  bodyPreview: string;
  bodyLength: number;
  /** ApproximateReceiveCount: the source queue's receives, plus one per listing (this one included). */
  receiveCount: number;
  /** SentTimestamp: when it was sent to the source queue (a move to the DLQ keeps it). */
  sentAt: string | undefined;
  /** ApproximateFirstReceiveTimestamp: its first receive, in the source queue. */
  firstReceivedAt: string | undefined;
}

/** A message move task as ListMessageMoveTasks reports it. */
export interface MoveTask {
  status: 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';
  moved: number;
  /** Counted when the task started. */
  toMove: number | undefined;
  startedAt: string | undefined;
  failureReason: string | undefined;
}

export const BODY_PREVIEW_CHARS = 120;

export interface SqsDeadLettersOptions {
  /** Created from the environment when omitted (honours AWS_ENDPOINT_URL_SQS). */
  client?: SQSClient;
  /** A queue's URL by name (SqsGauge.queueUrl: known, or looked up once). */
  queueUrl: (queue: string) => Promise<string>;
}

/** Lists and redrives the messages of dead-letter queues. */
export class SqsDeadLetters {
  private readonly client: SQSClient;
  private readonly queueUrl: (queue: string) => Promise<string>;

  constructor(options: SqsDeadLettersOptions) {
    this.client = options.client ?? new SQSClient({});
    this.queueUrl = options.queueUrl;
  }

  /**
   * Up to `limit` messages of the queue, each once. Short-polling receives sample the queue, so it
   * receives until it has seen as many distinct messages as the queue held when it started (or the
   * limit), and at most three receives per ten of them: the work is bounded, a busy queue may show
   * fewer.
   */
  async list(queue: string, limit: number): Promise<DeadLetter[]> {
    const url = await this.attempt('GetQueueUrl', queue, () => this.queueUrl(queue));
    const attributes = await this.attributes(queue, url, ['ApproximateNumberOfMessages']);
    const wanted = Math.min(limit, Number(attributes.ApproximateNumberOfMessages ?? 0));
    const seen = new Map<string, DeadLetter>();
    const maxReceives = Math.ceil(wanted / 10) * 3;
    for (let receives = 0; receives < maxReceives && seen.size < wanted; receives++) {
      const { Messages = [] } = await this.attempt('ReceiveMessage', queue, () =>
        this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, wanted - seen.size),
            VisibilityTimeout: 0,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: [
              'ApproximateReceiveCount',
              'ApproximateFirstReceiveTimestamp',
              'SentTimestamp',
            ],
          }),
        ),
      );
      for (const message of Messages) {
        const letter = deadLetterOf(message);
        if (letter && !seen.has(letter.id) && seen.size < wanted) seen.set(letter.id, letter);
      }
    }
    return [...seen.values()].sort((a, b) => (a.sentAt ?? '').localeCompare(b.sentAt ?? ''));
  }

  /** Starts moving every message of `deadLetterQueue` back to `queue`; the task's progress is `moveTask`. */
  async redrive(deadLetterQueue: string, queue: string): Promise<void> {
    const [sourceArn, destinationArn] = await Promise.all([
      this.queueArn(deadLetterQueue),
      this.queueArn(queue),
    ]);
    await this.attempt('StartMessageMoveTask', deadLetterQueue, () =>
      this.client.send(
        new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
      ),
    );
  }

  /** The most recent move task out of `deadLetterQueue`, if any. */
  async moveTask(deadLetterQueue: string): Promise<MoveTask | undefined> {
    const sourceArn = await this.queueArn(deadLetterQueue);
    const { Results = [] } = await this.attempt('ListMessageMoveTasks', deadLetterQueue, () =>
      this.client.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 })),
    );
    const [task] = Results;
    if (!task) return undefined;
    return {
      status: (task.Status ?? 'RUNNING') as MoveTask['status'],
      moved: task.ApproximateNumberOfMessagesMoved ?? 0,
      toMove: task.ApproximateNumberOfMessagesToMove,
      startedAt:
        task.StartedTimestamp === undefined ? undefined : new Date(task.StartedTimestamp).toISOString(),
      failureReason: task.FailureReason,
    };
  }

  private async queueArn(queue: string): Promise<string> {
    const url = await this.attempt('GetQueueUrl', queue, () => this.queueUrl(queue));
    const { QueueArn } = await this.attributes(queue, url, ['QueueArn']);
    if (!QueueArn)
      throw new DeadLetterQueueError('GetQueueAttributes', queue, { cause: new Error('no QueueArn') });
    return QueueArn;
  }

  private async attributes(
    queue: string,
    url: string,
    names: ('ApproximateNumberOfMessages' | 'QueueArn')[],
  ): Promise<Record<string, string>> {
    const { Attributes = {} } = await this.attempt('GetQueueAttributes', queue, () =>
      this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names })),
    );
    return Attributes;
  }

  private async attempt<T>(operation: string, queue: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DeadLetterQueueError) throw error;
      throw new DeadLetterQueueError(operation, queue, { cause: error });
    }
  }
}

function deadLetterOf(message: Message): DeadLetter | undefined {
  if (!message.MessageId) return undefined;
  const body = message.Body ?? '';
  const time = (value: string | undefined) => {
    const ms = Number(value);
    return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
  };
  return {
    id: message.MessageId,
    bodyPreview: body.slice(0, BODY_PREVIEW_CHARS),
    bodyLength: body.length,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: time(message.Attributes?.SentTimestamp),
    firstReceivedAt: time(message.Attributes?.ApproximateFirstReceiveTimestamp),
  };
}
