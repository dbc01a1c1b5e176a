import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { WorkerError } from './errors';
import type { TaskProtection } from './task-protection';

/** One received message, as a handler sees it. */
export interface WorkerMessage {
  /** SQS MessageId. */
  id: string;
  body: string;
  receiptHandle: string;
  /** ApproximateReceiveCount: 1 on the first delivery, 2 on the first retry... */
  receiveCount: number;
  /** SentTimestamp. */
  sentAt: Date | undefined;
  /** The message exactly as ReceiveMessage returned it (attributes, message attributes, MD5s). */
  raw: Message;
}

export interface HandlerContext {
  /**
   * Aborted once the worker is asked to stop (SIGTERM, or the `signal` option). The worker still waits
   * for the handler and deletes the message if it succeeds; a handler may use it to wrap up early.
   */
  stopping: AbortSignal;
}

/**
 * Handles one message. Returning (or resolving) deletes it; throwing leaves it for redelivery, and
 * throwing MalformedMessageError makes it visible again at once, on its way to the dead-letter queue.
 */
export type MessageHandler = (message: WorkerMessage, context: HandlerContext) => unknown;

/** Where the worker writes what an operator should see. Powertools' Logger and `console` both fit. */
export interface WorkerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface WorkerSummary {
  /** Messages received (a redelivered message counts each time). */
  received: number;
  /** Handled and deleted (or handled, with the delete reported as an `error` event). */
  succeeded: number;
  /** Handlers that threw. */
  failed: number;
}

/**
 * What the worker did, as data, in order: tests assert on it and operators can forward it to metrics.
 * `error` is a call that failed while the worker carried on (the message stays on the queue, or the
 * protection was not changed); a failure that stops the worker rejects runWorker instead.
 */
export type WorkerEvent =
  | {
      type: 'started';
      queueUrl: string;
      visibilityTimeoutSeconds: number;
      /** The queue's RedrivePolicy maxReceiveCount; unknown when visibilityTimeoutSeconds was given (no read). */
      maxReceiveCount: number | undefined;
      protectionAvailable: boolean;
    }
  | { type: 'received'; messageIds: string[] }
  | { type: 'protected'; renewal: boolean; expiresAt: Date | undefined }
  | { type: 'unprotected' }
  | { type: 'extended'; messageIds: string[]; visibilityTimeoutSeconds: number }
  | { type: 'succeeded'; messageId: string; receiveCount: number }
  /** `malformed`: the handler threw MalformedMessageError, and the message is released at once. */
  | { type: 'failed'; messageId: string; receiveCount: number; malformed: boolean; error: WorkerError }
  | { type: 'deleted'; messageIds: string[] }
  | { type: 'released'; messageIds: string[] }
  | { type: 'stopping'; reason: string }
  | { type: 'error'; error: WorkerError }
  | { type: 'stopped'; summary: WorkerSummary };

export interface WorkerOptions {
  /** The queue to consume. */
  queueUrl: string;
  handler: MessageHandler;
  /** Default: `new SQSClient({})`, configured from the environment (AWS_REGION, AWS_ENDPOINT_URL_SQS...). */
  sqs?: SQSClient;
  /** Messages per ReceiveMessage, handled concurrently (1 to 10, default 1). */
  maxMessages?: number;
  /** Long-polling wait (0 to 20 seconds, default 20). */
  waitTimeSeconds?: number;
  /**
   * How long a received message stays invisible, in seconds (1 to 43,200); the worker extends it every
   * half of this while the handler runs. Default: the queue's VisibilityTimeout, read once with
   * GetQueueAttributes (set it to skip that call and its permission).
   */
  visibilityTimeoutSeconds?: number;
  /** Make a failed message visible again at once instead of when its visibility timeout runs out (default false). */
  releaseOnFailure?: boolean;
  /** Default: TaskProtection.fromEnvironment(), a no-op outside ECS. */
  taskProtection?: TaskProtection;
  /** ExpiresInMinutes of each protection request, renewed at half of it while working (1 to 2,880, default 15). */
  protectionMinutes?: number;
  /** Aborting it stops the worker as SIGTERM does. */
  signal?: AbortSignal;
  /** Stop gracefully on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
  /** Default: one JSON line per entry on stdout/stderr. */
  logger?: WorkerLogger;
  /** Called synchronously with every event; it must not throw. */
  onEvent?: (event: WorkerEvent) => void;
}
