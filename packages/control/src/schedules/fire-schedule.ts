import { InvalidJobInputError } from '@stevedore/core/errors';
import {
  endedBeforeStart,
  isTerminal,
  type Job,
  STOP_REASONS,
  scheduleRunJob,
  timeProblem,
} from '@stevedore/core/job';
import type { ScheduleRun } from '@stevedore/core/ports';
import { onRateGrid, parseScheduleExpression } from '@stevedore/core/schedule';
import type { HandlerDeps } from '../deps';
import { applyEvent, launchJob, runEffects } from '../jobs/job-steps';

/*
 * A schedule fires: its run becomes a job (id from schedule and scheduled time, so a redelivered
 * firing is the same run), the overlap policy decides with one conditional write on the schedule's
 * ledger item, and the job launches through the same launcher, retries and timeouts as S3 jobs.
 */

export type FireOutcome = 'started' | 'replaced' | 'skipped' | 'duplicate' | 'disabled' | 'unknown';

export interface FireOptions {
  /** Started by a person (`stevedore schedules run`): runs even while the schedule is disabled. */
  manual?: boolean;
}

/**
 * Starts (or skips) the run of `schedule` for `scheduledTime`. A time outside TIME_RANGE is an
 * InvalidJobInputError, before anything is written.
 */
export async function fireSchedule(
  deps: HandlerDeps,
  schedule: string,
  scheduledTime: Date,
  options: FireOptions = {},
): Promise<{ outcome: FireOutcome; jobId?: string }> {
  const problem = timeProblem(scheduledTime);
  if (problem) throw new InvalidJobInputError('scheduled time', problem);
  const config = deps.app.config.schedules[schedule];
  const found = deps.app.source(schedule);
  if (!config || !found) {
    deps.logger.error('schedule not in the config', { schedule });
    return { outcome: 'unknown' };
  }
  if (!config.enabled && !options.manual) return { outcome: 'disabled' };
  const time = scheduledTime.toISOString();
  if (!options.manual && parseScheduleExpression(config.expression).kind === 'rate') {
    await learnRateGrid(deps, schedule, config.expression, scheduledTime);
  }
  const now = deps.clock.now();
  const job = scheduleRunJob(found.source, time, now);
  const { jobId } = job;

  const existing = await deps.jobs.getJob(jobId);
  if (existing) return duplicate(deps, jobId, existing);
  const run: ScheduleRun = { jobId, scheduledTime: time, at: now.toISOString() };

  let outcome: FireOutcome = 'started';
  if (config.overlap === 'allow') {
    const { created, job: stored } = await deps.jobs.createJob(job);
    if (!created) return duplicate(deps, jobId, stored);
    await deps.schedules.recordRun(schedule, run);
  } else {
    let result = await deps.schedules.startRun(schedule, run, job);
    if (!result.started && !result.duplicate && result.activeJob) {
      const activeJob = result.activeJob;
      const active = await deps.jobs.getJob(activeJob);
      // A claim whose job has ended (its release was lost) or expired from the ledger is taken over.
      const stillActive = active !== undefined && !isTerminal(active.state);
      if (stillActive && config.overlap === 'skip') {
        await recordSkipped(deps, job, `skipped: run ${activeJob} is still active (overlap: skip)`);
        return { outcome: 'skipped', jobId };
      }
      if (stillActive) {
        await stopRun(deps, active, schedule);
        outcome = 'replaced';
      }
      result = await deps.schedules.startRun(schedule, run, job, activeJob);
    }
    if (!result.started) {
      if (result.duplicate) return duplicate(deps, jobId);
      // Another firing started a run between our two writes: that one goes ahead.
      const other = result.activeJob ?? 'another run';
      deps.logger.warn('another firing took the schedule meanwhile', { schedule, jobId, active: other });
      await recordSkipped(
        deps,
        job,
        `gave way: run ${other} took the schedule meanwhile (overlap: ${config.overlap})`,
      );
      return { outcome: 'skipped', jobId };
    }
  }
  deps.logger.info('transition', {
    jobId,
    source: schedule,
    state: job.state,
    attempt: 1,
    reason: `scheduled for ${time}`,
  });
  await launchJob(deps, job);
  return { outcome, jobId };
}

/**
 * The same firing again (Scheduler delivers at least once): the run exists. Launching again only
 * repairs a launch that died midway; RunTask's client token makes it the same task.
 */
async function duplicate(
  deps: HandlerDeps,
  jobId: string,
  known?: Job,
): Promise<{ outcome: FireOutcome; jobId: string }> {
  const existing = known ?? (await deps.jobs.getJob(jobId));
  if (existing) await launchJob(deps, existing);
  return { outcome: 'duplicate', jobId };
}

/**
 * The run that did not start is recorded as a job of its own, CANCELLED, saying which run it gave
 * way to and why: the overlap policy skipped it, or (any policy) another firing won the race for the
 * schedule between this firing's two writes.
 */
async function recordSkipped(deps: HandlerDeps, job: Job, reason: string) {
  const at = deps.clock.now().toISOString();
  await deps.jobs.createJob(endedBeforeStart(job, 'CANCELLED', reason, at));
  deps.logger.info('transition', {
    jobId: job.jobId,
    source: job.source,
    state: 'CANCELLED',
    attempt: 1,
    reason,
  });
}

/** Replace: the previous run is stopped (or cancelled before it had a task); its job ends CANCELLED. */
async function stopRun(deps: HandlerDeps, active: Job, schedule: string) {
  if (active.taskArn) {
    await deps.launcher.stopTask(active.taskArn, STOP_REASONS.replaced);
    return;
  }
  const found = deps.app.source(schedule);
  if (!found) return;
  const { decision } = await applyEvent(deps, active.jobId, found, {
    type: 'cancel',
    attempt: active.attempt,
    reason: STOP_REASONS.replaced,
  });
  if (decision) await runEffects(deps, decision.effects);
}

/**
 * Scheduler starts a rate schedule when it is created (or updated), so its grid is where that
 * happened: a firing off the grid we know (or the first one, or one after the config changed the
 * expression) anchors the grid and restarts missed-run checks from it. A manual run is off any grid
 * and does not count.
 */
async function learnRateGrid(deps: HandlerDeps, schedule: string, expression: string, time: Date) {
  const state = await deps.schedules.scheduleState(schedule);
  const anchor = state.checkedExpression === expression && state.anchor ? new Date(state.anchor) : undefined;
  // On the grid; or older than the anchor: a late retry of a firing from before the grid moved.
  if (anchor && (time < anchor || onRateGrid(expression, time, anchor))) return;
  const at = time.toISOString();
  await deps.schedules.restartChecks(schedule, { from: at, expression, anchor: at });
  deps.logger.info('rate schedule grid', { schedule, anchor: at });
}
