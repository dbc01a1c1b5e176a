import { applyEvent, launchJob, SWEEP_LEASE, sweep } from '@stevedore/control';
import { parseTaskStateChange, snapshotOfDetail } from '@stevedore/core/events';
import { STOP_REASONS } from '@stevedore/core/job';
import { isAlive } from '@stevedore/local';
import { describe, expect, it, vi } from 'vitest';
import {
  jobOf,
  jobWorldForFile,
  policyOf,
  requestOf,
  submit,
  taskOf,
  unknownTaskArn,
} from '../../support/job-harness';

/*
 * The sweeper (functions/lib/sweep.ts) and the job steps (functions/lib/job-runner.ts) against
 * DynamoDB Local and the local ECS endpoint, with real processes as containers. No Task State
 * Change event reaches a handler unless a test delivers it: a test that delivers none is a test of
 * lost events. Each test has its own ledger table and clock.
 */

/** A 0.25 vCPU / 0.5 GB attempt shorter than a minute is billed Fargate's minimum minute. */
const MINUTE_COST = { billedSeconds: 60, vcpuSeconds: 15, gbSeconds: 30, usd: 0.00020571 };

const world = jobWorldForFile();

describe('sweep repairs lost events from DescribeTasks', () => {
  it('makes a job whose task finished unheard SUCCEEDED, with exit code and cost, once it is quiet', async () => {
    const { deps, clock } = await world.harness();
    const { jobId } = await submit(deps, 'quick');
    await launchJob(deps, await jobOf(deps, jobId));
    const taskArn = await taskOf(deps, jobId);
    await world.eventWith(taskArn, 'STOPPED');
    const tooSoon = await sweep(deps);
    const unchanged = await jobOf(deps, jobId);
    clock.advance(21_000);

    const report = await sweep(deps);

    const job = await jobOf(deps, jobId);
    expect(tooSoon?.reconciled).toBe(0);
    expect(unchanged.state).toBe('STARTING');
    expect(report?.reconciled).toBe(1);
    expect(job).toMatchObject({ state: 'SUCCEEDED', attempt: 1, taskArn, taskStatus: 'STOPPED' });
    expect(job.attempts['1']).toMatchObject({
      taskArn,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [{ name: 'main', exitCode: 0 }],
      cost: MINUTE_COST,
    });
  });

  it('takes a failing job through the retry rules: attempt 2 when due, then FAILED', async () => {
    const { deps, clock } = await world.harness();
    const { jobId } = await submit(deps, 'flaky');
    await launchJob(deps, await jobOf(deps, jobId));
    const firstTask = await taskOf(deps, jobId);
    await world.eventWith(firstTask, 'STOPPED');
    clock.advance(21_000);

    await sweep(deps);
    const retrying = await jobOf(deps, jobId);
    clock.advance(11_000); // past the backoff of 5 to 10 s
    const relaunch = await sweep(deps);
    const secondTask = await taskOf(deps, jobId);
    await world.eventWith(secondTask, 'STOPPED');
    clock.advance(21_000);
    await sweep(deps);

    const job = await jobOf(deps, jobId);
    expect(retrying).toMatchObject({ state: 'SUBMITTED', attempt: 2 });
    expect(retrying.taskArn).toBeUndefined();
    expect(Date.parse(retrying.notBefore ?? '')).toBeGreaterThan(Date.parse(retrying.updatedAt));
    expect(retrying.attempts['1']).toMatchObject({
      containers: [{ name: 'main', exitCode: 1 }],
      cost: MINUTE_COST,
    });
    expect(relaunch?.launched).toBe(1);
    expect(world.tasksOf(jobId).map((t) => t.taskArn)).toEqual([firstTask, secondTask]);
    expect(job).toMatchObject({ state: 'FAILED', attempt: 2, taskArn: secondTask });
    expect(job.reason).toMatch(/exited with code 1.*\(attempts: EXIT\)$/);
    expect(job.attempts['2']?.containers).toEqual([{ name: 'main', exitCode: 1 }]);
  });

  it('moves a job whose task ECS no longer knows to its next attempt, and FAILED on the last', async () => {
    const { deps, clock } = await world.harness();
    const found = policyOf(deps, 'flaky');
    const { jobId } = await submit(deps, 'flaky');
    await applyEvent(deps, jobId, found, { type: 'launched', attempt: 1, taskArn: unknownTaskArn() });
    clock.advance(21_000);

    const first = await sweep(deps);
    const retrying = await jobOf(deps, jobId);
    await applyEvent(deps, jobId, found, { type: 'launched', attempt: 2, taskArn: unknownTaskArn() });
    clock.advance(21_000);
    const last = await sweep(deps);

    const job = await jobOf(deps, jobId);
    expect(first?.reconciled).toBe(1);
    expect(retrying).toMatchObject({
      state: 'SUBMITTED',
      attempt: 2,
      reason: expect.stringMatching(/no longer known/),
    });
    expect(last?.reconciled).toBe(1);
    expect(job).toMatchObject({
      state: 'FAILED',
      attempt: 2,
      reason: 'task no longer known to ECS (attempts: EXIT)',
    });
    expect(world.tasksOf(jobId)).toEqual([]);
  });
});

describe('sweep repairs a crash between RunTask and the ledger write', () => {
  it('adopts the task after 60 s instead of starting a second one', async () => {
    const { deps, clock } = await world.harness();
    const job = await submit(deps, 'quick');
    const { taskArn } = await deps.launcher.runTask(requestOf(deps, job));
    await world.eventWith(taskArn, 'STOPPED');
    clock.advance(61_000);

    const report = await sweep(deps);

    expect(report).toMatchObject({ adopted: 1, launched: 0 });
    expect(await jobOf(deps, job.jobId)).toMatchObject({ state: 'SUCCEEDED', taskArn });
    expect(await deps.launcher.listTasks(job.jobId)).toEqual([taskArn]);
  });

  it('relaunching before then reuses the clientToken: the same task, still only one', async () => {
    const { deps, clock } = await world.harness();
    const job = await submit(deps, 'quick');
    const { taskArn } = await deps.launcher.runTask(requestOf(deps, job));

    const relaunch = await sweep(deps);
    const recorded = await jobOf(deps, job.jobId);
    await world.eventWith(taskArn, 'STOPPED');
    clock.advance(21_000);
    await sweep(deps);

    expect(relaunch?.launched).toBe(1);
    expect(recorded).toMatchObject({ state: 'STARTING', taskArn });
    expect(await jobOf(deps, job.jobId)).toMatchObject({ state: 'SUCCEEDED', taskArn });
    expect(await deps.launcher.listTasks(job.jobId)).toEqual([taskArn]);
  });
});

describe('sweep launches due jobs', () => {
  it('launches a recorded job that was never launched, and not one due in an hour', async () => {
    const { deps } = await world.harness();
    const due = await submit(deps, 'quick');
    const later = await submit(deps, 'quick', new Date(deps.clock.now().getTime() + 3_600_000));

    const report = await sweep(deps);

    const launched = await jobOf(deps, due.jobId);
    expect(report?.launched).toBe(1);
    expect(launched.state).toBe('STARTING');
    expect(world.tasksOf(due.jobId).map((t) => t.taskArn)).toEqual([launched.taskArn]);
    expect(await jobOf(deps, later.jobId)).toMatchObject({ state: 'SUBMITTED', attempt: 1 });
    expect(world.tasksOf(later.jobId)).toEqual([]);
  });

  it('launches a job ECS refused for capacity once its backoff is over, not before', async () => {
    const { deps, clock } = await world.harness();
    const refusing = { ...deps, launcher: world.refusingLauncher() };
    const { jobId } = await submit(deps, 'quick');
    const outcome = await launchJob(refusing, await jobOf(deps, jobId));
    const waiting = await jobOf(deps, jobId);

    const early = await sweep(deps);
    const tasksWhileWaiting = world.tasksOf(jobId).length;
    clock.advance(6_000); // past the first capacity backoff of 2.5 to 5 s
    const due = await sweep(deps);

    expect(outcome).toBe('refused');
    expect(waiting).toMatchObject({
      state: 'SUBMITTED',
      launchFailures: 1,
      reason: expect.stringMatching(/capacity/),
    });
    expect(early?.launched).toBe(0);
    expect(tasksWhileWaiting).toBe(0);
    expect(due?.launched).toBe(1);
    expect(await jobOf(deps, jobId)).toMatchObject({ state: 'STARTING', launchFailures: 0 });
    expect(world.tasksOf(jobId)).toHaveLength(1);
  });
});

describe('sweep launches a throttled job whose handler died waiting for the refill', () => {
  it('finds the refill time in the ledger, and launches the job once it has come, not before', async () => {
    const { deps, clock } = await world.harness();
    const { jobId } = await submit(deps, 'quick');
    // A refill is milliseconds away on ECS; this one is longer than a sweep on a slow machine, as
    // this clock runs in real time.
    const retryAfterMs = 5_000;
    const refusedBy = clock.now().getTime();
    // What the ledger holds when the process dies right after recording the refusal.
    const { result } = await applyEvent(deps, jobId, policyOf(deps, 'quick'), {
      type: 'launch-failed',
      attempt: 1,
      launchFailures: 0,
      failure: { kind: 'throttling', reason: 'ThrottlingException: Rate exceeded', retryAfterMs },
    });
    const refusedAt = result.applied ? Date.parse(result.job.updatedAt) : Number.NaN;

    const early = await sweep(deps);
    clock.advance(retryAfterMs);
    const due = await sweep(deps);

    expect(result).toMatchObject({ applied: true, job: { state: 'SUBMITTED', launchFailures: 1 } });
    expect(refusedAt).toBeGreaterThanOrEqual(refusedBy);
    expect(result.applied && result.job.notBefore).toBe(new Date(refusedAt + retryAfterMs).toISOString());
    expect(early?.launched).toBe(0);
    expect(due?.launched).toBe(1);
    expect(await jobOf(deps, jobId)).toMatchObject({ state: 'STARTING', launchFailures: 0 });
    expect(world.tasksOf(jobId)).toHaveLength(1);
  });
});

describe('sweep reads running and waiting jobs apart', () => {
  it('launches a due job behind more running jobs than a sweep reads, and reaches every running one', async () => {
    const { deps, clock } = await world.harness();
    const running: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { jobId } = await submit(deps, 'quick');
      await launchJob(deps, await jobOf(deps, jobId));
      running.push(jobId);
      // Its task finishes; the ledger does not hear of it.
      await world.eventWith(await taskOf(deps, jobId), 'STOPPED');
    }
    const waiting = await submit(deps, 'quick');
    clock.advance(21_000);
    // The sweep reads running jobs from a random point: make it just before the third job id, so it
    // reads the third and fourth (a sweeper always starting at the first would read the other two).
    const ids = [...running].sort();
    const hex = (ids[2] as string).slice(-20, -10);
    const random = vi.spyOn(Math, 'random').mockReturnValue(Number.parseInt(hex, 16) / 2 ** 40);

    const first = await sweep(deps, { maxOpenJobs: 2 }).finally(() => random.mockRestore());

    expect(first).toMatchObject({ launched: 1, reconciled: 2 });
    expect((await jobOf(deps, waiting.jobId)).state).toBe('STARTING');
    const states = await Promise.all(ids.map(async (id) => (await jobOf(deps, id)).state));
    expect(states).toEqual(['STARTING', 'STARTING', 'SUCCEEDED', 'SUCCEEDED']);
    // Reconciled jobs leave the open ones; later sweeps, from random points, reach the other two.
    let reconciled = first?.reconciled ?? 0;
    for (let sweeps = 1; reconciled < running.length && sweeps < 30; sweeps++) {
      reconciled += (await sweep(deps, { maxOpenJobs: 2 }))?.reconciled ?? 0;
    }
    expect(reconciled).toBe(running.length);
    for (const jobId of running) expect((await jobOf(deps, jobId)).state).toBe('SUCCEEDED');
    await world.eventWith(await taskOf(deps, waiting.jobId), 'STOPPED');
  });
});

describe('sweep enforces timeouts', () => {
  it('stops an attempt past its timeout; its events make the job TIMED_OUT and the process is gone', async () => {
    const { deps, clock, handler } = await world.harness();
    const { jobId } = await submit(deps, 'slow');
    await launchJob(deps, await jobOf(deps, jobId));
    const taskArn = await taskOf(deps, jobId);
    await world.eventWith(taskArn, 'RUNNING');
    await world.deliver(handler, taskArn);
    const running = await jobOf(deps, jobId);
    const withinTimeout = await sweep(deps);
    clock.advance(31_000);

    const report = await sweep(deps);
    const stopped = await world.eventWith(taskArn, 'STOPPED');
    await world.deliver(handler, taskArn);

    const job = await jobOf(deps, jobId);
    const view = world.ecs.tasks().find((t) => t.taskArn === taskArn);
    expect(running.state).toBe('RUNNING');
    expect(withinTimeout?.timedOut).toBe(0);
    expect(report?.timedOut).toBe(1);
    expect(stopped.detail).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: STOP_REASONS.timeout });
    expect(job).toMatchObject({ state: 'TIMED_OUT', attempt: 1, reason: STOP_REASONS.timeout });
    expect(view?.lastStatus).toBe('STOPPED');
    expect(view?.pid).toBeTypeOf('number');
    expect(isAlive(view?.pid ?? 0)).toBe(false);
  });

  // Lost events are what the sweeper is for: catching up on them must not buy an overdue task another sweep.
  it('stops an attempt past its timeout even when none of its events arrived', async () => {
    const { deps, clock } = await world.harness();
    const { jobId } = await submit(deps, 'slow');
    await launchJob(deps, await jobOf(deps, jobId));
    const taskArn = await taskOf(deps, jobId);
    await world.eventWith(taskArn, 'RUNNING');
    clock.advance(31_000);

    const report = await sweep(deps);

    expect(report?.timedOut).toBe(1);
    expect(world.ecs.tasks().find((t) => t.taskArn === taskArn)?.desiredStatus).toBe('STOPPED');
  });
});

describe('sweeps never overlap', () => {
  it('runs one of two sweeps started together, skips the other, and runs the next one', async () => {
    const { deps } = await world.harness();
    const { jobId } = await submit(deps, 'quick');

    const together = await Promise.all([sweep(deps), sweep(deps)]);
    const next = await sweep(deps);

    expect(together.filter((report) => report === undefined)).toHaveLength(1);
    expect(together.find((report) => report !== undefined)?.launched).toBe(1);
    expect(world.tasksOf(jobId)).toHaveLength(1);
    expect(next).toEqual({
      missed: 0,
      reconciled: 0,
      timedOut: 0,
      launched: 0,
      adopted: 0,
      slotsFreed: 0,
      cancelStops: 0,
    });
  });

  it('takes over the lease of a crashed sweeper once it has expired: one lease time, seconds', async () => {
    const { deps, clock } = await world.harness();
    // A sweeper took the lease and died at once: it is never renewed.
    await deps.slots.acquireLease('sweeper', 'crashed', new Date(clock.now().getTime() + SWEEP_LEASE.ttlMs));

    const blocked = await sweep(deps);
    clock.advance(SWEEP_LEASE.ttlMs + 1000);
    const resumed = await sweep(deps);

    expect(SWEEP_LEASE.ttlMs).toBeLessThanOrEqual(15_000);
    expect(blocked).toBeUndefined();
    expect(resumed).toBeDefined();
  });
});

describe('concurrency slots', () => {
  it("holds a job over the cap, and launches it when the running job's STOPPED event frees the slot", async () => {
    const { deps, handler } = await world.harness();
    const first = await submit(deps, 'capped');
    const second = await submit(deps, 'capped');
    const outcomes = [await launchJob(deps, first), await launchJob(deps, second)];
    const waiting = await jobOf(deps, second.jobId);
    const tasksWhileWaiting = world.tasksOf(second.jobId).length;
    const firstTask = await taskOf(deps, first.jobId);
    await world.eventWith(firstTask, 'STOPPED');

    await world.deliver(handler, firstTask);

    const next = await jobOf(deps, second.jobId);
    expect(outcomes).toEqual(['launched', 'no-slot']);
    expect(waiting.state).toBe('SUBMITTED');
    expect(waiting.taskArn).toBeUndefined();
    expect(tasksWhileWaiting).toBe(0);
    expect((await jobOf(deps, first.jobId)).state).toBe('SUCCEEDED');
    expect(next.state).toBe('STARTING');
    expect(world.tasksOf(second.jobId).map((t) => t.taskArn)).toEqual([next.taskArn]);
    expect(Object.keys(await deps.slots.slotHolders('capped'))).toEqual([`${second.jobId}#1`]);
  });

  it('frees a slot still held by a job that ended at the next sweep, so the waiting job runs', async () => {
    const { deps } = await world.harness();
    const first = await submit(deps, 'capped');
    const second = await submit(deps, 'capped');
    await launchJob(deps, first);
    await launchJob(deps, second);
    const stopped = await world.eventWith(await taskOf(deps, first.jobId), 'STOPPED');
    // A handler recorded the STOPPED event and died before giving the slot back.
    const task = snapshotOfDetail(parseTaskStateChange(stopped).detail);
    await applyEvent(deps, first.jobId, policyOf(deps, 'capped'), { type: 'task', task });

    // Two sweeps: the slot may be freed after the sweep has tried the waiting jobs.
    const reports = [await sweep(deps), await sweep(deps)];

    const next = await jobOf(deps, second.jobId);
    expect((await jobOf(deps, first.jobId)).state).toBe('SUCCEEDED');
    expect(reports.map((r) => r?.slotsFreed)).toEqual([1, 0]);
    expect(next.state).toBe('STARTING');
    expect(world.tasksOf(second.jobId).map((t) => t.taskArn)).toEqual([next.taskArn]);
    expect(Object.keys(await deps.slots.slotHolders('capped'))).toEqual([`${second.jobId}#1`]);
  });

  it('keeps the slot of an attempt with no task yet for five minutes (its launch may be under way), then frees it', async () => {
    const { deps, clock } = await world.harness();
    const job = await submit(deps, 'capped', new Date(clock.now().getTime() + 3_600_000));
    // A handler took the slot and died before RunTask.
    await deps.slots.acquireSlot('capped', `${job.jobId}#1`, 1);

    const early = await sweep(deps);
    clock.advance(5 * 60_000 + 1000);
    const late = await sweep(deps);

    expect(early?.slotsFreed).toBe(0);
    expect(late?.slotsFreed).toBe(1);
    expect(await deps.slots.slotHolders('capped')).toEqual({});
    expect(world.tasksOf(job.jobId)).toEqual([]);
  });
});
