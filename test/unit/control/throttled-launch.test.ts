import { compileApp, type HandlerDeps, launchJob, MAX_RETRY_WAIT_MS } from '@stevedore/control';
import { parseConfig, resourceNames } from '@stevedore/core/config';
import { LaunchRefusedError } from '@stevedore/core/errors';
import { applyPatch, type Job, objectJob } from '@stevedore/core/job';
import type { JobStore, LaunchRequest } from '@stevedore/core/ports';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/*
 * A launch ECS refused for throttling, over in-memory ports and fake timers: the launcher's refusal
 * says when its rate bucket refills, the ledger records that time as the job's notBefore, and the
 * launch is retried then, not after a capacity-style backoff of seconds (the idle tail of a burst).
 */

const app = compileApp(
  parseConfig({
    app: 'shop',
    tasks: { resize: { image: 'resize:1', cpu: 256, memory: 512 } },
    pipelines: { thumbnails: { bucket: 'uploads', task: 'resize' } },
  }),
  resourceNames('shop', 'test'),
);
const T0 = Date.parse('2026-05-01T12:00:00.000Z');
/** One token of ECS's RunTask bucket at 20 per second. */
const REFILL_MS = 50;
const TASK_ARN = 'arn:aws:ecs:us-east-1:111122223333:task/shop/0123456789abcdef0123456789abcdef';

/** A port with only the methods given: touching any other fails the test. */
function untouched<T extends object>(port: string, methods: Partial<T> = {}): T {
  return new Proxy(methods as T, {
    get: (target, key) => {
      if (key in target) return target[key as keyof T];
      throw new Error(`the launch used ${port}.${String(key)}`);
    },
  });
}

/** The ledger as a map, moved by the same guarded patches DynamoDB applies; every patch is kept. */
function memoryJobs(first: Job) {
  const jobs = new Map([[first.jobId, first]]);
  const patched: Job[] = [];
  const store = untouched<JobStore>('jobs', {
    async getJob(jobId) {
      return jobs.get(jobId);
    },
    async applyPatch(jobId, patch) {
      const current = jobs.get(jobId);
      const next = current && applyPatch(current, patch);
      if (!next) return { applied: false, ...(current ? { current } : {}) };
      jobs.set(jobId, next);
      patched.push(next);
      return { applied: true, job: next };
    },
  });
  return { store, patched, get: (jobId: string) => jobs.get(jobId) };
}

/** A launcher that refuses the first `refusals` calls for throttling, and records when each call came. */
function throttlingLauncher(
  refusals: number,
  { retryAfterMs }: { retryAfterMs?: number } = { retryAfterMs: REFILL_MS },
) {
  const calls: { at: number; request: LaunchRequest }[] = [];
  const launcher: HandlerDeps['launcher'] = {
    async runTask(request) {
      calls.push({ at: Date.now(), request });
      if (calls.length <= refusals) {
        throw new LaunchRefusedError('throttling', 'ThrottlingException: Rate exceeded', {
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      }
      return { taskArn: TASK_ARN, lastStatus: 'PROVISIONING' };
    },
    stopTask: async () => {},
    describeTasks: async () => ({ tasks: [], missing: [] }),
    listTasks: async () => [],
  };
  return { launcher, calls };
}

function world(launcher: HandlerDeps['launcher']) {
  const source = app.source('thumbnails')?.source;
  if (!source) throw new Error('no thumbnails pipeline');
  const job = objectJob(
    source,
    { bucket: 'uploads', key: 'cat.jpg', size: 1, etag: 'e1', sequencer: '0A1B' },
    new Date(T0),
  );
  const ledger = memoryJobs(job);
  const deps: HandlerDeps = {
    app,
    jobs: ledger.store,
    launcher,
    clock: { now: () => new Date() },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    slots: untouched('slots'),
    scaling: untouched('scaling'),
    schedules: untouched('schedules'),
    gauge: untouched('gauge'),
    scaler: untouched('scaler'),
    jobEvents: untouched('jobEvents'),
    objects: untouched('objects'),
  };
  return { deps, job, ledger };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a throttled launch', () => {
  it("is retried at the rate bucket's refill time, which the ledger records first", async () => {
    const { launcher, calls } = throttlingLauncher(1);
    const { deps, job, ledger } = world(launcher);

    const launching = launchJob(deps, job);
    await vi.advanceTimersByTimeAsync(REFILL_MS - 1);
    const callsBeforeRefill = calls.length;
    const waiting = ledger.get(job.jobId);
    await vi.advanceTimersByTimeAsync(1);
    const outcome = await launching;

    expect(callsBeforeRefill).toBe(1);
    expect(waiting).toMatchObject({
      state: 'SUBMITTED',
      attempt: 1,
      launchFailures: 1,
      notBefore: new Date(T0 + REFILL_MS).toISOString(),
      reason: 'RunTask refused (throttling): ThrottlingException: Rate exceeded',
    });
    expect(outcome).toBe('refused');
    expect(calls.map((call) => call.at - T0)).toEqual([0, REFILL_MS]);
    // The same attempt, so the same clientToken: a retry can never start a second task.
    expect(calls.map((call) => call.request.attempt)).toEqual([1, 1]);
    expect(ledger.get(job.jobId)).toMatchObject({ state: 'STARTING', taskArn: TASK_ARN, launchFailures: 0 });
    expect(ledger.get(job.jobId)).not.toHaveProperty('notBefore');
  });

  it('is retried at each refill while the throttling lasts', async () => {
    const { launcher, calls } = throttlingLauncher(3);
    const { deps, job, ledger } = world(launcher);

    const launching = launchJob(deps, job);
    await vi.advanceTimersByTimeAsync(3 * REFILL_MS);
    await launching;

    expect(calls.map((call) => call.at - T0)).toEqual([0, 50, 100, 150]);
    expect(ledger.patched.map((j) => [j.state, j.launchFailures])).toEqual([
      ['SUBMITTED', 1],
      ['SUBMITTED', 2],
      ['SUBMITTED', 3],
      ['STARTING', 0],
    ]);
  });

  it('is not retried by a process that finds the job launched meanwhile (by the sweeper, say)', async () => {
    const { launcher, calls } = throttlingLauncher(1);
    const { deps, job, ledger } = world(launcher);

    const launching = launchJob(deps, job);
    await vi.advanceTimersByTimeAsync(REFILL_MS / 2);
    const refused = ledger.get(job.jobId);
    if (!refused) throw new Error('the job is gone');
    await deps.jobs.applyPatch(job.jobId, {
      guard: { attempt: 1, states: ['SUBMITTED'] },
      set: { state: 'STARTING', taskArn: TASK_ARN, updatedAt: new Date().toISOString() },
      remove: ['notBefore'],
      history: { at: new Date().toISOString(), state: 'STARTING', attempt: 1 },
    });
    await vi.advanceTimersByTimeAsync(REFILL_MS);
    await launching;

    expect(refused.notBefore).toBe(new Date(T0 + REFILL_MS).toISOString());
    expect(calls).toHaveLength(1);
  });

  it('without a refill time from the launcher, backs off for seconds and leaves the retry to the sweeper', async () => {
    const { launcher, calls } = throttlingLauncher(1, {});
    const { deps, job, ledger } = world(launcher);

    const outcome = await launchJob(deps, job);
    await vi.advanceTimersByTimeAsync(MAX_RETRY_WAIT_MS * 10);

    const wait = Date.parse(ledger.get(job.jobId)?.notBefore ?? '') - T0;
    expect(outcome).toBe('refused');
    expect(wait).toBeGreaterThan(MAX_RETRY_WAIT_MS);
    expect(calls).toHaveLength(1);
  });
});
