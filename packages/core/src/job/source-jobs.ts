import type { JobSource } from '../config/job-sources';
import { objectKeyProblem, requireValid, timeProblem } from './input-limits';
import { type Job, newJob } from './job';
import { s3JobId, scheduledJobId } from './job-id';

/*
 * The jobs a pipeline or a schedule starts, and what their tasks find in their environment: the
 * contract between Stevedore and a task program, written once, here.
 */

/** An object that landed in a bucket, as S3's "Object Created" event describes it. */
export interface CreatedObjectFacts {
  bucket: string;
  key: string;
  size: number;
  sequencer: string;
  versionId?: string | undefined;
  etag?: string | undefined;
}

/** What an S3 job's task gets: the object it runs for (read it with the S3 SDK). */
export function objectInput(object: CreatedObjectFacts): Record<string, string> {
  return {
    S3_BUCKET: object.bucket,
    S3_KEY: object.key,
    S3_VERSION_ID: object.versionId ?? '',
    S3_SIZE: String(object.size),
    S3_ETAG: object.etag ?? '',
  };
}

/** What a schedule run's task gets: which schedule, and the time it was due. */
export function scheduleRunInput(schedule: string, scheduledTime: string): Record<string, string> {
  return { STEVEDORE_SCHEDULE: schedule, STEVEDORE_SCHEDULED_TIME: scheduledTime };
}

function sourceJob(source: JobSource, jobId: string, input: Record<string, string>, now: Date): Job {
  return newJob(
    {
      jobId,
      kind: source.kind,
      source: source.name,
      task: source.taskName,
      maxAttempts: source.retry.attempts,
      timeoutSeconds: source.timeoutSeconds,
      input,
    },
    now,
  );
}

/**
 * The job of a pipeline for one object; its id is derived, so a redelivered event is the same job.
 * Throws InvalidJobInputError for a key S3 would not have stored (the last check before the ledger).
 */
export function objectJob(pipeline: JobSource, object: CreatedObjectFacts, now: Date): Job {
  requireValid('object key', objectKeyProblem(object.key));
  const jobId = s3JobId(pipeline.name, object.bucket, object.key, object.sequencer);
  return sourceJob(pipeline, jobId, objectInput(object), now);
}

/**
 * The job of one run of a schedule, before it starts; its id comes from schedule and scheduled time.
 * Throws InvalidJobInputError for a time outside TIME_RANGE.
 */
export function scheduleRunJob(schedule: JobSource, scheduledTime: string, now: Date): Job {
  requireValid('scheduled time', timeProblem(new Date(scheduledTime)));
  const jobId = scheduledJobId(schedule.name, scheduledTime);
  return sourceJob(schedule, jobId, scheduleRunInput(schedule.name, scheduledTime), now);
}

/** A run that never started (skipped, missed), recorded as a job that has already ended. */
export function endedBeforeStart(job: Job, state: 'CANCELLED' | 'FAILED', reason: string, at: string): Job {
  return {
    ...job,
    state,
    reason,
    finishedAt: at,
    history: [...job.history, { at, state, attempt: 1, reason }],
  };
}
