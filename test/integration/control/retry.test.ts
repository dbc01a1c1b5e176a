import { cancelJob, launchJob, OperationError, retryFailedJobs, retryJob } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import { describe, expect, it } from 'vitest';
import { jobOf, jobWorldForFile, submit, taskOf } from '../../support/job-harness';

/*
 * Retry (packages/control/src/operations/retry.ts) through the real ledger and the local ECS
 * endpoint: a new job with the same input, linked both ways, derived so a second retry is the same job.
 */

const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1', cpu: 256, memory: 512 };

const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { fail: TASK, sleep: TASK },
  pipelines: {
    once: { bucket: 'uploads', task: 'fail', retry: { attempts: 1 } },
    slow: { bucket: 'uploads', task: 'sleep' },
  },
});

const world = jobWorldForFile();

describe('retry a failed job', () => {
  it('creates a new job with the same input, linked both ways, and launches it; a second retry is the same job', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const job = await submit(deps, 'once');
    await launchJob(deps, job);
    const taskArn = await taskOf(deps, job.jobId);
    await world.eventWith(taskArn, 'STOPPED');
    await world.deliver(handler, taskArn);
    const failed = await jobOf(deps, job.jobId);
    expect(failed.state).toBe('FAILED');

    const retried = await retryJob(deps, job.jobId);
    const again = await retryJob(deps, job.jobId);

    expect(retried).toMatchObject({
      created: true,
      launch: 'launched',
      job: {
        state: 'STARTING',
        attempt: 1,
        source: 'once',
        task: 'fail',
        input: job.input,
        retryOf: job.jobId,
      },
    });
    expect(retried.job.jobId).not.toBe(job.jobId);
    expect(again).toMatchObject({ created: false, job: { jobId: retried.job.jobId } });
    const old = await jobOf(deps, job.jobId);
    expect(old).toMatchObject({ state: 'FAILED', retriedBy: retried.job.jobId, attempts: failed.attempts });
    expect(old.history.slice(0, failed.history.length)).toEqual(failed.history);
    expect(world.tasksOf(retried.job.jobId)).toHaveLength(1);
    const retryTask = await taskOf(deps, retried.job.jobId);
    await world.eventWith(retryTask, 'STOPPED');
    await world.deliver(handler, retryTask);
  });

  it('retries a CANCELLED job, and refuses a job that is still open or succeeded', async () => {
    const { deps } = await world.harness(CONFIG);
    const cancelled = await submit(deps, 'slow');
    await cancelJob(deps, cancelled.jobId);
    const open = await submit(deps, 'slow', new Date(Date.now() + 3_600_000));

    const retried = await retryJob(deps, cancelled.jobId);

    expect(retried.job).toMatchObject({ retryOf: cancelled.jobId, input: cancelled.input });
    await expect(retryJob(deps, open.jobId)).rejects.toThrow(
      new OperationError(
        'wrong-state',
        `job ${open.jobId} is SUBMITTED: only FAILED, TIMED_OUT, CANCELLED jobs can be retried`,
      ),
    );
    await expect(retryJob(deps, 'once-00000000000000000000')).rejects.toThrow(
      'no job once-00000000000000000000',
    );
    await cancelJob(deps, open.jobId);
    await cancelJob(deps, retried.job.jobId);
  });
});

describe('retry the failed jobs of a pipeline since a time', () => {
  it('retries each failure not yet retried, once', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const since = deps.clock.now();
    const jobs = [await submit(deps, 'once'), await submit(deps, 'once')];
    for (const job of jobs) {
      await launchJob(deps, job);
      const taskArn = await taskOf(deps, job.jobId);
      await world.eventWith(taskArn, 'STOPPED');
      await world.deliver(handler, taskArn);
    }

    const first = await retryFailedJobs(deps, 'once', since);
    const second = await retryFailedJobs(deps, 'once', new Date(Date.now() + 3_600_000));

    expect(first.map((r) => r.jobId).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    expect(first.every((r) => r.created)).toBe(true);
    expect(second).toEqual([]);
    for (const { retriedAs } of first) {
      const taskArn = await taskOf(deps, retriedAs);
      await world.eventWith(taskArn, 'STOPPED');
      await world.deliver(handler, taskArn);
    }
    // The retries failed too: retrying again since the start retries those, not the first ones again.
    const third = await retryFailedJobs(deps, 'once', since);
    expect(third.map((r) => r.jobId).sort()).toEqual(first.map((r) => r.retriedAs).sort());
    for (const { retriedAs } of third) {
      const taskArn = await taskOf(deps, retriedAs);
      await world.eventWith(taskArn, 'STOPPED');
      await world.deliver(handler, taskArn);
    }
  });
});
