import {
  compileApp,
  fireSchedule,
  type HandlerDeps,
  MISSED_GRACE_MS,
  recordMissedRuns,
} from '@stevedore/control';
import { parseConfig } from '@stevedore/core/config';
import { InvalidJobInputError } from '@stevedore/core/errors';
import { STOP_REASONS, scheduledJobId } from '@stevedore/core/job';
import type { ScheduleStore, TaskLauncher } from '@stevedore/core/ports';
import { describe, expect, it } from 'vitest';
import { scheduleFired } from '../../../functions/schedule-fired';
import { taskStateChange } from '../../../functions/task-state-change';
import { type Harness, jobOf, jobWorldForFile, taskOf } from '../../support/job-harness';

/*
 * Schedule runs (packages/control/src/schedules) against DynamoDB Local and the local ECS endpoint:
 * the overlap policies, redelivered firings, a firing that died halfway, and missed runs. Task
 * events reach the ledger only when a test delivers them.
 */

const INPUT = {
  app: 'sweeptest',
  tasks: {
    succeed: { image: 'example/succeed', cpu: 256, memory: 512 },
    sleep: { image: 'example/sleep', cpu: 256, memory: 512 },
    // Not registered with the ECS endpoint: RunTask refuses it as an invalid request.
    ghost: { image: 'example/ghost', cpu: 256, memory: 512 },
  },
  schedules: {
    skipping: { expression: 'rate(5 minutes)', task: 'sleep', overlap: 'skip' },
    quick: { expression: 'rate(5 minutes)', task: 'succeed', overlap: 'skip' },
    replacing: { expression: 'rate(5 minutes)', task: 'sleep', overlap: 'replace' },
    allowing: { expression: 'rate(5 minutes)', task: 'sleep', overlap: 'allow' },
    paused: { expression: 'cron(0 6 * * ? *)', timezone: 'Europe/Berlin', task: 'succeed', enabled: false },
    fively: { expression: 'cron(0/5 * * * ? *)', task: 'succeed' },
    broken: { expression: 'rate(5 minutes)', task: 'ghost', overlap: 'skip' },
  },
} as const;
const CONFIG = parseConfig(INPUT);

/** The config with `fively` changed (the rest as is). */
const withFively = (fively: Record<string, unknown>) =>
  parseConfig({
    ...INPUT,
    schedules: { ...INPUT.schedules, fively: { ...INPUT.schedules.fively, ...fively } },
  });

/*
 * Job ids derive from schedule and fire time, and every test shares one ECS endpoint (where RunTask's
 * client token would hand a test another test's task), so each test fires on a day of its own.
 */
let day = 0;
/** The current test's first fire time: fixed once per test, so a 5-minute boundary passing mid-test moves nothing. */
let dayBase = 0;

/** Fire times of the current test's day, five minutes apart. */
function fireTime(n: number): Date {
  return new Date(dayBase + n * 300_000);
}

const world = jobWorldForFile();
let h: Harness;
let deps: HandlerDeps;

async function fresh() {
  day += 1;
  dayBase = Math.floor(Date.now() / 300_000) * 300_000 - day * 86_400_000;
  h = await world.harness(CONFIG);
  deps = h.deps;
}

/** Delivers the task's events up to and including `lastStatus`. */
async function deliverThrough(jobId: string, lastStatus: string) {
  const taskArn = await taskOf(deps, jobId);
  await world.eventWith(taskArn, lastStatus);
  await world.deliver(h.handler, taskArn);
}

describe('overlap: skip', () => {
  it('records a firing during an active run as a skipped job, starts no task for it, and runs again once it ends', async () => {
    await fresh();
    const first = await fireSchedule(deps, 'quick', fireTime(0));
    const second = await fireSchedule(deps, 'quick', fireTime(1));

    expect(first.outcome).toBe('started');
    expect(second.outcome).toBe('skipped');
    const skipped = await jobOf(deps, second.jobId ?? '');
    expect(skipped).toMatchObject({
      state: 'CANCELLED',
      kind: 'schedule',
      reason: `skipped: run ${first.jobId} is still active (overlap: skip)`,
    });
    expect(world.tasksOf(skipped.jobId)).toEqual([]);

    await deliverThrough(first.jobId ?? '', 'STOPPED');
    expect((await jobOf(deps, first.jobId ?? '')).state).toBe('SUCCEEDED');
    const state = await deps.schedules.scheduleState('quick');
    expect(state.activeJob).toBeUndefined();
    expect(state.lastSuccess).toMatchObject({ jobId: first.jobId, scheduledTime: fireTime(0).toISOString() });

    const third = await fireSchedule(deps, 'quick', fireTime(2));
    expect(third.outcome).toBe('started');
    expect(world.tasksOf(third.jobId ?? '')).toHaveLength(1);
    await deliverThrough(third.jobId ?? '', 'STOPPED');
  });
});

describe('overlap: replace', () => {
  it('stops the running run, which ends CANCELLED as replaced, and starts the new one', async () => {
    await fresh();
    const first = await fireSchedule(deps, 'replacing', fireTime(0));
    await deliverThrough(first.jobId ?? '', 'RUNNING');

    const second = await fireSchedule(deps, 'replacing', fireTime(1));

    expect(second.outcome).toBe('replaced');
    await deliverThrough(first.jobId ?? '', 'STOPPED');
    expect(await jobOf(deps, first.jobId ?? '')).toMatchObject({
      state: 'CANCELLED',
      reason: expect.stringContaining(STOP_REASONS.replaced),
    });
    expect((await deps.schedules.scheduleState('replacing')).activeJob).toBe(second.jobId);
    expect(world.tasksOf(second.jobId ?? '')).toHaveLength(1);
    await deps.launcher.stopTask(await taskOf(deps, second.jobId ?? ''), STOP_REASONS.cancel);
    await deliverThrough(second.jobId ?? '', 'STOPPED');
  });

  it('cancels a run that never got a task (capacity refused) before starting the new one', async () => {
    await fresh();
    const refused = await fireSchedule(
      { ...deps, launcher: world.refusingLauncher() },
      'replacing',
      fireTime(0),
    );
    const waiting = await jobOf(deps, refused.jobId ?? '');
    expect(waiting).toMatchObject({ state: 'SUBMITTED' });
    expect(waiting.taskArn).toBeUndefined();

    const second = await fireSchedule(deps, 'replacing', fireTime(1));

    expect(second.outcome).toBe('replaced');
    expect(await jobOf(deps, refused.jobId ?? '')).toMatchObject({
      state: 'CANCELLED',
      reason: expect.stringContaining(STOP_REASONS.replaced),
    });
    await deps.launcher.stopTask(await taskOf(deps, second.jobId ?? ''), STOP_REASONS.cancel);
    await deliverThrough(second.jobId ?? '', 'STOPPED');
  });
});

describe('overlap: allow', () => {
  it('starts every run, running at once', async () => {
    await fresh();
    const runs = [
      await fireSchedule(deps, 'allowing', fireTime(0)),
      await fireSchedule(deps, 'allowing', fireTime(1)),
    ];
    expect(runs.map((r) => r.outcome)).toEqual(['started', 'started']);
    for (const run of runs) await deliverThrough(run.jobId ?? '', 'RUNNING');
    for (const run of runs) expect((await jobOf(deps, run.jobId ?? '')).state).toBe('RUNNING');
    expect((await deps.schedules.scheduleState('allowing')).lastRun?.jobId).toBe(runs[1]?.jobId);
    for (const run of runs) {
      await deps.launcher.stopTask(await taskOf(deps, run.jobId ?? ''), STOP_REASONS.cancel);
      await deliverThrough(run.jobId ?? '', 'STOPPED');
    }
  });
});

describe('redelivered and interrupted firings', () => {
  it('a firing delivered again, later or at the same moment, is the same run: one job, one task', async () => {
    await fresh();
    const first = await fireSchedule(deps, 'quick', fireTime(0));
    const later = await fireSchedule(deps, 'quick', fireTime(0));
    const together = await Promise.all([
      fireSchedule(deps, 'allowing', fireTime(0)),
      fireSchedule(deps, 'allowing', fireTime(0)),
    ]);

    expect(later).toEqual({ outcome: 'duplicate', jobId: first.jobId });
    expect(world.tasksOf(first.jobId ?? '')).toHaveLength(1);
    expect(together.map((r) => r.outcome).sort()).toEqual(['duplicate', 'started']);
    expect(together[0]?.jobId).toBe(together[1]?.jobId);
    expect(world.tasksOf(together[0]?.jobId ?? '')).toHaveLength(1);
    await deliverThrough(first.jobId ?? '', 'STOPPED');
    await deps.launcher.stopTask(await taskOf(deps, together[0]?.jobId ?? ''), STOP_REASONS.cancel);
    await deliverThrough(together[0]?.jobId ?? '', 'STOPPED');
  });

  it('a firing that died after recording its run, before launching: the redelivery launches it', async () => {
    await fresh();
    const crashing = Object.assign(Object.create(deps.launcher) as TaskLauncher, {
      runTask: () => Promise.reject(new Error('the function died here')),
    });
    await expect(fireSchedule({ ...deps, launcher: crashing }, 'quick', fireTime(0))).rejects.toThrow(
      /died here/,
    );
    const jobId = scheduledJobId('quick', fireTime(0).toISOString());
    expect(await jobOf(deps, jobId)).toMatchObject({ state: 'SUBMITTED' });
    expect(world.tasksOf(jobId)).toEqual([]);

    const redelivered = await fireSchedule(deps, 'quick', fireTime(0));

    expect(redelivered).toEqual({ outcome: 'duplicate', jobId });
    expect(world.tasksOf(jobId)).toHaveLength(1);
    await deliverThrough(jobId, 'STOPPED');
    expect((await jobOf(deps, jobId)).state).toBe('SUCCEEDED');
  });

  it('a run that ended without releasing the schedule (crash before the release) does not block the next', async () => {
    await fresh();
    const first = await fireSchedule(deps, 'quick', fireTime(0));
    const jobId = first.jobId ?? '';
    const taskArn = await taskOf(deps, jobId);
    await world.eventWith(taskArn, 'STOPPED');
    // The ledger records SUCCEEDED, then the function dies before releasing the schedule.
    const schedules = Object.assign(Object.create(deps.schedules) as ScheduleStore, {
      finishRun: () => Promise.reject(new Error('the function died here')),
    });
    await expect(world.deliver(taskStateChange({ ...deps, schedules }), taskArn)).rejects.toThrow(
      /died here/,
    );
    expect((await jobOf(deps, jobId)).state).toBe('SUCCEEDED');
    expect((await deps.schedules.scheduleState('quick')).activeJob).toBe(jobId);

    const next = await fireSchedule(deps, 'quick', fireTime(1));

    expect(next.outcome).toBe('started');
    expect((await deps.schedules.scheduleState('quick')).activeJob).toBe(next.jobId);
    await deliverThrough(next.jobId ?? '', 'STOPPED');
  });
});

describe('refused runs', () => {
  it('a run RunTask refuses as invalid ends FAILED and frees the schedule for the next firing', async () => {
    await fresh();
    const refused = await fireSchedule(deps, 'broken', fireTime(0));

    expect(await jobOf(deps, refused.jobId ?? '')).toMatchObject({
      state: 'FAILED',
      reason: expect.stringContaining('RunTask refused (invalid)'),
    });
    expect((await deps.schedules.scheduleState('broken')).activeJob).toBeUndefined();
    expect((await fireSchedule(deps, 'broken', fireTime(1))).outcome).toBe('started');
  });
});

describe('disabled schedules', () => {
  it('a firing of a disabled schedule does nothing; a manual run starts it anyway', async () => {
    await fresh();
    expect(await fireSchedule(deps, 'paused', fireTime(0))).toEqual({ outcome: 'disabled' });
    expect(await fireSchedule(deps, 'nope', fireTime(0))).toEqual({ outcome: 'unknown' });
    expect(world.takeErrors()).toEqual([
      { message: 'schedule not in the config', fields: { schedule: 'nope' } },
    ]);
    const manual = await fireSchedule(deps, 'paused', fireTime(0), { manual: true });
    expect(manual.outcome).toBe('started');
    await deliverThrough(manual.jobId ?? '', 'STOPPED');
  });
});

describe('firings for a time out of range', () => {
  it.each([
    ['year 0000', new Date('0000-01-01T00:00:00Z')],
    ['no time at all', new Date(Number.NaN)],
  ])(
    'a firing for %s is refused with an error naming the time; nothing is recorded or started',
    async (_what, time) => {
      await fresh();
      const tasksBefore = world.ecs.tasks().length;

      const refused = await fireSchedule(deps, 'allowing', time).catch((error: unknown) => error);
      const viaHandler = scheduleFired(deps)({ schedule: 'allowing', scheduledTime: '0000-01-01T00:00:00Z' });

      expect(refused).toBeInstanceOf(InvalidJobInputError);
      expect(String(refused)).toMatch(/^InvalidJobInputError: invalid scheduled time: expected a/);
      await viaHandler;
      expect(world.takeErrors()).toEqual([
        {
          message: 'rejected malformed event',
          fields: {
            handler: 'schedule-fired',
            source: 'Scheduler invocation',
            problems: ['scheduledTime: expected a time from 2000 to 2199, not 0000-01-01T00:00:00.000Z'],
          },
        },
      ]);
      expect((await deps.jobs.listJobs({ limit: 10 })).jobs).toEqual([]);
      expect(await deps.schedules.scheduleState('allowing')).toEqual({});
      expect(world.ecs.tasks()).toHaveLength(tasksBefore);
    },
  );
});

describe('missed runs', () => {
  it('records fire times that passed with no run as FAILED jobs, once, from when checking began', async () => {
    await fresh();
    // The cron schedule is checked from now on; rate schedules only from their first firing, as AWS
    // starts them at a start date the sweeper does not know.
    expect(await recordMissedRuns(deps)).toBe(0);
    const startedAt = h.clock.now().getTime();
    // Twenty minutes pass; one of the four fire times of `fively` and of `quick` did run.
    h.clock.advance(20 * 60_000 + MISSED_GRACE_MS);
    const firstDue = (Math.floor(startedAt / 300_000) + 1) * 300_000;
    const at = (n: number) => new Date(firstDue + n * 300_000);
    for (const name of ['fively', 'quick']) {
      const fired = await fireSchedule(deps, name, at(1));
      await deliverThrough(fired.jobId ?? '', 'STOPPED');
    }

    const missed = await recordMissedRuns(deps);
    const again = await recordMissedRuns(deps);

    // fively: 3 of its 4 fire times (one ran); quick: the 2 after its first firing; the other rate
    // schedules never fired, so nothing is judged.
    expect(missed).toBe(5);
    expect(again).toBe(0);
    const missedJob = await jobOf(deps, scheduledJobId('fively', at(0).toISOString()));
    expect(missedJob).toMatchObject({
      state: 'FAILED',
      kind: 'schedule',
      reason: `missed: no firing arrived for ${at(0).toISOString()}`,
    });
    expect(world.tasksOf(missedJob.jobId)).toEqual([]);
    expect((await jobOf(deps, scheduledJobId('fively', at(1).toISOString()))).state).toBe('SUCCEEDED');
    expect(await deps.jobs.getJob(scheduledJobId('quick', at(0).toISOString()))).toBeUndefined();
    expect((await jobOf(deps, scheduledJobId('quick', at(2).toISOString()))).state).toBe('FAILED');
    expect(await deps.jobs.getJob(scheduledJobId('skipping', at(0).toISOString()))).toBeUndefined();
    // The latest missed run is the schedule's last run, so `stevedore schedules` shows it failed.
    expect((await deps.schedules.scheduleState('quick')).lastRun?.jobId).toBe(
      scheduledJobId('quick', at(3).toISOString()),
    );
  });

  it("learns a rate schedule's grid from its firings, and a firing off that grid re-anchors it", async () => {
    await fresh();
    const start = h.clock.now().getTime();
    const a = new Date(Math.floor(start / 300_000) * 300_000 + 300_000);
    // Scheduler was updated 150 s after the first firing: its grid moved.
    const b = new Date(a.getTime() + 150_000);
    for (const time of [a, b]) {
      const fired = await fireSchedule(deps, 'quick', time);
      await deliverThrough(fired.jobId ?? '', 'STOPPED');
    }
    h.clock.advance(a.getTime() - start + 13 * 60_000 + MISSED_GRACE_MS);

    const missed = await recordMissedRuns(deps);

    // b + 5 and b + 10 minutes were missed; a + 5 minutes is no longer a fire time.
    expect(missed).toBe(2);
    const at = (from: Date, minutes: number) =>
      scheduledJobId('quick', new Date(from.getTime() + minutes * 60_000).toISOString());
    expect((await jobOf(deps, at(b, 5))).state).toBe('FAILED');
    expect((await jobOf(deps, at(b, 10))).state).toBe('FAILED');
    expect(await deps.jobs.getJob(at(a, 5))).toBeUndefined();
    expect((await deps.schedules.scheduleState('quick')).anchor).toBe(b.toISOString());

    // A retry of the first firing, delivered late, does not move the grid back.
    await fireSchedule(deps, 'quick', a);
    expect((await deps.schedules.scheduleState('quick')).anchor).toBe(b.toISOString());
    expect(await recordMissedRuns(deps)).toBe(0);
  });

  it('misses nothing while a schedule is disabled, and starts checks over when its expression changes', async () => {
    await fresh();
    expect(await recordMissedRuns(deps)).toBe(0);
    // Paused for an hour, then enabled again.
    h.clock.advance(60 * 60_000);
    expect(
      await recordMissedRuns({ ...deps, app: compileApp(withFively({ enabled: false }), deps.app.names) }),
    ).toBe(0);
    h.clock.advance(10 * 60_000 + MISSED_GRACE_MS);

    // The two five-minute times since it was enabled again were missed, none of the paused hour's.
    expect(await recordMissedRuns(deps)).toBe(2);

    // Then every ten minutes instead: checks start over, on the new expression.
    const changed = {
      ...deps,
      app: compileApp(withFively({ expression: 'cron(0/10 * * * ? *)' }), deps.app.names),
    };
    expect(await recordMissedRuns(changed)).toBe(0);
    const restartedAt = h.clock.now().getTime();
    h.clock.advance(20 * 60_000 + MISSED_GRACE_MS);
    expect(await recordMissedRuns(changed)).toBe(2);
    const { jobs } = await deps.jobs.listJobs({ source: 'fively', limit: 100 });
    const times = jobs
      .map((job) => Date.parse(job.input.STEVEDORE_SCHEDULED_TIME ?? ''))
      .sort((x, y) => x - y);
    expect(times).toHaveLength(4);
    for (const time of times.slice(2)) {
      expect(time).toBeGreaterThan(restartedAt);
      expect(new Date(time).getUTCMinutes() % 10).toBe(0);
    }
  });

  it('a manual run does not start the checks of a rate schedule', async () => {
    await fresh();
    const manual = await fireSchedule(deps, 'quick', new Date(h.clock.now().getTime() + 12_345), {
      manual: true,
    });
    await deliverThrough(manual.jobId ?? '', 'STOPPED');
    h.clock.advance(30 * 60_000);

    expect(await recordMissedRuns(deps)).toBe(0);
    expect((await deps.schedules.scheduleState('quick')).checkedUntil).toBeUndefined();
  });
});
