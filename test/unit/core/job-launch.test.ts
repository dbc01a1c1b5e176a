import {
  isOverdue,
  type Job,
  type LaunchFailure,
  MAX_LAUNCH_REFUSALS,
  slotHolder,
  transition,
} from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { newTaskArn, taskLifecycle } from '../../support/ecs-events';
import {
  deliver,
  JOB_ID,
  LAUNCHED_AT,
  launch,
  policyOf,
  type RetryInput,
  runAttempt,
  SOURCE,
  submittedJob,
  TIMEOUT_SECONDS,
  thumbnailsConfig,
} from '../../support/jobs';

const policy = policyOf(thumbnailsConfig());
const NOW = new Date('2026-01-01T00:00:30.000Z');
const RELEASE = { type: 'ReleaseSlot', source: SOURCE, holder: slotHolder(JOB_ID, 1) } as const;
const CAPACITY: LaunchFailure = {
  kind: 'capacity',
  reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone',
};
const THROTTLING: LaunchFailure = { kind: 'throttling', reason: 'Rate exceeded' };

function refuse(job: Job, failure: LaunchFailure, rules: RetryInput = {}) {
  const refusing = policyOf(thumbnailsConfig(rules));
  return transition(
    job,
    { type: 'launch-failed', attempt: job.attempt, launchFailures: job.launchFailures, failure },
    NOW,
    refusing,
  );
}

describe('launched', () => {
  it('moves a SUBMITTED job to STARTING with its task, and clears the wait and the last failure', () => {
    const waiting = refuse(submittedJob(policy), CAPACITY).next;
    const taskArn = newTaskArn();

    const { next, effects } = transition(waiting, { type: 'launched', attempt: 1, taskArn }, NOW, policy);

    expect(next).toMatchObject({
      state: 'STARTING',
      attempt: 1,
      taskArn,
      taskStatus: 'PROVISIONING',
      launchFailures: 0,
    });
    expect(next).not.toHaveProperty('notBefore');
    expect(next).not.toHaveProperty('reason');
    expect(effects).toEqual([]);
    expect(next.history.at(-1)).toEqual({
      at: NOW.toISOString(),
      state: 'STARTING',
      attempt: 1,
      reason: 'RunTask accepted',
    });
  });

  it('keeps the status RunTask reported', () => {
    const { next } = transition(
      submittedJob(policy),
      { type: 'launched', attempt: 1, taskArn: newTaskArn(), lastStatus: 'PENDING' },
      NOW,
      policy,
    );

    expect(next.taskStatus).toBe('PENDING');
  });

  it('is a no-op when repeated, or for another attempt', () => {
    const taskArn = newTaskArn();
    const started = launch(submittedJob(policy), taskArn, policy);

    expect(transition(started, { type: 'launched', attempt: 1, taskArn }, NOW, policy)).toEqual({
      next: started,
      effects: [],
    });
    const submitted = submittedJob(policy);
    expect(transition(submitted, { type: 'launched', attempt: 2, taskArn }, NOW, policy)).toEqual({
      next: submitted,
      effects: [],
    });
  });
});

describe('launch-failed', () => {
  it.each([
    ['capacity', CAPACITY],
    ['throttling', THROTTLING],
    ['unknown', { kind: 'unknown', reason: 'ServerException: Service Unavailable' }],
  ] as const)(
    'keeps the job SUBMITTED after a %s refusal and retries the launch after a short wait',
    (_kind, failure) => {
      const { next, effects } = refuse(submittedJob(policy), failure);

      expect(next).toMatchObject({ state: 'SUBMITTED', attempt: 1, launchFailures: 1 });
      expect(next.reason).toBe(`RunTask refused (${failure.kind}): ${failure.reason}`);
      const wait = Date.parse(next.notBefore ?? '') - NOW.getTime();
      // The first launch backoff is 5 s, with equal jitter.
      expect(wait).toBeGreaterThanOrEqual(2500);
      expect(wait).toBeLessThanOrEqual(5000);
      // The slot taken for the launch is given back, and nothing else: the sweeper relaunches the job
      // once it is due, and no waiting job is launched from a refusal.
      expect(effects).toEqual([RELEASE]);
    },
  );

  it('retries a throttled launch at the refill time the launcher gave, not after a backoff', () => {
    const throttled: LaunchFailure = { ...THROTTLING, retryAfterMs: 50 };
    const once = refuse(submittedJob(policy), throttled);
    const twice = refuse(once.next, throttled);

    const notBefore = new Date(NOW.getTime() + 50).toISOString();
    expect(once.next).toMatchObject({ state: 'SUBMITTED', attempt: 1, launchFailures: 1, notBefore });
    // The slot goes back first; the retry is the same attempt (the same clientToken).
    expect(once.effects).toEqual([RELEASE, { type: 'ScheduleRetry', jobId: JOB_ID, attempt: 1, notBefore }]);
    expect(twice.next).toMatchObject({ launchFailures: 2, notBefore });
  });

  it('waits longer after each refusal, up to half a minute', () => {
    let job = submittedJob(policy);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      job = refuse(job, CAPACITY).next;
      waits.push(Date.parse(job.notBefore ?? '') - NOW.getTime());
    }

    expect(job.launchFailures).toBe(8);
    const caps = [5, 10, 20, 30, 30, 30, 30, 30].map((s) => s * 1000);
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual((caps[i] ?? 0) / 2);
      expect(wait).toBeLessThanOrEqual(caps[i] ?? 0);
    });
  });

  it('gives up after MAX_LAUNCH_REFUSALS capacity refusals in a row, but never on throttling', () => {
    let refused = submittedJob(policy);
    let throttled = submittedJob(policy);
    for (let i = 1; i < MAX_LAUNCH_REFUSALS; i++) {
      refused = refuse(refused, CAPACITY).next;
      throttled = refuse(throttled, THROTTLING).next;
    }
    expect(refused.state).toBe('SUBMITTED');

    const last = refuse(refused, CAPACITY);
    expect(last.next.state).toBe('FAILED');
    expect(last.next.reason).toBe(
      `RunTask refused (capacity): ${CAPACITY.reason} (${MAX_LAUNCH_REFUSALS} refusals in a row)`,
    );
    expect(last.effects).toContainEqual({
      type: 'JobFinished',
      jobId: JOB_ID,
      source: SOURCE,
      state: 'FAILED',
    });
    expect(refuse(throttled, THROTTLING).next.state).toBe('SUBMITTED');
  });

  it.each([
    ['invalid', { kind: 'invalid', reason: 'InvalidParameterException: No Container Instances were found' }],
    [
      'conflict',
      { kind: 'conflict', reason: 'ClientException: idempotency token reused with different parameters' },
    ],
  ] as const)('fails the job after an %s refusal, which waiting cannot fix', (_kind, failure) => {
    const { next, effects } = refuse(submittedJob(policy), failure);

    expect(next).toMatchObject({ state: 'FAILED', attempt: 1, finishedAt: NOW.toISOString() });
    expect(next.reason).toBe(`RunTask refused (${failure.kind}): ${failure.reason}`);
    expect(next).not.toHaveProperty('notBefore');
    expect(effects).toEqual([
      RELEASE,
      { type: 'JobFinished', jobId: JOB_ID, source: SOURCE, state: 'FAILED' },
    ]);
  });

  it('fails a capacity refusal that a rule sends to EXIT, but never a throttled one', () => {
    const rules: RetryInput = { rules: [{ onReason: 'Capacity*', action: 'EXIT' }] };

    expect(refuse(submittedJob(policy), CAPACITY, rules).next.state).toBe('FAILED');
    expect(
      refuse(
        submittedJob(policy),
        { kind: 'throttling', reason: 'Capacity requests throttled: Rate exceeded' },
        rules,
      ).next.state,
    ).toBe('SUBMITTED');
  });

  it('matches launch refusals by their stop code RunTask:<kind>, and ignores exit-code rules', () => {
    const everyRefusal: RetryInput = { rules: [{ onStopCode: 'RunTask:*', action: 'EXIT' }] };
    const exitCodeRule: RetryInput = {
      rules: [{ onExitCode: '*', onStopCode: 'RunTask:*', action: 'EXIT' }],
    };

    expect(refuse(submittedJob(policy), CAPACITY, everyRefusal).next.state).toBe('FAILED');
    expect(refuse(submittedJob(policy), THROTTLING, everyRefusal).next.state).toBe('SUBMITTED');
    expect(refuse(submittedJob(policy), CAPACITY, exitCodeRule).next.state).toBe('SUBMITTED');
  });

  it('does not touch a job whose task was already launched', () => {
    const started = launch(submittedJob(policy), newTaskArn(), policy);

    expect(refuse(started, CAPACITY)).toEqual({ next: started, effects: [] });
  });
});

describe('task-missing', () => {
  it('ends the attempt through the retry rules: retried by default', () => {
    const taskArn = newTaskArn();
    const started = launch(submittedJob(policy), taskArn, policy);

    const { next, effects } = transition(started, { type: 'task-missing', attempt: 1, taskArn }, NOW, policy);

    expect(next).toMatchObject({
      state: 'SUBMITTED',
      attempt: 2,
      taskVersion: 0,
      reason: 'attempt 1 failed: task no longer known to ECS',
    });
    expect(next).not.toHaveProperty('taskArn');
    expect(effects).toEqual([
      RELEASE,
      { type: 'LaunchWaiting', source: SOURCE },
      { type: 'ScheduleRetry', jobId: JOB_ID, attempt: 2, notBefore: next.notBefore },
    ]);
  });

  it('fails the job when a rule on the TaskMissing stop code says EXIT', () => {
    const exiting = policyOf(thumbnailsConfig({ rules: [{ onStopCode: 'TaskMissing', action: 'EXIT' }] }));
    const taskArn = newTaskArn();
    const started = launch(submittedJob(exiting), taskArn, exiting);

    const { next } = transition(started, { type: 'task-missing', attempt: 1, taskArn }, NOW, exiting);

    expect(next).toMatchObject({
      state: 'FAILED',
      attempt: 1,
      finishedAt: NOW.toISOString(),
      reason: 'task no longer known to ECS (rules[0]: EXIT)',
    });
  });

  it('fails the job on its last attempt', () => {
    const single = policyOf(thumbnailsConfig({ attempts: 1 }));
    const taskArn = newTaskArn();

    const { next } = transition(
      launch(submittedJob(single), taskArn, single),
      { type: 'task-missing', attempt: 1, taskArn },
      NOW,
      single,
    );

    expect(next).toMatchObject({ state: 'FAILED', reason: 'task no longer known to ECS (attempts: EXIT)' });
  });

  it('changes nothing for another task, or another attempt', () => {
    const taskArn = newTaskArn();
    const started = launch(submittedJob(policy), taskArn, policy);

    const unchanged = { next: started, effects: [] };
    expect(
      transition(started, { type: 'task-missing', attempt: 1, taskArn: newTaskArn() }, NOW, policy),
    ).toEqual(unchanged);
    expect(transition(started, { type: 'task-missing', attempt: 2, taskArn }, NOW, policy)).toEqual(
      unchanged,
    );
  });
});

describe('cancel', () => {
  it('cancels a SUBMITTED job that has no task, even while it waits to be launched', () => {
    const waiting = refuse(submittedJob(policy), CAPACITY).next;

    const { next, effects } = transition(
      waiting,
      { type: 'cancel', attempt: 1, reason: 'cancelled by alice' },
      NOW,
      policy,
    );

    expect(next).toMatchObject({
      state: 'CANCELLED',
      reason: 'cancelled by alice',
      finishedAt: NOW.toISOString(),
    });
    expect(next).not.toHaveProperty('notBefore');
    // Its attempt's slot goes back, if its launch had taken one (releasing a slot not held does nothing).
    expect(effects).toEqual([
      { type: 'ReleaseSlot', source: SOURCE, holder: slotHolder(JOB_ID, 1) },
      { type: 'LaunchWaiting', source: SOURCE },
      { type: 'JobFinished', jobId: JOB_ID, source: SOURCE, state: 'CANCELLED' },
    ]);
  });

  it('does not cancel a job with a task: that one is stopped with StopTask instead', () => {
    const started = launch(submittedJob(policy), newTaskArn(), policy);

    expect(
      transition(started, { type: 'cancel', attempt: 1, reason: 'cancelled by alice' }, NOW, policy),
    ).toEqual({ next: started, effects: [] });
  });
});

describe('isOverdue', () => {
  const seconds = (from: string | undefined, s: number) => new Date(Date.parse(from ?? '') + s * 1000);

  it('counts from the start of the task once it has started', () => {
    const taskArn = newTaskArn();
    const events = taskLifecycle({ jobId: JOB_ID, attempt: 1, taskArn, exitCode: 0 });
    const running = deliver(launch(submittedJob(policy), taskArn, policy), events.slice(0, 4), policy);
    const startedAt = running.attempts['1']?.startedAt;

    expect(running.state).toBe('RUNNING');
    expect(isOverdue(running, seconds(startedAt, TIMEOUT_SECONDS))).toBe(false);
    expect(isOverdue(running, seconds(startedAt, TIMEOUT_SECONDS + 0.001))).toBe(true);
  });

  it('counts from the creation of the task while it is starting', () => {
    const taskArn = newTaskArn();
    const events = taskLifecycle({ jobId: JOB_ID, attempt: 1, taskArn, exitCode: 0 });
    const starting = deliver(launch(submittedJob(policy), taskArn, policy), events.slice(0, 2), policy);
    const createdAt = starting.attempts['1']?.createdAt;

    expect(starting.state).toBe('STARTING');
    expect(isOverdue(starting, seconds(createdAt, TIMEOUT_SECONDS))).toBe(false);
    expect(isOverdue(starting, seconds(createdAt, TIMEOUT_SECONDS + 1))).toBe(true);
  });

  it('is never true for a job that is not running an attempt', () => {
    const farFuture = new Date('2030-01-01T00:00:00.000Z');
    const succeeded = runAttempt(submittedJob(policy), policy, { exitCode: 0 }).job;
    const retrying = runAttempt(submittedJob(policy), policy, { exitCode: 1 }).job;

    expect(isOverdue(submittedJob(policy), farFuture)).toBe(false);
    expect(isOverdue(retrying, farFuture)).toBe(false);
    expect(isOverdue(succeeded, farFuture)).toBe(false);
  });

  it('counts from the launch for a launched job before any event of its task', () => {
    // A task whose events were all lost must still time out.
    const launched = launch(submittedJob(policy), newTaskArn(), policy, LAUNCHED_AT);
    const launchedAt = new Date(launched.updatedAt).getTime();

    expect(isOverdue(launched, new Date(launchedAt + launched.timeoutSeconds * 1000))).toBe(false);
    expect(isOverdue(launched, new Date(launchedAt + launched.timeoutSeconds * 1000 + 1))).toBe(true);
  });
});
