import type { CapacityProviderName } from './types';

/*
 * ECS and Fargate rate limits, as token buckets with the capacities (burst) and refill rates
 * (sustained, per second) AWS documents:
 *   - Amazon ECS API Reference, "Request throttling for the Amazon ECS API": actions share one
 *     bucket per category, e.g. "Cluster resource modify actions" (RunTask, StopTask) 100 / 40.
 *   - Amazon ECS Developer Guide, "AWS Fargate throttling quotas": task launches count per task,
 *     100 / 20 for On-Demand and, separately, for Spot; and "the rate quota for calls to the
 *     Amazon ECS RunTask API is 20 calls per second (burst and sustained)".
 * A request is admitted only when every bucket it needs has the tokens, and a refused request
 * takes none. Buckets refill continuously rather than once a second.
 */

export interface BucketQuota {
  /** Bucket maximum capacity (burst rate). */
  capacity: number;
  /** Tokens added per second (sustained rate). */
  refillPerSecond: number;
}

/** Per-category quotas of the actions the local endpoint serves. */
export const ECS_API_QUOTAS = {
  clusterResourceModify: { capacity: 100, refillPerSecond: 40 },
  clusterResourceRead: { capacity: 100, refillPerSecond: 20 },
  taskDefinitionRead: { capacity: 50, refillPerSecond: 20 },
  serviceModify: { capacity: 50, refillPerSecond: 5 },
  serviceRead: { capacity: 100, refillPerSecond: 20 },
  taskProtection: { capacity: 200, refillPerSecond: 80 },
  fargateRunTask: { capacity: 20, refillPerSecond: 20 },
} as const satisfies Record<string, BucketQuota>;

export type ApiBucket = keyof typeof ECS_API_QUOTAS;

/** The buckets each action draws one token from. */
export const ACTION_BUCKETS: Readonly<Record<string, readonly ApiBucket[]>> = {
  RunTask: ['clusterResourceModify', 'fargateRunTask'],
  StopTask: ['clusterResourceModify'],
  DescribeTasks: ['clusterResourceRead'],
  ListTasks: ['clusterResourceRead'],
  DescribeTaskDefinition: ['taskDefinitionRead'],
  UpdateService: ['serviceModify'],
  DescribeServices: ['serviceRead'],
  UpdateTaskProtection: ['taskProtection'],
  GetTaskProtection: ['taskProtection'],
};

/** Fargate task launch rate, one token per task, one bucket per capacity type. */
export const FARGATE_LAUNCH_QUOTAS = {
  FARGATE: { capacity: 100, refillPerSecond: 20 },
  FARGATE_SPOT: { capacity: 100, refillPerSecond: 20 },
} as const satisfies Record<CapacityProviderName, BucketQuota>;

/** A token bucket over an injected clock (milliseconds), full when created. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly quota: BucketQuota,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = quota.capacity;
    this.refilledAt = now();
  }

  /** Tokens in the bucket now (fractional while refilling). */
  available(): number {
    const now = this.now();
    const elapsed = Math.max(0, now - this.refilledAt) / 1000;
    this.tokens = Math.min(this.quota.capacity, this.tokens + elapsed * this.quota.refillPerSecond);
    this.refilledAt = now;
    return this.tokens;
  }

  /** Takes `count` tokens if they are all there; false (taking none) otherwise. */
  tryTake(count = 1): boolean {
    if (this.available() < count) return false;
    this.tokens -= count;
    return true;
  }

  /** Milliseconds until `count` tokens will be there (0 when they are). */
  msUntil(count = 1): number {
    const missing = count - this.available();
    return missing <= 0 ? 0 : Math.ceil((missing / this.quota.refillPerSecond) * 1000);
  }
}

export interface ThrottleRequest {
  action: string;
  /** Tasks the request would launch, per capacity type. */
  launches?: Partial<Record<CapacityProviderName, number>>;
}

/** Every bucket of one account and Region; `enabled: false` admits everything. */
export class EcsThrottle {
  private readonly api: Record<ApiBucket, TokenBucket>;
  private readonly launch: Record<CapacityProviderName, TokenBucket>;

  constructor(
    private readonly enabled: boolean,
    now: () => number = Date.now,
  ) {
    const bucket = (quota: BucketQuota) => new TokenBucket(quota, now);
    this.api = {
      clusterResourceModify: bucket(ECS_API_QUOTAS.clusterResourceModify),
      clusterResourceRead: bucket(ECS_API_QUOTAS.clusterResourceRead),
      taskDefinitionRead: bucket(ECS_API_QUOTAS.taskDefinitionRead),
      serviceModify: bucket(ECS_API_QUOTAS.serviceModify),
      serviceRead: bucket(ECS_API_QUOTAS.serviceRead),
      taskProtection: bucket(ECS_API_QUOTAS.taskProtection),
      fargateRunTask: bucket(ECS_API_QUOTAS.fargateRunTask),
    };
    this.launch = {
      FARGATE: bucket(FARGATE_LAUNCH_QUOTAS.FARGATE),
      FARGATE_SPOT: bucket(FARGATE_LAUNCH_QUOTAS.FARGATE_SPOT),
    };
  }

  /** True (taking the tokens) when every bucket the request needs has them. */
  admit(request: ThrottleRequest): boolean {
    if (!this.enabled) return true;
    const needs: Array<[TokenBucket, number]> = (ACTION_BUCKETS[request.action] ?? []).map((name) => [
      this.api[name],
      1,
    ]);
    for (const capacity of ['FARGATE', 'FARGATE_SPOT'] as const) {
      const count = request.launches?.[capacity] ?? 0;
      if (count > 0) needs.push([this.launch[capacity], count]);
    }
    if (!needs.every(([bucket, count]) => bucket.available() >= count)) return false;
    for (const [bucket, count] of needs) bucket.tryTake(count);
    return true;
  }

  /** Takes launch tokens for tasks the service scheduler starts; false when it must wait. */
  admitLaunch(capacity: CapacityProviderName, count = 1): boolean {
    return !this.enabled || this.launch[capacity].tryTake(count);
  }

  /** Milliseconds until one task of this capacity type may launch. */
  msUntilLaunch(capacity: CapacityProviderName): number {
    return this.enabled ? this.launch[capacity].msUntil(1) : 0;
  }
}
