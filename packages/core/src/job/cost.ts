import type { Architecture, CapacityProvider, Config } from '../config/schema';
import type { AttemptCost } from './job';

export interface UnitPrice {
  /** USD per vCPU-hour. */
  vcpuHour: number;
  /** USD per GB-hour of memory. */
  gbHour: number;
}

export type PriceTable = Record<Architecture, Record<CapacityProvider, UnitPrice>>;

/**
 * Fargate Linux prices in us-east-1 (USD). Spot prices move with supply; these are typical values.
 * Override them per region with `prices` in the config.
 */
export const DEFAULT_PRICES: PriceTable = {
  x86_64: {
    FARGATE: { vcpuHour: 0.04048, gbHour: 0.004445 },
    FARGATE_SPOT: { vcpuHour: 0.01334053, gbHour: 0.00146489 },
  },
  arm64: {
    FARGATE: { vcpuHour: 0.03238, gbHour: 0.00356 },
    FARGATE_SPOT: { vcpuHour: 0.01035, gbHour: 0.00114 },
  },
};

/** The built-in table with the config's overrides applied. */
export function priceTable(config: Pick<Config, 'prices'>): PriceTable {
  const merge = (arch: Architecture): PriceTable[Architecture] => ({
    FARGATE: config.prices[arch]?.FARGATE ?? DEFAULT_PRICES[arch].FARGATE,
    FARGATE_SPOT: config.prices[arch]?.FARGATE_SPOT ?? DEFAULT_PRICES[arch].FARGATE_SPOT,
  });
  return { x86_64: merge('x86_64'), arm64: merge('arm64') };
}

export interface UsageFacts {
  /** CPU units (1024 = 1 vCPU). */
  cpu: number;
  /** Memory in MiB. */
  memory: number;
  architecture: Architecture;
  capacityProvider: CapacityProvider;
  /** When billing starts: image pull start (Fargate), else task start. */
  billingStart?: Date;
  stoppedAt?: Date;
}

const MINIMUM_BILLED_SECONDS = 60;

/**
 * Cost of one attempt as Fargate bills it: from the start of the image pull to the task's stop,
 * rounded up to the second, with a one-minute minimum. A task that never pulled costs nothing.
 */
export function attemptCost(usage: UsageFacts, prices: PriceTable): AttemptCost {
  const { billingStart, stoppedAt } = usage;
  const elapsed =
    billingStart && stoppedAt
      ? Math.max(0, (stoppedAt.getTime() - billingStart.getTime()) / 1000)
      : undefined;
  const billedSeconds = elapsed === undefined ? 0 : Math.max(MINIMUM_BILLED_SECONDS, Math.ceil(elapsed));
  const vcpu = usage.cpu / 1024;
  const gb = usage.memory / 1024;
  const price = prices[usage.architecture][usage.capacityProvider];
  const hours = billedSeconds / 3600;
  return {
    billedSeconds,
    vcpuSeconds: vcpu * billedSeconds,
    gbSeconds: gb * billedSeconds,
    usd: roundUsd(vcpu * hours * price.vcpuHour + gb * hours * price.gbHour),
  };
}

function roundUsd(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}
