import type { ConfigInput } from '@stevedore/core';
import { parseConfig, validateConfig } from '@stevedore/core/config';
import {
  attemptPhases,
  type CapacityPolicy,
  capacityEnv,
  chooseCapacity,
  DEFAULT_PRICES,
  type Job,
  type JobPolicy,
  jobCost,
  type LaunchFailure,
  phaseSpans,
  quantile,
  transition,
} from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import { deliver, JOB_ID, LAUNCHED_AT, launch, policyOf, SOURCE, submittedJob } from '../../support/jobs';

/*
 * Capacity per attempt: Fargate Spot with on-demand fallback. The jobs here run the `thumbnails`
 * pipeline with the capacity under test; each attempt is launched as the launcher would (the
 * choice's environment overrides, the capacity provider ECS reports) and driven by real-shaped
 * Task State Change events.
 */

const CAPACITY_REFUSAL: LaunchFailure = {
  kind: 'capacity',
  reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone',
};
const INTERRUPTION = { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' };

type CapacityInput = NonNullable<NonNullable<ConfigInput['pipelines']>[string]['capacity']>;

function configWith(capacity: CapacityInput | undefined, attempts = 3, taskCapacity?: CapacityInput) {
  return parseConfig({
    tasks: {
      resize: {
        image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/resize:1',
        cpu: 1024,
        memory: 2048,
        ...(taskCapacity !== undefined ? { capacity: taskCapacity } : {}),
      },
    },
    pipelines: {
      [SOURCE]: {
        bucket: 'media-uploads',
        task: 'resize',
        retry: { attempts, backoff: { initialSeconds: 10, maxSeconds: 10 } },
        ...(capacity !== undefined ? { capacity } : {}),
      },
    },
  });
}

function policyWith(capacity: CapacityInput | undefined, attempts = 3): JobPolicy {
  return policyOf(configWith(capacity, attempts));
}

/** The job after its current attempt ran to the end on the capacity its policy chooses. */
function runAttempt(
  job: Job,
  policy: JobPolicy,
  outcome: { exitCode?: number; stopCode?: string; stoppedReason?: string } = { exitCode: 0 },
): Job {
  const capacity = policy.capacity as CapacityPolicy;
  const choice = chooseCapacity(capacity, job);
  const taskArn = newTaskArn();
  const start = job.notBefore ? new Date(job.notBefore) : LAUNCHED_AT;
  const events = taskLifecycle({
    ...outcome,
    jobId: job.jobId,
    attempt: job.attempt,
    taskArn,
    start,
    capacityProviderName: choice.provider,
    env: capacityEnv(capacity, choice, job.uncountedAttempts ?? 0),
    pullSeconds: 3,
  });
  return deliver(launch(job, taskArn, policy, start), events, policy);
}

function refuse(job: Job, policy: JobPolicy, now = LAUNCHED_AT) {
  const asked = chooseCapacity(policy.capacity as CapacityPolicy, job).provider;
  return transition(
    job,
    {
      type: 'launch-failed',
      attempt: job.attempt,
      launchFailures: job.launchFailures,
      failure: CAPACITY_REFUSAL,
      asked,
    },
    now,
    policy,
  );
}

describe('capacity config', () => {
  it('reads the policy, with on-demand fallback and uncounted interruptions by default', () => {
    const source = policyWith({ spot: true, spotAttempts: 2 });

    expect(source.capacity).toEqual({
      spot: true,
      fallback: 'on-demand',
      spotAttempts: 2,
      interruptionsCount: false,
    });
  });

  it("keeps the short forms: 'FARGATE' (the default) and 'FARGATE_SPOT' (every attempt on Spot)", () => {
    expect(policyWith(undefined).capacity).toEqual({
      spot: false,
      fallback: 'none',
      interruptionsCount: false,
    });
    expect(policyWith('FARGATE_SPOT').capacity).toEqual({
      spot: true,
      fallback: 'none',
      interruptionsCount: false,
    });
  });

  it("uses the pipeline's capacity over its task's, and the task's when the pipeline has none", () => {
    const config = configWith(undefined, 3, { spot: true });
    expect(policyOf(config).capacity?.spot).toBe(true);
    const overridden = configWith('FARGATE', 3, { spot: true });
    expect(policyOf(overridden).capacity?.spot).toBe(false);
  });

  it.each([
    [
      { spot: false, spotAttempts: 2 },
      'pipelines.thumbnails.capacity',
      'fallback and spotAttempts apply only with spot: true, got an object',
    ],
    [
      { spot: true, spotAttempts: 0 },
      'pipelines.thumbnails.capacity.spotAttempts',
      'expected an integer from 1 to 10, got 0',
    ],
    [{ spot: true, fallbak: 'on-demand' }, 'pipelines.thumbnails.capacity.fallbak', 'unknown key'],
    [
      { spot: true, fallback: 'ondemand' },
      'pipelines.thumbnails.capacity.fallback',
      "expected 'on-demand' or 'none', got \"ondemand\"",
    ],
    [
      'SPOT',
      'pipelines.thumbnails.capacity',
      "expected 'FARGATE', 'FARGATE_SPOT' or a capacity policy: spot and optional fallback, spotAttempts, interruptionsCount, got \"SPOT\"",
    ],
  ] as const)('rejects %j at its key', (capacity, path, message) => {
    const issues = validateConfig({
      tasks: { resize: { image: 'resize:1', cpu: 256, memory: 512 } },
      pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize', capacity } },
    });

    expect(issues).toEqual([{ path, message }]);
  });

  it('rejects Spot for an arm64 task, which Fargate Spot does not run, on the task and on its pipelines', () => {
    const issues = validateConfig({
      tasks: {
        resize: { image: 'resize:1', cpu: 256, memory: 512, architecture: 'arm64', capacity: 'FARGATE_SPOT' },
      },
      pipelines: { thumbnails: { bucket: 'media-uploads', task: 'resize', capacity: { spot: true } } },
      schedules: { nightly: { expression: 'rate(1 day)', task: 'resize', capacity: { spot: false } } },
    });

    const message = 'Fargate Spot runs only x86_64 tasks; this task is arm64 (use FARGATE or spot: false)';
    expect(issues).toEqual([
      { path: 'tasks.resize.capacity', message },
      { path: 'pipelines.thumbnails.capacity', message },
    ]);
  });
});

describe('chooseCapacity', () => {
  const spot: CapacityPolicy = {
    spot: true,
    fallback: 'on-demand',
    spotAttempts: 2,
    interruptionsCount: false,
  };
  it.each([
    ['no Spot in the policy', { ...spot, spot: false }, { attempt: 1 }, 'FARGATE', 'on-demand'],
    ['a first attempt', spot, { attempt: 1 }, 'FARGATE_SPOT', 'spot'],
    ['the last Spot attempt', spot, { attempt: 2 }, 'FARGATE_SPOT', 'spot'],
    ['after spotAttempts', spot, { attempt: 3 }, 'FARGATE', 'spot-attempts-used'],
    [
      'after a Spot refusal',
      spot,
      { attempt: 1, spotFallback: { reason: 'spot-refused', attempt: 1 } },
      'FARGATE',
      'spot-refused',
    ],
    [
      'after an interruption',
      spot,
      { attempt: 2, spotFallback: { reason: 'spot-interrupted', attempt: 1 } },
      'FARGATE',
      'spot-interrupted',
    ],
    [
      'after an interruption, with no fallback',
      { ...spot, fallback: 'none' },
      { attempt: 2, spotFallback: { reason: 'spot-interrupted', attempt: 1 } },
      'FARGATE_SPOT',
      'spot',
    ],
  ] as const)('%s', (_case, policy, job, provider, reason) => {
    expect(chooseCapacity(policy as CapacityPolicy, job)).toEqual({ provider, reason });
  });
});

describe('a Spot capacity refusal', () => {
  const policy = policyWith({ spot: true });

  it('relaunches the same attempt on FARGATE at once: no backoff, no attempt or refusal used up', () => {
    const job = submittedJob(policy);

    const { next, effects } = refuse(job, policy);

    expect(next).toMatchObject({
      state: 'SUBMITTED',
      attempt: 1,
      launchFailures: 0,
      spotFallback: { reason: 'spot-refused', attempt: 1 },
    });
    expect(next).not.toHaveProperty('notBefore');
    expect(effects).toContainEqual({
      type: 'ScheduleRetry',
      jobId: JOB_ID,
      attempt: 1,
      notBefore: LAUNCHED_AT.toISOString(),
    });
    expect(chooseCapacity(policy.capacity as CapacityPolicy, next)).toEqual({
      provider: 'FARGATE',
      reason: 'spot-refused',
    });
    expect(next.history.at(-1)?.reason).toMatch(/on FARGATE_SPOT\): relaunching on FARGATE$/);
  });

  it('records the attempt as asked on FARGATE because Spot refused, and it succeeds there', () => {
    const refused = refuse(submittedJob(policy), policy).next;

    const done = runAttempt(refused, policy);

    expect(done.state).toBe('SUCCEEDED');
    expect(done.attempts['1']).toMatchObject({
      capacityAsked: 'FARGATE',
      capacityReason: 'spot-refused',
      capacityProvider: 'FARGATE',
    });
  });

  it('waits the capacity backoff when FARGATE refuses too', () => {
    const refused = refuse(submittedJob(policy), policy).next;

    const { next, effects } = refuse(refused, policy);

    expect(next.launchFailures).toBe(1);
    expect(Date.parse(next.notBefore ?? '')).toBeGreaterThan(LAUNCHED_AT.getTime());
    expect(effects.some((e) => e.type === 'ScheduleRetry')).toBe(false);
  });

  it("waits the capacity backoff on Spot when the policy's fallback is 'none'", () => {
    const spotOnly = policyWith({ spot: true, fallback: 'none' });

    const { next } = refuse(submittedJob(spotOnly), spotOnly);

    expect(next.launchFailures).toBe(1);
    expect(next).not.toHaveProperty('spotFallback');
    expect(chooseCapacity(spotOnly.capacity as CapacityPolicy, next).provider).toBe('FARGATE_SPOT');
  });
});

describe('a Spot interruption', () => {
  it('retries at once on FARGATE, and does not count against the attempt budget', () => {
    const policy = policyWith({ spot: true }, 2);

    const interrupted = runAttempt(submittedJob(policy), policy, { exitCode: 143, ...INTERRUPTION });

    expect(interrupted).toMatchObject({
      state: 'SUBMITTED',
      attempt: 2,
      uncountedAttempts: 1,
      spotFallback: { reason: 'spot-interrupted', attempt: 1 },
    });
    expect(interrupted.history.at(-1)?.reason).toMatch(/\(spot interruption: RETRY\)$/);
    expect(interrupted.attempts['1']).toMatchObject({
      capacityAsked: 'FARGATE_SPOT',
      capacityProvider: 'FARGATE_SPOT',
    });
    // Retried at once: due the moment the interruption was applied.
    expect(Date.parse(interrupted.notBefore ?? '')).toBe(Date.parse(interrupted.updatedAt));

    // Two attempts allowed, the interrupted one not counted: attempt 2 fails and attempt 3 still runs.
    const failedOnce = runAttempt(interrupted, policy, { exitCode: 1 });
    expect(failedOnce).toMatchObject({ state: 'SUBMITTED', attempt: 3 });
    expect(failedOnce.attempts['2']).toMatchObject({
      capacityAsked: 'FARGATE',
      capacityReason: 'spot-interrupted',
      capacityProvider: 'FARGATE',
    });
    const failedTwice = runAttempt(failedOnce, policy, { exitCode: 1 });
    expect(failedTwice.state).toBe('FAILED');
    expect(failedTwice.reason).toMatch(/\(attempts: EXIT\)$/);
    expect(failedTwice.attempts['3']?.capacityProvider).toBe('FARGATE');
  });

  it('counts against the budget when the policy says interruptions count', () => {
    const policy = policyWith({ spot: true, interruptionsCount: true }, 2);

    const interrupted = runAttempt(submittedJob(policy), policy, { exitCode: 143, ...INTERRUPTION });
    const failed = runAttempt(interrupted, policy, { exitCode: 1 });

    expect(interrupted).not.toHaveProperty('uncountedAttempts');
    expect(failed.state).toBe('FAILED');
  });

  it('ends the job when a retry rule sends the interruption to EXIT', () => {
    const config = parseConfig({
      tasks: { resize: { image: 'resize:1', cpu: 256, memory: 512 } },
      pipelines: {
        [SOURCE]: {
          bucket: 'media-uploads',
          task: 'resize',
          capacity: { spot: true },
          retry: { rules: [{ onStopCode: 'SpotInterruption', action: 'EXIT' }] },
        },
      },
    });
    const policy = policyOf(config);

    const ended = runAttempt(submittedJob(policy), policy, { exitCode: 143, ...INTERRUPTION });

    expect(ended.state).toBe('FAILED');
    expect(ended.reason).toMatch(/\(rules\[0\]: EXIT\)$/);
  });

  it("stays on Spot with backoff when the fallback is 'none'", () => {
    const policy = policyWith({ spot: true, fallback: 'none' });

    const interrupted = runAttempt(submittedJob(policy), policy, { exitCode: 143, ...INTERRUPTION });

    expect(interrupted).not.toHaveProperty('spotFallback');
    expect(Date.parse(interrupted.notBefore ?? '')).toBeGreaterThan(Date.parse(interrupted.updatedAt));
    expect(chooseCapacity(policy.capacity as CapacityPolicy, interrupted).provider).toBe('FARGATE_SPOT');
  });
});

describe('spotAttempts', () => {
  it('runs the first spotAttempts attempts on Spot and every later one on FARGATE', () => {
    const policy = policyWith({ spot: true, spotAttempts: 2 }, 4);

    let job = submittedJob(policy);
    for (let attempt = 1; attempt <= 4; attempt++) job = runAttempt(job, policy, { exitCode: 1 });

    expect(job.state).toBe('FAILED');
    expect(Object.values(job.attempts).map((a) => [a.capacityProvider, a.capacityReason])).toEqual([
      ['FARGATE_SPOT', 'spot'],
      ['FARGATE_SPOT', 'spot'],
      ['FARGATE', 'spot-attempts-used'],
      ['FARGATE', 'spot-attempts-used'],
    ]);
  });
});

describe('costs', () => {
  it('prices each attempt at the rate of the capacity that ran it', () => {
    const policy = policyWith({ spot: true });

    const interrupted = runAttempt(submittedJob(policy), policy, { exitCode: 143, ...INTERRUPTION });
    const done = runAttempt(interrupted, policy);

    // Each attempt is billed 60 s (the minimum) of the size its events report: 0.25 vCPU, 0.5 GB.
    const minute = (rate: { vcpuHour: number; gbHour: number }) =>
      (0.25 * rate.vcpuHour + 0.5 * rate.gbHour) / 60;
    expect(done.state).toBe('SUCCEEDED');
    expect(done.attempts['1']?.cost?.usd).toBeCloseTo(minute(DEFAULT_PRICES.x86_64.FARGATE_SPOT), 8);
    expect(done.attempts['2']?.cost?.usd).toBeCloseTo(minute(DEFAULT_PRICES.x86_64.FARGATE), 8);
    expect(jobCost(done).usd).toBeCloseTo(
      minute(DEFAULT_PRICES.x86_64.FARGATE_SPOT) + minute(DEFAULT_PRICES.x86_64.FARGATE),
      8,
    );
  });
});

describe('attemptPhases', () => {
  it("splits each attempt's time into waiting, provisioning, pull, starting, running and stopping", () => {
    const policy = policyWith({ spot: true });
    const interrupted = runAttempt(submittedJob(policy), policy, { exitCode: 143, ...INTERRUPTION });
    const done = runAttempt(interrupted, policy);

    const phases = attemptPhases(done, new Date('2026-01-02T00:00:00.000Z'));

    // Created 1 s before launch; each lifecycle step 5 s; pulls take 3 s (see taskLifecycle).
    expect(phases[0]).toEqual({
      attempt: 1,
      seconds: { waiting: 1, provisioning: 10, pull: 3, starting: 2, running: 5, stopping: 15 },
      open: false,
      capacityAsked: 'FARGATE_SPOT',
      capacityProvider: 'FARGATE_SPOT',
      capacityReason: 'spot',
      platformVersion: '1.3.0',
    });
    // Attempt 2 was due when the interruption was applied (1 s after the STOPPED event) and launched then.
    expect(phases[1]?.seconds).toEqual({
      waiting: 0,
      provisioning: 10,
      pull: 3,
      starting: 2,
      running: 5,
      stopping: 15,
    });
    expect(phases[1]?.capacityReason).toBe('spot-interrupted');
  });

  it('ends running at the stop when ECS reported none of stoppingAt: the time is not lost', () => {
    const policy = policyWith(undefined);
    const done = runAttempt(submittedJob(policy), policy);
    const record = done.attempts['1'];
    if (!record) throw new Error('attempt 1 was not recorded');
    const { stoppingAt: _reported, ...withoutStopping } = record;
    const job = { ...done, attempts: { '1': withoutStopping } };

    const [phases] = attemptPhases(job, new Date('2026-01-02T00:00:00.000Z'));

    // Running 5 s and stopping 15 s with stoppingAt: 20 s of running without it.
    expect(phases?.seconds).toEqual({ waiting: 1, provisioning: 10, pull: 3, starting: 2, running: 20 });
    expect(phaseSpans(job, withoutStopping).at(-1)).toEqual({
      phase: 'running',
      start: record.startedAt,
      end: record.stoppedAt,
    });
  });

  it('measures an open attempt up to now', () => {
    const policy = policyWith(undefined);
    const taskArn = newTaskArn();
    const [provisioning] = taskLifecycle({ jobId: JOB_ID, attempt: 1, taskArn, start: LAUNCHED_AT });
    const job = deliver(launch(submittedJob(policy), taskArn, policy), [provisioning ?? {}], policy);

    const [phases] = attemptPhases(job, new Date(LAUNCHED_AT.getTime() + 7000));

    expect(phases).toMatchObject({ open: true, seconds: { waiting: 1, provisioning: 7 } });
  });
});

describe('quantile', () => {
  it('takes the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(quantile(values, 0.5)).toBe(5);
    expect(quantile(values, 0.95)).toBe(10);
    expect(quantile(values, 1)).toBe(10);
    expect(quantile([], 0.5)).toBeUndefined();
  });
});
