import { isTerminal, type Job, STOP_REASONS } from '@stevedore/core/job';
import type { HandlerDeps } from '../deps';
import { applyEvent, runEffects } from '../jobs/job-steps';
import { OperationError } from './operation-errors';
import { requireJob, requireSource, sourceOfJob } from './operation-steps';

/*
 * Cancel. A waiting job (SUBMITTED, no task) ends CANCELLED at once. A job with a task is first
 * marked for cancel in the ledger (`cancelRequested`, a guarded write), then its task is stopped: its
 * STOPPED event ends it CANCELLED. The mark is what settles a race with the task's own end: every
 * patch that would retry or fail the attempt is refused for a marked job, and whoever gets that
 * refusal (applyEvent) ends the job CANCELLED instead. Whichever write lands first, the job ends in
 * one terminal state and no attempt starts after the cancel.
 */

export type CancelOutcome =
  /** It was waiting and is now CANCELLED. */
  | 'cancelled'
  /** It has a task: StopTask was sent and the job ends CANCELLED when the task stops. */
  | 'stopping'
  /** It ended on its own before the cancel landed (a lost race): nothing was changed. */
  | 'already-ended';

export interface CancelResult {
  outcome: CancelOutcome;
  /** The job as the ledger holds it after the cancel. */
  job: Job;
}

/** ECS keeps at most 255 characters of a StopTask reason. */
const STOP_REASON_MAX = 255;

/** Writes that lose a race are retried on the job they lost to, this many times at most. */
const MAX_TRIES = 5;

export interface CancelOptions {
  reason?: string;
  /**
   * Launch the job that takes a freed slot now (default). False leaves it to the sweeper: for callers
   * that cannot make RunTask's network settings (the CLI on a stage).
   */
  launch?: boolean;
}

/** Cancels one job; a terminal job is an OperationError naming its state. */
export async function cancelJob(
  deps: HandlerDeps,
  jobId: string,
  options: CancelOptions = {},
): Promise<CancelResult> {
  let job = await requireJob(deps, jobId);
  if (isTerminal(job.state)) {
    throw new OperationError(
      'wrong-state',
      `job ${jobId} is already ${job.state}: only SUBMITTED, STARTING or RUNNING jobs can be cancelled`,
    );
  }
  const found = sourceOfJob(deps, job);
  const reason = options.reason?.trim() || 'cancelled by an operator';
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    if (isTerminal(job.state)) return { outcome: 'already-ended', job };
    if (job.cancelRequested !== undefined) {
      // Asked before: stop again (idempotent), in case the first caller died before StopTask.
      if (job.taskArn) await stopForCancel(deps, job.taskArn, job.cancelRequested);
      return { outcome: 'stopping', job };
    }
    if (job.state === 'SUBMITTED' && job.taskArn === undefined) {
      const { decision, result } = await applyEvent(deps, jobId, found, {
        type: 'cancel',
        attempt: job.attempt,
        reason,
      });
      if (result.applied) {
        const effects = decision?.effects ?? [];
        await runEffects(
          deps,
          options.launch === false ? effects.filter((e) => e.type !== 'LaunchWaiting') : effects,
        );
        return { outcome: 'cancelled', job: result.job };
      }
      job = result.current ?? (await requireJob(deps, jobId));
      continue;
    }
    const state = job.state === 'SUBMITTED' ? 'STARTING' : job.state;
    const { result } = await applyEvent(deps, jobId, found, {
      type: 'cancel-requested',
      attempt: job.attempt,
      state,
      reason,
    });
    if (result.applied) {
      if (result.job.taskArn) await stopForCancel(deps, result.job.taskArn, reason);
      return { outcome: 'stopping', job: result.job };
    }
    job = result.current ?? (await requireJob(deps, jobId));
  }
  throw new OperationError('contended', `job ${jobId} kept changing while it was being cancelled: try again`);
}

/** Stops the task of a job marked for cancel, saying why (the sweeper sends it again if it runs on). */
export function stopForCancel(deps: HandlerDeps, taskArn: string, reason: string): Promise<void> {
  return deps.launcher.stopTask(taskArn, `${STOP_REASONS.cancel}: ${reason}`.slice(0, STOP_REASON_MAX));
}

export interface BulkCancelResult {
  jobId: string;
  outcome: CancelOutcome;
  state: Job['state'];
}

/** Cancels every open job of a pipeline or schedule (the ones open when it starts). */
export async function cancelOpenJobs(
  deps: HandlerDeps,
  sourceName: string,
  options: CancelOptions & { kind?: 'pipeline' | 'schedule' } = {},
): Promise<BulkCancelResult[]> {
  const { source } = requireSource(deps, sourceName, options.kind);
  // Collect first: cancelling moves jobs out of the open index being paged through.
  const jobIds: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.jobs.openJobs(source.name, { limit: 100, ...(cursor ? { cursor } : {}) });
    jobIds.push(...page.jobs.map((j) => j.jobId));
    cursor = page.cursor;
  } while (cursor);
  const results: BulkCancelResult[] = [];
  for (const jobId of jobIds) {
    try {
      const { kind: _kind, ...cancel } = options;
      const { outcome, job } = await cancelJob(deps, jobId, cancel);
      results.push({ jobId, outcome, state: job.state });
    } catch (error) {
      // It ended between the listing and its cancel: that is a lost race, reported as such.
      if (!(error instanceof OperationError) || error.kind !== 'wrong-state') throw error;
      const job = await deps.jobs.getJob(jobId);
      results.push({ jobId, outcome: 'already-ended', state: job?.state ?? 'CANCELLED' });
    }
  }
  return results;
}
