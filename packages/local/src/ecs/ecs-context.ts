import { EcsApiError } from '../errors';
import type { EcsScope } from './identifiers';
import type { RequestBody } from './request-fields';
import type { ServiceScheduler } from './services';
import type { TaskProtection } from './task-protection';
import type { TaskRunner } from './task-runner';
import type { EcsThrottle, ThrottleRequest } from './throttle';
import type { LocalTaskDefinition } from './types';

/** What every action handler works with: one per endpoint. */
export interface EcsContext {
  scope: EcsScope;
  definitions: ReadonlyMap<string, LocalTaskDefinition>;
  runner: TaskRunner;
  scheduler: ServiceScheduler;
  protection: TaskProtection;
  throttle: EcsThrottle;
  /** Fault injection: true when one task launch fails for lack of Fargate capacity. */
  capacityFails: () => boolean;
  /** Fault injection: true when one FARGATE_SPOT launch fails for lack of Spot capacity. */
  spotCapacityFails: () => boolean;
  random: () => number;
  /** RunTask clientToken → the request's fingerprint and the response it got. */
  runTaskTokens: Map<string, { fingerprint: string; response: Record<string, unknown> }>;
  /** Writes the changes saved so far (tasks, tokens) to the state file, before an answer shows them. */
  persist: () => void;
}

/** One ECS API action: the request body in, the response body out (or an EcsApiError). */
export type ActionHandler = (context: EcsContext, body: RequestBody) => Record<string, unknown>;

/** Takes the request's tokens or throws ThrottlingException, as ECS words it. */
export function admitOrThrottle(context: EcsContext, request: ThrottleRequest): void {
  if (!context.throttle.admit(request)) throw new EcsApiError('ThrottlingException', 'Rate exceeded');
}
