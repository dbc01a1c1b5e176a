import * as v from 'valibot';
import type { CapacityPolicy } from '../job/capacity';
import type { Architecture } from './schema';

/*
 * A task's, pipeline's or schedule's capacity: where its attempts run. The short forms name one
 * capacity provider for every attempt; the policy form runs attempts on Fargate Spot and falls back
 * to on-demand (FARGATE) per attempt, as `chooseCapacity` decides.
 */

const POLICY_MESSAGE = 'a capacity policy: spot and optional fallback, spotAttempts, interruptionsCount';

export const CapacityPolicySchema = v.pipe(
  v.strictObject(
    {
      /** Attempts run on FARGATE_SPOT (until a fallback). */
      spot: v.boolean('expected true or false'),
      /** Where an attempt goes when Spot refuses it or takes it away: FARGATE ('on-demand') or Spot again ('none'). */
      fallback: v.optional(v.picklist(['on-demand', 'none'], "expected 'on-demand' or 'none'")),
      /** Spot attempts at most; every later attempt runs on FARGATE. */
      spotAttempts: v.optional(
        v.pipe(
          v.number('expected an integer from 1 to 10'),
          v.integer('expected an integer from 1 to 10'),
          v.minValue(1, 'expected an integer from 1 to 10'),
          v.maxValue(10, 'expected an integer from 1 to 10'),
        ),
      ),
      /** A Spot interruption uses up an attempt of the retry budget (by default it does not). */
      interruptionsCount: v.optional(v.boolean('expected true or false')),
    },
    (issue) =>
      issue.expected === 'never'
        ? 'unknown key'
        : issue.input === undefined && issue.path
          ? 'required'
          : `expected ${POLICY_MESSAGE}`,
  ),
  v.check(
    (policy) => policy.spot || (policy.fallback === undefined && policy.spotAttempts === undefined),
    'fallback and spotAttempts apply only with spot: true',
  ),
);

/** `'FARGATE'`, `'FARGATE_SPOT'` (every attempt on Spot, no fallback), or a policy. */
export const CapacitySchema = v.union(
  [v.picklist(['FARGATE', 'FARGATE_SPOT']), CapacityPolicySchema],
  `expected 'FARGATE', 'FARGATE_SPOT' or ${POLICY_MESSAGE}`,
);
// By the value's type, so a typo inside the policy is reported at its key, not as "not a union member".
export const CapacityConfigSchema = v.lazy((input) =>
  typeof input === 'object' && input !== null ? CapacityPolicySchema : CapacitySchema,
);

export type CapacityConfig = v.InferOutput<typeof CapacitySchema>;

/** The policy a capacity setting stands for. */
export function capacityPolicy(config: CapacityConfig): CapacityPolicy {
  if (config === 'FARGATE') return { spot: false, fallback: 'none', interruptionsCount: false };
  if (config === 'FARGATE_SPOT') return { spot: true, fallback: 'none', interruptionsCount: false };
  return {
    spot: config.spot,
    fallback: config.fallback ?? 'on-demand',
    ...(config.spotAttempts !== undefined ? { spotAttempts: config.spotAttempts } : {}),
    interruptionsCount: config.interruptionsCount ?? false,
  };
}

/** Why a capacity setting cannot run a task of this architecture, or undefined when it can. */
export function capacityArchitectureIssue(
  config: CapacityConfig,
  architecture: Architecture,
): string | undefined {
  // "Fargate Spot only supports Linux tasks with the X86_64 architecture" (ECS Developer Guide).
  if (architecture === 'arm64' && capacityPolicy(config).spot)
    return 'Fargate Spot runs only x86_64 tasks; this task is arm64 (use FARGATE or spot: false)';
  return undefined;
}
