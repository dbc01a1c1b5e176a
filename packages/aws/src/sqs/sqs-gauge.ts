import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepth, QueueGauge } from '@stevedore/core/ports';
import { StevedoreAwsError } from '../errors';

/** A queue could not be measured. */
export class QueueGaugeError extends StevedoreAwsError {
  override name = 'QueueGaugeError';
  readonly queue: string;

  constructor(queue: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`cannot read the depth of queue ${queue}${cause}`, options);
    this.queue = queue;
  }
}

export interface SqsGaugeOptions {
  /** Created from the environment when omitted (honours AWS_ENDPOINT_URL_SQS). */
  client?: SQSClient;
  /** Known queue URLs by name; others are looked up once with GetQueueUrl. */
  queueUrls?: Record<string, string>;
}

/**
 * Queue depth straight from SQS (GetQueueAttributes): exact and current, unlike the CloudWatch
 * metrics, which an idle queue stops publishing for up to 15 minutes.
 */
export class SqsGauge implements QueueGauge {
  private readonly client: SQSClient;
  private readonly urls: Map<string, string>;

  constructor(options: SqsGaugeOptions = {}) {
    this.client = options.client ?? new SQSClient({});
    this.urls = new Map(Object.entries(options.queueUrls ?? {}));
  }

  async depth(queue: string): Promise<QueueDepth> {
    try {
      const url = await this.url(queue);
      const { Attributes: a = {} } = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      };
    } catch (error) {
      throw new QueueGaugeError(queue, { cause: error });
    }
  }

  /** The queue's URL: known, or looked up once with GetQueueUrl. */
  async queueUrl(queue: string): Promise<string> {
    try {
      return await this.url(queue);
    } catch (error) {
      throw new QueueGaugeError(queue, { cause: error });
    }
  }

  private async url(queue: string): Promise<string> {
    const known = this.urls.get(queue);
    if (known) return known;
    const { QueueUrl } = await this.client.send(new GetQueueUrlCommand({ QueueName: queue }));
    if (!QueueUrl) throw new Error('GetQueueUrl returned no URL');
    this.urls.set(queue, QueueUrl);
    return QueueUrl;
  }
}
