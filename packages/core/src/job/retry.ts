import type { RetryConfig, RetryRule } from '../config/schema';

/**
 * Retry decisions, modelled on AWS Batch's `evaluateOnExit`: the first rule whose conditions all
 * match decides RETRY or EXIT; when none matches, `otherwise` decides (Batch retries). A RETRY only
 * happens while attempts remain.
 */
export interface FailureFacts {
  /** Exit code of the first essential container that failed, if it ran. */
  exitCode?: number;
  /** ECS stopCode, or a launch error kind such as `capacity`. */
  stopCode?: string;
  /** Every reason on record: the task's stoppedReason and each container's reason. */
  reasons: readonly string[];
}

export interface RetryDecision {
  action: 'RETRY' | 'EXIT';
  /** Which rule decided, for the job's history: `rules[2]`, `otherwise` or `attempts`. */
  decidedBy: string;
}

/** Batch-style glob: exact, or a prefix when the pattern ends in '*'. */
export function globMatches(pattern: string, value: string): boolean {
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

export function ruleMatches(rule: RetryRule, facts: FailureFacts): boolean {
  if (rule.onExitCode !== undefined) {
    if (facts.exitCode === undefined || !globMatches(rule.onExitCode, String(facts.exitCode))) return false;
  }
  if (rule.onStopCode !== undefined) {
    if (facts.stopCode === undefined || !globMatches(rule.onStopCode, facts.stopCode)) return false;
  }
  if (rule.onReason !== undefined) {
    const pattern = rule.onReason;
    if (!facts.reasons.some((reason) => globMatches(pattern, reason))) return false;
  }
  return true;
}

/** Decides whether a failed attempt is retried. */
export function decideRetry(retry: RetryConfig, facts: FailureFacts, attempt: number): RetryDecision {
  const index = retry.rules.findIndex((rule) => ruleMatches(rule, facts));
  const rule = index >= 0 ? retry.rules[index] : undefined;
  const action = rule ? rule.action : retry.otherwise;
  const decidedBy = rule ? `rules[${index}]` : 'otherwise';
  if (action === 'RETRY' && attempt >= retry.attempts) return { action: 'EXIT', decidedBy: 'attempts' };
  return { action, decidedBy };
}

/**
 * Delay before the next attempt: exponential from `initialSeconds`, capped at `maxSeconds`, with
 * "equal jitter" (half fixed, half random) so retries of many jobs spread out without ever being 0.
 * `random` returns a number in [0, 1).
 */
export function backoffSeconds(backoff: RetryConfig['backoff'], failures: number, random: number): number {
  const exponential = backoff.initialSeconds * backoff.multiplier ** Math.max(0, failures - 1);
  const capped = Math.min(backoff.maxSeconds, exponential);
  return capped / 2 + (capped / 2) * random;
}

/**
 * A deterministic number in [0, 1) from a string (FNV-1a). Used as jitter so that a redelivered
 * event computes the same retry time, while different jobs spread out.
 */
export function stableRandom(seed: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}
