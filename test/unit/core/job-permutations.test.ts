import { isDeepStrictEqual } from 'node:util';
import {
  applyPatch,
  decide,
  isTerminal,
  type Job,
  type JobEffect,
  type JobEvent,
  transition,
} from '@stevedore/core/job';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TaskScript, taskLifecycle } from '../../support/ecs-events';
import {
  comparable,
  deliver,
  JOB_ID,
  launch,
  nowOf,
  policyOf,
  SOURCE,
  SPOT_RETRY_RULES,
  snapshotOf,
  submittedJob,
  taskEvent,
  thumbnailsConfig,
} from '../../support/jobs';

/*
 * ECS delivers Task State Change events at least once and in any order. Whatever the order and the
 * duplicates, the job must end as the in-order stream leaves it, and each attempt must be settled
 * (slot released, retry scheduled) exactly once.
 */

const RULES = SPOT_RETRY_RULES;
const policy = policyOf(thumbnailsConfig(RULES));
const TASK_1 = 'arn:aws:ecs:us-east-2:667471847564:task/primary-cluster/0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TASK_2 = 'arn:aws:ecs:us-east-2:667471847564:task/primary-cluster/f9e8d7c6b5a40392817f6e5d4c3b2a10';
const RUNS = { numRuns: 200 };

type Outcome = Omit<TaskScript, 'jobId' | 'attempt' | 'taskArn'>;

const outcomes: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constant({ exitCode: 0 }),
  fc.integer({ min: 1, max: 255 }).map((exitCode) => ({ exitCode })),
  fc.constant({ failedToStart: true }),
  fc.option(fc.constantFrom(0, 137, 143), { nil: undefined }).map((exitCode) => ({
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    capacityProviderName: 'FARGATE_SPOT',
    ...(exitCode !== undefined ? { exitCode } : {}),
  })),
);

/** A delivery's place in the stream; a small range so that items of different lists interleave. */
const KEY = fc.nat(1000);
/** Keys that order deliveries: every item once, at a random place. */
const orderKeys = (count: number) => fc.array(KEY, { minLength: count, maxLength: count });
/** Extra deliveries of random items (duplicates), each at a random place. */
const duplicates = (count: number) => fc.array(fc.tuple(fc.nat(count - 1), KEY), { maxLength: 2 * count });

/** Items in the order of their keys (ties keep the order given). */
function ordered<T>(keyed: readonly (readonly [T, number])[]): T[] {
  return [...keyed].sort((a, b) => a[1] - b[1]).map(([item]) => item);
}

/** Every item once plus the duplicates, shuffled by their keys. Items past the list's end are dropped. */
function deliveries<T>(
  items: readonly T[],
  keys: readonly number[],
  dups: readonly (readonly [number, number])[],
): T[] {
  const keyed: [T, number][] = items.map((item, i) => [item, keys[i] ?? 0]);
  for (const [index, key] of dups) {
    const item = items[index];
    if (item !== undefined) keyed.push([item, key]);
  }
  return ordered(keyed);
}

/** Applies events one after another, each at its own fixed time; collects every effect and each job on the way. */
function run(
  job: Job,
  events: readonly (JobEvent & { at: Date })[],
): { job: Job; effects: JobEffect[]; steps: Job[] } {
  const effects: JobEffect[] = [];
  const steps: Job[] = [];
  let current = job;
  for (const { at, ...event } of events) {
    const result = transition(current, event as JobEvent, at, policy);
    current = result.next;
    effects.push(...result.effects);
    steps.push(current);
  }
  return { job: current, effects, steps };
}

const asDelivery = (event: Record<string, unknown>) => ({ ...taskEvent(event), at: nowOf(event) });
const count = (effects: readonly JobEffect[], type: JobEffect['type']) =>
  effects.filter((e) => e.type === type).length;

function isSubsequence<T>(sub: readonly T[], seq: readonly T[]): boolean {
  let i = 0;
  for (const item of seq) if (i < sub.length && isDeepStrictEqual(sub[i], item)) i++;
  return i === sub.length;
}

describe('one attempt, events in any order with duplicates', () => {
  it('ends in the job of the in-order stream, settling the attempt exactly once', () => {
    fc.assert(
      fc.property(outcomes, orderKeys(8), duplicates(8), (outcome, keys, dups) => {
        const events = taskLifecycle({ ...outcome, jobId: JOB_ID, attempt: 1, taskArn: TASK_1 });
        const launched = launch(submittedJob(policy), TASK_1, policy);
        const inOrder = run(launched, events.map(asDelivery));

        const delivered = deliveries(events, keys, dups);
        const permuted = run(launched, delivered.map(asDelivery));

        // While the attempt runs, the job always shows the newest event delivered so far.
        let newest = 0;
        permuted.steps.forEach((job, i) => {
          newest = Math.max(newest, snapshotOf(delivered[i] ?? {}).version);
          if (job.attempt === 1 && !isTerminal(job.state)) {
            expect(job.taskVersion).toBe(newest);
            expect(job.attempts['1']?.version).toBe(newest);
          }
        });
        expect(inOrder.job.attempts['1']?.lastStatus).toBe('STOPPED');
        expect(comparable(permuted.job)).toEqual(comparable(inOrder.job));
        expect(count(permuted.effects, 'ReleaseSlot')).toBe(1);
        expect(count(permuted.effects, 'LaunchWaiting')).toBe(1);
        expect(count(permuted.effects, 'ScheduleRetry')).toBe(count(inOrder.effects, 'ScheduleRetry'));
      }),
      RUNS,
    );
  });

  it('records a version-ordered subsequence of the in-order history', () => {
    fc.assert(
      fc.property(outcomes, orderKeys(8), duplicates(8), (outcome, keys, dups) => {
        const events = taskLifecycle({ ...outcome, jobId: JOB_ID, attempt: 1, taskArn: TASK_1 });
        const launched = launch(submittedJob(policy), TASK_1, policy);
        const start = launched.history.length;

        const inOrder = deliver(launched, events, policy).history.slice(start);
        const permuted = deliver(launched, deliveries(events, keys, dups), policy).history.slice(start);

        const versions = permuted.map((entry) => entry.version ?? 0);
        expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
        expect(permuted.at(-1)).toEqual(inOrder.at(-1));
        expect(isSubsequence(permuted, inOrder)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('two attempts: a retried failure, then a success', () => {
  const retriedExitCodes = fc.integer({ min: 1, max: 255 }).filter((code) => code !== 137);

  it('ends in the job of the in-order run, whatever the order of both tasks and stale repeats of attempt 1', () => {
    fc.assert(
      fc.property(
        retriedExitCodes,
        fc.record({ keys: orderKeys(8), dups: duplicates(8) }),
        fc.record({ keys: orderKeys(8), dups: duplicates(8), stale: duplicates(8), launchedAt: KEY }),
        (exitCode, first, second) => {
          const events1 = taskLifecycle({ exitCode, jobId: JOB_ID, attempt: 1, taskArn: TASK_1 });
          const launched1 = launch(submittedJob(policy), TASK_1, policy);
          const afterFirst = deliver(launched1, events1, policy);
          const retryAt = new Date(afterFirst.notBefore ?? '');
          const events2 = taskLifecycle({
            exitCode: 0,
            jobId: JOB_ID,
            attempt: 2,
            taskArn: TASK_2,
            start: retryAt,
          });
          const launched2 = { type: 'launched', attempt: 2, taskArn: TASK_2, at: retryAt } as const;
          const inOrder = run(afterFirst, [launched2, ...events2.map(asDelivery)]);

          // Attempt 2 is launched only once the retry is recorded, i.e. after attempt 1's STOPPED applied.
          const phase1 = run(launched1, deliveries(events1, first.keys, first.dups).map(asDelivery));
          expect(comparable(phase1.job)).toEqual(comparable(afterFirst));
          // RunTask's answer may be recorded before or after the new task's first events, and attempt 1's
          // events keep being redelivered.
          const phase2 = run(
            phase1.job,
            ordered<JobEvent & { at: Date }>([
              [launched2, second.launchedAt],
              ...events2.map((e, i) => [asDelivery(e), second.keys[i] ?? 0] as const),
              ...second.dups.map(([i, key]) => [asDelivery(events2[i] ?? {}), key] as const),
              ...second.stale.map(([i, key]) => [asDelivery(events1[i] ?? {}), key] as const),
            ]),
          );

          expect(inOrder.job.state).toBe('SUCCEEDED');
          expect(comparable(phase2.job)).toEqual(comparable(inOrder.job));
          expect(count([...phase1.effects, ...phase2.effects], 'ReleaseSlot')).toBe(2);
          expect(count([...phase1.effects, ...phase2.effects], 'ScheduleRetry')).toBe(1);
        },
      ),
      RUNS,
    );
  });
});

describe('decide + applyPatch', () => {
  const jobEvents: fc.Arbitrary<JobEvent & { at: Date }> = fc.oneof(
    fc.tuple(fc.constantFrom(1, 2), fc.nat(7), outcomes).map(([attempt, index, outcome]) => {
      const taskArn = attempt === 1 ? TASK_1 : TASK_2;
      const events = taskLifecycle({ ...outcome, jobId: JOB_ID, attempt, taskArn });
      return asDelivery(events[index % events.length] ?? {});
    }),
    fc
      .constantFrom<JobEvent>(
        { type: 'launched', attempt: 1, taskArn: TASK_1 },
        { type: 'launched', attempt: 2, taskArn: TASK_2 },
        {
          type: 'launch-failed',
          attempt: 1,
          launchFailures: 0,
          failure: { kind: 'capacity', reason: 'Capacity is unavailable' },
        },
        {
          type: 'launch-failed',
          attempt: 2,
          launchFailures: 2,
          failure: { kind: 'invalid', reason: 'bad request' },
        },
        { type: 'task-missing', attempt: 1, taskArn: TASK_1 },
        { type: 'task-missing', attempt: 2, taskArn: TASK_2 },
        { type: 'cancel', attempt: 1, reason: 'cancelled by alice' },
      )
      .map((event) => ({ ...event, at: new Date('2026-01-01T00:05:00.000Z') })),
  );

  it('equal transition, which never mutates the job it is given', () => {
    fc.assert(
      fc.property(fc.array(jobEvents, { maxLength: 12 }), jobEvents, (history, last) => {
        const job = run(submittedJob(policy), history).job;
        const before = structuredClone(job);
        const { at, ...event } = last;

        const decision = decide({
          jobId: job.jobId,
          source: job.source,
          event: event as JobEvent,
          now: at,
          policy,
        });
        const patched = decision ? applyPatch(job, decision.patch) : undefined;
        const result = transition(job, event as JobEvent, at, policy);

        expect(result.next).toEqual(patched ?? job);
        expect(result.effects).toEqual(decision && patched ? decision.effects : []);
        expect(job).toEqual(before);
      }),
      RUNS,
    );
  });

  it('never sets a field it also removes (DynamoDB refuses an update whose paths overlap)', () => {
    fc.assert(
      fc.property(jobEvents, ({ at, ...event }) => {
        const decision = decide({ jobId: JOB_ID, source: SOURCE, event: event as JobEvent, now: at, policy });
        if (!decision) return;

        const overlap = decision.patch.remove.filter((field) => field in decision.patch.set);

        expect(overlap).toEqual([]);
      }),
      RUNS,
    );
  });
});
