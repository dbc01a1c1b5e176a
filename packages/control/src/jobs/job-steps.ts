import type { JobSource } from '@stevedore/core/config';
import { LaunchRefusedError } from '@stevedore/core/errors';
import {
  type CapacityChoice,
  capacityEnv,
  chooseCapacity,
  type Decision,
  decide,
  isTerminal,
  type Job,
  type JobEffect,
  type JobEvent,
  refusedForCancel,
  STOP_REASONS,
  slotHolder,
} from '@stevedore/core/job';
import type { ApplyResult, LaunchRequest } from '@stevedore/core/ports';
import type { SourcePolicy } from '../app';
import type { HandlerDeps } from '../deps';

/*
 * The steps every job handler shares: launch an attempt, apply an event through the ledger, and run
 * the effects the state machine asks for. Each step is safe to repeat: RunTask carries the attempt's
 * clientToken, ledger writes are guarded, slots are keyed by attempt.
 */

export interface Applied {
  decision: Decision | undefined;
  result: ApplyResult;
}

/** Applies an event to a job with one guarded ledger write, and logs the transition. */
export async function applyEvent(
  deps: HandlerDeps,
  jobId: string,
  found: SourcePolicy,
  event: JobEvent,
): Promise<Applied> {
  const decision = decide({
    jobId,
    source: found.source.name,
    event,
    now: deps.clock.now(),
    policy: found.policy,
  });
  if (!decision) return { decision, result: { applied: false } };
  const result = await deps.jobs.applyPatch(jobId, decision.patch);
  const current = result.applied ? undefined : result.current;
  if (current?.cancelRequested !== undefined && refusedForCancel(decision.patch, current)) {
    // The attempt of a job marked for cancel ended on its own: it ends CANCELLED, never retried.
    const task = event.type === 'task' ? { task: event.task } : {};
    const attempt = decision.patch.guard.attempt;
    const reason = current.cancelRequested;
    return applyEvent(deps, jobId, found, { type: 'cancel-ended', attempt, reason, ...task });
  }
  if (result.applied) {
    const { job } = result;
    deps.logger.info('transition', {
      jobId,
      source: job.source,
      state: job.state,
      attempt: job.attempt,
      ...(job.taskStatus ? { taskStatus: job.taskStatus } : {}),
      ...(job.taskArn ? { taskArn: job.taskArn } : {}),
      ...(decision.patch.history.reason ? { reason: decision.patch.history.reason } : {}),
    });
  }
  return { decision, result };
}

/**
 * The longest wait for a due retry that a handler sits out itself: a throttled launch's retry at the
 * rate bucket's refill is milliseconds away; an attempt's backoff (10 s by default) is not.
 */
export const MAX_RETRY_WAIT_MS = 1000;

export type LaunchOutcome = 'launched' | 'not-due' | 'no-slot' | 'refused' | 'not-launchable' | 'stale';

/**
 * The RunTask request of the job's current attempt. Its environment: the source's env, the job's
 * input, and who it is. Its task definition is the source's (see taskDefinitionsOf): secrets are
 * named there, never sent with RunTask, whose overrides carry values.
 */
export function launchRequest(
  deps: HandlerDeps,
  job: Job,
  source: JobSource,
  capacity: CapacityChoice = chooseCapacity(source.capacity, job),
): LaunchRequest {
  return {
    jobId: job.jobId,
    attempt: job.attempt,
    taskDefinition: deps.app.names.taskFamily(source.definition),
    containerName: source.task.containerName,
    env: {
      ...source.env,
      ...job.input,
      STEVEDORE_JOB_ID: job.jobId,
      STEVEDORE_ATTEMPT: String(job.attempt),
      ...capacityEnv(source.capacity, capacity, job.uncountedAttempts ?? 0),
    },
    capacityProvider: capacity.provider,
    ...(capacity.reason === 'spot-refused' && job.spotFallback?.attempt === job.attempt
      ? { onDemandRelaunch: true }
      : {}),
  };
}

/**
 * Launches the job's current attempt if it is due and a concurrency slot is free. A refusal from ECS
 * (capacity, throttling, bad request) is recorded on the job; any other error is thrown so the
 * caller is retried, and the retry reuses the attempt's clientToken, so no second task starts.
 */
export async function launchJob(deps: HandlerDeps, job: Job): Promise<LaunchOutcome> {
  if (job.state !== 'SUBMITTED' || job.taskArn !== undefined || job.cancelRequested !== undefined) {
    return 'not-launchable';
  }
  if (job.notBefore && new Date(job.notBefore) > deps.clock.now()) return 'not-due';
  const found = deps.app.source(job.source);
  if (!found) {
    deps.logger.error('job source is not in the config', { jobId: job.jobId, source: job.source });
    return 'not-launchable';
  }
  const { source } = found;
  const holder = slotHolder(job.jobId, job.attempt);
  if (
    source.concurrency !== undefined &&
    !(await deps.slots.acquireSlot(source.name, holder, source.concurrency))
  ) {
    return 'no-slot';
  }

  let taskArn: string;
  let lastStatus: string | undefined;
  const capacity = chooseCapacity(source.capacity, job);
  try {
    ({ taskArn, lastStatus } = await deps.launcher.runTask(launchRequest(deps, job, source, capacity)));
  } catch (error) {
    if (!(error instanceof LaunchRefusedError)) throw error;
    const failed: JobEvent = {
      type: 'launch-failed',
      attempt: job.attempt,
      launchFailures: job.launchFailures,
      failure: error.toLaunchFailure(),
      asked: capacity.provider,
    };
    const { decision, result } = await applyEvent(deps, job.jobId, found, failed);
    // The slot goes back even if the write lost a race (this call started no task), unless the
    // attempt was launched meanwhile (two launches of one attempt share its slot): the live task keeps
    // it. A refusal that ended the job also finishes its schedule run, and a throttled one is retried,
    // only if this write recorded it (whoever won the race did the rest).
    const live = !result.applied && followsLiveTask(result.current, job.attempt);
    // Spot refused and the policy falls back: the same attempt goes to FARGATE now, and what that
    // launch does is this launch's outcome.
    const fallback = result.applied && decision?.patch.set.spotFallback !== undefined;
    if (result.applied)
      deps.logger.warn('launch refused', { jobId: job.jobId, kind: error.kind, reason: error.reason });
    if (decision)
      await runEffects(
        deps,
        decision.effects.filter(
          (e) =>
            ((e.type !== 'JobFinished' && e.type !== 'ScheduleRetry') || result.applied) &&
            !(e.type === 'ReleaseSlot' && live) &&
            !(fallback && e.type === 'ScheduleRetry'),
        ),
      );
    if (fallback && result.applied) return launchJob(deps, result.job);
    return 'refused';
  }

  const launched: JobEvent = {
    type: 'launched',
    attempt: job.attempt,
    taskArn,
    ...(lastStatus ? { lastStatus } : {}),
    ...(source.capacity.spot ? { capacity } : {}),
  };
  const { result } = await applyEvent(deps, job.jobId, found, launched);
  if (result.applied) return 'launched';
  const current = result.current;
  const live = followsLiveTask(current, job.attempt);
  // The task's own events got there first: launched all the same.
  if (live && current?.taskArn === taskArn) return 'launched';
  // `job` was a stale copy: the job was cancelled while RunTask ran, or the attempt had been launched
  // (same clientToken, same task) and has moved on. A task the ledger does not hold for the attempt
  // (a cancelled job's, or a second one ECS started because it forgot the clientToken) has nobody to
  // follow it: stop it.
  if (!recordsTask(current, job.attempt, taskArn)) {
    const why = current?.state === 'CANCELLED' ? STOP_REASONS.cancel : STOP_REASONS.superseded;
    await deps.launcher.stopTask(taskArn, why);
  }
  // The slot this call took belongs to no live attempt: give it back, or it stays taken by a finished
  // job until the sweeper notices. The attempt's own end may have released it before it was taken.
  if (!live) await runEffects(deps, [{ type: 'ReleaseSlot', source: job.source, holder }]);
  return 'stale';
}

/** True when the ledger's job is on `attempt` and that attempt has a task that has not ended. */
function followsLiveTask(current: Job | undefined, attempt: number): boolean {
  return (
    current !== undefined &&
    current.attempt === attempt &&
    current.taskArn !== undefined &&
    !isTerminal(current.state)
  );
}

/** True when the ledger holds `taskArn` as the task of the job's `attempt` (current or ended). */
function recordsTask(current: Job | undefined, attempt: number, taskArn: string): boolean {
  if (!current) return false;
  if (current.attempt === attempt && current.taskArn === taskArn) return true;
  return current.attempts[String(attempt)]?.taskArn === taskArn;
}

/** Runs the effects of a decision. Every effect is idempotent, so running them again is harmless. */
export async function runEffects(deps: HandlerDeps, effects: readonly JobEffect[]): Promise<void> {
  for (const effect of effects) {
    switch (effect.type) {
      case 'ReleaseSlot':
        if (deps.app.source(effect.source)?.source.concurrency !== undefined) {
          await deps.slots.releaseSlot(effect.source, effect.holder);
        }
        break;
      case 'LaunchWaiting':
        await launchWaiting(deps, effect.source);
        break;
      case 'ScheduleRetry': {
        const wait = new Date(effect.notBefore).getTime() - deps.clock.now().getTime();
        // A longer wait (an attempt's backoff) is the sweeper's: it launches the job once it is due.
        if (wait > MAX_RETRY_WAIT_MS) break;
        // A short one is a rate bucket's refill: waited here, or the bucket would sit full and idle
        // until the next sweep. Should this process die while waiting, `notBefore` is in the ledger
        // and the sweeper launches the job.
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const job = await deps.jobs.getJob(effect.jobId);
        if (job && job.attempt === effect.attempt) await launchJob(deps, job);
        break;
      }
      case 'JobFinished':
        // A schedule's run ended: the next one may start (overlap skip/replace), and a success is remembered.
        if (deps.app.config.schedules[effect.source]) {
          await deps.schedules.finishRun(
            effect.source,
            effect.jobId,
            effect.state,
            deps.clock.now().toISOString(),
          );
        }
        break;
    }
  }
}

/**
 * Launches the oldest due waiting jobs of a capped source while slots are free. Uncapped sources
 * have no queue: their waiting jobs are backing off and the sweeper launches them when due. Jobs
 * are read a few at a time: a finished job usually frees one slot, and reading more is wasted.
 */
export async function launchWaiting(deps: HandlerDeps, sourceName: string, max = 25): Promise<number> {
  const source = deps.app.source(sourceName)?.source;
  if (!source || source.concurrency === undefined) return 0;
  const dueBy = deps.clock.now();
  let launched = 0;
  let tried = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.jobs.openJobs(source.name, {
      dueBy,
      limit: Math.min(3, max - tried),
      ...(cursor ? { cursor } : {}),
    });
    for (const job of page.jobs) {
      tried += 1;
      const outcome = await launchJob(deps, job);
      if (outcome === 'launched') launched += 1;
      if (outcome === 'no-slot') return launched;
    }
    cursor = page.cursor;
  } while (cursor && tried < Math.min(max, source.concurrency));
  return launched;
}
