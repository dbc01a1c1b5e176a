import type { SQSClient } from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { WorkerConfigError } from './errors';
import { MAX_PROTECTION_MINUTES, MIN_PROTECTION_MINUTES, TaskProtection } from './task-protection';
import type { MessageHandler, WorkerEvent, WorkerLogger, WorkerOptions } from './worker-types';

/*
 * runWorker's options, checked before anything starts: unknown keys are errors (a typo such as
 * `maxMessage` must not silently fall back to a default), and each problem names its key.
 */

/** SQS's largest visibility timeout: 12 hours, counted from the receive. */
export const MAX_VISIBILITY_SECONDS = 43_200;
export const DEFAULT_PROTECTION_MINUTES = 15;

export interface NormalizedWorkerOptions {
  queueUrl: string;
  handler: MessageHandler;
  sqs: SQSClient | undefined;
  maxMessages: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number | undefined;
  releaseOnFailure: boolean;
  taskProtection: TaskProtection;
  protectionMinutes: number;
  signal: AbortSignal | undefined;
  handleSignals: boolean;
  logger: WorkerLogger;
  onEvent: (event: WorkerEvent) => void;
}

const integer = (min: number, max: number) =>
  v.pipe(
    v.number(),
    v.integer(`expected an integer from ${min} to ${max}`),
    v.minValue(min, `expected an integer from ${min} to ${max}`),
    v.maxValue(max, `expected an integer from ${min} to ${max}`),
  );

const hasFunction = (name: string) => (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Record<string, unknown>)[name] === 'function';

const OptionsSchema = v.strictObject({
  queueUrl: v.pipe(
    v.string('expected the queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)'),
    v.url('expected the queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)'),
  ),
  handler: v.function('expected a function (message, context) => Promise<void>'),
  sqs: v.optional(v.custom(hasFunction('send'), 'expected an SQSClient')),
  maxMessages: v.optional(integer(1, 10)),
  waitTimeSeconds: v.optional(integer(0, 20)),
  visibilityTimeoutSeconds: v.optional(integer(1, MAX_VISIBILITY_SECONDS)),
  releaseOnFailure: v.optional(v.boolean('expected true or false')),
  taskProtection: v.optional(v.instance(TaskProtection, 'expected a TaskProtection')),
  protectionMinutes: v.optional(integer(MIN_PROTECTION_MINUTES, MAX_PROTECTION_MINUTES)),
  signal: v.optional(v.instance(AbortSignal, 'expected an AbortSignal')),
  handleSignals: v.optional(v.boolean('expected true or false')),
  logger: v.optional(
    v.custom(
      (value) => ['info', 'warn', 'error'].every((level) => hasFunction(level)(value)),
      'expected an object with info, warn and error methods',
    ),
  ),
  onEvent: v.optional(v.function('expected a function')),
});

/** Validates runWorker's options and fills in the defaults; throws WorkerConfigError naming the key. */
export function normalizeWorkerOptions(options: WorkerOptions): NormalizedWorkerOptions {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) {
    const [issue] = result.issues;
    const path = v.getDotPath(issue);
    const problem =
      issue.type === 'strict_object'
        ? 'unknown option'
        : issue.input === undefined && path !== null
          ? `required: ${issue.message}`
          : issue.message;
    throw new WorkerConfigError(path === null ? 'runWorker options' : `runWorker options.${path}`, problem, {
      cause: new v.ValiError(result.issues),
    });
  }
  return {
    queueUrl: options.queueUrl,
    handler: options.handler,
    sqs: options.sqs,
    maxMessages: options.maxMessages ?? 1,
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    releaseOnFailure: options.releaseOnFailure ?? false,
    taskProtection: options.taskProtection ?? TaskProtection.fromEnvironment(),
    protectionMinutes: options.protectionMinutes ?? DEFAULT_PROTECTION_MINUTES,
    signal: options.signal,
    handleSignals: options.handleSignals ?? true,
    logger: options.logger ?? jsonLineLogger,
    onEvent: options.onEvent ?? (() => {}),
  };
}

/** The default logger: one JSON object per line, which CloudWatch Logs Insights parses as is. */
const jsonLineLogger: WorkerLogger = {
  info: (message, fields) => process.stdout.write(jsonLine('INFO', message, fields)),
  warn: (message, fields) => process.stderr.write(jsonLine('WARN', message, fields)),
  error: (message, fields) => process.stderr.write(jsonLine('ERROR', message, fields)),
};

function jsonLine(level: string, message: string, fields: Record<string, unknown> = {}): string {
  // Errors have no enumerable fields, so JSON.stringify would write {}.
  const plain = Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, value instanceof Error ? errorFields(value) : value]),
  );
  return `${JSON.stringify({ level, message, time: new Date().toISOString(), ...plain })}\n`;
}

function errorFields(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    ...(error.cause instanceof Error ? { cause: errorFields(error.cause) } : {}),
  };
}
