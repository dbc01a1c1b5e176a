import { parseConfig } from '@stevedore/core/config';
import { attemptCost, DEFAULT_PRICES, jobCost, priceTable, type UsageFacts } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import {
  deliverOne,
  JOB_ID,
  launch,
  policyOf,
  runAttempt,
  submittedJob,
  thumbnailsConfig,
} from '../../support/jobs';

const STOPPED_AT = new Date('2026-01-01T01:00:00.000Z');
const secondsBefore = (seconds: number, at = STOPPED_AT) => new Date(at.getTime() - seconds * 1000);

function usage(overrides: Partial<UsageFacts> = {}): UsageFacts {
  return {
    cpu: 1024,
    memory: 2048,
    architecture: 'x86_64',
    capacityProvider: 'FARGATE',
    billingStart: secondsBefore(3600),
    stoppedAt: STOPPED_AT,
    ...overrides,
  };
}

describe('attemptCost', () => {
  it.each([
    [0, 60],
    [1, 60],
    [59.9, 60],
    [60, 60],
    [60.001, 61],
    [61.5, 62],
    [3723.4, 3724],
  ])(
    'bills %d s of run time as %i s: one minute minimum, then rounded up to the second',
    (elapsed, billed) => {
      const cost = attemptCost(usage({ billingStart: secondsBefore(elapsed) }), DEFAULT_PRICES);

      expect(cost.billedSeconds).toBe(billed);
    },
  );

  it.each([
    [256, 512, 0.25, 0.5],
    [1024, 2048, 1, 2],
    [4096, 12288, 4, 12],
    [16384, 122880, 16, 120],
  ])('counts cpu %i and memory %i MiB as %d vCPU and %d GB per second', (cpu, memory, vcpu, gb) => {
    const cost = attemptCost(usage({ cpu, memory, billingStart: secondsBefore(100) }), DEFAULT_PRICES);

    expect(cost).toMatchObject({ billedSeconds: 100, vcpuSeconds: vcpu * 100, gbSeconds: gb * 100 });
  });

  it.each([
    ['x86_64', 'FARGATE', 0.04048 + 2 * 0.004445],
    ['x86_64', 'FARGATE_SPOT', 0.01334053 + 2 * 0.00146489],
    ['arm64', 'FARGATE', 0.03238 + 2 * 0.00356],
    ['arm64', 'FARGATE_SPOT', 0.01035 + 2 * 0.00114],
  ] as const)('prices an hour of 1 vCPU and 2 GB on %s %s', (architecture, capacityProvider, usd) => {
    const cost = attemptCost(usage({ architecture, capacityProvider }), DEFAULT_PRICES);

    expect(cost.usd).toBeCloseTo(usd, 8);
  });

  it('rounds the price to a millionth of a cent', () => {
    // 60 s of 0.25 vCPU and 0.5 GB: 0.000168666… + 0.000037041… USD.
    const cost = attemptCost(
      usage({ cpu: 256, memory: 512, billingStart: secondsBefore(30) }),
      DEFAULT_PRICES,
    );

    expect(cost.usd).toBe(0.00020571);
  });

  it.each([
    ['never pulled', 'billingStart'],
    ['never stopped', 'stoppedAt'],
  ] as const)('bills nothing for a task that %s', (_what, missing) => {
    const facts = usage();
    delete facts[missing];

    expect(attemptCost(facts, DEFAULT_PRICES)).toEqual({
      billedSeconds: 0,
      vcpuSeconds: 0,
      gbSeconds: 0,
      usd: 0,
    });
  });
});

describe('priceTable', () => {
  it('applies the config prices over the built-in table, one capacity at a time', () => {
    const config = parseConfig({
      tasks: {},
      prices: {
        arm64: { FARGATE_SPOT: { vcpuHour: 0.009, gbHour: 0.001 } },
        x86_64: { FARGATE: { vcpuHour: 0.05, gbHour: 0.005 } },
      },
    });

    const prices = priceTable(config);

    expect(prices).toEqual({
      x86_64: {
        FARGATE: { vcpuHour: 0.05, gbHour: 0.005 },
        FARGATE_SPOT: DEFAULT_PRICES.x86_64.FARGATE_SPOT,
      },
      arm64: { FARGATE: DEFAULT_PRICES.arm64.FARGATE, FARGATE_SPOT: { vcpuHour: 0.009, gbHour: 0.001 } },
    });
    expect(
      attemptCost(usage({ architecture: 'arm64', capacityProvider: 'FARGATE_SPOT' }), prices).usd,
    ).toBeCloseTo(0.009 + 2 * 0.001, 8);
  });

  it('is the built-in table when the config sets no prices', () => {
    expect(priceTable(parseConfig({ tasks: {} }))).toEqual(DEFAULT_PRICES);
  });
});

describe('the cost recorded for a STOPPED task', () => {
  /** A STOPPED event whose task pulled `pulledFor` seconds before it stopped; other times follow from it. */
  function stoppedEvent(pulledFor: number, edit: (detail: Record<string, unknown>) => void = () => {}) {
    const taskArn = newTaskArn();
    const stopped = taskLifecycle({ jobId: JOB_ID, attempt: 1, taskArn, exitCode: 0 }).at(-1) ?? {};
    const detail = stopped.detail as Record<string, unknown>;
    const stoppedAt = new Date(String(detail.stoppedAt));
    const pullStartedAt = secondsBefore(pulledFor, stoppedAt);
    detail.createdAt = secondsBefore(20, pullStartedAt).toISOString();
    detail.pullStartedAt = pullStartedAt.toISOString();
    detail.startedAt = secondsBefore(-30, pullStartedAt).toISOString();
    edit(detail);
    return { taskArn, stopped };
  }

  it('bills from the image pull to the stop, at the size the event reports', () => {
    const policy = policyOf(thumbnailsConfig());
    const { taskArn, stopped } = stoppedEvent(3723.4);

    const { next } = deliverOne(launch(submittedJob(policy), taskArn, policy), stopped, policy);

    expect(next.attempts['1']?.cost).toEqual({
      billedSeconds: 3724,
      vcpuSeconds: 931,
      gbSeconds: 1862,
      usd: Math.round(((0.25 * 0.04048 + 0.5 * 0.004445) * 3724 * 1e8) / 3600) / 1e8,
    });
  });

  it('bills from the start when the event has no pull time, at the config size when it has no size', () => {
    const config = parseConfig({
      tasks: { resize: { image: 'resize:1', cpu: 1024, memory: 2048, architecture: 'arm64' } },
      pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize' } },
      prices: { arm64: { FARGATE_SPOT: { vcpuHour: 0.01, gbHour: 0.001 } } },
    });
    const policy = policyOf(config);
    const { taskArn, stopped } = stoppedEvent(3723.4, (detail) => {
      delete detail.pullStartedAt;
      delete detail.cpu;
      delete detail.memory;
      detail.capacityProviderName = 'FARGATE_SPOT';
    });

    const { next } = deliverOne(launch(submittedJob(policy), taskArn, policy), stopped, policy);

    // Started 30 s after the pull would have: 3693.4 s, billed 3694 s of 1 vCPU and 2 GB on arm64 Spot.
    expect(next.attempts['1']).toMatchObject({ cpu: 1024, memory: 2048, capacityProvider: 'FARGATE_SPOT' });
    expect(next.attempts['1']?.cost).toMatchObject({
      billedSeconds: 3694,
      vcpuSeconds: 3694,
      gbSeconds: 7388,
    });
    expect(next.attempts['1']?.cost?.usd).toBeCloseTo(((0.01 + 2 * 0.001) * 3694) / 3600, 8);
  });

  it('adds up every attempt of a job', () => {
    const policy = policyOf(thumbnailsConfig());
    const first = runAttempt(submittedJob(policy), policy, { exitCode: 1 });
    const second = runAttempt(first.job, policy, { exitCode: 0 });

    const total = jobCost(second.job);

    expect(second.job.state).toBe('SUCCEEDED');
    // Each attempt ran 25 s from pull to stop: the one-minute minimum, twice.
    expect(total.billedSeconds).toBe(120);
    expect(total.vcpuSeconds).toBe(30);
    expect(total.gbSeconds).toBe(60);
    expect(total.usd).toBeCloseTo(2 * 0.00020571, 8);
  });
});
