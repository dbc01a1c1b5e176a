import { isTerminal, type Job, newJob, type TerminalState } from '@stevedore/core/job';
import type { HandlerDeps } from '../deps';
import { applyEvent, type LaunchOutcome, launchJob } from '../jobs/job-steps';
import { OperationError } from './operation-errors';
import { derivedJobId, requireJob, requireSource, sourceOfJob } from './operation-steps';

/*
 * Retry. A terminal job that did not succeed is never changed back: a NEW job runs the same source,
 * task and input, linked both ways (`retryOf` on the new job, `retriedBy` on the old one). Its id is
 * derived from the old job's, so retrying twice (a double click, two operators) is one new job.
 */

const RETRYABLE: readonly TerminalState[] = ['FAILED', 'TIMED_OUT', 'CANCELLED'];

export interface RetryResult {
  /** The new job (as created, or as it already was when this job had been retried). */
  job: Job;
  /** False when the job had been retried already: `job` is that retry. */
  created: boolean;
  /** What launching the new job did (undefined when it was not created now). */
  launch?: LaunchOutcome;
}

export interface RetryOptions {
  /**
   * Launch the new job now (default). False leaves it SUBMITTED for the sweeper, which launches due
   * jobs within a minute: for callers that cannot make RunTask's network settings (the CLI on a stage).
   */
  launch?: boolean;
}

/** Retries one FAILED, TIMED_OUT or CANCELLED job as a new job. */
export async function retryJob(
  deps: HandlerDeps,
  jobId: string,
  options: RetryOptions = {},
): Promise<RetryResult> {
  const old = await requireJob(deps, jobId);
  const state = old.state;
  if (!isTerminal(state) || !RETRYABLE.includes(state)) {
    throw new OperationError(
      'wrong-state',
      `job ${jobId} is ${state}: only ${RETRYABLE.join(', ')} jobs can be retried`,
    );
  }
  const found = sourceOfJob(deps, old);
  const { source } = found;
  const retryId = old.retriedBy ?? derivedJobId(old.source, ['retry', old.jobId]);
  const fresh: Job = {
    ...newJob(
      {
        jobId: retryId,
        kind: old.kind,
        source: old.source,
        task: old.task,
        // The source's rules as the config has them now: a retry is usually made after a fix.
        maxAttempts: source.retry.attempts,
        timeoutSeconds: source.timeoutSeconds,
        input: old.input,
      },
      deps.clock.now(),
    ),
    retryOf: old.jobId,
  };
  const { created, job } = await deps.jobs.createJob(fresh);
  if (old.retriedBy === undefined) {
    // Refused only if another retry linked it first: the same derived id, so the same link.
    await applyEvent(deps, old.jobId, found, { type: 'retried', attempt: old.attempt, state, by: retryId });
  }
  if (!created || options.launch === false) return { job, created };
  const launch = await launchJob(deps, job);
  return { job: (await deps.jobs.getJob(job.jobId)) ?? job, created, launch };
}

export interface BulkRetryResult {
  jobId: string;
  retriedAs: string;
  created: boolean;
}

/** Pages of jobs read at most, newest first, looking for failures since `since`. */
const MAX_PAGES = 200;

/** Retries the FAILED and TIMED_OUT jobs of a pipeline or schedule created since `since`, not yet retried. */
export async function retryFailedJobs(
  deps: HandlerDeps,
  sourceName: string,
  since: Date,
  options: RetryOptions & { kind?: 'pipeline' | 'schedule' } = {},
): Promise<BulkRetryResult[]> {
  const { source } = requireSource(deps, sourceName, options.kind);
  const failed: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  scan: do {
    const page = await deps.jobs.listJobs({ source: source.name, limit: 100, ...(cursor ? { cursor } : {}) });
    for (const job of page.jobs) {
      if (new Date(job.createdAt) < since) break scan;
      if ((job.state === 'FAILED' || job.state === 'TIMED_OUT') && job.retriedBy === undefined) {
        failed.push(job.jobId);
      }
    }
    cursor = page.cursor;
    pages += 1;
  } while (cursor && pages < MAX_PAGES);
  const results: BulkRetryResult[] = [];
  for (const jobId of failed.reverse()) {
    const { job, created } = await retryJob(deps, jobId, options.launch === false ? { launch: false } : {});
    results.push({ jobId, retriedAs: job.jobId, created });
  }
  return results;
}
