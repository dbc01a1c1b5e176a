import { type JobEffect, STOP_REASONS, slotHolder, TASK_STATUSES, transition } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { newTaskArn, type TaskScript, taskLifecycle } from '../../support/ecs-events';
import { loadEvent } from '../../support/fixtures';
import {
  deliver,
  deliverOne,
  JOB_ID,
  LAUNCHED_AT,
  launch,
  nowOf,
  policyOf,
  runAttempt,
  SOURCE,
  SPOT_RETRY_RULES,
  snapshotOf,
  submittedJob,
  taskEvent,
  thumbnailsConfig,
} from '../../support/jobs';

const RULES = SPOT_RETRY_RULES;
const policy = policyOf(thumbnailsConfig(RULES));
const RELEASE: JobEffect = { type: 'ReleaseSlot', source: SOURCE, holder: slotHolder(JOB_ID, 1) };
const LAUNCH_WAITING: JobEffect = { type: 'LaunchWaiting', source: SOURCE };
const finished = (state: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED'): JobEffect => ({
  type: 'JobFinished',
  jobId: JOB_ID,
  source: SOURCE,
  state,
});

/** A launched attempt 1 and every event its task would emit, in order. */
function launchedAttempt(script: Omit<TaskScript, 'jobId' | 'attempt' | 'taskArn'> = { exitCode: 0 }) {
  const taskArn = newTaskArn();
  const events = taskLifecycle({ ...script, jobId: JOB_ID, attempt: 1, taskArn });
  const job = launch(submittedJob(policy), taskArn, policy);
  const byStatus = (status: string) => {
    const event = events.find((e) => snapshotOf(e).lastStatus === status);
    if (!event) throw new Error(`the lifecycle has no ${status} event`);
    return event;
  };
  return { job, taskArn, events, stopped: byStatus('STOPPED'), byStatus };
}

describe('task events before the task stops', () => {
  it.each(
    TASK_STATUSES.filter((s) => s !== 'STOPPED').map((status, index) => ({
      status,
      version: index + 1,
      // A task is RUNNING once it has started, and stays so while it winds down.
      state: index < 3 ? 'STARTING' : 'RUNNING',
    })),
  )('$status (version $version) makes the job $state', ({ status, version, state }) => {
    const { job, taskArn, byStatus } = launchedAttempt({ exitCode: 0 });
    const event = byStatus(status);

    const { next, effects } = deliverOne(job, event, policy);

    expect(next).toMatchObject({ state, attempt: 1, taskArn, taskStatus: status, taskVersion: version });
    expect(next).not.toHaveProperty('finishedAt');
    expect(next).not.toHaveProperty('reason');
    expect(next.attempts['1']).toMatchObject({
      attempt: 1,
      taskArn,
      lastStatus: status,
      version,
      cpu: 256,
      memory: 512,
    });
    // Even when DEPROVISIONING already carries the exit code, nothing is billed or settled before STOPPED.
    expect(next.attempts['1']).not.toHaveProperty('cost');
    expect(effects).toEqual([]);
    expect(next.history.at(-1)).toEqual({
      at: nowOf(event).toISOString(),
      state,
      attempt: 1,
      taskStatus: status,
      version,
    });
  });
});

type Expected =
  | { state: 'SUCCEEDED' }
  | { state: 'FAILED'; decidedBy: string }
  | { state: 'SUBMITTED'; decidedBy: string };
const SUCCEEDED: Expected = { state: 'SUCCEEDED' };
const RETRY_OTHERWISE: Expected = { state: 'SUBMITTED', decidedBy: 'otherwise' };
const RETRY_SPOT: Expected = { state: 'SUBMITTED', decidedBy: 'rules[0]' };
const EXIT_KILLED: Expected = { state: 'FAILED', decidedBy: 'rules[1]' };

const STOP_REASON_OF: Record<string, string> = {
  EssentialContainerExited: 'Essential container in task exited',
  UserInitiated: 'Task stopped by user',
  ServiceSchedulerInitiated: 'Scaling activity initiated by (deployment ecs-svc/0123456789)',
  SpotInterruption: 'Your Spot Task was interrupted.',
  TerminationNotice: 'Task stopped because the underlying host is being retired',
  SomeFutureStopCode: 'Stopped for a reason ECS has yet to invent',
};

const STOPPED_ROWS: { stopCode: string; exitCode?: number; expected: Expected }[] = [
  { stopCode: 'EssentialContainerExited', exitCode: 0, expected: SUCCEEDED },
  { stopCode: 'EssentialContainerExited', exitCode: 1, expected: RETRY_OTHERWISE },
  { stopCode: 'EssentialContainerExited', exitCode: 137, expected: EXIT_KILLED },
  { stopCode: 'EssentialContainerExited', expected: RETRY_OTHERWISE },
  ...['UserInitiated', 'ServiceSchedulerInitiated', 'TerminationNotice', 'SomeFutureStopCode'].flatMap(
    (stopCode) => [
      // Exit 0 after a stop nobody in Stevedore asked for is not a success: the work was cut short.
      { stopCode, exitCode: 0, expected: RETRY_OTHERWISE },
      { stopCode, exitCode: 1, expected: RETRY_OTHERWISE },
      { stopCode, exitCode: 137, expected: EXIT_KILLED },
      { stopCode, expected: RETRY_OTHERWISE },
    ],
  ),
  // The first matching rule wins: a spot interruption is retried even with exit code 137.
  ...[0, 1, 137, undefined].map((exitCode) => ({
    stopCode: 'SpotInterruption',
    ...(exitCode !== undefined ? { exitCode } : {}),
    expected: RETRY_SPOT,
  })),
];

describe('the STOPPED event', () => {
  it.each(STOPPED_ROWS)(
    '$stopCode with exit code $exitCode: $expected.state',
    ({ stopCode, exitCode, expected }) => {
      const stoppedReason = STOP_REASON_OF[stopCode] ?? '';
      const { job, taskArn, stopped } = launchedAttempt({
        stopCode,
        stoppedReason,
        ...(exitCode !== undefined ? { exitCode } : {}),
        ...(stopCode === 'SpotInterruption' ? { capacityProviderName: 'FARGATE_SPOT' } : {}),
      });
      const now = nowOf(stopped);
      const failure = [
        ...(exitCode ? [`container main exited with code ${exitCode}`] : []),
        stopCode,
        stoppedReason,
      ].join(': ');

      const { next, effects } = deliverOne(job, stopped, policy);

      expect(next.attempts['1']).toMatchObject({
        lastStatus: 'STOPPED',
        version: 8,
        stopCode,
        stoppedReason,
        containers: [{ name: 'main', ...(exitCode !== undefined ? { exitCode } : {}) }],
        capacityProvider: stopCode === 'SpotInterruption' ? 'FARGATE_SPOT' : 'FARGATE',
        cost: { billedSeconds: 60, vcpuSeconds: 15, gbSeconds: 30 },
      });
      if (expected.state === 'SUBMITTED') {
        expect(next).toMatchObject({ state: 'SUBMITTED', attempt: 2, taskVersion: 0, launchFailures: 0 });
        expect(next).not.toHaveProperty('taskArn');
        expect(next).not.toHaveProperty('taskStatus');
        expect(next).not.toHaveProperty('finishedAt');
        expect(next.reason).toBe(`attempt 1 failed: ${failure}`);
        expect(next.history.at(-1)?.reason).toBe(
          `attempt 1 failed: ${failure} (${expected.decidedBy}: RETRY)`,
        );
        const notBefore = Date.parse(next.notBefore ?? '');
        // Default backoff: 10 s for the first retry, with equal jitter: between 5 and 10 s.
        expect(notBefore - now.getTime()).toBeGreaterThanOrEqual(5000);
        expect(notBefore - now.getTime()).toBeLessThanOrEqual(10_000);
        expect(effects).toEqual([
          RELEASE,
          LAUNCH_WAITING,
          { type: 'ScheduleRetry', jobId: JOB_ID, attempt: 2, notBefore: next.notBefore },
        ]);
      } else {
        expect(next).toMatchObject({
          state: expected.state,
          attempt: 1,
          taskArn,
          taskStatus: 'STOPPED',
          taskVersion: 8,
        });
        expect(next.finishedAt).toBe(snapshotOf(stopped).stoppedAt);
        expect(next).not.toHaveProperty('notBefore');
        if (expected.state === 'FAILED') expect(next.reason).toBe(`${failure} (${expected.decidedBy}: EXIT)`);
        else expect(next).not.toHaveProperty('reason');
        expect(effects).toEqual([RELEASE, LAUNCH_WAITING, finished(expected.state)]);
      }
    },
  );

  it('retries a task that failed to start with no containers, and bills nothing since it never pulled', () => {
    const { job, stopped } = launchedAttempt({ failedToStart: true });

    const { next, effects } = deliverOne(job, stopped, policy);

    expect(next).toMatchObject({ state: 'SUBMITTED', attempt: 2 });
    expect(next.reason).toBe(
      'attempt 1 failed: TaskFailedToStart: CannotPullContainerError: pull image manifest has been retried 5 time(s)',
    );
    expect(next.attempts['1']).toMatchObject({ version: 3, stopCode: 'TaskFailedToStart', containers: [] });
    expect(next.attempts['1']?.cost).toEqual({ billedSeconds: 0, vcpuSeconds: 0, gbSeconds: 0, usd: 0 });
    expect(effects.map((e) => e.type)).toEqual(['ReleaseSlot', 'LaunchWaiting', 'ScheduleRetry']);
  });

  it.each([
    ['timeout', 'TIMED_OUT'],
    ['cancel', 'CANCELLED'],
    ['replaced', 'CANCELLED'],
  ] as const)('a task Stevedore stopped for %s ends %s, never retried', (why, state) => {
    // A rule that would retry the stop, and attempts to spare: Stevedore's own stops still end the job.
    const retrying = policyOf(
      thumbnailsConfig({ attempts: 5, rules: [{ onStopCode: 'UserInitiated', action: 'RETRY' }] }),
    );
    const taskArn = newTaskArn();
    const events = taskLifecycle({
      jobId: JOB_ID,
      attempt: 1,
      taskArn,
      exitCode: 137,
      stopCode: 'UserInitiated',
      stoppedReason: STOP_REASONS[why],
    });
    const job = launch(submittedJob(retrying), taskArn, retrying);

    const next = deliver(job, events.slice(0, -1), retrying);
    const last = deliverOne(next, events.at(-1) ?? {}, retrying);

    expect(last.next).toMatchObject({ state, attempt: 1, reason: STOP_REASONS[why], taskStatus: 'STOPPED' });
    expect(last.effects).toEqual([RELEASE, LAUNCH_WAITING, finished(state)]);
  });
});

describe('duplicate, stale and foreign events', () => {
  it('a duplicate or an older event changes nothing and has no effects', () => {
    const { job, byStatus } = launchedAttempt();
    const running = deliverOne(job, byStatus('RUNNING'), policy).next;

    for (const event of [byStatus('RUNNING'), byStatus('PENDING'), byStatus('PROVISIONING')]) {
      const { next, effects } = deliverOne(running, event, policy);

      expect(next).toBe(running);
      expect(effects).toEqual([]);
    }
  });

  it('a duplicate STOPPED does not settle the slot or schedule a retry twice', () => {
    const { job, stopped } = launchedAttempt({ exitCode: 1 });
    const retried = deliverOne(job, stopped, policy).next;

    const again = deliverOne(retried, stopped, policy);

    expect(again.next).toBe(retried);
    expect(again.effects).toEqual([]);
  });

  it('events of attempt 1 change nothing once attempt 2 runs', () => {
    const first = runAttempt(submittedJob(policy), policy, { exitCode: 1 });
    const second = launch(first.job, newTaskArn(), policy, new Date(first.job.notBefore ?? ''));

    for (const event of first.events) {
      const { next, effects } = deliverOne(second, event, policy);

      expect(next).toBe(second);
      expect(effects).toEqual([]);
    }
  });

  it('an event of another task of the same attempt changes nothing once the job knows its task', () => {
    const { job } = launchedAttempt();
    const [foreign] = taskLifecycle({ jobId: JOB_ID, attempt: 1, exitCode: 0 }).slice(-1);

    expect(deliverOne(job, foreign ?? {}, policy)).toEqual({ next: job, effects: [] });
  });

  // transition() promises that foreign events change nothing; a task launched for another job
  // (its STEVEDORE_JOB_ID and startedBy name that job) must not end this one, even before this
  // job has recorded a task of its own: decideTask compares the task's owner with the job.
  it('an event of a task started for another job changes nothing, even before the launch is recorded', () => {
    const submitted = submittedJob(policy);
    const [foreign] = taskLifecycle({
      jobId: 'thumbnails-ffffffffffffffffffff',
      attempt: 1,
      exitCode: 0,
    }).slice(-1);

    expect(deliverOne(submitted, foreign ?? {}, policy)).toEqual({ next: submitted, effects: [] });
  });

  it.each<[string, (env: { name: string; value: string }[]) => void]>([
    ['without STEVEDORE_ATTEMPT', (env) => env.splice(1, 1)],
    ['with STEVEDORE_ATTEMPT 0', (env) => env.splice(1, 1, { name: 'STEVEDORE_ATTEMPT', value: '0' })],
    ['with STEVEDORE_ATTEMPT "one"', (env) => env.splice(1, 1, { name: 'STEVEDORE_ATTEMPT', value: 'one' })],
  ])('ignores a task %s', (_what, edit) => {
    const { job, stopped } = launchedAttempt();
    const detail = stopped.detail as {
      overrides: { containerOverrides: { environment: { name: string; value: string }[] }[] };
    };
    edit(detail.overrides.containerOverrides[0]?.environment ?? []);

    expect(deliverOne(job, stopped, policy)).toEqual({ next: job, effects: [] });
  });

  it('ignores a real task that Stevedore did not start', () => {
    const { job } = launchedAttempt();

    for (const variant of ['task-state-change-running', 'task-state-change-deprovisioning']) {
      const event = loadEvent('ecs', variant);
      expect(transition(job, taskEvent(event), LAUNCHED_AT, policy)).toEqual({ next: job, effects: [] });
    }
  });
});

describe('terminal states', () => {
  it.each([
    ['SUCCEEDED', { exitCode: 0 }],
    ['FAILED', { exitCode: 137 }],
    ['TIMED_OUT', { exitCode: 137, stopCode: 'UserInitiated', stoppedReason: STOP_REASONS.timeout }],
    ['CANCELLED', { exitCode: 143, stopCode: 'UserInitiated', stoppedReason: STOP_REASONS.cancel }],
  ] as const)('a %s job never changes again', (state, script) => {
    const { job: done, events, taskArn } = runAttempt(submittedJob(policy), policy, script);
    expect(done.state).toBe(state);
    const later = new Date('2026-01-02T00:00:00.000Z');
    const others = taskLifecycle({ jobId: JOB_ID, attempt: 2, exitCode: 1 });

    for (const event of [...events, ...others])
      expect(deliverOne(done, event, policy)).toEqual({ next: done, effects: [] });
    for (const event of [
      { type: 'launched', attempt: 1, taskArn },
      { type: 'launched', attempt: 2, taskArn: newTaskArn() },
      {
        type: 'launch-failed',
        attempt: 1,
        launchFailures: 0,
        failure: { kind: 'capacity', reason: 'Capacity is unavailable' },
      },
      { type: 'task-missing', attempt: 1, taskArn },
      { type: 'cancel', attempt: 1, reason: 'changed my mind' },
    ] as const) {
      expect(transition(done, event, later, policy)).toEqual({ next: done, effects: [] });
    }
  });
});

describe('events that arrive before RunTask is recorded', () => {
  it('accepts a STOPPED event before launched, and the later launched changes nothing', () => {
    const { taskArn, stopped } = launchedAttempt({ exitCode: 0 });
    const submitted = submittedJob(policy);

    const { next: done } = deliverOne(submitted, stopped, policy);
    const late = transition(done, { type: 'launched', attempt: 1, taskArn }, nowOf(stopped), policy);

    expect(done).toMatchObject({ state: 'SUCCEEDED', taskArn, taskVersion: 8 });
    expect(late).toEqual({ next: done, effects: [] });
  });

  it('accepts a RUNNING event before launched, and the later launched does not move the job back', () => {
    const { taskArn, byStatus } = launchedAttempt();

    const { next: running } = deliverOne(submittedJob(policy), byStatus('RUNNING'), policy);
    const late = transition(running, { type: 'launched', attempt: 1, taskArn }, LAUNCHED_AT, policy);

    expect(running).toMatchObject({ state: 'RUNNING', taskArn, taskStatus: 'RUNNING', taskVersion: 4 });
    expect(late).toEqual({ next: running, effects: [] });
  });
});
