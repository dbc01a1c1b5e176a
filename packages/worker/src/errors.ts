/** Base class of every error @stevedore/worker raises. SDK and network errors travel as `cause`. */
export class WorkerError extends Error {
  override name = 'WorkerError';
}

/** The options of runWorker (or TaskProtection) are not usable; `key` names the option (a dotted path). */
export class WorkerConfigError extends WorkerError {
  override name = 'WorkerConfigError';
  readonly key: string;

  constructor(key: string, problem: string, options?: ErrorOptions) {
    super(`${key}: ${problem}`, options);
    this.key = key;
  }
}

/**
 * An SQS call failed in a way retrying cannot mend (a missing queue, denied access, bad parameters):
 * runWorker rejects with it so the task exits non-zero and ECS shows the failure.
 */
export class QueueError extends WorkerError {
  override name = 'QueueError';
  readonly operation: string;
  readonly queueUrl: string;

  constructor(operation: string, queueUrl: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`SQS ${operation} on ${queueUrl} failed${cause}`, options);
    this.operation = operation;
    this.queueUrl = queueUrl;
  }
}

/**
 * The ECS agent's task scale-in protection endpoint refused or did not answer. `code` is the agent's
 * error code (`InvalidParameterException`, `ResourceNotFoundException`...) or the ECS failure reason
 * (`TASK_NOT_VALID`, `MISSING`); `status` the HTTP status when there was an answer.
 */
export class TaskProtectionError extends WorkerError {
  override name = 'TaskProtectionError';
  readonly operation: 'enable' | 'disable' | 'get';
  readonly code: string;
  readonly status: number | undefined;

  constructor(
    operation: 'enable' | 'disable' | 'get',
    code: string,
    detail: string,
    options?: ErrorOptions & { status?: number },
  ) {
    super(`task scale-in protection ${operation} failed: ${code}${detail ? `: ${detail}` : ''}`, options);
    this.operation = operation;
    this.code = code;
    this.status = options?.status;
  }
}

/**
 * Thrown by a handler for a message that can never be handled, such as a body that does not parse:
 * retrying it later will not help. The worker makes it visible again at once (visibility timeout 0)
 * instead of leaving it invisible for a whole visibility timeout, so its receive count reaches the
 * queue's maxReceiveCount within seconds and SQS moves it to the dead-letter queue, where it no longer
 * keeps a task busy. `reason` says what is wrong with it; never put the body in it.
 */
export class MalformedMessageError extends WorkerError {
  override name = 'MalformedMessageError';
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(`malformed message: ${reason}`, options);
    this.reason = reason;
  }
}

/** True for a MalformedMessageError, also one from another copy of this package. */
export function isMalformed(error: unknown): error is MalformedMessageError {
  return (
    error instanceof MalformedMessageError ||
    (error instanceof Error && error.name === 'MalformedMessageError')
  );
}

/** A message handler threw; reported through `onEvent` and the logger, never thrown by runWorker. */
export class HandlerError extends WorkerError {
  override name = 'HandlerError';
  readonly messageId: string;

  constructor(messageId: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`handler failed on message ${messageId}${cause}`, options);
    this.messageId = messageId;
  }
}
