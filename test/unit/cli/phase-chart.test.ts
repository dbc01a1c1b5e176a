import { parseConfig } from '@stevedore/core/config';
import { attemptPhases, capacityEnv, sourceStats } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { bar, renderPhases, renderStats } from '../../../packages/cli/src/lib/phase-chart';
import { CREATED_AT, policyOf, runAttempt, SOURCE, submittedJob } from '../../support/jobs';

/*
 * `jobs show`'s phase chart and `pipelines stats`, from a job that a Spot interruption sent to
 * FARGATE: two attempts driven by real-shaped Task State Change events (5 s per lifecycle step,
 * a 3 s image pull).
 */

const config = parseConfig({
  tasks: { resize: { image: 'resize:1', cpu: 256, memory: 512 } },
  pipelines: { [SOURCE]: { bucket: 'media-uploads', task: 'resize', capacity: { spot: true } } },
});
const policy = policyOf(config);
const spot = { spot: true, fallback: 'on-demand', interruptionsCount: false } as const;

function interruptedThenSucceeded() {
  const first = runAttempt(submittedJob(policy), policy, {
    exitCode: 143,
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    capacityProviderName: 'FARGATE_SPOT',
    env: capacityEnv(spot, { provider: 'FARGATE_SPOT', reason: 'spot' }, 0),
    pullSeconds: 3,
  }).job;
  return runAttempt(first, policy, {
    exitCode: 0,
    capacityProviderName: 'FARGATE',
    env: capacityEnv(spot, { provider: 'FARGATE', reason: 'spot-interrupted' }, 1),
    pullSeconds: 3,
  }).job;
}

describe('bar', () => {
  it('scales to 40 characters in eighths, and shows any time above zero', () => {
    expect(bar(10, 10)).toBe('█'.repeat(40));
    expect(bar(5, 10)).toBe('█'.repeat(20));
    expect(bar(1, 320)).toBe('▏');
    expect(bar(0, 10)).toBe('');
  });
});

describe('renderPhases', () => {
  it('draws each attempt with its capacity and why, every phase on one scale', () => {
    const job = interruptedThenSucceeded();

    const text = renderPhases(attemptPhases(job, new Date('2026-01-02T00:00:00Z')));

    expect(text.split('\n')).toEqual([
      'attempt 1  FARGATE_SPOT (asked FARGATE_SPOT: Spot by policy), platform 1.3.0',
      '  waiting         1.0 s  ██▋',
      '  provisioning     10 s  ██████████████████████████▋',
      '  image pull      3.0 s  ████████',
      '  starting        2.0 s  █████▍',
      '  running         5.0 s  █████████████▍',
      '  stopping         15 s  ████████████████████████████████████████',
      '',
      'attempt 2  FARGATE (asked FARGATE: Spot interrupted an attempt: on-demand), platform 1.3.0',
      '  waiting         0.0 s',
      '  provisioning     10 s  ██████████████████████████▋',
      '  image pull      3.0 s  ████████',
      '  starting        2.0 s  █████▍',
      '  running         5.0 s  █████████████▍',
      '  stopping         15 s  ████████████████████████████████████████',
    ]);
  });
});

describe('pipelines stats', () => {
  it('sums up phases, success, capacity and cost over the jobs', () => {
    const jobs = [interruptedThenSucceeded(), interruptedThenSucceeded()];

    const stats = sourceStats(SOURCE, CREATED_AT, jobs, new Date('2026-01-02T00:00:00Z'));

    expect(stats).toMatchObject({
      jobs: 2,
      states: { SUCCEEDED: 2 },
      successRate: 1,
      attempts: 4,
      capacity: { FARGATE_SPOT: 2, FARGATE: 2 },
      capacityReasons: { spot: 2, 'spot-interrupted': 2 },
      phases: {
        waiting: { count: 4, p50: 0, p95: 1, max: 1 },
        pull: { count: 4, p50: 3, p95: 3, max: 3 },
        stopping: { count: 4, p50: 15, p95: 15, max: 15 },
      },
    });
    expect(stats.cost.usd).toBeGreaterThan(0);
    const text = renderStats(stats);
    expect(text).toContain('success rate  100.0 %');
    expect(text).toContain('ran on        FARGATE_SPOT 2, FARGATE 2');
    expect(text).toMatch(/image pull\s+4\s+3\.0 s\s+3\.0 s\s+3\.0 s/);
  });
});
