import type { Failure } from '@aws-sdk/client-ecs';
import { RunTaskError, type RunTaskErrorKind } from '../errors';

/*
 * RunTask reports refusals two ways: an exception, or a 200 with `failures[]` and no task. Both
 * become a RunTaskError whose kind the state machine acts on. Capacity and throttling are worth
 * waiting for; a bad request or a conflicting clientToken is not.
 */
// "Capacity is unavailable at this time", "RESOURCE:MEMORY", "insufficient ...". Not "capacity
// provider": that is a bad strategy, a request error.
const CAPACITY = /capacity(?! provider)|RESOURCE:|insufficient/i;

const INVALID_EXCEPTIONS = new Set([
  'ClientException',
  'InvalidParameterException',
  'ClusterNotFoundException',
  'PlatformUnknownException',
  'PlatformTaskDefinitionIncompatibilityException',
  'AccessDeniedException',
  'UnsupportedFeatureException',
  'BlockedException',
]);

/** Classifies an entry of RunTask's `failures[]`. */
export function failureToError(failure: Failure): RunTaskError {
  const reason = [failure.reason, failure.detail].filter(Boolean).join(': ') || 'RunTask returned a failure';
  const kind: RunTaskErrorKind = CAPACITY.test(reason)
    ? 'capacity'
    : failure.reason === 'MISSING'
      ? 'invalid'
      : 'unknown';
  return new RunTaskError(kind, reason, failure.arn ? { arn: failure.arn } : {});
}

/** Classifies an exception RunTask threw (after the SDK's own retries). */
export function exceptionToError(error: unknown): RunTaskError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  let kind: RunTaskErrorKind = 'unknown';
  if (
    /Throttl|TooManyRequests|RequestLimitExceeded/i.test(name) ||
    status === 429 ||
    /rate exceeded/i.test(message)
  ) {
    kind = 'throttling';
  } else if (name === 'ConflictException') {
    kind = 'conflict';
  } else if (INVALID_EXCEPTIONS.has(name) && !/capacity is unavailable/i.test(message)) {
    // A request error names what is wrong, which may mention capacity; waiting will not fix it.
    kind = 'invalid';
  } else if (CAPACITY.test(message)) {
    kind = 'capacity';
  }
  return new RunTaskError(kind, `${name}: ${message}`, { cause: error });
}
