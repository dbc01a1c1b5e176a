import { randomUUID } from 'node:crypto';
import type { SqsMessage, SqsQueue } from './fauxqs-parts';

/*
 * SQS's dead-letter queue redrive (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask),
 * which fauxqs 1.9.2 lacks, over the same JSON protocol actions, so a client's code is one path for AWS
 * and for `stevedore dev`. As on AWS (SQS Developer Guide, "Configure a dead-letter queue redrive"):
 * - the source must be the dead-letter queue of some queue (its RedrivePolicy names it);
 * - one active task per source queue; ListMessageMoveTasks shows the 10 most recent, newest first;
 * - the task counts the messages to move when it starts and moves at most that many, oldest first,
 *   at MaxNumberOfMessagesPerSecond (at most 500; when unset, 500 here);
 * - without DestinationArn, each message goes back to the queue it was first sent to;
 * - a moved message is a new message: new MessageId, new sent time, receive count 0.
 * Tasks live in memory, like the queues.
 */

/** A JSON-protocol error: the SDK reads `__type` and throws an exception of that name. */
export class SqsActionError extends Error {
  override name = 'SqsActionError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }

  toJSON() {
    return { __type: `com.amazonaws.sqs#${this.code}`, message: this.message };
  }

  /**
   * The x-amzn-query-error code SQS sends for errors whose query-protocol name differs (the SDK names
   * the exception from it); undefined when the JSON name is the one.
   */
  get queryCode(): string | undefined {
    return QUERY_CODES[this.code];
  }
}

// From the SQS service model's awsQueryError traits.
const QUERY_CODES: Record<string, string> = {
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

/** What the move tasks need of the SQS store. */
export interface MoveTaskQueues {
  queueByArn(arn: string): SqsQueue | undefined;
  /** Every queue, to find those whose RedrivePolicy names a dead-letter queue. */
  queues(): readonly SqsQueue[];
  /** The queue a message was first sent to. */
  originOf(message: SqsMessage): string | undefined;
  /** A new message with the same body and attributes (a new id, sent now, never received). */
  copyOf(message: SqsMessage): SqsMessage;
}

type Status = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

interface MoveTask {
  handle: string;
  sourceArn: string;
  destinationArn: string | undefined;
  rate: number | undefined;
  status: Status;
  toMove: number;
  moved: number;
  startedAt: number;
  /** Messages the rate allows and that have not moved yet (fractions carry over between steps). */
  allowance: number;
  failureReason?: string;
  timer?: NodeJS.Timeout;
}

/** The SQS actions this module answers, by X-Amz-Target. */
export const MOVE_TASK_ACTIONS = new Set([
  'AmazonSQS.StartMessageMoveTask',
  'AmazonSQS.ListMessageMoveTasks',
  'AmazonSQS.CancelMessageMoveTask',
]);

const MAX_RATE = 500;
const STEP_MS = 100;
const LISTED = 10;

/** The message move tasks of one SQS stand-in. */
export class MessageMoveTasks {
  private readonly tasks: MoveTask[] = [];

  constructor(private readonly queues: MoveTaskQueues) {}

  /** Answers one action (`AmazonSQS.<name>`) with its JSON output; throws SqsActionError. */
  handle(target: string, body: unknown): Record<string, unknown> {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    switch (target) {
      case 'AmazonSQS.StartMessageMoveTask':
        return this.start(input);
      case 'AmazonSQS.ListMessageMoveTasks':
        return this.list(input);
      case 'AmazonSQS.CancelMessageMoveTask':
        return this.cancel(input);
      default:
        throw new SqsActionError('InvalidAction', `Unknown action: ${target}`);
    }
  }

  /** Stops every running task's timer (the stand-in is closing). */
  close(): void {
    for (const task of this.tasks) clearTimeout(task.timer);
  }

  private start(input: Record<string, unknown>): Record<string, unknown> {
    const sourceArn = requiredString(input, 'SourceArn');
    const source = this.queues.queueByArn(sourceArn);
    if (!source)
      throw new SqsActionError(
        'ResourceNotFoundException',
        "The resource that you specified for the SourceArn parameter doesn't exist.",
      );
    if (this.sourcesOf(sourceArn).length === 0) {
      throw new SqsActionError(
        'UnsupportedOperation',
        'Source queue must be configured as a Dead Letter Queue.',
      );
    }
    const destinationArn = optionalString(input, 'DestinationArn');
    if (destinationArn !== undefined && !this.queues.queueByArn(destinationArn)) {
      throw new SqsActionError(
        'ResourceNotFoundException',
        "The resource that you specified for the DestinationArn parameter doesn't exist.",
      );
    }
    const rate = input.MaxNumberOfMessagesPerSecond;
    if (
      rate !== undefined &&
      (!Number.isInteger(rate) || (rate as number) < 1 || (rate as number) > MAX_RATE)
    ) {
      throw new SqsActionError(
        'InvalidParameterValue',
        `Value ${String(rate)} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and ${MAX_RATE}.`,
      );
    }
    if (
      this.tasks.some(
        (t) => t.sourceArn === sourceArn && (t.status === 'RUNNING' || t.status === 'CANCELLING'),
      )
    ) {
      throw new SqsActionError(
        'UnsupportedOperation',
        'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      );
    }
    source.processTimers();
    const task: MoveTask = {
      handle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn })).toString('base64'),
      sourceArn,
      destinationArn,
      rate: rate as number | undefined,
      status: 'RUNNING',
      toMove: source.messages.length,
      moved: 0,
      startedAt: Date.now(),
      allowance: 0,
    };
    this.tasks.unshift(task);
    this.step(task);
    return { TaskHandle: task.handle };
  }

  private list(input: Record<string, unknown>): Record<string, unknown> {
    const sourceArn = requiredString(input, 'SourceArn');
    if (!this.queues.queueByArn(sourceArn))
      throw new SqsActionError('ResourceNotFoundException', 'The specified queue does not exist.');
    const max = input.MaxResults ?? 1;
    if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > LISTED) {
      throw new SqsActionError(
        'InvalidParameterValue',
        `Value ${String(max)} for parameter MaxResults is invalid. Reason: Must be between 1 and ${LISTED}.`,
      );
    }
    const results = this.tasks
      .filter((t) => t.sourceArn === sourceArn)
      .slice(0, max as number)
      .map((t) => ({
        // AWS gives the handle only while the task can still be cancelled.
        ...(t.status === 'RUNNING' ? { TaskHandle: t.handle } : {}),
        Status: t.status,
        SourceArn: t.sourceArn,
        ...(t.destinationArn !== undefined ? { DestinationArn: t.destinationArn } : {}),
        ...(t.rate !== undefined ? { MaxNumberOfMessagesPerSecond: t.rate } : {}),
        ApproximateNumberOfMessagesMoved: t.moved,
        ApproximateNumberOfMessagesToMove: t.toMove,
        ...(t.failureReason !== undefined ? { FailureReason: t.failureReason } : {}),
        StartedTimestamp: t.startedAt,
      }));
    return { Results: results };
  }

  private cancel(input: Record<string, unknown>): Record<string, unknown> {
    const handle = requiredString(input, 'TaskHandle');
    const task = this.tasks.find((t) => t.handle === handle);
    if (!task) throw new SqsActionError('ResourceNotFoundException', 'The specified task does not exist.');
    if (task.status !== 'RUNNING') {
      throw new SqsActionError(
        'UnsupportedOperation',
        `Only a RUNNING task can be cancelled; this one is ${task.status}.`,
      );
    }
    task.status = 'CANCELLED';
    clearTimeout(task.timer);
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  /** Queues whose RedrivePolicy names `deadLetterArn`. */
  private sourcesOf(deadLetterArn: string): SqsQueue[] {
    return this.queues.queues().filter((queue) => {
      try {
        const policy = JSON.parse(queue.attributes.RedrivePolicy ?? '{}') as {
          deadLetterTargetArn?: unknown;
        };
        return policy.deadLetterTargetArn === deadLetterArn;
      } catch {
        return false;
      }
    });
  }

  /** Moves one step's worth of messages, then schedules the next step or ends the task. */
  private step(task: MoveTask): void {
    if (task.status !== 'RUNNING') return;
    const source = this.queues.queueByArn(task.sourceArn);
    if (!source) {
      this.fail(task, 'The source queue no longer exists.');
      return;
    }
    source.processTimers();
    task.allowance += ((task.rate ?? MAX_RATE) * STEP_MS) / 1000;
    let budget = Math.min(Math.floor(task.allowance), task.toMove - task.moved);
    while (budget > 0 && source.messages.length > 0) {
      const message = source.messages[0] as SqsMessage;
      // A message sent straight to the dead-letter queue has no other origin: its source queue takes it.
      const origin = this.queues.originOf(message);
      const destinationArn =
        task.destinationArn ??
        (origin !== task.sourceArn ? origin : undefined) ??
        this.sourcesOf(task.sourceArn)[0]?.arn;
      const destination = destinationArn === undefined ? undefined : this.queues.queueByArn(destinationArn);
      if (!destination) {
        this.fail(task, `The destination queue ${destinationArn ?? '?'} does not exist.`);
        return;
      }
      source.messages.shift();
      destination.enqueue(this.queues.copyOf(message));
      task.moved++;
      task.allowance--;
      budget--;
    }
    // Done when everything counted at the start has moved, or nothing visible is left to move.
    if (task.moved >= task.toMove || source.messages.length === 0) {
      task.status = 'COMPLETED';
      return;
    }
    task.timer = setTimeout(() => this.step(task), STEP_MS);
    task.timer.unref();
  }

  private fail(task: MoveTask, reason: string): void {
    task.status = 'FAILED';
    task.failureReason = reason;
  }
}

function requiredString(input: Record<string, unknown>, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') {
    throw new SqsActionError('MissingParameter', `The request must contain the parameter ${key}.`);
  }
  return value;
}

function optionalString(input: Record<string, unknown>, key: string): string | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new SqsActionError('InvalidParameterValue', `Value for parameter ${key} is invalid.`);
  }
  return value;
}
