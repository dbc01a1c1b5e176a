import { cancelJob, cancelOpenJobs, launchJob, OperationError, sweep } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import { STOP_REASONS, slotHolder } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { jobOf, jobWorldForFile, submit, taskOf } from '../../support/job-harness';

/*
 * Cancel (packages/control/src/operations/cancel.ts) through the real ledger (DynamoDB Local) and
 * the local ECS endpoint: a waiting job, a running one, and a cancel racing with a task that fails
 * on its own and would be retried, in both orders of the two writes.
 */

const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1', cpu: 256, memory: 512 };

/** `held` never ends and allows one at once; `flaky` fails and retries at once; `once` fails for good. */
const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { fail: TASK, sleep: TASK, succeed: TASK },
  pipelines: {
    held: { bucket: 'uploads', task: 'sleep', concurrency: 1 },
    flaky: { bucket: 'uploads', task: 'fail', retry: { attempts: 3, backoff: { initialSeconds: 0 } } },
    slow: { bucket: 'uploads', task: 'sleep' },
  },
});

const world = jobWorldForFile();

describe('cancel a waiting job', () => {
  it('ends it CANCELLED at once with no task, and frees no slot it does not hold', async () => {
    const { deps } = await world.harness(CONFIG);
    const running = await submit(deps, 'held');
    await launchJob(deps, running);
    const waiting = await submit(deps, 'held');
    expect(await launchJob(deps, waiting)).toBe('no-slot');

    const result = await cancelJob(deps, waiting.jobId, { reason: 'not needed' });

    expect(result.outcome).toBe('cancelled');
    expect(await jobOf(deps, waiting.jobId)).toMatchObject({
      state: 'CANCELLED',
      reason: 'not needed',
      attempt: 1,
    });
    expect(world.tasksOf(waiting.jobId)).toEqual([]);
    expect(Object.keys(await deps.slots.slotHolders('held'))).toEqual([slotHolder(running.jobId, 1)]);
    await cancelJob(deps, running.jobId);
  });
});

describe('cancel where RunTask cannot be called (the CLI on a stage: launch false)', () => {
  it('launches nothing: the job waiting for the capped pipeline is left to the sweeper', async () => {
    const { deps } = await world.harness(CONFIG);
    const first = await submit(deps, 'held');
    const second = await submit(deps, 'held');
    const launcher = { ...deps.launcher, runTask: () => Promise.reject(new Error('no RunTask here')) };

    const result = await cancelJob({ ...deps, launcher }, first.jobId, { launch: false });

    expect(result.outcome).toBe('cancelled');
    expect(await jobOf(deps, second.jobId)).toMatchObject({ state: 'SUBMITTED' });
    await cancelJob(deps, second.jobId);
  });
});

describe('cancel a running job', () => {
  it('stops its task, ends CANCELLED when the task stops, with no further attempt, and frees its slot', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const job = await submit(deps, 'held');
    await launchJob(deps, job);
    const taskArn = await taskOf(deps, job.jobId);
    const next = await submit(deps, 'held');

    const result = await cancelJob(deps, job.jobId, { reason: 'wrong input' });
    await world.eventWith(taskArn, 'STOPPED');
    await world.deliver(handler, taskArn);

    expect(result).toMatchObject({
      outcome: 'stopping',
      job: { state: 'STARTING', cancelRequested: 'wrong input' },
    });
    const cancelled = await jobOf(deps, job.jobId);
    expect(cancelled).toMatchObject({
      state: 'CANCELLED',
      attempt: 1,
      reason: `${STOP_REASONS.cancel}: wrong input`,
    });
    expect(world.tasksOf(job.jobId)).toHaveLength(1);
    // The freed slot went to the waiting job, which was launched.
    expect(Object.keys(await deps.slots.slotHolders('held'))).toEqual([slotHolder(next.jobId, 1)]);
    expect(await jobOf(deps, next.jobId)).toMatchObject({ state: 'STARTING' });
    await cancelJob(deps, next.jobId);
  });

  it('a mark that loses to the task starting is made again on the RUNNING job; a second cancel stops again', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const job = await submit(deps, 'slow');
    await launchJob(deps, job);
    const starting = await jobOf(deps, job.jobId);
    const taskArn = await taskOf(deps, job.jobId);
    await world.eventWith(taskArn, 'RUNNING');
    await world.deliver(handler, taskArn); // the ledger has it RUNNING; the cancel read it STARTING
    const jobs: typeof deps.jobs = Object.assign(Object.create(deps.jobs), { getJob: async () => starting });

    const first = await cancelJob({ ...deps, jobs }, job.jobId, { reason: 'late' });
    const second = await cancelJob(deps, job.jobId, { reason: 'again' });
    await world.eventWith(taskArn, 'STOPPED');
    await world.deliver(handler, taskArn);

    expect(first).toMatchObject({ outcome: 'stopping', job: { state: 'RUNNING', cancelRequested: 'late' } });
    expect(second).toMatchObject({ outcome: 'stopping', job: { cancelRequested: 'late' } });
    expect(await jobOf(deps, job.jobId)).toMatchObject({ state: 'CANCELLED', attempt: 1 });
  });

  it('a cancel that died after the mark, before StopTask: the next sweep stops the task, and the job ends CANCELLED', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const job = await submit(deps, 'slow');
    await launchJob(deps, job);
    const taskArn = await taskOf(deps, job.jobId);
    await world.eventWith(taskArn, 'RUNNING');
    await world.deliver(handler, taskArn);
    // The cancel wrote its mark and died: its StopTask was never sent.
    const died: typeof deps.launcher = Object.assign(Object.create(deps.launcher), {
      stopTask: async () => {
        throw new Error('the process died here');
      },
    });
    await expect(cancelJob({ ...deps, launcher: died }, job.jobId, { reason: 'not needed' })).rejects.toThrow(
      'the process died here',
    );
    const runningOn = (await deps.launcher.describeTasks([taskArn])).tasks[0];

    const report = await sweep(deps);
    const again = await sweep(deps);
    await world.eventWith(taskArn, 'STOPPED');
    await world.deliver(handler, taskArn);

    expect(runningOn).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    expect(report?.cancelStops).toBe(1);
    expect(again?.cancelStops).toBe(0);
    const { tasks } = await deps.launcher.describeTasks([taskArn]);
    expect(tasks[0]?.stoppedReason).toBe(`${STOP_REASONS.cancel}: not needed`);
    expect(await jobOf(deps, job.jobId)).toMatchObject({
      state: 'CANCELLED',
      attempt: 1,
      reason: `${STOP_REASONS.cancel}: not needed`,
    });
    expect(world.tasksOf(job.jobId)).toHaveLength(1);
  });

  it('is a clear error for a finished job, and names an unknown one', async () => {
    const { deps } = await world.harness(CONFIG);
    const job = await submit(deps, 'slow');
    await cancelJob(deps, job.jobId);

    await expect(cancelJob(deps, job.jobId)).rejects.toThrow(
      new OperationError(
        'wrong-state',
        `job ${job.jobId} is already CANCELLED: only SUBMITTED, STARTING or RUNNING jobs can be cancelled`,
      ),
    );
    await expect(cancelJob(deps, 'slow-00000000000000000000')).rejects.toThrow(
      'no job slow-00000000000000000000 (see stevedore jobs list)',
    );
  });
});

describe('cancel racing with a task that fails on its own (its retry rules say RETRY at once)', () => {
  it('marked first: the STOPPED event that would retry ends the job CANCELLED instead, no attempt 2', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const job = await submit(deps, 'flaky');
    await launchJob(deps, job);
    const taskArn = await taskOf(deps, job.jobId);
    await world.eventWith(taskArn, 'STOPPED'); // it has exited 1, its events not yet delivered

    const result = await cancelJob(deps, job.jobId, { reason: 'stop it' });
    await world.deliver(handler, taskArn);

    expect(result.outcome).toBe('stopping');
    expect(await jobOf(deps, job.jobId)).toMatchObject({ state: 'CANCELLED', attempt: 1, reason: 'stop it' });
    expect((await jobOf(deps, job.jobId)).attempts['1']?.containers).toEqual([{ name: 'main', exitCode: 1 }]);
    expect(world.tasksOf(job.jobId)).toHaveLength(1);
  });

  it('retried first: the cancel lands on the attempt being launched, which is stopped', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const job = await submit(deps, 'flaky');
    await launchJob(deps, job);
    const firstTask = await taskOf(deps, job.jobId);
    await world.eventWith(firstTask, 'STOPPED');
    await world.deliver(handler, firstTask); // attempt 2 is launched at once (no backoff)
    const secondTask = await taskOf(deps, job.jobId);

    const result = await cancelJob(deps, job.jobId);
    await world.eventWith(secondTask, 'STOPPED');
    await world.deliver(handler, secondTask);

    expect(result.outcome).toBe('stopping');
    expect(await jobOf(deps, job.jobId)).toMatchObject({ state: 'CANCELLED', attempt: 2 });
    expect(world.tasksOf(job.jobId)).toHaveLength(2);
  });

  it('ended first: the cancel reports that the job had already ended and changes nothing', async () => {
    const { deps } = await world.harness(CONFIG);
    const job = await submit(deps, 'flaky');
    const stale = await jobOf(deps, job.jobId);
    await cancelJob(deps, job.jobId);
    // A second operator's cancel read the job before the first one's landed.
    const jobs: typeof deps.jobs = Object.assign(Object.create(deps.jobs), { getJob: async () => stale });
    const racing = { ...deps, jobs };

    const result = await cancelJob(racing, job.jobId);

    expect(result.outcome).toBe('already-ended');
    expect(result.job.state).toBe('CANCELLED');
  });
});

describe('cancel every open job of a pipeline', () => {
  it('cancels the waiting and the running ones', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const running = await submit(deps, 'slow');
    await launchJob(deps, running);
    const waiting = await submit(deps, 'slow', new Date(Date.now() + 3_600_000));

    const results = await cancelOpenJobs(deps, 'slow', { reason: 'bad deploy' });
    const taskArn = await taskOf(deps, running.jobId);
    await world.eventWith(taskArn, 'STOPPED');
    await world.deliver(handler, taskArn);

    expect(results.map((r) => [r.jobId, r.outcome]).sort()).toEqual(
      [
        [running.jobId, 'stopping'],
        [waiting.jobId, 'cancelled'],
      ].sort(),
    );
    expect((await jobOf(deps, running.jobId)).state).toBe('CANCELLED');
    expect(await cancelOpenJobs(deps, 'slow')).toEqual([]);
    await expect(cancelOpenJobs(deps, 'nope', { kind: 'pipeline' })).rejects.toThrow(
      'no pipeline "nope" in the config (pipelines: held, flaky, slow)',
    );
  });
});
