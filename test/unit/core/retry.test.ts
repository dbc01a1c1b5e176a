import type { RetryConfig, RetryRule } from '@stevedore/core/config';
import {
  backoffSeconds,
  decideRetry,
  type FailureFacts,
  globMatches,
  type Job,
  ruleMatches,
  stableRandom,
} from '@stevedore/core/job';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import {
  deliverOne,
  JOB_ID,
  launch,
  nowOf,
  policyOf,
  runAttempt,
  submittedJob,
  thumbnailsConfig,
} from '../../support/jobs';

const BACKOFF = { initialSeconds: 10, maxSeconds: 300, multiplier: 2 };

function retryConfig(rules: RetryRule[], overrides: Partial<RetryConfig> = {}): RetryConfig {
  return { attempts: 3, backoff: BACKOFF, rules, otherwise: 'RETRY', ...overrides };
}

const spot: FailureFacts = { stopCode: 'SpotInterruption', reasons: ['Your Spot Task was interrupted.'] };
const killed: FailureFacts = {
  exitCode: 137,
  stopCode: 'EssentialContainerExited',
  reasons: ['Essential container in task exited', 'OutOfMemoryError: Container killed due to memory usage'],
};

describe('globMatches', () => {
  it.each([
    ['137', '137', true],
    ['137', '1370', false],
    ['137', '13', false],
    ['13*', '137', true],
    ['13*', '13', true],
    ['13*', '1', false],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['Capacity*', 'Capacity is unavailable at this time', true],
    ['Capacity*', 'capacity is unavailable', false],
    ['Spot*', 'SpotInterruption', true],
    // Only a trailing '*' is a wildcard (the config rejects others); elsewhere it is a literal character.
    ['a*b', 'axxb', false],
    ['a*b', 'a*b', true],
  ])('%j against %j: %s', (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });

  it('a trailing * matches exactly the values that start with the rest', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (prefix, value) => {
        expect(globMatches(`${prefix}*`, value)).toBe(value.startsWith(prefix));
        expect(globMatches(`${prefix}*`, prefix + value)).toBe(true);
      }),
    );
  });
});

describe('ruleMatches', () => {
  it.each<[string, RetryRule, FailureFacts, boolean]>([
    ['exit code', { onExitCode: '137', action: 'EXIT' }, killed, true],
    ['exit code prefix', { onExitCode: '1*', action: 'EXIT' }, killed, true],
    ['another exit code', { onExitCode: '1', action: 'EXIT' }, killed, false],
    ['an exit code, when the task has none', { onExitCode: '*', action: 'EXIT' }, spot, false],
    ['stop code', { onStopCode: 'SpotInterruption', action: 'RETRY' }, spot, true],
    [
      'a stop code, when the facts have none',
      { onStopCode: '*', action: 'RETRY' },
      { exitCode: 1, reasons: [] },
      false,
    ],
    ['the stopped reason', { onReason: 'Your Spot*', action: 'RETRY' }, spot, true],
    ['a container reason', { onReason: 'OutOfMemoryError*', action: 'EXIT' }, killed, true],
    ['a reason nobody gave', { onReason: 'CannotPull*', action: 'RETRY' }, killed, false],
    [
      'a reason, when there are none',
      { onReason: '*', action: 'RETRY' },
      { exitCode: 1, reasons: [] },
      false,
    ],
    [
      'all conditions',
      { onExitCode: '137', onStopCode: 'Essential*', onReason: 'OutOfMemory*', action: 'EXIT' },
      killed,
      true,
    ],
    [
      'all but one condition',
      { onExitCode: '137', onStopCode: 'SpotInterruption', action: 'EXIT' },
      killed,
      false,
    ],
  ])('%s: %s', (_name, rule, facts, expected) => {
    expect(ruleMatches(rule, facts)).toBe(expected);
  });
});

describe('decideRetry', () => {
  it('lets the first matching rule decide', () => {
    const retry = retryConfig([
      { onStopCode: 'Task*', action: 'RETRY' },
      { onExitCode: '137', action: 'EXIT' },
      { onReason: 'OutOfMemoryError*', action: 'RETRY' },
    ]);

    expect(decideRetry(retry, killed, 1)).toEqual({ action: 'EXIT', decidedBy: 'rules[1]' });
    expect(decideRetry(retry, { stopCode: 'TaskFailedToStart', reasons: [] }, 1)).toEqual({
      action: 'RETRY',
      decidedBy: 'rules[0]',
    });
  });

  it.each(['RETRY', 'EXIT'] as const)('lets otherwise decide when no rule matches: %s', (otherwise) => {
    const retry = retryConfig([{ onExitCode: '2', action: 'EXIT' }], { otherwise });

    expect(decideRetry(retry, spot, 1)).toEqual({ action: otherwise, decidedBy: 'otherwise' });
  });

  it('exits once the attempts are used up, whatever would have retried', () => {
    const retry = retryConfig([{ onStopCode: 'SpotInterruption', action: 'RETRY' }], { attempts: 3 });

    expect(decideRetry(retry, spot, 2)).toEqual({ action: 'RETRY', decidedBy: 'rules[0]' });
    expect(decideRetry(retry, spot, 3)).toEqual({ action: 'EXIT', decidedBy: 'attempts' });
    expect(decideRetry(retry, killed, 3)).toEqual({ action: 'EXIT', decidedBy: 'attempts' });
  });

  it('keeps the rule as the reason of an EXIT on the last attempt', () => {
    const retry = retryConfig([{ onExitCode: '137', action: 'EXIT' }], { attempts: 1 });

    expect(decideRetry(retry, killed, 1)).toEqual({ action: 'EXIT', decidedBy: 'rules[0]' });
  });

  it('retries exactly while attempts remain, when nothing says EXIT', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 12 }), (attempts, attempt) => {
        const decision = decideRetry(retryConfig([], { attempts }), killed, attempt);

        expect(decision.action).toBe(attempt < attempts ? 'RETRY' : 'EXIT');
      }),
    );
  });
});

describe('backoffSeconds', () => {
  const backoffs = fc.record({
    initialSeconds: fc.integer({ min: 0, max: 3600 }),
    maxSeconds: fc.integer({ min: 0, max: 86400 }),
    multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
  });
  const randoms = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  it.each([
    [1, 0, 5],
    [1, 0.5, 7.5],
    [2, 0, 10],
    [3, 0, 20],
    [5, 0, 80],
    [6, 0, 150],
    [7, 0, 150],
    [20, 0.999, 299.85],
  ])('failure %i with random %d waits %d s (initial 10 s, x2, cap 300 s)', (failures, random, seconds) => {
    expect(backoffSeconds(BACKOFF, failures, random)).toBeCloseTo(seconds, 6);
  });

  it('is between half the capped exponential delay and all of it', () => {
    fc.assert(
      fc.property(backoffs, fc.integer({ min: 1, max: 30 }), randoms, (backoff, failures, random) => {
        const cap = Math.min(
          backoff.maxSeconds,
          backoff.initialSeconds * backoff.multiplier ** (failures - 1),
        );

        const delay = backoffSeconds(backoff, failures, random);

        expect(delay).toBeGreaterThanOrEqual(cap / 2);
        expect(delay).toBeLessThanOrEqual(cap);
        expect(delay).toBeLessThanOrEqual(backoff.maxSeconds);
      }),
    );
  });

  it('grows by the multiplier with each failure until the cap', () => {
    fc.assert(
      fc.property(backoffs, fc.integer({ min: 1, max: 20 }), randoms, (backoff, failures, random) => {
        const now = backoffSeconds(backoff, failures, random);
        const next = backoffSeconds(backoff, failures + 1, random);

        expect(next).toBeGreaterThanOrEqual(now);
        if (now * backoff.multiplier <= backoff.maxSeconds / 2)
          expect(next).toBeCloseTo(now * backoff.multiplier, 6);
      }),
    );
  });

  it('treats failure 0 like the first', () => {
    expect(backoffSeconds(BACKOFF, 0, 0.3)).toBe(backoffSeconds(BACKOFF, 1, 0.3));
  });
});

describe('stableRandom', () => {
  it('gives the same number for the same seed, in [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const value = stableRandom(seed);

        expect(stableRandom(seed)).toBe(value);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
      }),
    );
  });

  it('spreads the retries of many jobs over the whole range', () => {
    const values = Array.from({ length: 1000 }, (_, i) =>
      stableRandom(`thumbnails-${i.toString(16).padStart(20, '0')}:1`),
    );
    const tenths = new Array<number>(10).fill(0);
    for (const value of values) tenths[Math.floor(value * 10)] = (tenths[Math.floor(value * 10)] ?? 0) + 1;

    expect(new Set(values).size).toBe(values.length);
    // Each tenth of [0, 1) gets roughly a tenth of the seeds (expected 100).
    for (const inTenth of tenths) expect(inTenth).toBeGreaterThan(60);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('differs between attempts of one job', () => {
    expect(stableRandom('job-1:1')).not.toBe(stableRandom('job-1:2'));
  });
});

describe('retry decisions of a job', () => {
  const policy = policyOf(thumbnailsConfig());

  it('fails the job once its attempts are exhausted, after backing off longer each time', () => {
    let job: Job = submittedJob(policy);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const run = runAttempt(job, policy, { exitCode: 2 });
      const stoppedAt = nowOf(run.events.at(-1) ?? {});
      if (run.job.notBefore) delays.push(Date.parse(run.job.notBefore) - stoppedAt.getTime());
      job = run.job;
    }

    expect(job).toMatchObject({ state: 'FAILED', attempt: 3 });
    expect(job.reason).toBe(
      'container main exited with code 2: EssentialContainerExited: Essential container in task exited (attempts: EXIT)',
    );
    expect(Object.keys(job.attempts)).toEqual(['1', '2', '3']);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(5000);
    expect(delays[0]).toBeLessThanOrEqual(10_000);
    expect(delays[1]).toBeGreaterThanOrEqual(10_000);
    expect(delays[1]).toBeLessThanOrEqual(20_000);
  });

  it('exits at once when otherwise is EXIT and no rule matches', () => {
    const exiting = policyOf(
      thumbnailsConfig({ otherwise: 'EXIT', rules: [{ onExitCode: '75', action: 'RETRY' }] }),
    );

    const failed = runAttempt(submittedJob(exiting), exiting, { exitCode: 1 }).job;
    const retried = runAttempt(submittedJob(exiting), exiting, { exitCode: 75 }).job;

    expect(failed).toMatchObject({ state: 'FAILED', attempt: 1 });
    expect(failed.reason).toMatch(/\(otherwise: EXIT\)$/);
    expect(retried).toMatchObject({ state: 'SUBMITTED', attempt: 2 });
    expect(retried.history.at(-1)?.reason).toMatch(/\(rules\[0\]: RETRY\)$/);
  });

  it('matches onReason against a container reason too', () => {
    const oom = policyOf(thumbnailsConfig({ rules: [{ onReason: 'OutOfMemoryError*', action: 'EXIT' }] }));
    const taskArn = newTaskArn();
    const events = taskLifecycle({ jobId: JOB_ID, attempt: 1, taskArn, exitCode: 137 });
    const stopped = events.at(-1) ?? {};
    const [container] = (stopped.detail as { containers: Record<string, unknown>[] }).containers;
    if (container) container.reason = 'OutOfMemoryError: Container killed due to memory usage';

    const { next } = deliverOne(launch(submittedJob(oom), taskArn, oom), stopped, oom);

    expect(next.state).toBe('FAILED');
    expect(next.reason).toMatch(/\(rules\[0\]: EXIT\)$/);
  });
});
