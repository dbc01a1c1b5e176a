import type { CapacityProvider } from '../config/schema';

/*
 * Capacity per attempt: which capacity provider an attempt asks for, and why. A policy with `spot`
 * runs attempts on FARGATE_SPOT; with `fallback: 'on-demand'`, a Spot capacity refusal relaunches the
 * same attempt on FARGATE at once, and an interruption sends the next attempt to FARGATE. Either
 * fallback sticks for the rest of the job (Spot just said it has no room for it). After
 * `spotAttempts` attempts every later one runs on FARGATE.
 *
 * What the state machine must know when an attempt ends (what it asked for, and how many attempts
 * so far did not count against the retry budget) travels with the task, in its environment
 * overrides, which ECS repeats in every event: the ledger applies a task event without a read.
 */

/** What a source's jobs run on (see `capacityPolicy` in the config). */
export interface CapacityPolicy {
  spot: boolean;
  /** Where an attempt goes when Spot refuses or interrupts it. */
  fallback: 'on-demand' | 'none';
  /** Spot attempts at most; unset: no limit. */
  spotAttempts?: number;
  /** A Spot interruption uses up an attempt of the retry budget. */
  interruptionsCount: boolean;
}

export const ON_DEMAND: CapacityPolicy = { spot: false, fallback: 'none', interruptionsCount: false };

export const CAPACITY_REASONS = [
  /** The policy has no Spot. */
  'on-demand',
  /** The policy runs this attempt on Spot. */
  'spot',
  /** Spot refused a launch of this job for capacity: on-demand from then on. */
  'spot-refused',
  /** Spot took an attempt of this job away: on-demand from then on. */
  'spot-interrupted',
  /** The policy's Spot attempts are used up. */
  'spot-attempts-used',
] as const;
export type CapacityReason = (typeof CAPACITY_REASONS)[number];

/** Why a job left Spot, and in which attempt. */
export interface SpotFallback {
  reason: 'spot-refused' | 'spot-interrupted';
  attempt: number;
}

export interface CapacityChoice {
  provider: CapacityProvider;
  reason: CapacityReason;
}

/** The stopCode of a task Fargate Spot took back ("Your Spot Task was interrupted."). */
export const SPOT_INTERRUPTION = 'SpotInterruption';

/**
 * Interruptions beyond this many in one job count against its retry budget whatever the policy
 * says: with no fallback, a job must not run forever on a Spot pool that keeps taking it back.
 */
export const MAX_UNCOUNTED_INTERRUPTIONS = 3;

/** The capacity the job's current attempt asks for, and why. */
export function chooseCapacity(
  policy: CapacityPolicy,
  job: { attempt: number; spotFallback?: SpotFallback },
): CapacityChoice {
  if (!policy.spot) return { provider: 'FARGATE', reason: 'on-demand' };
  if (job.spotFallback && policy.fallback === 'on-demand')
    return { provider: 'FARGATE', reason: job.spotFallback.reason };
  // Attempts before a fallback all ran on Spot, so the attempt number counts the Spot attempts.
  if (policy.spotAttempts !== undefined && job.attempt > policy.spotAttempts)
    return { provider: 'FARGATE', reason: 'spot-attempts-used' };
  return { provider: 'FARGATE_SPOT', reason: 'spot' };
}

/** A refusal of this launch is retried on FARGATE at once, as the same attempt. */
export function fallsBackOnRefusal(policy: CapacityPolicy, asked: CapacityProvider): boolean {
  return asked === 'FARGATE_SPOT' && policy.fallback === 'on-demand';
}

/** What each reason means, for `jobs show` and the console. */
export const CAPACITY_REASON_TEXT: Record<CapacityReason, string> = {
  'on-demand': 'on-demand by policy',
  spot: 'Spot by policy',
  'spot-refused': 'Spot had no capacity: on-demand',
  'spot-interrupted': 'Spot interrupted an attempt: on-demand',
  'spot-attempts-used': 'Spot attempts used up: on-demand',
};

/** Environment overrides that carry the attempt's capacity facts in every event of its task. */
export const CAPACITY_ENV = {
  provider: 'STEVEDORE_CAPACITY',
  reason: 'STEVEDORE_CAPACITY_REASON',
  uncounted: 'STEVEDORE_UNCOUNTED_ATTEMPTS',
} as const;

/**
 * The overrides of an attempt: its choice, and the attempts before it that did not count against the
 * budget. Jobs whose policy has no Spot get none, so their requests stay as they always were.
 */
export function capacityEnv(
  policy: CapacityPolicy,
  choice: CapacityChoice,
  uncountedAttempts: number,
): Record<string, string> {
  if (!policy.spot) return {};
  return {
    [CAPACITY_ENV.provider]: choice.provider,
    [CAPACITY_ENV.reason]: choice.reason,
    ...(uncountedAttempts > 0 ? { [CAPACITY_ENV.uncounted]: String(uncountedAttempts) } : {}),
  };
}

/** The capacity facts a task's overrides carry (see `capacityEnv`); on-demand when it carries none. */
export function capacityOfTask(env: Readonly<Record<string, string>>): CapacityChoice & {
  uncountedAttempts: number;
} {
  const provider = env[CAPACITY_ENV.provider] === 'FARGATE_SPOT' ? 'FARGATE_SPOT' : 'FARGATE';
  const given = env[CAPACITY_ENV.reason];
  const reason = (CAPACITY_REASONS as readonly string[]).includes(given ?? '')
    ? (given as CapacityReason)
    : provider === 'FARGATE_SPOT'
      ? 'spot'
      : 'on-demand';
  const uncounted = Number(env[CAPACITY_ENV.uncounted] ?? '0');
  return {
    provider,
    reason,
    uncountedAttempts: Number.isInteger(uncounted) && uncounted > 0 && uncounted <= 100 ? uncounted : 0,
  };
}
