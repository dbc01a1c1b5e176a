import { randomUUID } from 'node:crypto';
import { applyEvent, type HandlerDeps, launchJob } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import { newJob, STOP_REASONS, s3JobId } from '@stevedore/core/job';
import type { TaskLauncher } from '@stevedore/core/ports';
import { describe, expect, it } from 'vitest';
import { JOBS_CONFIG, jobOf, jobWorldForFile, policyOf, submit, taskOf } from '../../support/job-harness';

/*
 * The job steps (packages/control/src/jobs/job-steps.ts) where the other suites do not reach: a
 * retry with no backoff, a cancel that lands while RunTask runs, a job whose pipeline left the
 * config. DynamoDB Local and the local ECS endpoint, with real processes as containers.
 */

const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1', cpu: 256, memory: 512 };

/** `eager` fails and is retried at once (no backoff); `slow` never ends. */
const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { fail: TASK, sleep: TASK },
  pipelines: {
    eager: { bucket: 'uploads', task: 'fail', retry: { attempts: 2, backoff: { initialSeconds: 0 } } },
    slow: { bucket: 'uploads', task: 'sleep', timeout: 30 },
  },
});

const world = jobWorldForFile();

describe('retries', () => {
  it('an attempt that fails with no backoff is retried as its STOPPED event arrives, without waiting for a sweep', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const { jobId } = await submit(deps, 'eager');
    await launchJob(deps, await jobOf(deps, jobId));
    const firstTask = await taskOf(deps, jobId);
    await world.eventWith(firstTask, 'STOPPED');

    await world.deliver(handler, firstTask);

    const job = await jobOf(deps, jobId);
    const secondTask = await taskOf(deps, jobId);
    expect(job).toMatchObject({ attempt: 2, taskArn: secondTask });
    expect(job.attempts['1']?.containers).toEqual([{ name: 'main', exitCode: 1 }]);
    expect(world.tasksOf(jobId).map((task) => task.taskArn)).toEqual([firstTask, secondTask]);
  });
});

describe('a launch that loses a race', () => {
  it('a job cancelled while its RunTask ran stays CANCELLED, and the task that started anyway is stopped', async () => {
    const { deps } = await world.harness(CONFIG);
    const job = await submit(deps, 'slow');
    const found = policyOf(deps, 'slow');
    const launcher = deps.launcher;
    // The run is replaced (its job, still without a task, cancelled) between RunTask and the ledger write.
    const racing: TaskLauncher = {
      async runTask(request) {
        const launched = await launcher.runTask(request);
        await applyEvent(deps, job.jobId, found, {
          type: 'cancel',
          attempt: job.attempt,
          reason: STOP_REASONS.replaced,
        });
        return launched;
      },
      stopTask: (taskArn, reason) => launcher.stopTask(taskArn, reason),
      describeTasks: (taskArns) => launcher.describeTasks(taskArns),
      listTasks: (startedBy) => launcher.listTasks(startedBy),
    };

    const outcome = await launchJob({ ...deps, launcher: racing } satisfies HandlerDeps, job);

    const [task] = world.tasksOf(job.jobId);
    const { tasks } = await deps.launcher.describeTasks([task?.taskArn ?? '']);
    expect(outcome).toBe('stale');
    expect(await jobOf(deps, job.jobId)).toMatchObject({ state: 'CANCELLED', reason: STOP_REASONS.replaced });
    expect((await jobOf(deps, job.jobId)).taskArn).toBeUndefined();
    expect(world.tasksOf(job.jobId)).toHaveLength(1);
    expect(tasks).toMatchObject([{ desiredStatus: 'STOPPED', stoppedReason: STOP_REASONS.cancel }]);
  });
});

describe('a launch from a stale copy of the job (an open-jobs listing read before the job moved on)', () => {
  it('gives back the slot its RunTask took when the attempt had already ended: the next job can run', async () => {
    const { deps, handler } = await world.harness(JOBS_CONFIG);
    const first = await submit(deps, 'capped');
    await launchJob(deps, first);
    const task = await taskOf(deps, first.jobId);
    await world.eventWith(task, 'STOPPED');
    await world.deliver(handler, task);
    const next = await submit(deps, 'capped');

    // RunTask answers with the attempt's own task (same clientToken), already stopped.
    const outcome = await launchJob(deps, first);

    expect(outcome).toBe('stale');
    expect(await jobOf(deps, first.jobId)).toMatchObject({ state: 'SUCCEEDED', taskArn: task });
    expect(world.tasksOf(first.jobId).map((t) => t.taskArn)).toEqual([task]);
    expect(await deps.slots.slotHolders('capped')).toEqual({});
    expect(await launchJob(deps, next)).toBe('launched');
  });

  it('keeps the slot of the live attempt when its RunTask is refused after the attempt was launched', async () => {
    const { deps } = await world.harness(JOBS_CONFIG);
    const job = await submit(deps, 'capped');
    await launchJob(deps, job);
    const task = await taskOf(deps, job.jobId);

    const outcome = await launchJob({ ...deps, launcher: world.refusingLauncher() }, job);

    expect(outcome).toBe('refused');
    expect(await jobOf(deps, job.jobId)).toMatchObject({ attempt: 1, taskArn: task });
    expect(Object.keys(await deps.slots.slotHolders('capped'))).toEqual([`${job.jobId}#1`]);
    expect(await launchJob(deps, await submit(deps, 'capped'))).toBe('no-slot');
  });
});

describe('a job whose pipeline left the config', () => {
  it('is not launched, and the error names the job and its source', async () => {
    const { deps } = await world.harness(CONFIG);
    const jobId = s3JobId('retired', 'uploads', `incoming/${randomUUID()}.jpg`, '617f08299329d189');
    const { job } = await deps.jobs.createJob(
      newJob(
        {
          jobId,
          kind: 'pipeline',
          source: 'retired',
          task: 'fail',
          maxAttempts: 1,
          timeoutSeconds: 60,
          input: {},
        },
        deps.clock.now(),
      ),
    );

    const outcome = await launchJob(deps, job);

    expect(outcome).toBe('not-launchable');
    expect(world.takeErrors()).toEqual([
      { message: 'job source is not in the config', fields: { jobId, source: 'retired' } },
    ]);
    expect(world.tasksOf(jobId)).toEqual([]);
    expect(await jobOf(deps, jobId)).toMatchObject({ state: 'SUBMITTED', attempt: 1 });
  });
});
