import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetteredEvent, DeadLetterStore } from '@stevedore/core/ports';
import { DeadLetterQueueError } from './sqs-dead-letters';

/*
 * A stage's dead-letter queue for EVENTS (not a worker's): where EventBridge puts what a rule could not
 * deliver, Scheduler what it could not invoke, and Lambda what a function failed after its
 * asynchronous retries. The body is the event as the handler would have received it; the message
 * attributes say why (EventBridge and Scheduler: ERROR_CODE, ERROR_MESSAGE, TARGET_ARN, RETRY_ATTEMPTS;
 * Lambda: ErrorCode, ErrorMessage, RequestID, and no target, so the handler is read from the event).
 *
 * Listing receives with a visibility timeout of 0, as the SQS console does. A redrive holds what it
 * received (a visibility timeout) until it settles: what was delivered is deleted; what failed again is
 * sent back with its new error (a new message, the old deleted), so the queue says why it is still there.
 */

/** How long a redrive holds the messages it works on. */
export const REDRIVE_HOLD_SECONDS = 300;
const MOST_MESSAGES = 1000;

export interface SqsEventDeadLettersOptions {
  queue: string;
  /** Created from the environment when omitted. */
  client?: SQSClient;
  /** The handler a function name belongs to (TARGET_ARN names a function). */
  handlerOfFunction: (functionName: string) => string | undefined;
  /** The handler an event is for, when the queue does not name a target. */
  handlerOfEvent: (event: unknown) => string | undefined;
}

export class SqsEventDeadLetters implements DeadLetterStore {
  private readonly client: SQSClient;
  private url: string | undefined;
  /** Receipt handles and messages held by a redrive, by message id. */
  private readonly held = new Map<string, Message>();

  constructor(private readonly options: SqsEventDeadLettersOptions) {
    this.client = options.client ?? new SQSClient({});
  }

  async list(options: { limit?: number; forRedrive?: boolean } = {}): Promise<DeadLetteredEvent[]> {
    const url = await this.queueUrl();
    const { Attributes = {} } = await this.call('GetQueueAttributes', () =>
      this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      ),
    );
    const wanted = Math.min(
      options.limit ?? MOST_MESSAGES,
      Number(Attributes.ApproximateNumberOfMessages ?? 0),
    );
    const seen = new Map<string, Message>();
    // Short polls sample the queue: receive until every message was seen once, bounded at three per ten.
    const maxReceives = Math.ceil(wanted / 10) * 3;
    for (let receives = 0; receives < maxReceives && seen.size < wanted; receives++) {
      const { Messages = [] } = await this.call('ReceiveMessage', () =>
        this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, wanted - seen.size),
            VisibilityTimeout: options.forRedrive ? REDRIVE_HOLD_SECONDS : 0,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
            MessageAttributeNames: ['All'],
          }),
        ),
      );
      for (const message of Messages) {
        if (message.MessageId && !seen.has(message.MessageId)) seen.set(message.MessageId, message);
      }
    }
    if (options.forRedrive) for (const [id, message] of seen) this.held.set(id, message);
    return [...seen.values()]
      .map((message) => this.letterOf(message))
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  async settle(outcome: {
    delivered: readonly string[];
    failed: readonly { id: string; error: string }[];
  }): Promise<void> {
    const url = await this.queueUrl();
    for (const failure of outcome.failed) {
      const message = this.held.get(failure.id);
      if (!message) continue;
      await this.call('SendMessage', () =>
        this.client.send(
          new SendMessageCommand({
            QueueUrl: url,
            MessageBody: message.Body ?? '',
            MessageAttributes: failedAgain(message, failure.error),
          }),
        ),
      );
    }
    for (const id of [...outcome.delivered, ...outcome.failed.map((f) => f.id)]) {
      const receipt = this.held.get(id)?.ReceiptHandle;
      if (!receipt) continue;
      await this.call('DeleteMessage', () =>
        this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receipt })),
      );
      this.held.delete(id);
    }
    // What the redrive held but did not deliver (other ids than asked for): visible again at once.
    for (const [id, message] of this.held) {
      if (message.ReceiptHandle) {
        const receipt = message.ReceiptHandle;
        await this.call('ChangeMessageVisibility', () =>
          this.client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: url,
              ReceiptHandle: receipt,
              VisibilityTimeout: 0,
            }),
          ),
        );
      }
      this.held.delete(id);
    }
  }

  private letterOf(message: Message): DeadLetteredEvent {
    const attribute = (...names: string[]) =>
      names.map((name) => message.MessageAttributes?.[name]?.StringValue).find((v) => v !== undefined);
    let event: unknown;
    try {
      event = JSON.parse(message.Body ?? '');
    } catch {
      event = message.Body;
    }
    const targetArn = attribute('TARGET_ARN');
    const functionName = targetArn?.split(':function:')[1]?.split(':')[0];
    const sent = Number(message.Attributes?.SentTimestamp);
    const retries = Number(attribute('RETRY_ATTEMPTS'));
    const redrives = Number(attribute('STEVEDORE_REDRIVES') ?? 0);
    // After a redrive that failed again, its error; before, what EventBridge, Scheduler or Lambda said.
    const again = attribute('STEVEDORE_ERROR');
    const code = again === undefined ? attribute('ERROR_CODE', 'ErrorCode') : undefined;
    const text = again ?? attribute('ERROR_MESSAGE', 'ErrorMessage');
    return {
      id: message.MessageId ?? '',
      handler:
        (functionName ? this.options.handlerOfFunction(functionName) : undefined) ??
        this.options.handlerOfEvent(event),
      target: functionName ?? attribute('RULE_ARN', 'SCHEDULE_ARN') ?? 'a function (asynchronous invocation)',
      error: [code, text].filter(Boolean).join(': ') || 'unknown (the queue does not say)',
      attempts: Number.isFinite(retries) ? retries + 1 + redrives : undefined,
      at: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : '',
      event,
    };
  }

  private async queueUrl(): Promise<string> {
    if (!this.url) {
      const { QueueUrl } = await this.call('GetQueueUrl', () =>
        this.client.send(new GetQueueUrlCommand({ QueueName: this.options.queue })),
      );
      if (!QueueUrl) throw new DeadLetterQueueError('GetQueueUrl', this.options.queue);
      this.url = QueueUrl;
    }
    return this.url;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new DeadLetterQueueError(operation, this.options.queue, { cause: error });
    }
  }
}

/** The message's own attributes, with the new error and one more redrive. */
function failedAgain(message: Message, error: string): Record<string, MessageAttributeValue> {
  const own = message.MessageAttributes ?? {};
  const redrives = Number(own.STEVEDORE_REDRIVES?.StringValue ?? 0) + 1;
  // SQS allows ten attributes a message: eight of the original ones, and these two.
  const original = Object.entries(own).filter(([name]) => !name.startsWith('STEVEDORE_'));
  return {
    ...Object.fromEntries(original.slice(0, 8)),
    STEVEDORE_ERROR: { DataType: 'String', StringValue: error.slice(0, 1000) },
    STEVEDORE_REDRIVES: { DataType: 'Number', StringValue: String(redrives) },
  };
}
