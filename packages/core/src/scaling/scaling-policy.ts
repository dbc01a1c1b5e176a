import type { WorkerConfig } from '../config/schema';
import type { SpotBaseMemory, SpotBasePolicy } from './spot-base';

/*
 * Queue-driven scaling: the desired count of a worker service from its queue, decided from one
 * observation and the memory of the last decisions, with no I/O.
 *
 *   target = clamp(ceil((visible + inFlight) / messagesPerTask), min, max)
 *
 * Out at once (up to step.maxOut per decision); in only after the scale-in cooldown, with hysteresis
 * (the backlog must fit the smaller count at 80% of messagesPerTask), never below the tasks that hold
 * messages, and to zero only when nothing is visible or in flight. Leaving zero takes the activation
 * rule, so a one-off blip starts nothing. Every decision carries a kind, to compare, and a reason
 * made of its inputs, to read.
 */

/** Scale in only when the backlog fits the smaller count at this share of messagesPerTask. */
export const SCALE_IN_UTILIZATION = 0.8;

export interface WorkerPolicy {
  /** The service's Spot share and when its on-demand base goes up and down (see spot-base.ts). */
  spot: SpotBasePolicy;
  min: number;
  max: number;
  messagesPerTask: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  maxStepOut: number;
  maxStepIn: number;
  activationObservations: number;
  activationAgeSeconds?: number;
}

/** The policy of a worker from its config (messagesPerTask derived from latency when given). */
export function workerPolicy(worker: WorkerConfig): WorkerPolicy {
  const messagesPerTask =
    worker.messagesPerTask ??
    (worker.latency
      ? Math.max(1, Math.floor(worker.latency.targetSeconds / worker.latency.secondsPerMessage))
      : 10);
  return {
    spot: {
      spotPercent: worker.spotPercent,
      fallbackSeconds: worker.spotFallbackSeconds,
      retrySpotSeconds: worker.spotRetrySeconds,
    },
    min: worker.min,
    max: worker.max,
    messagesPerTask,
    scaleOutCooldownSeconds: worker.cooldown.scaleOutSeconds,
    scaleInCooldownSeconds: worker.cooldown.scaleInSeconds,
    maxStepOut: worker.step.maxOut,
    maxStepIn: worker.step.maxIn,
    activationObservations: worker.activation.observations,
    ...(worker.activation.oldestMessageAgeSeconds !== undefined
      ? { activationAgeSeconds: worker.activation.oldestMessageAgeSeconds }
      : {}),
  };
}

/** What was seen: the queue and the service at one instant. */
export interface Observation {
  at: Date;
  visible: number;
  inFlight: number;
  delayed: number;
  /** The service's desired count now. */
  desired: number;
  running: number;
  pending: number;
  /** Tasks holding scale-in protection (workers protect themselves while they hold a message). */
  protected: number;
}

/** What a worker remembers between decisions (kept in the ledger). */
export interface ScalingMemory {
  /** Last time the desired count went up / down. */
  lastScaleOutAt?: string;
  lastScaleInAt?: string;
  /** While at zero: consecutive observations with visible messages, and since when. */
  visibleStreak: number;
  visibleSince?: string;
  /**
   * The counts wanted within the scale-in window, oldest first ([time, count]): scale-in never goes
   * below the largest (as Kubernetes' HPA stabilization window), so one empty snapshot between
   * messages does not drop a busy service, and zero takes a whole window without messages.
   */
  recent?: [string, number][];
  /** The on-demand base's own memory (kept by the caller: decideScale leaves it out). */
  spot?: SpotBaseMemory;
}

export const FRESH_MEMORY: ScalingMemory = { visibleStreak: 0 };

/**
 * What a decision did, as a value to compare (the reason says the same for people, with numbers):
 * - `idle`: at zero with nothing visible;
 * - `activation-wait`: at zero with messages visible, the activation rule not yet met;
 * - `activate`: leaves zero, by the count of observations or by the backlog's age;
 * - `scale-out`: out toward the count the backlog needs;
 * - `floor`: out to keep the tasks that hold messages (one while any is in flight), when the service's
 *   count has dropped below them;
 * - `steady`: the count is what the backlog needs;
 * - `hold`: the backlog wants another count, but a cooldown, the scale-in margin or a recent peak
 *   keeps this one (the reason says which);
 * - `scale-in`: in, to zero only when nothing is visible or in flight.
 * (The on-demand base's decisions have kinds of their own: see spot-base.ts.)
 */
export const SCALING_KINDS = [
  'idle',
  'activation-wait',
  'activate',
  'scale-out',
  'floor',
  'steady',
  'hold',
  'scale-in',
] as const;
export type ScalingKind = (typeof SCALING_KINDS)[number];

export interface ScalingDecision {
  kind: ScalingKind;
  desired: number;
  /** True when desired differs from the service's count: UpdateService is due. */
  change: boolean;
  reason: string;
  memory: ScalingMemory;
}

/** The desired count after an observation, and why. */
export function decideScale(policy: WorkerPolicy, memory: ScalingMemory, obs: Observation): ScalingDecision {
  const now = obs.at.getTime();
  const at = obs.at.toISOString();
  const backlog = obs.visible + obs.inFlight;
  const current = obs.desired;
  const clamp = (n: number) => Math.min(policy.max, Math.max(policy.min, n));
  // Tasks holding messages stay; and while anything is in flight, at least one task stays. At zero
  // with no task running, what is in flight is held by someone else: it is no reason to leave zero
  // (if it comes back, it is visible, and the activation rule decides).
  const ours = current > 0 || obs.running > 0;
  const floor = Math.min(policy.max, Math.max(obs.protected, ours && obs.inFlight > 0 ? 1 : 0));
  const target = Math.max(clamp(Math.ceil(backlog / policy.messagesPerTask)), floor);
  const inputs = `${obs.visible} visible + ${obs.inFlight} in flight = ${backlog} (${policy.messagesPerTask} per task), ${obs.running} running, ${obs.protected} protected`;
  const result = (
    kind: ScalingKind,
    desired: number,
    reason: string,
    next: ScalingMemory,
  ): ScalingDecision => ({
    kind,
    desired,
    change: desired !== current,
    reason: `${reason}: ${inputs}`,
    memory: next,
  });

  // Leaving zero: the activation rule guards against a one-off blip.
  if (current === 0 && policy.min === 0 && floor === 0) {
    if (obs.visible === 0) return result('idle', 0, 'idle', FRESH_MEMORY);
    const streak = memory.visibleStreak + 1;
    const since = memory.visibleSince ?? at;
    const waited = (now - Date.parse(since)) / 1000;
    const byCount = streak >= policy.activationObservations;
    const byAge = policy.activationAgeSeconds !== undefined && waited >= policy.activationAgeSeconds;
    if (!byCount && !byAge) {
      return result(
        'activation-wait',
        0,
        `stay at zero until activation (${streak} of ${policy.activationObservations} observations)`,
        {
          visibleStreak: streak,
          visibleSince: since,
        },
      );
    }
    const desired = Math.min(target, policy.maxStepOut);
    const why = byCount
      ? `activate after ${streak} observations`
      : `activate: backlog waited ${waited.toFixed(0)} s`;
    return result('activate', desired, why, { visibleStreak: 0, lastScaleOutAt: at, recent: [[at, target]] });
  }

  // The largest count wanted within the scale-in window (HPA-style stabilization).
  const windowMs = policy.scaleInCooldownSeconds * 1000;
  const recent: [string, number][] = [
    ...(memory.recent ?? []).filter(([t]) => now - Date.parse(t) < windowMs),
    [at, target],
  ];
  const peak = Math.max(...recent.map(([, count]) => count));
  const atWork: ScalingMemory = {
    visibleStreak: 0,
    recent,
    ...(memory.lastScaleOutAt ? { lastScaleOutAt: memory.lastScaleOutAt } : {}),
    ...(memory.lastScaleInAt ? { lastScaleInAt: memory.lastScaleInAt } : {}),
  };

  if (target > current) {
    const sinceOut = memory.lastScaleOutAt
      ? (now - Date.parse(memory.lastScaleOutAt)) / 1000
      : Number.POSITIVE_INFINITY;
    if (sinceOut < policy.scaleOutCooldownSeconds) {
      return result(
        'hold',
        current,
        `hold: scale-out cooldown, ${Math.ceil(policy.scaleOutCooldownSeconds - sinceOut)} s left`,
        atWork,
      );
    }
    const desired = Math.min(target, current + policy.maxStepOut);
    const memoryOut = { ...atWork, lastScaleOutAt: at };
    return floor > current && desired === floor
      ? result('floor', desired, `keep the ${floor} tasks holding messages`, memoryOut)
      : result('scale-out', desired, `scale out to ${desired}`, memoryOut);
  }

  // Hysteresis: the count the backlog needs when each task is loaded at 80%, and never below the
  // window's peak or the tasks holding messages.
  const needed = Math.max(clamp(Math.ceil(backlog / (policy.messagesPerTask * SCALE_IN_UTILIZATION))), floor);
  const inTarget = Math.max(needed, Math.min(peak, current));
  if (inTarget >= current) {
    if (target >= current) return result('steady', current, 'steady', atWork);
    const why = needed >= current ? 'hold: within the scale-in margin' : 'hold: a recent peak';
    return result('hold', current, why, atWork);
  }
  const lastChange = Math.max(
    memory.lastScaleOutAt ? Date.parse(memory.lastScaleOutAt) : 0,
    memory.lastScaleInAt ? Date.parse(memory.lastScaleInAt) : 0,
  );
  const sinceChange = (now - lastChange) / 1000;
  if (sinceChange < policy.scaleInCooldownSeconds) {
    return result(
      'hold',
      current,
      `hold: scale-in cooldown, ${Math.ceil(policy.scaleInCooldownSeconds - sinceChange)} s left`,
      atWork,
    );
  }
  // inTarget is at least 1 while any message is visible or in flight: to zero only when none is.
  const desired = Math.max(inTarget, current - policy.maxStepIn);
  const why = desired === 0 ? 'scale in to zero' : `scale in to ${desired}`;
  return result(
    'scale-in',
    desired,
    floor > 0 && desired === floor ? `${why} (${floor} tasks hold messages)` : why,
    { ...atWork, lastScaleInAt: at },
  );
}
