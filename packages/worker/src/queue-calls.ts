import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QueueError } from './errors';
import type { WorkerMessage } from './worker-types';

/*
 * The SQS calls of a worker. A batch of one uses the single-message action (one entry, no Failed[]
 * to read); larger batches use the *Batch action, whose per-entry failures come back in Failed[]
 * with HTTP 200 and so are read entry by entry, never assumed away.
 */

export interface ReceiveRequest {
  queueUrl: string;
  maxMessages: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
}

/**
 * One receive. Aborting `signal` abandons it: messages SQS handed out meanwhile stay invisible until
 * their visibility timeout ends, then are delivered again.
 */
export async function receiveMessages(
  sqs: SQSClient,
  request: ReceiveRequest,
  signal: AbortSignal | undefined,
): Promise<Message[]> {
  const output = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: request.queueUrl,
      MaxNumberOfMessages: request.maxMessages,
      WaitTimeSeconds: request.waitTimeSeconds,
      // Sent explicitly so the heartbeat's arithmetic holds even if the queue's default changes later.
      VisibilityTimeout: request.visibilityTimeoutSeconds,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      MessageAttributeNames: ['All'],
    }),
    signal ? { abortSignal: signal } : {},
  );
  return output.Messages ?? [];
}

/** What the worker reads of its queue once, at start. */
export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  /** From the RedrivePolicy; undefined when the queue has no dead-letter queue. */
  maxReceiveCount: number | undefined;
}

/** The queue's VisibilityTimeout (in seconds) and its RedrivePolicy's maxReceiveCount. */
export async function readQueueSettings(sqs: SQSClient, queueUrl: string): Promise<QueueSettings> {
  let value: string | undefined;
  let redrivePolicy: string | undefined;
  try {
    const output = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
      }),
    );
    value = output.Attributes?.VisibilityTimeout;
    redrivePolicy = output.Attributes?.RedrivePolicy;
  } catch (error) {
    throw new QueueError('GetQueueAttributes', queueUrl, { cause: error });
  }
  const seconds = Number(value);
  if (value === undefined || !Number.isInteger(seconds) || seconds < 1) {
    // A queue timeout of 0 leaves nothing to extend: every message would be visible again at once.
    throw new QueueError('GetQueueAttributes', queueUrl, {
      cause: new Error(`VisibilityTimeout is ${JSON.stringify(value)}; set visibilityTimeoutSeconds`),
    });
  }
  return { visibilityTimeoutSeconds: seconds, maxReceiveCount: maxReceiveCountOf(redrivePolicy) };
}

/** maxReceiveCount of a RedrivePolicy attribute (JSON; SQS has sent the number as a string too). */
function maxReceiveCountOf(redrivePolicy: string | undefined): number | undefined {
  if (!redrivePolicy) return undefined;
  try {
    const count = Number((JSON.parse(redrivePolicy) as { maxReceiveCount?: unknown }).maxReceiveCount);
    return Number.isInteger(count) && count > 0 ? count : undefined;
  } catch {
    return undefined;
  }
}

/** The message with the fields a handler needs, or undefined when SQS left out its id or receipt. */
export function toWorkerMessage(message: Message): WorkerMessage | undefined {
  if (!message.MessageId || !message.ReceiptHandle) return undefined;
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    id: message.MessageId,
    body: message.Body ?? '',
    receiptHandle: message.ReceiptHandle,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : undefined,
    raw: message,
  };
}

export interface BatchOutcome {
  done: WorkerMessage[];
  failed: Array<{ message: WorkerMessage; error: QueueError }>;
}

/** Deletes handled messages. */
export function deleteMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly WorkerMessage[],
): Promise<BatchOutcome> {
  return inBatch('DeleteMessage', queueUrl, messages, async () => {
    if (messages.length === 1 && messages[0]) {
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: messages[0].receiptHandle }),
      );
      return [];
    }
    const output = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((message, index) => ({ Id: `${index}`, ReceiptHandle: message.receiptHandle })),
      }),
    );
    return output.Failed ?? [];
  });
}

/** Sets the messages' visibility timeout to `seconds` from now (0 makes them visible at once). */
export function changeVisibility(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly WorkerMessage[],
  seconds: number,
): Promise<BatchOutcome> {
  return inBatch('ChangeMessageVisibility', queueUrl, messages, async () => {
    if (messages.length === 1 && messages[0]) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: messages[0].receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
      return [];
    }
    const output = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((message, index) => ({
          Id: `${index}`,
          ReceiptHandle: message.receiptHandle,
          VisibilityTimeout: seconds,
        })),
      }),
    );
    return output.Failed ?? [];
  });
}

interface FailedEntry {
  Id?: string | undefined;
  Code?: string | undefined;
  Message?: string | undefined;
}

async function inBatch(
  action: string,
  queueUrl: string,
  messages: readonly WorkerMessage[],
  send: () => Promise<FailedEntry[]>,
): Promise<BatchOutcome> {
  if (messages.length === 0) return { done: [], failed: [] };
  const operation = messages.length === 1 ? action : `${action}Batch`;
  let entries: FailedEntry[];
  try {
    entries = await send();
  } catch (error) {
    const failure = new QueueError(operation, queueUrl, { cause: error });
    return { done: [], failed: messages.map((message) => ({ message, error: failure })) };
  }
  const failedIds = new Map(entries.map((entry) => [entry.Id, entry]));
  const outcome: BatchOutcome = { done: [], failed: [] };
  messages.forEach((message, index) => {
    const entry = failedIds.get(`${index}`);
    if (!entry) {
      outcome.done.push(message);
      return;
    }
    const cause = new Error(`${entry.Code ?? 'Failed'}: ${entry.Message ?? ''} (message ${message.id})`);
    outcome.failed.push({ message, error: new QueueError(operation, queueUrl, { cause }) });
  });
  return outcome;
}

const THROTTLING = new Set(['ThrottlingException', 'RequestThrottled', 'KmsThrottled', 'OverLimit']);

/** True for a failure that may pass: throttling, a server fault, the network. */
export function isTransient(error: unknown): boolean {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
  };
  if (fields.$retryable) return true;
  if (typeof fields.name === 'string' && THROTTLING.has(fields.name)) return true;
  return fields.$fault !== 'client';
}
