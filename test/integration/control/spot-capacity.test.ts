import { launchJob } from '@stevedore/control';
import { type Config, parseConfig } from '@stevedore/core/config';
import { attemptPhases } from '@stevedore/core/job';
import { describe, expect, it } from 'vitest';
import { jobOf, jobWorldForFile, submit, taskOf } from '../../support/job-harness';

/*
 * Fargate Spot with on-demand fallback, end to end on the handlers' steps: DynamoDB Local and the
 * local ECS endpoint, which refuses every FARGATE_SPOT RunTask for capacity (as ECS words it) in one
 * world and interrupts every Spot task once it runs (stopCode SpotInterruption) in the other.
 */

const TASK = { image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/sweeptest:1', cpu: 256, memory: 512 };

const CONFIG: Config = parseConfig({
  app: 'sweeptest',
  tasks: { succeed: TASK, sleep: TASK },
  pipelines: {
    spotty: { bucket: 'uploads', task: 'succeed', capacity: { spot: true }, retry: { attempts: 1 } },
    long: { bucket: 'uploads', task: 'sleep', capacity: { spot: true }, retry: { attempts: 1 } },
  },
});

describe('when Fargate Spot has no capacity', () => {
  const world = jobWorldForFile({ spotCapacityFailureRate: 1 });

  it('the refused attempt is relaunched on FARGATE at once, as the same attempt, and succeeds there', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const { jobId } = await submit(deps, 'spotty');

    const outcome = await launchJob(deps, await jobOf(deps, jobId));

    const launched = await jobOf(deps, jobId);
    expect(outcome).toBe('launched');
    expect(launched).toMatchObject({
      state: 'STARTING',
      attempt: 1,
      launchFailures: 0,
      spotFallback: { reason: 'spot-refused', attempt: 1 },
    });
    expect(launched.history.map((entry) => entry.reason)).toEqual([
      undefined,
      'RunTask refused (capacity): Capacity is unavailable at this time. Please try again later or in a different availability zone (on FARGATE_SPOT): relaunching on FARGATE',
      'RunTask accepted on FARGATE (Spot had no capacity: on-demand)',
    ]);
    const taskArn = await taskOf(deps, jobId);
    expect(world.tasksOf(jobId)).toHaveLength(1);

    await world.eventWith(taskArn, 'STOPPED');
    await world.deliver(handler, taskArn);

    const done = await jobOf(deps, jobId);
    expect(done.state).toBe('SUCCEEDED');
    expect(done.attempts['1']).toMatchObject({
      capacityAsked: 'FARGATE',
      capacityReason: 'spot-refused',
      capacityProvider: 'FARGATE',
    });
    const [phases] = attemptPhases(done, deps.clock.now());
    expect(Object.keys(phases?.seconds ?? {})).toEqual([
      'waiting',
      'provisioning',
      'pull',
      'starting',
      'running',
      'stopping',
    ]);
    expect(phases?.platformVersion).toBe('1.4.0');
  }, 120_000);
});

describe('when Fargate Spot takes a task back', () => {
  const world = jobWorldForFile({ spotInterruptionRate: 1, spotWarningMs: 200 });

  it('the job retries on FARGATE at once, beyond its one attempt, since the interruption does not count', async () => {
    const { deps, handler } = await world.harness(CONFIG);
    const { jobId } = await submit(deps, 'long');
    await launchJob(deps, await jobOf(deps, jobId));
    const spotTask = await taskOf(deps, jobId);

    const stopped = await world.eventWith(spotTask, 'STOPPED');
    await world.deliver(handler, spotTask);

    expect(stopped.detail).toMatchObject({
      capacityProviderName: 'FARGATE_SPOT',
      stopCode: 'SpotInterruption',
      stoppedReason: 'Your Spot Task was interrupted.',
    });
    const retried = await jobOf(deps, jobId);
    expect(retried).toMatchObject({
      state: 'STARTING',
      attempt: 2,
      uncountedAttempts: 1,
      spotFallback: { reason: 'spot-interrupted', attempt: 1 },
    });
    expect(retried.attempts['1']).toMatchObject({
      capacityAsked: 'FARGATE_SPOT',
      capacityReason: 'spot',
      capacityProvider: 'FARGATE_SPOT',
      stopCode: 'SpotInterruption',
    });
    const onDemandTask = await taskOf(deps, jobId);
    const running = await world.eventWith(onDemandTask, 'RUNNING');
    expect(running.detail.capacityProviderName).toBe('FARGATE');
    expect(world.tasksOf(jobId).map((task) => task.taskArn)).toEqual([spotTask, onDemandTask]);
  }, 120_000);
});
