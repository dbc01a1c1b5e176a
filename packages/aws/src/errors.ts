import { type LaunchRefusalOptions, LaunchRefusedError } from '@stevedore/core/errors';
import type { LaunchFailure } from '@stevedore/core/job';

/** Base class of every error @stevedore/aws raises. SDK errors travel as `cause`. */
export class StevedoreAwsError extends Error {
  override name = 'StevedoreAwsError';
}

/** A DynamoDB call of the ledger failed for a reason other than a refused condition. */
export class LedgerError extends StevedoreAwsError {
  override name = 'LedgerError';
  readonly operation: string;
  readonly key: string;

  constructor(operation: string, key: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`ledger ${operation} failed for ${key}${cause}`, options);
    this.operation = operation;
    this.key = key;
  }
}

export type RunTaskErrorKind = LaunchFailure['kind'];

/**
 * RunTask did not start the task: an exception, or an entry of `failures[]`. `kind` classifies it
 * for the retry rules: capacity and throttling wait and try again, invalid and conflict do not.
 * It is core's port-level refusal, so the application layer never needs to know this adapter.
 */
export class RunTaskError extends LaunchRefusedError {
  override name = 'RunTaskError';
  /** The ARN a `failures[]` entry names, if any. */
  readonly arn: string | undefined;

  constructor(kind: RunTaskErrorKind, reason: string, options?: LaunchRefusalOptions & { arn?: string }) {
    super(kind, reason, options);
    this.message = `RunTask ${kind}: ${reason}`;
    this.arn = options?.arn;
  }
}

/** An ECS call other than RunTask failed. */
export class EcsError extends StevedoreAwsError {
  override name = 'EcsError';
  readonly operation: string;

  constructor(operation: string, options?: ErrorOptions) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.name}: ${options.cause.message}` : '';
    super(`ECS ${operation} failed${cause}`, options);
    this.operation = operation;
  }
}

/** Job events could not all be published (PutEvents failed, or refused entries after its retries). */
export class JobEventsError extends StevedoreAwsError {
  override name = 'JobEventsError';
}
