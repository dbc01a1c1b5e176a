import {
  applyPatch,
  decide,
  isTerminal,
  type Job,
  type JobEvent,
  refusedForCancel,
  STOP_REASONS,
  slotHolder,
} from '@stevedore/core/job';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type TaskScript, taskLifecycle } from '../../support/ecs-events';
import {
  JOB_ID,
  launch,
  nowOf,
  policyOf,
  SOURCE,
  submittedJob,
  taskEvent,
  thumbnailsConfig,
} from '../../support/jobs';

/*
 * A cancel racing with the task's own end, against the pure core. Three actors share one job, as the
 * ledger holds it: the task's events (it may fail and be retried, succeed, or be stopped by the
 * cancel), the launch of a retry (ScheduleRetry: read, RunTask, record), and the cancel use case (read,
 * then a guarded write: cancel a waiting job, or mark a running one and stop its task). Each actor's
 * steps run in every interleaving fast-check finds. Whatever the order, the job ends in one terminal
 * state, CANCELLED unless it had ended (or succeeded) on its own, no attempt starts after the cancel,
 * every task started is stopped or ended, and no slot stays held.
 */

const policy = policyOf(thumbnailsConfig({ attempts: 3 }));
const TASK_1 = 'arn:aws:ecs:us-east-2:667471847564:task/primary-cluster/0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TASK_2 = 'arn:aws:ecs:us-east-2:667471847564:task/primary-cluster/f9e8d7c6b5a40392817f6e5d4c3b2a10';
const AT = new Date('2026-01-01T00:10:00.000Z');
const REASON = 'cancelled by alice';

type Natural = Pick<TaskScript, 'exitCode' | 'stopCode' | 'stoppedReason'>;
const naturals: fc.Arbitrary<Natural> = fc.constantFrom<Natural>(
  { exitCode: 0 },
  { exitCode: 1 }, // retried: attempt 2
  { exitCode: 2 },
  { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' },
);
const STOPPED_BY_CANCEL: Natural = {
  exitCode: 143,
  stopCode: 'UserInitiated',
  stoppedReason: `${STOP_REASONS.cancel}: ${REASON}`,
};

/** The ledger and what the launcher did, with the writes applyEvent makes. */
class World {
  job: Job;
  readonly held = new Set<string>();
  readonly started = new Map<number, string>();
  readonly stopRequested = new Set<string>();
  cancelWriteAttempt: number | undefined;

  constructor(job: Job) {
    this.job = job;
    this.held.add(slotHolder(JOB_ID, 1));
    this.started.set(1, TASK_1);
  }

  /** applyEvent: one guarded write, and the cancel's fallback when a marked job refuses it. */
  apply(event: JobEvent, now: Date = AT): { applied: boolean; current: Job } {
    const decision = decide({ jobId: JOB_ID, source: SOURCE, event, now, policy });
    if (!decision) return { applied: false, current: this.job };
    const next = applyPatch(this.job, decision.patch);
    if (!next) {
      if (this.job.cancelRequested !== undefined && refusedForCancel(decision.patch, this.job)) {
        const task = event.type === 'task' ? { task: event.task } : {};
        const { attempt } = decision.patch.guard;
        return this.apply({ type: 'cancel-ended', attempt, reason: this.job.cancelRequested, ...task }, now);
      }
      return { applied: false, current: this.job };
    }
    this.job = next;
    for (const effect of decision.effects) {
      if (effect.type === 'ReleaseSlot') this.held.delete(effect.holder);
    }
    return { applied: true, current: next };
  }
}

type Actor = Generator<void, void, void>;

/** The task of attempt `attempt`: its events in order; STOPPED as the cancel made it, if it asked first and `stopWins`. */
function* taskActor(
  world: World,
  attempt: number,
  taskArn: string,
  natural: Natural,
  stopWins: boolean,
): Actor {
  const script = { jobId: JOB_ID, attempt, taskArn };
  const events = taskLifecycle({ ...script, ...natural });
  for (const event of events.slice(0, -1)) {
    world.apply(taskEvent(event), nowOf(event));
    yield;
  }
  const byCancel = stopWins && world.stopRequested.has(taskArn);
  const last = (byCancel ? taskLifecycle({ ...script, ...STOPPED_BY_CANCEL }) : events).at(-1) ?? {};
  world.apply(taskEvent(last), nowOf(last));
}

/** ScheduleRetry of attempt 2, as launchJob does it. */
function* launchActor(
  world: World,
  spawn: (actor: Actor) => void,
  natural2: Natural,
  stopWins: boolean,
): Actor {
  while (world.job.attempt < 2 && !isTerminal(world.job.state)) yield;
  const job = world.job;
  if (job.attempt !== 2 || job.state !== 'SUBMITTED' || job.taskArn || job.cancelRequested) return;
  world.held.add(slotHolder(JOB_ID, 2));
  yield; // RunTask
  world.started.set(2, TASK_2);
  const { applied, current } = world.apply({ type: 'launched', attempt: 2, taskArn: TASK_2 });
  if (applied) {
    spawn(taskActor(world, 2, TASK_2, natural2, stopWins));
  } else if (isTerminal(current.state) && current.taskArn === undefined) {
    world.stopRequested.add(TASK_2);
    world.held.delete(slotHolder(JOB_ID, 2));
  }
}

/** The cancel use case: read, then a guarded write; a refused write is tried again on the job it lost to. */
function* cancelActor(world: World, result: { outcome?: string }): Actor {
  let job = world.job;
  yield;
  for (let tries = 0; tries < 5; tries++) {
    if (isTerminal(job.state)) {
      result.outcome = 'already-ended';
      return;
    }
    const write: JobEvent =
      job.state === 'SUBMITTED'
        ? { type: 'cancel', attempt: job.attempt, reason: REASON }
        : { type: 'cancel-requested', attempt: job.attempt, state: job.state, reason: REASON };
    const { applied, current } = world.apply(write);
    if (applied) {
      world.cancelWriteAttempt = current.attempt;
      result.outcome = current.state === 'CANCELLED' ? 'cancelled' : 'stopping';
      yield;
      if (current.taskArn) world.stopRequested.add(current.taskArn);
      return;
    }
    job = current;
    yield;
  }
  result.outcome = 'contended';
}

describe("cancel racing with the task's own end, in every order", () => {
  it('ends in one terminal state with no attempt after the cancel and no slot held', () => {
    fc.assert(
      fc.property(
        naturals,
        naturals,
        fc.boolean(),
        fc.array(fc.nat(2), { minLength: 40, maxLength: 40 }),
        (natural1, natural2, stopWins, schedule) => {
          const world = new World(launch(submittedJob(policy), TASK_1, policy));
          const cancel: { outcome?: string } = {};
          const actors: Actor[] = [];
          const spawn = (actor: Actor) => actors.push(actor);
          spawn(taskActor(world, 1, TASK_1, natural1, stopWins));
          spawn(cancelActor(world, cancel));
          spawn(launchActor(world, spawn, natural2, stopWins));

          // Interleave: each pick runs one step of a live actor; then everything left runs to its end.
          for (const pick of schedule) {
            if (actors.length === 0) break;
            const index = pick % actors.length;
            if (actors[index]?.next().done) actors.splice(index, 1);
          }
          while (actors.length > 0) if (actors[0]?.next().done) actors.shift();

          const { job } = world;
          expect(isTerminal(job.state)).toBe(true);
          expect(cancel.outcome).not.toBe('contended');
          expect(world.held).toEqual(new Set());
          if (cancel.outcome === 'already-ended') {
            expect(job.cancelRequested).toBeUndefined();
            return;
          }
          // Succeeded on its own before its stop took effect; otherwise cancelled.
          const last = job.attempt === 1 ? natural1 : natural2;
          if (job.state !== 'CANCELLED') expect([job.state, last.exitCode]).toEqual(['SUCCEEDED', 0]);
          // No attempt after the cancel: the job's last attempt is the one the cancel landed on.
          expect(job.attempt).toBe(world.cancelWriteAttempt);
          for (const [attempt, taskArn] of world.started) {
            if (attempt > (world.cancelWriteAttempt ?? 0)) expect(world.stopRequested).toContain(taskArn);
          }
          expect(job.history.filter((h) => isTerminal(h.state))).toHaveLength(1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
