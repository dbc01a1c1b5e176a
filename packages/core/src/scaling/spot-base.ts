/*
 * A worker service's on-demand base. Its tasks go to FARGATE_SPOT by `spotPercent`, and ECS does not
 * fall back to FARGATE when Spot has no capacity: the Spot tasks stay unplaced and the service stays
 * below its desired count. When that lasts `fallbackSeconds`, the base of the service's FARGATE
 * provider goes up by the tasks missing, so ECS places them on demand; once no placement has failed
 * for `retrySpotSeconds`, the base goes back to 0 and Spot gets its share again (if Spot still has no
 * room, the shortfall comes back and so does the base). Pure: no I/O, the clock in the observation.
 */

export interface SpotBasePolicy {
  spotPercent: number;
  fallbackSeconds: number;
  retrySpotSeconds: number;
}

/** What the scaler saw of the service. */
export interface SpotBaseObservation {
  at: Date;
  desired: number;
  running: number;
  pending: number;
  /** The `base` of the FARGATE provider in the service's strategy. */
  onDemandBase: number;
  /** When the service last reported a task it could not place (ECS service event), if it did. */
  lastPlacementFailureAt?: string;
}

/** What the decision remembers between observations (kept with the worker's scaling memory). */
export interface SpotBaseMemory {
  /** Since when tasks have been missing while placements fail. */
  shortSince?: string;
  /** When the base was last raised. */
  raisedAt?: string;
}

export interface SpotBaseDecision {
  kind: 'spot-fallback' | 'spot-restore';
  previous: number;
  base: number;
  reason: string;
}

/** A placement failure this recent still counts as Spot failing (ECS retries placement about every 30 s). */
const FAILURE_FRESH_SECONDS = 60;

/** The base the service should have now, if it should change, and the memory to keep. */
export function decideSpotBase(
  policy: SpotBasePolicy,
  memory: SpotBaseMemory,
  obs: SpotBaseObservation,
): { decision?: SpotBaseDecision; memory: SpotBaseMemory } {
  if (policy.spotPercent === 0) return { memory: {} };
  const now = obs.at.getTime();
  const at = obs.at.toISOString();
  const missing = Math.max(0, obs.desired - obs.running - obs.pending);
  const failureAge =
    obs.lastPlacementFailureAt === undefined
      ? Number.POSITIVE_INFINITY
      : (now - Date.parse(obs.lastPlacementFailureAt)) / 1000;
  const failing = missing > 0 && failureAge <= Math.max(FAILURE_FRESH_SECONDS, policy.fallbackSeconds);
  const kept = memory.raisedAt ? { raisedAt: memory.raisedAt } : {};

  if (failing) {
    const since = memory.shortSince ?? at;
    const waited = (now - Date.parse(since)) / 1000;
    const base = Math.min(obs.desired, obs.onDemandBase + missing);
    if (waited < policy.fallbackSeconds || base <= obs.onDemandBase)
      return { memory: { ...kept, shortSince: since } };
    return {
      decision: {
        kind: 'spot-fallback',
        previous: obs.onDemandBase,
        base,
        reason: `Spot could not place ${missing} of ${obs.desired} tasks for ${Math.round(waited)} s: on-demand base ${obs.onDemandBase} -> ${base}`,
      },
      memory: { raisedAt: at },
    };
  }
  const sinceRaise = memory.raisedAt ? (now - Date.parse(memory.raisedAt)) / 1000 : Number.POSITIVE_INFINITY;
  if (
    obs.onDemandBase > 0 &&
    failureAge >= policy.retrySpotSeconds &&
    sinceRaise >= policy.retrySpotSeconds
  ) {
    return {
      decision: {
        kind: 'spot-restore',
        previous: obs.onDemandBase,
        base: 0,
        reason: `no Spot placement failure for ${policy.retrySpotSeconds} s: on-demand base ${obs.onDemandBase} -> 0, Spot gets its ${policy.spotPercent}% again`,
      },
      memory: {},
    };
  }
  return { memory: kept };
}
